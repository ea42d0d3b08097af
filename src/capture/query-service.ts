import { z } from 'zod'
import { Action, authorize, type Actor } from '../access/index.ts'
import { AuditKind, type AuditEntry } from '../audit/index.ts'
import { fail, ok, ProblemCode, type Instant, type Result, type SiteId } from '../domain/index.ts'
import {
  countAutoQueries,
  findFormStateById,
  findQueries,
  findQuery,
  insertQuery,
  listQueryMessages,
  updateQuery,
  type Conn,
  type DataQueryTable,
  type QueryMessageTable,
} from '../store/index.ts'
import { audit, parse, requireOpen, studyState, subjectFor, type Ctx } from './context.ts'

export const QueryStatus = { Open: 'open', Answered: 'answered', Closed: 'closed' } as const
export type QueryStatus = (typeof QueryStatus)[keyof typeof QueryStatus]

export interface QueryMessageView {
  readonly action: 'raise' | 'answer' | 'close' | 'reopen'
  readonly text: string
  readonly at: string
  readonly username: string
  readonly role: string
}

/** A data query (discrepancy note) on a subject, a form or one field of a form. */
export interface QueryView {
  readonly id: string
  readonly subjectId: string
  readonly siteId: string
  readonly formId: string | null
  readonly itemId: string | null
  readonly origin: 'manual' | 'auto'
  /** The edit check (or `soft-range`) that raised an automatic query. */
  readonly checkId: string | null
  readonly status: QueryStatus
  readonly text: string
  readonly raisedAt: string
  readonly updatedAt: string
  readonly messages: readonly QueryMessageView[]
}

export interface QueryPage {
  readonly items: readonly QueryView[]
  readonly total: number
}

const Raise = z.strictObject({
  subjectId: z.string().min(1),
  /** The form instance (FormView.id); omitted for a query on the subject as a whole. */
  formId: z.string().min(1).optional(),
  itemId: z.string().min(1).optional(),
  text: z.string().trim().min(1, 'must not be empty').max(4000),
})
const Text = z.strictObject({ text: z.string().trim().min(1, 'must not be empty').max(4000) })
const OptionalText = z.strictObject({ text: z.string().trim().max(4000).optional() })
const ListQueries = z.strictObject({
  status: z.array(z.enum(['open', 'answered', 'closed'])).optional(),
  siteId: z.string().optional(),
  subjectId: z.string().optional(),
  formId: z.string().optional(),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(500).default(50),
})
export type QueryListInput = z.input<typeof ListQueries>

export interface QueryService {
  /** A monitor or data manager raises a query on a subject, a form or a field (query.raise). */
  raise(
    actor: Actor,
    input: { subjectId: string; formId?: string; itemId?: string; text: string },
  ): Promise<Result<QueryView>>
  /** Site staff answer (query.answer): open → answered. */
  answer(actor: Actor, queryId: string, input: { text: string }): Promise<Result<QueryView>>
  /** Closes an open or answered query (query.close). */
  close(actor: Actor, queryId: string, input?: { text?: string }): Promise<Result<QueryView>>
  /** Reopens a closed or answered query with the reason (query.close permission). */
  reopen(actor: Actor, queryId: string, input: { text: string }): Promise<Result<QueryView>>
  list(actor: Actor, filter?: QueryListInput): Promise<Result<QueryPage>>
}

/** Builds a new query row, its first message and audit entry (used by the service and by form saves). */
export function newQuery(
  ctx: Ctx,
  actor: Actor,
  at: Instant,
  q: {
    subjectId: string
    siteId: string
    formStateId: string | null
    itemId: string | null
    origin: 'manual' | 'auto'
    checkId: string | null
    text: string
  },
): { row: DataQueryTable; message: QueryMessageTable; entry: AuditEntry } {
  const row: DataQueryTable = {
    id: ctx.newId(),
    subject_id: q.subjectId,
    site_id: q.siteId,
    form_state_id: q.formStateId,
    item_id: q.itemId,
    origin: q.origin,
    check_id: q.checkId,
    status: QueryStatus.Open,
    text: q.text,
    raised_at: at,
    raised_by: actor.userId,
    updated_at: at,
  }
  return {
    row,
    message: messageRow(ctx, row.id, 'raise', q.text, actor, at),
    entry: {
      kind: AuditKind.QueryRaised,
      entityType: 'query',
      entityId: row.id,
      subjectId: q.subjectId,
      siteId: q.siteId,
      changes: [
        { field: 'status', old: null, new: QueryStatus.Open },
        { field: 'text', old: null, new: q.text },
        { field: 'target', old: null, new: [q.formStateId, q.itemId].filter(Boolean).join('.') || 'subject' },
        ...(q.checkId ? [{ field: 'check', old: null, new: q.checkId }] : []),
      ],
    },
  }
}

export function messageRow(
  ctx: Ctx,
  queryId: string,
  action: QueryMessageView['action'],
  text: string,
  actor: Actor,
  at: Instant,
): QueryMessageTable {
  return {
    id: ctx.newId(),
    query_id: queryId,
    action,
    text,
    at,
    user_id: actor.userId,
    username: actor.username,
    role: actor.role,
  }
}

/** Moves a query to `status`, with its message and audit entry. */
export async function transitionQuery(
  ctx: Ctx,
  tx: Conn,
  actor: Actor,
  at: Instant,
  query: DataQueryTable,
  action: 'answer' | 'close' | 'reopen',
  text: string,
): Promise<{ entry: AuditEntry; status: QueryStatus }> {
  const status = action === 'answer' ? QueryStatus.Answered : action === 'close' ? QueryStatus.Closed : QueryStatus.Open
  await updateQuery(tx, query.id, { status, updated_at: at }, messageRow(ctx, query.id, action, text, actor, at))
  const wasClosed = query.status === QueryStatus.Closed
  if (query.origin === 'auto' && query.form_state_id && wasClosed !== (status === QueryStatus.Closed)) {
    await countAutoQueries(tx, query.form_state_id, wasClosed ? 1 : -1)
  }
  const kind =
    action === 'answer' ? AuditKind.QueryAnswered : action === 'close' ? AuditKind.QueryClosed : AuditKind.QueryReopened
  const entry: AuditEntry = {
    kind,
    entityType: 'query',
    entityId: query.id,
    subjectId: query.subject_id,
    siteId: query.site_id,
    changes: [
      { field: 'status', old: query.status, new: status },
      ...(text ? [{ field: 'message', old: null, new: text }] : []),
    ],
  }
  return { entry, status }
}

export function queryService(ctx: Ctx): QueryService {
  /** Loads a query for `action` on its site, refuses it when the database is locked, and applies `step`. */
  async function step(
    actor: Actor,
    queryId: string,
    action: 'answer' | 'close' | 'reopen',
    text: string,
    from: readonly QueryStatus[],
  ): Promise<Result<QueryView>> {
    const permission = action === 'answer' ? Action.QueryAnswer : Action.QueryClose
    const at = ctx.clock.now()
    return ctx.store.write(async (tx) => {
      const state = await studyState(ctx, tx, 'share')
      if (!state.ok) return state
      const open = requireOpen(state.value)
      if (!open.ok) return open
      const query = await findQuery(tx, queryId)
      const allowed = authorize(actor, permission, query ? { siteId: query.site_id as SiteId } : {})
      if (!allowed.ok || !query) {
        return allowed.ok || allowed.problems[0]?.code === ProblemCode.NotFound
          ? fail({ code: ProblemCode.NotFound, path: 'queryId', message: 'not found' })
          : allowed
      }
      if (!from.includes(query.status as QueryStatus)) {
        return fail({
          code: ProblemCode.StateInvalid,
          path: 'queryId',
          message: `cannot ${action} a query that is ${query.status}`,
        })
      }
      const { entry, status } = await transitionQuery(ctx, tx, actor, at, query, action, text)
      await audit(ctx, tx, actor, at, [entry])
      return ok((await queryViews(tx, [{ ...query, status, updated_at: at }]))[0] as QueryView)
    })
  }

  return {
    async raise(actor, input) {
      const parsed = parse(Raise, input)
      if (!parsed.ok) return parsed
      const { subjectId, formId, itemId, text } = parsed.value
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'share')
        if (!state.ok) return state
        const open = requireOpen(state.value)
        if (!open.ok) return open
        const subject = await subjectFor(tx, actor, Action.QueryRaise, subjectId)
        if (!subject.ok) return subject
        if (formId !== undefined) {
          const form = await findFormStateById(tx, formId)
          if (!form || form.subject_id !== subjectId)
            return fail({ code: ProblemCode.NotFound, path: 'formId', message: 'no such form for this subject' })
          const definition = ctx.compiled.forms.find((f) => f.id === form.form_id)
          if (itemId !== undefined && !definition?.items.some((i) => i.id === itemId)) {
            return fail({
              code: ProblemCode.Invalid,
              path: 'itemId',
              message: `form ${form.form_id} has no item ${itemId}`,
            })
          }
        } else if (itemId !== undefined) {
          return fail({ code: ProblemCode.Invalid, path: 'itemId', message: 'a field query needs its form' })
        }
        const q = newQuery(ctx, actor, at, {
          subjectId,
          siteId: subject.value.site_id,
          formStateId: formId ?? null,
          itemId: itemId ?? null,
          origin: 'manual',
          checkId: null,
          text,
        })
        await insertQuery(tx, q.row, q.message)
        await audit(ctx, tx, actor, at, [q.entry])
        return ok((await queryViews(tx, [q.row]))[0] as QueryView)
      })
    },

    async answer(actor, queryId, input) {
      const parsed = parse(Text, input)
      if (!parsed.ok) return parsed
      return step(actor, queryId, 'answer', parsed.value.text, [QueryStatus.Open])
    },

    async close(actor, queryId, input = {}) {
      const parsed = parse(OptionalText, input)
      if (!parsed.ok) return parsed
      return step(actor, queryId, 'close', parsed.value.text ?? '', [QueryStatus.Open, QueryStatus.Answered])
    },

    async reopen(actor, queryId, input) {
      const parsed = parse(Text, input)
      if (!parsed.ok) return parsed
      return step(actor, queryId, 'reopen', parsed.value.text, [QueryStatus.Answered, QueryStatus.Closed])
    },

    async list(actor, filter = {}) {
      const allowed = authorize(actor, Action.FormView)
      if (!allowed.ok) return allowed
      const parsed = parse(ListQueries, filter)
      if (!parsed.ok) return parsed
      const f = parsed.value
      const page = await findQueries(ctx.store, {
        siteIds: actor.sites,
        offset: f.offset,
        limit: f.limit,
        ...(f.status ? { status: f.status } : {}),
        ...(f.siteId ? { siteId: f.siteId } : {}),
        ...(f.subjectId ? { subjectId: f.subjectId } : {}),
        ...(f.formId ? { formStateId: f.formId } : {}),
      })
      return ok({ items: await queryViews(ctx.store, page.rows), total: page.total })
    },
  }
}

/** Query rows with their message threads. */
export async function queryViews(c: Conn, rows: readonly DataQueryTable[]): Promise<QueryView[]> {
  const messages = await listQueryMessages(
    c,
    rows.map((r) => r.id),
  )
  return rows.map((r) => ({
    id: r.id,
    subjectId: r.subject_id,
    siteId: r.site_id,
    formId: r.form_state_id,
    itemId: r.item_id,
    origin: r.origin as QueryView['origin'],
    checkId: r.check_id,
    status: r.status as QueryStatus,
    text: r.text,
    raisedAt: r.raised_at,
    updatedAt: r.updated_at,
    messages: messages
      .filter((m) => m.query_id === r.id)
      .map((m) => ({
        action: m.action as QueryMessageView['action'],
        text: m.text,
        at: m.at,
        username: m.username,
        role: m.role,
      })),
  }))
}
