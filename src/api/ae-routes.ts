import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { ok } from '../domain/index.ts'
import { AdverseEventDetailSchema, AdverseEventSchema } from './capture-schemas.ts'
import { compact, renamePaths, type RouteRegistrar } from './route-kit.ts'
import { Empty, SubjectParams } from './schemas.ts'

const AeParams = z.strictObject({ aeId: z.string().min(1).max(64) })
const Instant = z.iso.datetime({ offset: false }).openapi({ example: '2026-03-02T09:30:00.000Z' })
const Values = z.record(z.string().trim().min(1).max(40), z.unknown()).openapi({
  description:
    'values of the protocol’s AE form (term, soc, onset_date, ongoing, grade, serious, seriousness, causality, action, outcome, ...)',
})

const Report = z.strictObject({
  values: Values,
  awarenessAt: Instant.optional().openapi({
    description: 'when the site became aware (the SAE clock starts here); default now',
  }),
})
const FollowUp = z.strictObject({
  values: Values.openapi({ description: 'the complete values of the new version' }),
  reason: z.string().trim().min(1, 'a reason is required').max(1000),
  awarenessAt: Instant.optional(),
})
const Expectedness = z.strictObject({
  expected: z.boolean(),
  sponsorCausality: z.string().trim().min(1).max(40).optional(),
  reason: z.string().trim().min(1).max(1000).optional(),
})

const AeList = z.strictObject({
  siteId: z.string().trim().min(1).max(40).optional(),
  subjectId: z.string().min(1).max(64).optional(),
  serious: z.enum(['true', 'false']).optional(),
  status: z.enum(['ongoing', 'resolved']).optional(),
  awaitingReport: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'SAEs not yet acknowledged by the sponsor' }),
})

/** Adverse events: report, follow-up, sponsor expectedness (SUSAR), SAE acknowledgement and clock, lists. */
export function registerAeRoutes(r: RouteRegistrar): void {
  const { safety } = r.deps.services
  const tag = 'adverse events'
  const items = z.object({ items: z.array(AdverseEventSchema) })
  r.add(
    {
      method: 'post',
      path: '/api/subjects/{subjectId}/adverse-events',
      access: Action.AeReport,
      tag,
      summary: 'Report an adverse event (a serious one starts the SAE clock and notifies the sponsor)',
      params: SubjectParams,
      body: Report,
      response: AdverseEventSchema,
      status: 201,
    },
    async ({ actor, params, body }) =>
      renamePaths(await safety.report(actor, params.subjectId, compact(body)), 'items', 'values'),
  )
  r.add(
    {
      method: 'get',
      path: '/api/subjects/{subjectId}/adverse-events',
      access: Action.AeView,
      tag,
      summary: 'A subject’s adverse events',
      params: SubjectParams,
      response: items,
    },
    async ({ actor, params }) => {
      // The list filter alone would answer an empty list for another site's subject: answer not_found instead.
      const subject = await r.deps.services.subjects.get(actor, params.subjectId)
      if (!subject.ok) return subject
      const list = await safety.list(actor, { subjectId: params.subjectId })
      return list.ok ? ok({ items: list.value }) : list
    },
  )
  r.add(
    {
      method: 'get',
      path: '/api/adverse-events',
      access: Action.AeView,
      tag,
      summary: 'Study-wide adverse events across your sites, with the SAE clock',
      query: AeList,
      response: items,
    },
    async ({ actor, query }) => {
      const flag = (v: 'true' | 'false' | undefined) => (v === undefined ? undefined : v === 'true')
      const list = await safety.list(
        actor,
        compact({
          siteId: query.siteId,
          subjectId: query.subjectId,
          status: query.status,
          serious: flag(query.serious),
          awaitingReport: flag(query.awaitingReport),
        }),
      )
      return list.ok ? ok({ items: list.value }) : list
    },
  )
  r.add(
    {
      method: 'get',
      path: '/api/adverse-events/{aeId}',
      access: Action.AeView,
      tag,
      summary: 'An adverse event with its versions',
      params: AeParams,
      response: AdverseEventDetailSchema,
    },
    ({ actor, params }) => safety.get(actor, params.aeId),
  )
  r.add(
    {
      method: 'post',
      path: '/api/adverse-events/{aeId}/follow-up',
      access: Action.AeReport,
      tag,
      summary: 'Follow-up: a new version of the AE form, with the reason',
      params: AeParams,
      body: FollowUp,
      response: AdverseEventSchema,
    },
    async ({ actor, params, body }) =>
      renamePaths(await safety.followUp(actor, params.aeId, compact(body)), 'items', 'values'),
  )
  r.add(
    {
      method: 'post',
      path: '/api/adverse-events/{aeId}/expectedness',
      access: Action.AeAssessExpectedness,
      tag,
      summary: 'The sponsor’s expectedness assessment (and causality upgrade) for SUSAR decisions',
      params: AeParams,
      body: Expectedness,
      response: AdverseEventSchema,
    },
    ({ actor, params, body }) => safety.assessExpectedness(actor, params.aeId, compact(body)),
  )
  r.add(
    {
      method: 'post',
      path: '/api/adverse-events/{aeId}/acknowledge',
      access: Action.AeAssessExpectedness,
      tag,
      summary: 'The sponsor acknowledges an SAE report (stops the clock)',
      params: AeParams,
      body: Empty,
      response: AdverseEventSchema,
    },
    ({ actor, params }) => safety.acknowledge(actor, params.aeId),
  )
}
