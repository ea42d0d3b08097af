import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { ok } from '../domain/index.ts'
import { CalendarSchema, MissingFormsSchema } from './capture-schemas.ts'
import { compact, type RouteRegistrar } from './route-kit.ts'
import { IsoDate, SubjectParams } from './schemas.ts'

const VisitParams = SubjectParams.extend({ visitId: z.string().trim().min(1).max(40) })

const RecordVisit = z.union([
  z.strictObject({ date: IsoDate, reason: z.string().trim().min(1).max(1000).optional() }),
  z.strictObject({
    notDone: z.literal(true),
    reason: z.string().trim().min(1, 'give the reason the visit was not done').max(1000),
  }),
])

/** The visit calendar from the protocol, visit dates (or not done, with the reason), missing forms. */
export function registerVisitRoutes(r: RouteRegistrar): void {
  const { visits } = r.deps.services
  const tag = 'visits'
  r.add(
    {
      method: 'get',
      path: '/api/subjects/{subjectId}/calendar',
      access: Action.SubjectView,
      tag,
      summary: 'The subject’s visit calendar: target dates, windows, status, forms entered or missing',
      params: SubjectParams,
      query: z.strictObject({ today: IsoDate.optional() }),
      response: CalendarSchema,
    },
    ({ actor, params, query }) => visits.calendar(actor, params.subjectId, compact(query)),
  )
  r.add(
    {
      method: 'post',
      path: '/api/subjects/{subjectId}/visits/{visitId}',
      access: Action.FormEnter,
      tag,
      summary: 'Record the date a visit was done (or that it was not done, with the reason)',
      params: VisitParams,
      body: RecordVisit,
      response: CalendarSchema,
    },
    ({ actor, params, body }) => visits.record(actor, params.subjectId, params.visitId, compact(body)),
  )
  r.add(
    {
      method: 'get',
      path: '/api/visits/missing-forms',
      access: Action.FormView,
      tag,
      summary: 'Forms due at performed visits but not entered, across your sites',
      query: z.strictObject({ siteId: z.string().trim().min(1).max(40).optional() }),
      response: MissingFormsSchema,
    },
    async ({ actor, query }) => {
      const missing = await visits.missingForms(actor, compact(query))
      return missing.ok ? ok({ items: missing.value }) : missing
    },
  )
}
