import { createHash } from 'node:crypto'
import type { Role, UserId } from '../domain/index.ts'
import type { AuditRow } from '../store/index.ts'
import type { AuditKind } from './audit-kinds.ts'

/** A JSON value as stored in a change's old/new. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue }

/**
 * One field change. `sensitive` marks allocation detail (arm, dose, lot, slot, kind of allocation): such
 * values are masked in every view given to a blinded actor, and every subject's record carries the same
 * sensitive fields whatever the arm, so the masked records are identical across arms.
 */
export interface AuditChange {
  readonly field: string
  readonly old: JsonValue
  readonly new: JsonValue
  readonly sensitive?: true
}

/** Who acted (structurally an `Actor` from `access`, which audit does not import); `anonymous` for a failed login by an unknown name. */
export interface AuditActor {
  readonly userId: UserId
  readonly username: string
  readonly role: Role | 'anonymous'
}

/** What the caller supplies for one record; seq, time, hashes and actor are added by `appendAudit`. */
export interface AuditEntry {
  readonly kind: AuditKind
  readonly entityType: string
  readonly entityId: string
  readonly subjectId?: string | null
  readonly siteId?: string | null
  readonly changes?: readonly AuditChange[]
  /** Why: required by the services for every change after first entry. */
  readonly reason?: string | null
}

/** SHA-256 over the canonical serialisation of a record: its fields in a fixed order, then prev_hash. */
export function hashAuditRow(row: Omit<AuditRow, 'hash'>): string {
  const canonical = JSON.stringify([
    row.seq,
    row.at,
    row.actor_id,
    row.username,
    row.role,
    row.site_id,
    row.kind,
    row.entity_type,
    row.entity_id,
    row.subject_id,
    row.changes,
    row.reason,
    row.prev_hash,
  ])
  return createHash('sha256').update(canonical).digest('hex')
}
