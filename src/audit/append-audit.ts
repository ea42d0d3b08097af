import type { Instant } from '../domain/index.ts'
import { insertAuditRows, lockAuditHead, toJson, type AuditRow, type Conn } from '../store/index.ts'
import { hashAuditRow, type AuditActor, type AuditEntry } from './audit-record.ts'

/**
 * Appends records to the hash chain inside the caller's transaction, so the change and its audit land
 * together or not at all. The head row is locked (PostgreSQL) or the write lock is already held (SQLite),
 * so `seq` is gapless and each record's `prev_hash` is the previous record's hash. Returns the seqs.
 */
export async function appendAudit(
  tx: Conn,
  actor: AuditActor,
  at: Instant,
  entries: readonly AuditEntry[],
): Promise<readonly number[]> {
  if (entries.length === 0) return []
  let { seq, hash } = await lockAuditHead(tx)
  const rows: AuditRow[] = []
  for (const e of entries) {
    seq += 1
    const row: Omit<AuditRow, 'hash'> = {
      seq,
      at,
      actor_id: actor.userId,
      username: actor.username,
      role: actor.role,
      site_id: e.siteId ?? null,
      kind: e.kind,
      entity_type: e.entityType,
      entity_id: e.entityId,
      subject_id: e.subjectId ?? null,
      changes: toJson(e.changes ?? []),
      reason: e.reason ?? null,
      prev_hash: hash,
    }
    hash = hashAuditRow(row)
    rows.push({ ...row, hash })
  }
  await insertAuditRows(tx, rows, { seq, hash })
  return rows.map((r) => r.seq)
}
