import type { Insertable, Updateable } from 'kysely'
import type {
  ProtocolVersionTable,
  RandomizationCounterTable,
  RandomizationListTable,
  SiteTable,
  StudyTable,
} from './schema.ts'
import { PreparedQuery } from './prepared-query.ts'
import { forUpdate, type Conn } from './store.ts'

const studyRow = {
  plain: new PreparedQuery((db) => db.selectFrom('study').selectAll()),
  share: new PreparedQuery((db) => db.selectFrom('study').selectAll().forShare()),
  update: new PreparedQuery((db) => db.selectFrom('study').selectAll().forUpdate()),
}

/**
 * The study row (one study per database). `lock` (PostgreSQL): share (every writer) or update (database lock,
 * unblinding, go-live, setup); on SQLite the write transaction already excludes other writers.
 */
export async function findStudy(c: Conn, lock?: 'share' | 'update'): Promise<StudyTable | undefined> {
  const query = c.dialect === 'postgres' && lock ? studyRow[lock] : studyRow.plain
  return (await query.run(c, {}))[0]
}

export async function insertStudy(c: Conn, row: Insertable<StudyTable>): Promise<void> {
  await c.db.insertInto('study').values(row).execute()
}

export async function updateStudy(c: Conn, id: string, patch: Updateable<StudyTable>): Promise<void> {
  await c.db.updateTable('study').set(patch).where('id', '=', id).execute()
}

export function findProtocolVersionByHash(c: Conn, hash: string): Promise<ProtocolVersionTable | undefined> {
  return c.db.selectFrom('protocol_version').selectAll().where('hash', '=', hash).executeTakeFirst()
}

export function findProtocolVersion(c: Conn, id: string): Promise<ProtocolVersionTable | undefined> {
  return c.db.selectFrom('protocol_version').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Every protocol version, oldest first (without the content). */
export function listProtocolVersions(c: Conn): Promise<Omit<ProtocolVersionTable, 'content'>[]> {
  return c.db
    .selectFrom('protocol_version')
    .select(['id', 'study_id', 'ordinal', 'version_label', 'hash', 'source', 'loaded_at', 'loaded_by'])
    .orderBy('ordinal')
    .execute()
}

export async function insertProtocolVersion(c: Conn, row: ProtocolVersionTable): Promise<void> {
  await c.db.insertInto('protocol_version').values(row).execute()
}

export function listSites(c: Conn): Promise<SiteTable[]> {
  return c.db.selectFrom('site').selectAll().orderBy('id').execute()
}

export async function insertSite(c: Conn, row: SiteTable): Promise<void> {
  await c.db.insertInto('site').values(row).execute()
}

export async function updateSite(c: Conn, id: string, patch: Updateable<SiteTable>): Promise<void> {
  await c.db.updateTable('site').set(patch).where('id', '=', id).execute()
}

/** Stores a period's sealed list and creates one counter row per stratum (all at zero). */
export async function insertRandomizationList(
  c: Conn,
  row: RandomizationListTable,
  strata: readonly string[],
): Promise<void> {
  await c.db.insertInto('randomization_list').values(row).execute()
  const counters: RandomizationCounterTable[] = strata.map((stratum) => ({
    period_id: row.period_id,
    stratum,
    allocated: 0,
    sealed_state: null,
  }))
  if (counters.length > 0) await c.db.insertInto('randomization_counter').values(counters).execute()
}

export function listRandomizationLists(c: Conn): Promise<RandomizationListTable[]> {
  return c.db.selectFrom('randomization_list').selectAll().orderBy('created_at').execute()
}

/**
 * A period's list row, locked for an extension (PostgreSQL): taken after the stratum's counter row and before
 * the audit head, so that two strata extended at once serialise and the second extends the first's result.
 */
export function findRandomizationListForUpdate(c: Conn, periodId: string): Promise<RandomizationListTable | undefined> {
  return forUpdate(
    c,
    c.db.selectFrom('randomization_list').selectAll().where('period_id', '=', periodId),
  ).executeTakeFirst()
}

/** Replaces a period's sealed list by its extension (the new envelope and its fingerprint). */
export async function updateRandomizationList(
  c: Conn,
  id: string,
  patch: Pick<RandomizationListTable, 'sealed_list' | 'fingerprint'>,
): Promise<void> {
  await c.db.updateTable('randomization_list').set(patch).where('id', '=', id).execute()
}

/** Subjects allocated per (period, stratum): aggregate counts, never per subject. */
export function randomizationCounters(
  c: Conn,
): Promise<Pick<RandomizationCounterTable, 'period_id' | 'stratum' | 'allocated'>[]> {
  return c.db.selectFrom('randomization_counter').select(['period_id', 'stratum', 'allocated']).execute()
}
