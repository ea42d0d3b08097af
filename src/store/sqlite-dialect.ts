import type BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely'

/**
 * Kysely's SQLite driver starts transactions with a deferred `BEGIN`. A deferred transaction that reads and
 * then writes can fail with SQLITE_BUSY when another process (the CLI, a second server) wrote in between, and
 * the busy handler cannot help it. `BEGIN IMMEDIATE` takes the write lock up front, so a writer waits
 * (busy_timeout) instead of failing, and a transaction never sees a snapshot that is stale by the time it writes.
 * Inside one process Kysely's connection mutex already serialises transactions on the single connection.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

/** SqliteDialect whose transactions begin immediate and whose statements are prepared once and reused. */
export class TrialSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase
  constructor(database: BetterSqlite3.Database) {
    const cached = cachingDatabase(database)
    super({ database: cached })
    this.#database = cached
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database })
  }
}

/** Upper bound of cached statements; the application issues a few hundred distinct SQL texts. */
const STATEMENT_CACHE_SIZE = 1000

/**
 * better-sqlite3 compiles SQL on every `prepare`; Kysely prepares every query. Caching the prepared
 * statement by SQL text keeps the hot save path to bind-and-step. (Statements are only ever run to
 * completion here, never left mid-iteration, so reuse is safe.)
 */
function cachingDatabase(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => db.close(),
    prepare(sqlText: string): SqliteStatement {
      let statement = cache.get(sqlText)
      if (!statement) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear()
        statement = db.prepare(sqlText)
        cache.set(sqlText, statement)
      }
      return statement
    },
  }
}
