import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { QueryPageSchema, QueryViewSchema } from './capture-schemas.ts'
import { compact, type RouteRegistrar } from './route-kit.ts'

const QueryParams = z.strictObject({ queryId: z.string().min(1).max(64) })
const Text = z.string().trim().min(1, 'must not be empty').max(4000)

const Raise = z.strictObject({
  subjectId: z.string().min(1).max(64),
  formId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: 'the form instance; omitted for a query on the subject' }),
  itemId: z.string().trim().min(1).max(40).optional(),
  text: Text,
})

const QueryList = z.strictObject({
  status: z
    .union([z.enum(['open', 'answered', 'closed']), z.array(z.enum(['open', 'answered', 'closed']))])
    .optional()
    .openapi({ description: 'one or more (repeat the parameter)' }),
  siteId: z.string().trim().min(1).max(40).optional(),
  subjectId: z.string().min(1).max(64).optional(),
  formId: z.string().min(1).max(64).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
})

/** Data queries (discrepancy notes): raise, answer, close, reopen, list. */
export function registerQueryRoutes(r: RouteRegistrar): void {
  const { queries } = r.deps.services
  const tag = 'queries'
  r.add(
    {
      method: 'post',
      path: '/api/queries',
      access: Action.QueryRaise,
      tag,
      summary: 'Raise a query on a subject, a form or a field',
      body: Raise,
      response: QueryViewSchema,
      status: 201,
    },
    ({ actor, body }) => queries.raise(actor, compact(body)),
  )
  r.add(
    {
      method: 'get',
      path: '/api/queries',
      access: Action.FormView,
      tag,
      summary: 'Queries across your sites (filters, offset pagination)',
      query: QueryList,
      response: QueryPageSchema,
    },
    ({ actor, query }) => {
      const status =
        query.status === undefined ? undefined : Array.isArray(query.status) ? query.status : [query.status]
      return queries.list(actor, compact({ ...query, status }))
    },
  )
  const params = QueryParams
  const response = QueryViewSchema
  r.add(
    {
      method: 'post',
      path: '/api/queries/{queryId}/answer',
      access: Action.QueryAnswer,
      tag,
      summary: 'Answer a query (site staff)',
      params,
      body: z.strictObject({ text: Text }),
      response,
    },
    ({ actor, params: p, body }) => queries.answer(actor, p.queryId, body),
  )
  r.add(
    {
      method: 'post',
      path: '/api/queries/{queryId}/close',
      access: Action.QueryClose,
      tag,
      summary: 'Close a query',
      params,
      body: z.strictObject({ text: Text.optional() }),
      response,
    },
    ({ actor, params: p, body }) => queries.close(actor, p.queryId, compact(body)),
  )
  r.add(
    {
      method: 'post',
      path: '/api/queries/{queryId}/reopen',
      access: Action.QueryClose,
      tag,
      summary: 'Reopen a query with the reason',
      params,
      body: z.strictObject({ text: Text }),
      response,
    },
    ({ actor, params: p, body }) => queries.reopen(actor, p.queryId, body),
  )
}
