/**
 * The DIALECTS loop (the pattern of Kysely's own test suite): every store-level suite runs once on SQLite and
 * once on PostgreSQL, with the same assertions.
 *
 * - SQLite: a temporary file per suite (WAL, exactly as in production), removed afterwards.
 * - PostgreSQL: a fresh schema per suite at `TRIALDESK_TEST_PG_URL` (default postgres://postgres@127.0.0.1:5432/test),
 *   dropped afterwards. If the server is not reachable, the postgres half is skipped with a loud warning,
 *   except when `TRIALDESK_CI=1`: then it runs and fails, because CI must never silently skip it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'
import { openStore, type DialectName, type Store } from '../../src/store/index.ts'

export const PG_URL = process.env['TRIALDESK_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const IN_CI = process.env['TRIALDESK_CI'] === '1'

async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

const pgReachable = await postgresReachable(PG_URL)

/** A migrated, empty database for one suite. */
export interface TestDatabase {
  readonly store: Store
  /** What `openStore` was given: the SQLite file path, or the PostgreSQL URL. */
  readonly url: string
  /** PostgreSQL only: the suite's schema. */
  readonly schema?: string
  dispose(): Promise<void>
}

export interface TestDialect {
  readonly name: DialectName
  /** False only for PostgreSQL when unreachable outside CI. */
  readonly runs: boolean
  open(): Promise<TestDatabase>
}

let counter = 0
const uniqueName = (): string => `${process.pid}_${Date.now().toString(36)}_${++counter}`

async function migrated(store: Store): Promise<Store> {
  const result = await store.migrate()
  if (!result.ok) throw new Error(`migration failed: ${result.problems.map((p) => p.message).join('; ')}`)
  return store
}

const sqlite: TestDialect = {
  name: 'sqlite',
  runs: true,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'trialdesk-test-'))
    const url = join(dir, 'test.sqlite')
    const store = await migrated(await openStore(url))
    return {
      store,
      url,
      async dispose() {
        await store.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}

const postgres: TestDialect = {
  name: 'postgres',
  runs: pgReachable || IN_CI,
  async open() {
    const schema = `t_${uniqueName()}`
    const store = await migrated(await openStore(PG_URL, { schema, poolSize: 12 }))
    return {
      store,
      url: PG_URL,
      schema,
      async dispose() {
        await store.close()
        const admin = new pg.Client({ connectionString: PG_URL })
        await admin.connect()
        try {
          await admin.query(`drop schema if exists "${schema}" cascade`)
        } finally {
          await admin.end()
        }
      },
    }
  },
}

export const DIALECTS: readonly TestDialect[] = [sqlite, postgres]

export interface DialectContext {
  readonly dialect: DialectName
  /** The suite's database (available inside tests and hooks, after the suite's `beforeAll`). */
  readonly db: () => TestDatabase
  readonly store: () => Store
}

/**
 * `describe(name)` once per dialect, each with its own fresh migrated database, disposed after the suite.
 * Hooks registered inside `body` run after the database is open.
 */
export function describeEachDialect(name: string, body: (ctx: DialectContext) => void): void {
  for (const dialect of DIALECTS) {
    if (!dialect.runs) {
      console.warn(`PostgreSQL not reachable at ${PG_URL} — skipping the postgres half of ${name}`)
    }
    describe.skipIf(!dialect.runs)(`${dialect.name}: ${name}`, () => {
      let database: TestDatabase | undefined
      beforeAll(async () => {
        database = await dialect.open()
      })
      afterAll(async () => {
        await database?.dispose()
      })
      const db = (): TestDatabase => {
        if (!database) throw new Error('the test database is not open yet (use it inside tests or hooks)')
        return database
      }
      body({ dialect: dialect.name, db, store: () => db().store })
    })
  }
}
