import type { Updateable } from 'kysely'
import type { DataQueryTable, FormStateTable, FormVersionTable, QueryMessageTable } from './schema.ts'
import { PreparedQuery } from './prepared-query.ts'
import { forUpdate, type Conn } from './store.ts'

export interface FormKey {
  readonly subjectId: string
  readonly visitId: string
  readonly formId: string
  readonly instance: number
}

/** The head of one form instance, row-locked on PostgreSQL when `lock` (the subject lock already serialises saves). */
export function findFormState(c: Conn, key: FormKey, lock = false): Promise<FormStateTable | undefined> {
  const q = c.db
    .selectFrom('form_state')
    .selectAll()
    .where('subject_id', '=', key.subjectId)
    .where('visit_id', '=', key.visitId)
    .where('form_id', '=', key.formId)
    .where('instance', '=', key.instance)
  return (lock ? forUpdate(c, q) : q).executeTakeFirst()
}

const formHead = new PreparedQuery<FormStateTable & { data: string | null; derived: string | null }, keyof FormKey>(
  (db, p) =>
    db
      .selectFrom('form_state')
      .leftJoin('form_version', (j) =>
        j
          .onRef('form_version.form_state_id', '=', 'form_state.id')
          .onRef('form_version.version', '=', 'form_state.current_version'),
      )
      .selectAll('form_state')
      .select(['form_version.data', 'form_version.derived'])
      .where('form_state.subject_id', '=', p('subjectId'))
      .where('form_state.visit_id', '=', p('visitId'))
      .where('form_state.form_id', '=', p('formId'))
      .where('form_state.instance', '=', p('instance') as never),
)

/** The head of a form instance with its current version's data, in one query (the save path). */
export async function findFormHead(
  c: Conn,
  key: FormKey,
): Promise<(FormStateTable & { data: string | null; derived: string | null }) | undefined> {
  return (await formHead.run(c, key))[0]
}

const saveHead = new PreparedQuery<never, 'id' | 'version' | 'at'>((db, p) =>
  db
    .updateTable('form_state')
    .set({ current_version: p('version') as never, status: 'entered', last_saved_at: p('at') })
    .where('id', '=', p('id')),
)

/** Moves a form instance's head to a newly saved version. */
export async function recordFormSave(c: Conn, id: string, version: number, at: string): Promise<void> {
  await saveHead.run(c, { id, version, at })
}

/** The next instance number of a form at a visit for a subject (1 for the first). */
export async function nextFormInstance(
  c: Conn,
  key: Pick<FormKey, 'subjectId' | 'visitId' | 'formId'>,
): Promise<number> {
  const row = await c.db
    .selectFrom('form_state')
    .select((eb) => eb.fn.max('instance').as('n'))
    .where('subject_id', '=', key.subjectId)
    .where('visit_id', '=', key.visitId)
    .where('form_id', '=', key.formId)
    .executeTakeFirst()
  return Number(row?.n ?? 0) + 1
}

export function findFormStateById(c: Conn, id: string): Promise<FormStateTable | undefined> {
  return c.db.selectFrom('form_state').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function insertFormState(c: Conn, row: FormStateTable): Promise<void> {
  await c.db.insertInto('form_state').values(row).execute()
}

export async function updateFormState(c: Conn, id: string, patch: Updateable<FormStateTable>): Promise<void> {
  await c.db.updateTable('form_state').set(patch).where('id', '=', id).execute()
}

const insertVersion = new PreparedQuery<never, keyof FormVersionTable>((db, p) =>
  db.insertInto('form_version').values({
    id: p('id'),
    form_state_id: p('form_state_id'),
    version: p('version') as never,
    status: p('status'),
    data: p('data'),
    derived: p('derived'),
    protocol_version_id: p('protocol_version_id'),
    form_hash: p('form_hash'),
    saved_at: p('saved_at'),
    saved_by: p('saved_by'),
    saved_role: p('saved_role'),
    reason: p('reason'),
  }),
)

export async function insertFormVersion(c: Conn, row: FormVersionTable): Promise<void> {
  await insertVersion.run(c, row)
}

export function findFormVersion(c: Conn, formStateId: string, version: number): Promise<FormVersionTable | undefined> {
  return c.db
    .selectFrom('form_version')
    .selectAll()
    .where('form_state_id', '=', formStateId)
    .where('version', '=', version)
    .executeTakeFirst()
}

/** Every version of a form instance, oldest first. */
export function listFormVersions(c: Conn, formStateId: string): Promise<FormVersionTable[]> {
  return c.db
    .selectFrom('form_version')
    .selectAll()
    .where('form_state_id', '=', formStateId)
    .orderBy('version')
    .execute()
}

/** Every version of every form instance, by instance then version (the study extraction's history). */
export function listAllFormVersions(c: Conn): Promise<FormVersionTable[]> {
  return c.db.selectFrom('form_version').selectAll().orderBy('form_state_id').orderBy('version').execute()
}

/** Form heads of one subject (or of all subjects), ordered by visit and form. */
export function listFormStates(
  c: Conn,
  filter: { subjectId?: string; siteIds?: readonly string[] | 'all' } = {},
): Promise<FormStateTable[]> {
  let q = c.db.selectFrom('form_state').selectAll()
  if (filter.subjectId !== undefined) q = q.where('subject_id', '=', filter.subjectId)
  if (filter.siteIds !== undefined && filter.siteIds !== 'all') {
    if (filter.siteIds.length === 0) return Promise.resolve([])
    q = q.where('site_id', 'in', [...filter.siteIds])
  }
  return q.orderBy('subject_id').orderBy('visit_id').orderBy('form_id').orderBy('instance').execute()
}

/** What a current-version row carries of its form instance's head: where it sits, and its review state. */
export type CurrentFormVersion = FormVersionTable &
  Pick<
    FormStateTable,
    | 'subject_id'
    | 'site_id'
    | 'visit_id'
    | 'form_id'
    | 'instance'
    | 'first_saved_at'
    | 'verified_version'
    | 'verified_at'
    | 'verified_by'
    | 'signed_version'
    | 'signed_at'
    | 'signed_by'
  >

/** The current version of each form instance (joined), for extraction and form-value reads. */
export function listCurrentFormVersions(
  c: Conn,
  filter: { subjectId?: string; formIds?: readonly string[] } = {},
): Promise<CurrentFormVersion[]> {
  let q = c.db
    .selectFrom('form_state')
    .innerJoin('form_version', (j) =>
      j
        .onRef('form_version.form_state_id', '=', 'form_state.id')
        .onRef('form_version.version', '=', 'form_state.current_version'),
    )
    .selectAll('form_version')
    .select([
      'form_state.subject_id',
      'form_state.site_id',
      'form_state.visit_id',
      'form_state.form_id',
      'form_state.instance',
      'form_state.first_saved_at',
      'form_state.verified_version',
      'form_state.verified_at',
      'form_state.verified_by',
      'form_state.signed_version',
      'form_state.signed_at',
      'form_state.signed_by',
    ])
  if (filter.subjectId !== undefined) q = q.where('form_state.subject_id', '=', filter.subjectId)
  if (filter.formIds !== undefined) {
    if (filter.formIds.length === 0) return Promise.resolve([])
    q = q.where('form_state.form_id', 'in', [...filter.formIds])
  }
  return q
    .orderBy('form_state.subject_id')
    .orderBy('form_state.visit_id')
    .orderBy('form_state.form_id')
    .orderBy('form_state.instance')
    .execute()
}

/** Keeps a form's count of automatic queries that are not closed in step (`delta` ±n). */
export async function countAutoQueries(c: Conn, formStateId: string, delta: number): Promise<void> {
  await c.db
    .updateTable('form_state')
    .set((eb) => ({ open_auto_queries: eb('open_auto_queries', '+', delta) }))
    .where('id', '=', formStateId)
    .execute()
}

export async function insertQuery(c: Conn, row: DataQueryTable, message: QueryMessageTable): Promise<void> {
  await c.db.insertInto('data_query').values(row).execute()
  await c.db.insertInto('query_message').values(message).execute()
}

export async function updateQuery(
  c: Conn,
  id: string,
  patch: Updateable<DataQueryTable>,
  message: QueryMessageTable,
): Promise<void> {
  await c.db.updateTable('data_query').set(patch).where('id', '=', id).execute()
  await c.db.insertInto('query_message').values(message).execute()
}

export function findQuery(c: Conn, id: string): Promise<DataQueryTable | undefined> {
  return c.db.selectFrom('data_query').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Automatic queries of a form instance that are not closed (edit checks re-evaluated at each save). */
export function openAutoQueries(c: Conn, formStateId: string): Promise<DataQueryTable[]> {
  return c.db
    .selectFrom('data_query')
    .selectAll()
    .where('form_state_id', '=', formStateId)
    .where('origin', '=', 'auto')
    .where('status', '!=', 'closed')
    .execute()
}

export interface QueryFilter {
  readonly siteIds: readonly string[] | 'all'
  readonly status?: readonly string[]
  readonly subjectId?: string
  readonly formStateId?: string
  readonly siteId?: string
  readonly offset: number
  readonly limit: number
}

export async function findQueries(c: Conn, f: QueryFilter): Promise<{ rows: DataQueryTable[]; total: number }> {
  let q = c.db.selectFrom('data_query')
  if (f.siteIds !== 'all') {
    if (f.siteIds.length === 0) return { rows: [], total: 0 }
    q = q.where('site_id', 'in', [...f.siteIds])
  }
  if (f.siteId !== undefined) q = q.where('site_id', '=', f.siteId)
  if (f.status && f.status.length > 0) q = q.where('status', 'in', [...f.status])
  if (f.subjectId !== undefined) q = q.where('subject_id', '=', f.subjectId)
  if (f.formStateId !== undefined) q = q.where('form_state_id', '=', f.formStateId)
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('raised_at', 'desc').orderBy('id').offset(f.offset).limit(f.limit).execute(),
    q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ])
  return { rows, total: Number(count.n) }
}

export function listQueryMessages(c: Conn, queryIds: readonly string[]): Promise<QueryMessageTable[]> {
  if (queryIds.length === 0) return Promise.resolve([])
  return c.db
    .selectFrom('query_message')
    .selectAll()
    .where('query_id', 'in', [...queryIds])
    .orderBy('at')
    .orderBy('id')
    .execute()
}
