import BetterSqlite3 from 'better-sqlite3'
import { sql } from 'kysely'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { describeEachDialect } from '../../test/support/index.ts'
import { fail, ok, ProblemCode } from '../domain/index.ts'
import { openStore, type Conn, type Store } from './index.ts'

const keysOf = async (store: Store): Promise<string[]> =>
  (await sql<{ k: string }>`select k from t order by k`.execute(store.db)).rows.map((r) => r.k)

const insert = (k: string) => (tx: Conn) => sql`insert into t (k) values (${k})`.execute(tx.db)

describeEachDialect('group commit', ({ store: current }) => {
  let store: Store
  const keys = (): Promise<string[]> => keysOf(store)
  beforeEach(async () => {
    store = current()
    await sql`drop table if exists t`.execute(store.db)
    await sql`create table t (k text primary key)`.execute(store.db)
  })

  it('commits concurrent writes together; a failed or throwing one is rolled back alone', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        store.write(async (tx) => {
          const k = `k${String(i).padStart(2, '0')}`
          await insert(k)(tx)
          if (i === 7) return fail({ code: ProblemCode.Invalid, path: 'k', message: 'refused' })
          if (i === 19) throw new Error('bug in write 19')
          return ok(k)
        }),
      ),
    )
    expect(outcomes[7]).toEqual({
      status: 'fulfilled',
      value: { ok: false, problems: [expect.objectContaining({ message: 'refused' })] },
    })
    expect(outcomes[19]).toMatchObject({ status: 'rejected', reason: { message: 'bug in write 19' } })
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.ok)).toHaveLength(28)
    const expected = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`).filter(
      (k) => k !== 'k07' && k !== 'k19',
    )
    expect(await keys()).toEqual(expected)
  })

  it('runs writes in arrival order, each seeing the writes before it', async () => {
    const seen = await Promise.all(
      ['a', 'b', 'c', 'd'].map((k) =>
        store.write(async (tx) => {
          const before = (await sql<{ n: number }>`select cast(count(*) as integer) as n from t`.execute(tx.db)).rows[0]
            ?.n
          await insert(k)(tx)
          return ok(before)
        }),
      ),
    )
    expect(seen.map((r) => (r.ok ? r.value : -1))).toEqual([0, 1, 2, 3])
  })

  it('a write that violates a constraint fails alone; the others of its batch commit', async () => {
    const results = await Promise.allSettled(
      ['x', 'x', 'y'].map((k) => store.write(async (tx) => (await insert(k)(tx), ok(k)))),
    )
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(await keys()).toEqual(['x', 'y'])
  })
})

describe('SQLite group commit and background checkpoints', () => {
  let dir: string
  let store: Store
  const file = (): string => join(dir, 'group.sqlite')

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trialdesk-group-'))
    store = await openStore(file())
    await sql`create table t (k text primary key)`.execute(store.db)
  })
  afterEach(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('acknowledges a write only once it is committed: another connection sees it', async () => {
    const r = await store.write(async (tx) => (await insert('seen')(tx), ok(true)))
    expect(r.ok).toBe(true)
    const other = new BetterSqlite3(file(), { readonly: true })
    try {
      expect(other.prepare('select k from t').all()).toEqual([{ k: 'seen' }])
    } finally {
      other.close()
    }
  })
  it('turns automatic checkpoints off on the application connection and copies the WAL into the file in the background', async () => {
    expect((await sql.raw('pragma wal_autocheckpoint').execute(store.db)).rows[0]).toEqual({ wal_autocheckpoint: 0 })
    const sizeBefore = statSync(file()).size
    for (let i = 0; i < 200; i++)
      await store.write(async (tx) => (await insert(`row-${i}-${'x'.repeat(200)}`)(tx), ok(i)))
    const deadline = Date.now() + 5000
    while (statSync(file()).size <= sizeBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(statSync(file()).size).toBeGreaterThan(sizeBefore)
  })

  it('closes cleanly, leaving every committed row in the file', async () => {
    await store.write(async (tx) => (await insert('last')(tx), ok(true)))
    await store.close()
    const reopened = new BetterSqlite3(file(), { readonly: true })
    try {
      expect(reopened.prepare('select k from t').all()).toEqual([{ k: 'last' }])
    } finally {
      reopened.close()
    }
    store = await openStore(file())
  })
})
