import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, sql } from 'kysely'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import pg from 'pg'
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'
import { MIGRATIONS } from './migrations/index.ts'
import type { DB } from './schema.ts'
import { startCheckpointer } from './checkpointer.ts'
import { groupCommitWriter } from './group-commit.ts'
import { SchemaScopedPostgresDialect } from './postgres-dialect.ts'
import { TrialSqliteDialect } from './sqlite-dialect.ts'
import type { DialectName, MigrationReport, Store } from './store.ts'

export interface OpenStoreOptions {
  /** PostgreSQL only: the schema to work in (created if missing), e.g. one per test file. */
  readonly schema?: string
  /** PostgreSQL only: pool size (default 10). */
  readonly poolSize?: number
  /**
   * SQLite only. `normal` (default) in WAL mode: a commit is written to the WAL (the OS has it) before it is
   * acknowledged, so every acknowledged save survives a process crash or SIGKILL (SQLite: "transactions are
   * durable across application crashes regardless of the synchronous setting"); only an OS crash or power cut
   * may roll back the last commits, never corrupt the file. The WAL is fsynced at checkpoints.
   * `full` fsyncs every commit: durable across power loss too, at one fsync per write transaction (0.2 ms on
   * the idle 2-core machine, 6 ms measured under heavy shared I/O load), which caps the single writer's rate.
   */
  readonly synchronous?: 'full' | 'normal'
  /** SQLite only: how long a writer waits for another process's write lock, in ms (default 5000). */
  readonly busyTimeoutMs?: number
}

/**
 * Opens the database named by `url`: `postgres://user@host:5432/db` for PostgreSQL (a pool), otherwise a
 * SQLite file path (created with its folder if missing; `sqlite:` prefix allowed) or `:memory:`.
 * Does not migrate: call `store.migrate()` (the CLI's `db migrate` and the server's start do).
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  return /^postgres(ql)?:\/\//.test(url)
    ? openPostgres(url, options)
    : openSqlite(url.replace(/^sqlite:(\/\/)?/, ''), options)
}

async function openSqlite(path: string, options: OpenStoreOptions): Promise<Store> {
  const memory = path === ':memory:'
  const file = memory ? path : resolve(path)
  if (!memory) mkdirSync(dirname(file), { recursive: true })
  const database = new BetterSqlite3(file)
  if (!memory) database.pragma('journal_mode = WAL')
  database.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  database.pragma('foreign_keys = ON')
  database.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`)
  const checkpointer = memory ? undefined : await startCheckpointer(database, file)
  const db = new Kysely<DB>({ dialect: new TrialSqliteDialect(database) })
  const store = makeStore(db, 'sqlite', file, undefined)
  return checkpointer ? { ...store, close: () => checkpointer.stop().then(() => store.close()) } : store
}

async function openPostgres(url: string, options: OpenStoreOptions): Promise<Store> {
  const schema = options.schema
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`invalid schema name "${schema}"`)
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // Every connection of the pool works in the chosen schema, so queries stay unqualified and portable.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // An idle client losing its connection must not crash the process; the next query reports the error.
  pool.on('error', () => undefined)
  const db = new Kysely<DB>({ dialect: new SchemaScopedPostgresDialect({ pool }) })
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
  // Kysely's Migrator finds its bookkeeping tables in *any* schema unless told which one, so name ours.
  const current = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  const migrationSchema = current.rows[0]?.schema ?? 'public'
  return makeStore(db, 'postgres', redactUrl(url) + (schema ? ` (schema ${schema})` : ''), migrationSchema)
}

function makeStore(db: Kysely<DB>, dialect: DialectName, location: string, migrationSchema: string | undefined): Store {
  return {
    db,
    dialect,
    location,
    write: groupCommitWriter(db, { location, dialect }),
    async migrate(): Promise<Result<MigrationReport>> {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) },
        ...(migrationSchema ? { migrationTableSchema: migrationSchema } : {}),
      })
      const { error, results } = await migrator.migrateToLatest()
      if (error) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName
        const message = error instanceof Error ? error.message : JSON.stringify(error)
        return fail({ code: ProblemCode.Io, path: failed ?? '', message: `migration failed: ${message}` })
      }
      return ok({ applied: (results ?? []).map((r) => r.migrationName), known: Object.keys(MIGRATIONS) })
    },
    close: () => db.destroy(),
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}
