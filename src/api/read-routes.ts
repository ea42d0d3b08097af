import { createHash } from 'node:crypto'
import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { ok } from '../domain/index.ts'
import { DATASET_NAMES, datasetsFromExtract, serializeAnalysisDatasets } from '../analysis/index.ts'
import { designFromProtocol, redcapDictionary } from '../interop/index.ts'
import { DashboardSchema, NotificationsSchema, SubjectPageSchema } from './capture-schemas.ts'
import { compact, type RouteRegistrar } from './route-kit.ts'
import { Done, Empty, IsoDate } from './schemas.ts'

const Statuses = ['screening', 'screen-failed', 'enrolled', 'randomized', 'withdrawn', 'completed', 'died'] as const

const SubjectList = z.strictObject({
  siteId: z.string().trim().min(1).max(40).optional(),
  status: z
    .union([z.enum(Statuses), z.array(z.enum(Statuses))])
    .optional()
    .openapi({ description: 'one or more (repeat the parameter)' }),
  search: z.string().trim().max(40).optional().openapi({ description: 'start of the screening number' }),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
})

const Extract = z
  .object({
    study: z.object({
      id: z.string(),
      title: z.string(),
      protocolHash: z.string(),
      databaseLockedAt: z.string().nullable(),
      snapshotHash: z.string().nullable(),
    }),
    extractedAt: z.string(),
    blinded: z.boolean(),
    sites: z.array(z.object({ id: z.string(), name: z.string(), targetEnrolment: z.number().nullable() })),
    subjects: z.array(
      z.object({ id: z.string(), siteId: z.string(), screeningNumber: z.string(), status: z.string() }),
    ),
    visits: z.array(
      z.object({ subjectId: z.string(), visitId: z.string(), status: z.string(), actualDate: z.string().nullable() }),
    ),
    forms: z.array(
      z.object({
        subjectId: z.string(),
        visitId: z.string(),
        formId: z.string(),
        instance: z.number(),
        version: z.number(),
      }),
    ),
    adverseEvents: z.array(z.object({ subjectId: z.string() })),
    infusions: z.array(z.object({ subjectId: z.string() })),
  })
  .openapi('StudyExtract', { description: 'The whole study as plain data; blinded unless the reader sees allocations' })

/** Read models (dashboard, subject list, notifications) and exports. */
export function registerReadRoutes(r: RouteRegistrar): void {
  const { reads } = r.deps.services
  r.add(
    {
      method: 'get',
      path: '/api/study/dashboard',
      access: Action.SubjectView,
      tag: 'study',
      summary: 'Per-site recruitment, status counts, overdue visits, open queries and SAEs (nothing differs by arm)',
      query: z.strictObject({ today: IsoDate.optional() }),
      response: DashboardSchema,
    },
    ({ actor, query }) => reads.dashboard(actor, compact(query)),
  )
  r.add(
    {
      method: 'get',
      path: '/api/subjects',
      access: Action.SubjectView,
      tag: 'subjects',
      summary: 'Subjects across your sites (filters, offset pagination)',
      query: SubjectList,
      response: SubjectPageSchema,
    },
    ({ actor, query }) => {
      const status =
        query.status === undefined ? undefined : Array.isArray(query.status) ? query.status : [query.status]
      return reads.subjects(actor, compact({ ...query, status }))
    },
  )
  r.add(
    {
      method: 'get',
      path: '/api/notifications',
      access: 'signed-in',
      tag: 'notifications',
      summary: 'Notifications for your role (emergency unblinding, SAEs, ...)',
      query: z.strictObject({ unreadOnly: z.enum(['true', 'false']).optional() }),
      response: NotificationsSchema,
    },
    async ({ actor, query }) => {
      const list = await reads.notifications(actor, { unreadOnly: query.unreadOnly === 'true' })
      return list.ok ? ok({ items: list.value }) : list
    },
  )
  r.add(
    {
      method: 'post',
      path: '/api/notifications/{notificationId}/read',
      access: 'signed-in',
      tag: 'notifications',
      summary: 'Mark a notification read',
      params: z.strictObject({ notificationId: z.string().min(1).max(64) }),
      body: Empty,
      response: Done,
    },
    async ({ actor, params }) => {
      const marked = await reads.markNotificationRead(actor, params.notificationId)
      return marked.ok ? ok({ ok: true as const }) : marked
    },
  )
  r.add(
    {
      method: 'get',
      path: '/api/exports/study',
      access: Action.ExportBlinded,
      tag: 'exports',
      summary: 'The whole study as JSON (blinded unless you see allocations); audited with its content hash',
      response: Extract,
    },
    ({ actor }) => r.deps.services.extractStudy(actor),
  )
  r.add(
    {
      method: 'get',
      path: '/api/exports/redcap-dictionary',
      access: Action.ExportBlinded,
      tag: 'exports',
      summary: 'The protocol’s forms as a REDCap data dictionary (CSV); audited with its content hash',
      response: z.string(),
      produces: 'text/csv',
    },
    async ({ c, actor }) => {
      const csv = redcapDictionary(designFromProtocol(r.deps.protocol.protocol, r.deps.protocol.hash))
      const contentHash = createHash('sha256').update(csv).digest('hex')
      const recorded = await reads.recordExport(actor, {
        kind: 'redcap-dictionary',
        format: 'csv',
        blinded: true,
        contentHash,
        records: 0,
      })
      if (!recorded.ok) return recorded
      c.header('Content-Disposition', 'attachment; filename="redcap-dictionary.csv"')
      return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8' })
    },
  )
  r.add(
    {
      method: 'get',
      path: '/api/exports/analysis/{dataset}',
      access: Action.ExportBlinded,
      tag: 'exports',
      summary:
        'An ADaM-like analysis dataset (ADSL, ADQS, ADTTE, ...) as CSV or JSON; blinded unless you see allocations',
      description: 'Built from the study extraction, which is audited with its content hash.',
      params: z.strictObject({ dataset: z.enum(DATASET_NAMES) }),
      query: z.strictObject({ format: z.enum(['csv', 'json']).default('csv') }),
      response: z.string(),
      produces: 'text/csv',
    },
    async ({ c, actor, params, query }) => {
      const extract = await r.deps.services.extractStudy(actor)
      if (!extract.ok) return extract
      const protocol = r.deps.protocol.protocol
      const files = serializeAnalysisDatasets(datasetsFromExtract(protocol, extract.value), {
        format: query.format,
        protocol,
      })
      const name = `${params.dataset}.${query.format}`
      const file = files.find((f) => f.name === name)
      if (!file) throw new Error(`the analysis datasets have no ${name}`)
      c.header('Content-Disposition', `attachment; filename="${name}"`)
      const type = query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json'
      return c.body(file.content, 200, { 'Content-Type': type })
    },
  )
}
