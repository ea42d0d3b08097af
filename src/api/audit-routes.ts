import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { verifyAuditChain } from '../audit/index.ts'
import { ok } from '../domain/index.ts'
import { compact, type RouteRegistrar } from './route-kit.ts'
import { AuditPageSchema, AuditVerificationSchema } from './schemas.ts'

const Id = z.string().min(1).max(100)

const AuditQuery = z.strictObject({
  subjectId: Id.optional(),
  entityType: Id.optional(),
  entityId: Id.optional(),
  userId: Id.optional(),
  kind: Id.optional(),
  beforeSeq: z.coerce.number().int().min(1).optional().openapi({ description: 'the previous page’s `nextBeforeSeq`' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

/**
 * The audit trail (who, what, when, why), newest first, filtered by subject, entity, user or kind, limited to
 * the reader's sites. Allocation detail stays masked for blinded readers: only an unblinded reader gets the
 * sealer that opens it. `verify` recomputes the hash chain.
 */
export function registerAuditRoutes(r: RouteRegistrar): void {
  const { store } = r.deps

  r.add(
    {
      method: 'get',
      path: '/api/audit',
      access: Action.AuditView,
      tag: 'audit',
      summary: 'Audit trail records (newest first, keyset pagination)',
      query: AuditQuery,
      response: AuditPageSchema,
    },
    ({ actor, query }) => r.deps.services.reads.auditTrail(actor, compact(query)),
  )

  r.add(
    {
      method: 'get',
      path: '/api/audit/verify',
      access: Action.AuditView,
      tag: 'audit',
      summary: 'Recompute the audit hash chain; reports the first broken record',
      response: AuditVerificationSchema,
    },
    async () => ok(await verifyAuditChain(store)),
  )
}
