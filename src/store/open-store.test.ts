import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { fail, ok } from '../domain/index.ts'
import { describeEachDialect } from '../../test/support/index.ts'
import {
  MIGRATIONS,
  findRandomizationListForUpdate,
  forUpdate,
  insertRandomizationList,
  joinTransaction,
  updateRandomizationList,
} from './index.ts'

const site = (id: string) => ({
  id,
  name: `Site ${id}`,
  country: 'ES',
  city: null,
  target_enrolment: 10,
  active: 1 as const,
  created_at: '2026-01-12T09:00:00.000Z',
})

describeEachDialect('store', ({ dialect, store }) => {
  it('migrates to the latest schema once; a second run applies nothing', async () => {
    const again = await store().migrate()
    expect(again).toEqual({ ok: true, value: { applied: [], known: Object.keys(MIGRATIONS) } })
    const head = await store().db.selectFrom('audit_head').selectAll().execute()
    expect(head).toEqual([{ id: 1, seq: 0, hash: '0'.repeat(64) }])
  })

  it('commits a write whose result is ok', async () => {
    const r = await store().write(async (tx) => {
      await tx.db.insertInto('site').values(site('MAL')).execute()
      return ok('done')
    })
    expect(r).toEqual({ ok: true, value: 'done' })
    expect(await store().db.selectFrom('site').select('id').execute()).toEqual([{ id: 'MAL' }])
  })

  it('rolls back everything when the result is a failure, and returns the failure', async () => {
    const r = await store().write(async (tx) => {
      await tx.db.insertInto('site').values(site('COR')).execute()
      return fail({ code: 'conflict', path: 'id', message: 'no' })
    })
    expect(r.ok).toBe(false)
    expect(await store().db.selectFrom('site').select('id').where('id', '=', 'COR').execute()).toEqual([])
  })

  it('rolls back and rethrows when the work throws', async () => {
    await expect(
      store().write(async (tx) => {
        await tx.db.insertInto('site').values(site('SVM')).execute()
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await store().db.selectFrom('site').select('id').where('id', '=', 'SVM').execute()).toEqual([])
  })

  it('enforces foreign keys', async () => {
    await expect(
      store()
        .db.insertInto('user_session')
        .values({
          id_hash: 'h',
          user_id: 'nobody',
          created_at: 'x',
          last_seen_at: 'x',
          expires_at: 'x',
          revoked_at: null,
          user_agent: null,
        })
        .execute(),
    ).rejects.toThrow()
  })

  it('serialises concurrent read-modify-write transactions that lock the row (no lost update)', async () => {
    await store()
      .db.insertInto('site')
      .values({ ...site('CNT'), target_enrolment: 0 })
      .execute()
    await Promise.all(
      Array.from({ length: 40 }, () =>
        store().write(async (tx) => {
          const row = await forUpdate(
            tx,
            tx.db.selectFrom('site').select('target_enrolment').where('id', '=', 'CNT'),
          ).executeTakeFirstOrThrow()
          await tx.db
            .updateTable('site')
            .set({ target_enrolment: (row.target_enrolment ?? 0) + 1 })
            .where('id', '=', 'CNT')
            .execute()
          return ok(null)
        }),
      ),
    )
    const row = await store()
      .db.selectFrom('site')
      .select('target_enrolment')
      .where('id', '=', 'CNT')
      .executeTakeFirstOrThrow()
    expect(row.target_enrolment).toBe(40)
  })

  it('a randomization list row locked for its extension serialises concurrent extensions (no lost update)', async () => {
    await insertRandomizationList(
      store(),
      {
        id: 'L-EXT',
        period_id: 'EXT-PERIOD',
        sealed_list: '{}',
        fingerprint: '',
        method: 'permuted-blocks',
        seed_sealed: 'x',
        created_at: '2026-01-12T09:00:00.000Z',
        created_by: 'test',
      },
      [],
    )
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store().write(async (tx) => {
          const row = await findRandomizationListForUpdate(tx, 'EXT-PERIOD')
          // Yield between the read and the write, as an extension does (unsealing, regenerating, sealing).
          await new Promise((resolve) => setTimeout(resolve, 1))
          await updateRandomizationList(tx, row?.id ?? '', {
            sealed_list: `${row?.sealed_list ?? ''}|${i}`,
            fingerprint: `${row?.fingerprint ?? ''}x`,
          })
          return ok(null)
        }),
      ),
    )
    const row = await findRandomizationListForUpdate(store(), 'EXT-PERIOD')
    expect(row?.fingerprint).toBe('x'.repeat(30))
  })

  it('a joined store runs each write in a savepoint of the open transaction: a failed step leaves nothing', async () => {
    const ids = async () =>
      (await store().db.selectFrom('site').select('id').where('id', 'like', 'J%').orderBy('id').execute()).map(
        (r) => r.id,
      )
    const insert = (id: string) => async (tx: { db: ReturnType<typeof store>['db'] }) => {
      await tx.db.insertInto('site').values(site(id)).execute()
      return ok(id)
    }
    const r = await store().write(async (tx) => {
      const joined = joinTransaction(store(), tx)
      expect(await joined.write(insert('J1'))).toEqual({ ok: true, value: 'J1' })
      // A failed Result rolls back its own step only.
      const failed = await joined.write(async (t) => {
        await insert('J2')(t)
        return fail({ code: 'conflict', path: '', message: 'no' })
      })
      expect(failed.ok).toBe(false)
      // A database error (duplicate key) inside a step: the transaction stays usable (PostgreSQL would abort it).
      await expect(joined.write(insert('J1'))).rejects.toThrow()
      await expect(
        joined.write(async (t) => {
          await insert('J3')(t)
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      // Reads through the joined store see the transaction's own writes.
      expect(await joined.db.selectFrom('site').select('id').where('id', 'like', 'J%').execute()).toEqual([
        { id: 'J1' },
      ])
      expect((await joined.migrate()).ok).toBe(false)
      return joined.write(insert('J4'))
    })
    expect(r).toEqual({ ok: true, value: 'J4' })
    expect(await ids()).toEqual(['J1', 'J4'])
    // The outer transaction still decides: its failure rolls back every joined step.
    await store().write(async (tx) => {
      await joinTransaction(store(), tx).write(insert('J5'))
      return fail({ code: 'conflict', path: '', message: 'all or nothing' })
    })
    expect(await ids()).toEqual(['J1', 'J4'])
  })

  if (dialect === 'postgres') {
    it('introspects its own schema only, unaffected by schemas dropped meanwhile (the Migrator’s check)', async () => {
      const db = store().db
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
      const tables = await db.introspection.getTables({ withInternalKyselyTables: true })
      expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([schema]))
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['audit_log', 'kysely_migration', 'subject']))
      expect(tables.find((t) => t.name === 'site')?.columns.map((c) => c.name)).toContain('target_enrolment')
      // Other schemas created and dropped while introspecting: Kysely's own introspector fails here at times.
      const churn = Array.from({ length: 12 }, async (_, i) => {
        const name = `churn_${process.pid}_${i}`
        await sql`create schema ${sql.id(name)}`.execute(db)
        await sql`create table ${sql.id(name)}.t (k int)`.execute(db)
        await sql`drop schema ${sql.id(name)} cascade`.execute(db)
      })
      const looks = Array.from({ length: 12 }, () => db.introspection.getTables({ withInternalKyselyTables: true }))
      await Promise.all([...churn, ...looks])
    })
  }

  if (dialect === 'sqlite') {
    it('runs SQLite in WAL mode with foreign keys and synchronous=NORMAL (durable across process crashes)', async () => {
      const pragma = async (name: string) => (await sql.raw(`pragma ${name}`).execute(store().db)).rows[0]
      expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' })
      expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 })
      expect(await pragma('synchronous')).toEqual({ synchronous: 1 })
    })
  }
})
