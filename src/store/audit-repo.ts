import type { Conn } from './store.ts'
import { PreparedQuery } from './prepared-query.ts'
import type { AuditLogTable } from './schema.ts'

export type AuditRow = AuditLogTable

const lockHead = new PreparedQuery((db) =>
  db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate(),
)
const readHead = new PreparedQuery((db) => db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1))

/** The chain head (last seq and hash), row-locked on PostgreSQL until the transaction ends. */
export async function lockAuditHead(c: Conn): Promise<{ seq: number; hash: string }> {
  const [head] = await (c.dialect === 'postgres' ? lockHead : readHead).run(c, {})
  if (!head) throw new Error('the audit chain head row is missing')
  return { seq: Number(head.seq), hash: head.hash }
}

export async function readAuditHead(c: Conn): Promise<{ seq: number; hash: string }> {
  const head = await c.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow()
  return { seq: Number(head.seq), hash: head.hash }
}

export async function insertAuditRows(
  c: Conn,
  rows: readonly AuditRow[],
  head: { seq: number; hash: string },
): Promise<void> {
  await c.db
    .insertInto('audit_log')
    .values([...rows])
    .execute()
  await c.db.updateTable('audit_head').set({ seq: head.seq, hash: head.hash }).where('id', '=', 1).execute()
}

/** Records with `seq > afterSeq`, in order: the chain is verified page by page. */
export async function auditRowsAfter(c: Conn, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return c.db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute()
}

export interface AuditRowFilter {
  readonly entityType?: string
  readonly entityId?: string
  readonly subjectId?: string
  readonly actorId?: string
  readonly kind?: string
  /** Only records of these sites (site-scoped readers); `all` for study-wide readers. */
  readonly siteIds: readonly string[] | 'all'
  /** Newest first; records with `seq < beforeSeq` (keyset pagination). */
  readonly beforeSeq?: number
  readonly limit: number
}

/** Audit records matching the filter, newest first. */
export async function findAuditRows(c: Conn, f: AuditRowFilter): Promise<AuditRow[]> {
  let q = c.db.selectFrom('audit_log').selectAll()
  if (f.entityType !== undefined) q = q.where('entity_type', '=', f.entityType)
  if (f.entityId !== undefined) q = q.where('entity_id', '=', f.entityId)
  if (f.subjectId !== undefined) q = q.where('subject_id', '=', f.subjectId)
  if (f.actorId !== undefined) q = q.where('actor_id', '=', f.actorId)
  if (f.kind !== undefined) q = q.where('kind', '=', f.kind)
  if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq)
  if (f.siteIds !== 'all') {
    if (f.siteIds.length === 0) return []
    q = q.where('site_id', 'in', [...f.siteIds])
  }
  return q.orderBy('seq', 'desc').limit(f.limit).execute()
}
