import type { Kysely, SelectQueryBuilder } from 'kysely'
import type { Result } from '../domain/index.ts'
import type { DB } from './schema.ts'

export type DialectName = 'sqlite' | 'postgres'

/**
 * A handle to run queries on: the store itself (autocommit reads) or an open transaction. Repositories take
 * a `Conn`, so the same function reads outside and writes inside a transaction.
 */
export interface Conn {
  readonly db: Kysely<DB>
  readonly dialect: DialectName
}

export interface MigrationReport {
  /** Names of the migrations applied by this run (empty when the schema was already current). */
  readonly applied: readonly string[]
  /** Every migration the code knows, in order. */
  readonly known: readonly string[]
}

export interface Store extends Conn {
  /** The SQLite file (or `:memory:`), or the PostgreSQL URL with any password removed. */
  readonly location: string
  /**
   * Runs `fn` in ONE write transaction. A `Result` that is not ok rolls everything back and is returned as
   * is; a thrown error rolls back and propagates. Within a process, writes run one at a time in arrival order,
   * and those that arrive together share one transaction, each in its own savepoint (group commit: failures stay
   * per write, every write is answered after the commit). Between processes: SQLite `BEGIN IMMEDIATE` (one
   * writer at a time); PostgreSQL READ COMMITTED plus the row locks taken through `forUpdate`/`forShare`.
   * `fn` must not call `write` again (it would wait on itself) nor await anything slow (e.g. password hashing).
   */
  write<T>(fn: (tx: Conn) => Promise<Result<T>>): Promise<Result<T>>
  /** Applies pending migrations (Kysely's Migrator over the static list). */
  migrate(): Promise<Result<MigrationReport>>
  close(): Promise<void>
}

/**
 * The Postgres-only capability, in one place: row locks. On SQLite a write transaction already holds the
 * database's single write lock (BEGIN IMMEDIATE), so the lock clause is left out.
 *
 * Lock order, to stay deadlock-free: study row (share) → subject row → randomization counter row →
 * randomization list row (to extend it) → audit head.
 */
export function forUpdate<TB extends keyof DB, O>(
  c: Conn,
  qb: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<DB, TB, O> {
  return c.dialect === 'postgres' ? qb.forUpdate() : qb
}

/** A shared row lock on PostgreSQL (many writers may hold it; an exclusive `forUpdate` waits for them). */
export function forShare<TB extends keyof DB, O>(
  c: Conn,
  qb: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<DB, TB, O> {
  return c.dialect === 'postgres' ? qb.forShare() : qb
}
