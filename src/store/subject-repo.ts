import type { Updateable } from 'kysely'
import type { ClinicalEventTable, SubjectPeriodTable, SubjectTable, VisitRecordTable } from './schema.ts'
import { PreparedQuery } from './prepared-query.ts'
import type { Conn } from './store.ts'

export async function insertSubject(c: Conn, row: SubjectTable): Promise<void> {
  await c.db.insertInto('subject').values(row).execute()
}

export async function updateSubject(c: Conn, id: string, patch: Updateable<SubjectTable>): Promise<void> {
  await c.db.updateTable('subject').set(patch).where('id', '=', id).execute()
}

const subjectRow = {
  plain: new PreparedQuery<SubjectTable, 'id'>((db, p) =>
    db.selectFrom('subject').selectAll().where('id', '=', p('id')),
  ),
  update: new PreparedQuery<SubjectTable, 'id'>((db, p) =>
    db.selectFrom('subject').selectAll().where('id', '=', p('id')).forUpdate(),
  ),
}

/** A subject; `lock` takes its row lock on PostgreSQL, which serialises every change to the subject. */
export async function findSubject(c: Conn, id: string, lock = false): Promise<SubjectTable | undefined> {
  return (await (lock && c.dialect === 'postgres' ? subjectRow.update : subjectRow.plain).run(c, { id }))[0]
}

export function findSubjectByScreeningNumber(c: Conn, screeningNumber: string): Promise<SubjectTable | undefined> {
  return c.db.selectFrom('subject').selectAll().where('screening_number', '=', screeningNumber).executeTakeFirst()
}

/** Subjects ever screened at a site (for the next screening number). */
export async function countSubjectsAtSite(c: Conn, siteId: string): Promise<number> {
  const row = await c.db
    .selectFrom('subject')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('site_id', '=', siteId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export interface SubjectFilter {
  /** Restrict to these sites (site-scoped readers). */
  readonly siteIds: readonly string[] | 'all'
  readonly siteId?: string
  readonly status?: readonly string[]
  /** Matches the start of the screening number. */
  readonly search?: string
  readonly offset: number
  readonly limit: number
}

/** Subjects matching the filter (ordered by site then screening number) and the total count. */
export async function findSubjects(c: Conn, f: SubjectFilter): Promise<{ rows: SubjectTable[]; total: number }> {
  let q = c.db.selectFrom('subject')
  if (f.siteIds !== 'all') {
    if (f.siteIds.length === 0) return { rows: [], total: 0 }
    q = q.where('site_id', 'in', [...f.siteIds])
  }
  if (f.siteId !== undefined) q = q.where('site_id', '=', f.siteId)
  if (f.status && f.status.length > 0) q = q.where('status', 'in', [...f.status])
  if (f.search) q = q.where('screening_number', 'like', `${f.search.replace(/[%_]/g, '')}%`)
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('site_id').orderBy('screening_number').offset(f.offset).limit(f.limit).execute(),
    q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ])
  return { rows, total: Number(count.n) }
}

export function listAllSubjects(c: Conn): Promise<SubjectTable[]> {
  return c.db.selectFrom('subject').selectAll().orderBy('site_id').orderBy('screening_number').execute()
}

export async function insertSubjectPeriod(c: Conn, row: SubjectPeriodTable): Promise<void> {
  await c.db.insertInto('subject_period').values(row).execute()
}

/** The periods a subject entered, in order. */
export function listSubjectPeriods(c: Conn, subjectId: string): Promise<SubjectPeriodTable[]> {
  return c.db
    .selectFrom('subject_period')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .orderBy('entered_at')
    .orderBy('id')
    .execute()
}

export function listAllSubjectPeriods(c: Conn): Promise<SubjectPeriodTable[]> {
  return c.db
    .selectFrom('subject_period')
    .selectAll()
    .orderBy('subject_id')
    .orderBy('entered_at')
    .orderBy('id')
    .execute()
}

export async function insertClinicalEvent(c: Conn, row: ClinicalEventTable): Promise<void> {
  await c.db.insertInto('clinical_event').values(row).execute()
}

export function listClinicalEvents(c: Conn, subjectId?: string): Promise<ClinicalEventTable[]> {
  let q = c.db.selectFrom('clinical_event').selectAll()
  if (subjectId !== undefined) q = q.where('subject_id', '=', subjectId)
  return q.orderBy('subject_id').orderBy('event_date').execute()
}

export async function upsertVisitRecord(c: Conn, row: VisitRecordTable, exists: boolean): Promise<void> {
  if (exists) {
    await c.db
      .updateTable('visit_record')
      .set({
        status: row.status,
        actual_date: row.actual_date,
        reason: row.reason,
        recorded_at: row.recorded_at,
        recorded_by: row.recorded_by,
      })
      .where('subject_id', '=', row.subject_id)
      .where('visit_id', '=', row.visit_id)
      .execute()
  } else {
    await c.db.insertInto('visit_record').values(row).execute()
  }
}

export function listVisitRecords(c: Conn, subjectId?: string): Promise<VisitRecordTable[]> {
  let q = c.db.selectFrom('visit_record').selectAll()
  if (subjectId !== undefined) q = q.where('subject_id', '=', subjectId)
  return q.orderBy('subject_id').orderBy('visit_id').execute()
}
