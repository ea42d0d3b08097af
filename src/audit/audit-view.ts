import { z } from 'zod'
import { findAuditRows, fromJson, type AuditRow, type AuditRowFilter, type Conn, type Sealer } from '../store/index.ts'
import { auditSealContext } from './append-audit.ts'
import type { JsonValue } from './audit-record.ts'

/** What a blinded reader sees in place of a sensitive value, whatever the value was (even empty). */
export const BLINDED_VALUE = '[blinded]'

export interface AuditChangeView {
  readonly field: string
  readonly old: JsonValue
  readonly new: JsonValue
  /** The values were allocation detail and are masked for this reader. */
  readonly blinded?: true
}

/** An audit record as shown to a reader (no hashes: they are for `verify`, and could be brute-forced for the arm). */
export interface AuditView {
  readonly seq: number
  readonly at: string
  readonly userId: string
  readonly username: string
  readonly role: string
  readonly siteId: string | null
  readonly kind: string
  readonly entityType: string
  readonly entityId: string
  readonly subjectId: string | null
  readonly changes: readonly AuditChangeView[]
  readonly reason: string | null
}

export interface AuditPage {
  readonly items: readonly AuditView[]
  /** Pass as `beforeSeq` for the next (older) page; absent on the last page. */
  readonly nextBeforeSeq?: number
}

const StoredChanges = z.array(
  z.object({ field: z.string(), old: z.json(), new: z.json(), sensitive: z.literal(true).optional() }),
)

/**
 * Who reads: `{ blinded: true }` masks every sensitive value; an unblinded reader brings the sealer that
 * opens them. Without the sealer there is no way to the values, so a blinded view cannot leak them by mistake.
 */
export type AuditReader = { readonly blinded: true } | { readonly blinded: false; readonly sealer: Sealer }

const Json = z.json()

/** Projects a stored record for a reader. */
export function projectAuditRow(row: AuditRow, reader: AuditReader): AuditView {
  const seq = Number(row.seq)
  const changes = fromJson(StoredChanges, row.changes, `audit record ${seq}`).map((ch, i): AuditChangeView => {
    if (!ch.sensitive) return { field: ch.field, old: ch.old, new: ch.new }
    if (reader.blinded) return { field: ch.field, old: BLINDED_VALUE, new: BLINDED_VALUE, blinded: true }
    const open = (side: 'old' | 'new'): JsonValue => {
      const sealed = ch[side]
      if (typeof sealed !== 'string') throw new Error(`audit record ${seq}: sensitive value is not sealed`)
      return reader.sealer.open(Json, sealed, auditSealContext(seq, i, side))
    }
    return { field: ch.field, old: open('old'), new: open('new') }
  })
  return {
    seq,
    at: row.at,
    userId: row.actor_id,
    username: row.username,
    role: row.role,
    siteId: row.site_id,
    kind: row.kind,
    entityType: row.entity_type,
    entityId: row.entity_id,
    subjectId: row.subject_id,
    changes,
    reason: row.reason,
  }
}

/** A page of the audit trail (newest first), projected for the reader. Authorization is the caller's. */
export async function readAuditTrail(c: Conn, filter: AuditRowFilter, reader: AuditReader): Promise<AuditPage> {
  const rows = await findAuditRows(c, { ...filter, limit: filter.limit + 1 })
  const items = rows.slice(0, filter.limit).map((r) => projectAuditRow(r, reader))
  const last = items.at(-1)
  return rows.length > filter.limit && last ? { items, nextBeforeSeq: last.seq } : { items }
}
