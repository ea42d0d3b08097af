import type { Instant } from '../domain/index.ts'
import { insertAuditRows, lockAuditHead, toJson, type AuditRow, type Conn, type Sealer } from '../store/index.ts'
import { hashAuditRow, type AuditActor, type AuditChange, type AuditEntry } from './audit-record.ts'

/** Who writes the records, when, and the sealer that keeps sensitive values sealed at rest. */
export interface AuditContext {
  readonly actor: AuditActor
  readonly at: Instant
  readonly sealer: Sealer
}

/**
 * Appends records to the hash chain inside the caller's transaction, so the change and its audit land
 * together or not at all. The head row is locked (PostgreSQL) or the write lock is already held (SQLite),
 * so `seq` is gapless and each record's `prev_hash` is the previous record's hash. Sensitive values are
 * stored sealed (bound to seq and field); the hash covers what is stored. Returns the seqs.
 */
export async function appendAudit(
  tx: Conn,
  ctx: AuditContext,
  entries: readonly AuditEntry[],
): Promise<readonly number[]> {
  if (entries.length === 0) return []
  const { actor, at, sealer } = ctx
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
      changes: toJson((e.changes ?? []).map((ch, i) => (ch.sensitive ? sealChange(sealer, seq, i, ch) : ch))),
      reason: e.reason ?? null,
      prev_hash: hash,
    }
    hash = hashAuditRow(row)
    rows.push({ ...row, hash })
  }
  await insertAuditRows(tx, rows, { seq, hash })
  return rows.map((r) => r.seq)
}

/** Context a sensitive value is sealed under: it opens only as this field of this record. */
export function auditSealContext(seq: number, index: number, side: 'old' | 'new'): string {
  return `audit:${seq}:${index}:${side}`
}

function sealChange(sealer: Sealer, seq: number, index: number, ch: AuditChange): AuditChange {
  return {
    field: ch.field,
    old: sealer.seal(ch.old, auditSealContext(seq, index, 'old')),
    new: sealer.seal(ch.new, auditSealContext(seq, index, 'new')),
    sensitive: true,
  }
}
