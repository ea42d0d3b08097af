import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { ok } from '../domain/index.ts'
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

/** Read models: dashboard, subject list, notifications. */
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
}
