import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { DisclosureSchema } from './capture-schemas.ts'
import type { RouteRegistrar } from './route-kit.ts'
import { Reason, SubjectParams } from './schemas.ts'

const Password = z.string().min(1).max(256)

/**
 * Breaking the blind: emergency unblinding of one patient by the investigator (the arm is in this response
 * only; audited without it, sponsor and statistician notified) and end-of-study unblinding after database lock.
 * Both re-authenticate (password re-entered) under the sign-in throttle.
 */
export function registerUnblindingRoutes(r: RouteRegistrar): void {
  const { unblinding } = r.deps.services
  const tag = 'unblinding'
  r.add(
    {
      method: 'post',
      path: '/api/subjects/{subjectId}/unblind',
      access: Action.UnblindEmergency,
      tag,
      summary: 'Emergency unblinding of one patient (reason and password required)',
      params: SubjectParams,
      body: z.strictObject({ reason: z.string().trim().min(1).max(2000), password: Password }),
      response: DisclosureSchema,
    },
    ({ c, actor, params, body }) =>
      c.var.auth.withReauthentication(c, () => unblinding.emergency(actor, params.subjectId, body)),
  )
  r.add(
    {
      method: 'post',
      path: '/api/study/unblind',
      access: Action.UnblindStudy,
      tag,
      summary: 'End-of-study unblinding, after database lock (reason and password required)',
      body: z.strictObject({ reason: Reason, password: Password }),
      response: z.object({ unblindedAt: z.string() }),
    },
    ({ c, actor, body }) => c.var.auth.withReauthentication(c, () => unblinding.endOfStudy(actor, body)),
  )
}
