import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { fail, ok, type Instant, type UserId } from '../domain/index.ts'
import { createSealer } from '../store/index.ts'
import { describeEachDialect } from '../../test/support/index.ts'
import { appendAudit, AuditKind, BLINDED_VALUE, readAuditTrail, verifyAuditChain, type AuditActor } from './index.ts'

const alice: AuditActor = { userId: 'u-alice' as UserId, username: 'alice', role: 'investigator' }
const BLIND = { blinded: true } as const
const sealer = createSealer(Buffer.alloc(32, 7))
const at = (s: number) => new Date(Date.UTC(2026, 0, 12, 9, 0, s)).toISOString() as Instant

describeEachDialect('audit trail', ({ store }) => {
  it('appends gapless, linked records inside the writing transaction', async () => {
    const r = await store().write(async (tx) =>
      ok(
        await appendAudit(tx, { actor: alice, at: at(0), sealer }, [
          {
            kind: AuditKind.SubjectScreened,
            entityType: 'subject',
            entityId: 's1',
            subjectId: 's1',
            siteId: 'MAL',
            changes: [{ field: 'status', old: null, new: 'screening' }],
          },
          { kind: AuditKind.SubjectConsented, entityType: 'subject', entityId: 's1', subjectId: 's1', siteId: 'MAL' },
        ]),
      ),
    )
    expect(r).toEqual({ ok: true, value: [1, 2] })
    const rows = await store().db.selectFrom('audit_log').selectAll().orderBy('seq').execute()
    expect(rows.map((x) => [x.seq, x.kind, x.username, x.role, x.site_id])).toEqual([
      [1, 'subject.screened', 'alice', 'investigator', 'MAL'],
      [2, 'subject.consented', 'alice', 'investigator', 'MAL'],
    ])
    expect(rows[0]?.prev_hash).toBe('0'.repeat(64))
    expect(rows[1]?.prev_hash).toBe(rows[0]?.hash)
  })

  it('a rolled-back transaction leaves no audit record and no gap', async () => {
    await store().write(async (tx) => {
      await appendAudit(tx, { actor: alice, at: at(1), sealer }, [
        { kind: AuditKind.FormSaved, entityType: 'form', entityId: 'f1' },
      ])
      return fail({ code: 'invalid', path: '', message: 'nope' })
    })
    await store().write(async (tx) =>
      ok(
        await appendAudit(tx, { actor: alice, at: at(2), sealer }, [
          { kind: AuditKind.FormSaved, entityType: 'form', entityId: 'f2' },
        ]),
      ),
    )
    const seqs = (await store().db.selectFrom('audit_log').select(['seq', 'entity_id']).orderBy('seq').execute()).map(
      (x) => [x.seq, x.entity_id],
    )
    expect(seqs.slice(-1)).toEqual([[3, 'f2']])
  })

  it('keeps the chain linear under 60 concurrent writers', async () => {
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        store().write(async (tx) =>
          ok(
            await appendAudit(tx, { actor: alice, at: at(3), sealer }, [
              { kind: AuditKind.FormSaved, entityType: 'form', entityId: `c${i}` },
            ]),
          ),
        ),
      ),
    )
    const v = await verifyAuditChain(store())
    expect(v).toMatchObject({ ok: true, records: 63 })
    expect(v.firstBroken).toBeUndefined()
  })

  it('masks sensitive values for blinded readers only, identically whatever the value', async () => {
    for (const arm of ['D1', 'P']) {
      await store().write(async (tx) =>
        ok(
          await appendAudit(tx, { actor: alice, at: at(4), sealer }, [
            {
              kind: AuditKind.SubjectRandomized,
              entityType: 'subject',
              entityId: `s-${arm}`,
              subjectId: `s-${arm}`,
              siteId: 'MAL',
              changes: [
                { field: 'status', old: 'enrolled', new: 'randomized' },
                { field: 'arm', old: null, new: arm, sensitive: true },
              ],
            },
          ]),
        ),
      )
    }
    const page = async (subjectId: string, sees: boolean) =>
      (
        await readAuditTrail(
          store(),
          { subjectId, siteIds: 'all', limit: 10 },
          sees ? { blinded: false, sealer } : BLIND,
        )
      ).items[0]?.changes
    expect(await page('s-D1', true)).toEqual([
      { field: 'status', old: 'enrolled', new: 'randomized' },
      { field: 'arm', old: null, new: 'D1' },
    ])
    const blindedD1 = await page('s-D1', false)
    expect(blindedD1).toEqual([
      { field: 'status', old: 'enrolled', new: 'randomized' },
      { field: 'arm', old: BLINDED_VALUE, new: BLINDED_VALUE, blinded: true },
    ])
    expect(await page('s-P', false)).toEqual(blindedD1)
    // At rest the arm is sealed: the stored record does not contain it.
    const stored = await store()
      .db.selectFrom('audit_log')
      .select('changes')
      .where('subject_id', 'in', ['s-D1', 's-P'])
      .execute()
    for (const row of stored) expect(row.changes).not.toMatch(/"(D1|P)"/)
    expect(stored[0]?.changes.length).toBe(stored[1]?.changes.length)
  })

  it('pages newest first and filters by site scope', async () => {
    const first = await readAuditTrail(store(), { siteIds: 'all', limit: 30 }, BLIND)
    expect(first.items).toHaveLength(30)
    expect(first.items[0]?.seq).toBe(65)
    const second = await readAuditTrail(store(), { siteIds: 'all', limit: 50, beforeSeq: first.nextBeforeSeq! }, BLIND)
    expect(second.items.map((i) => i.seq)).toEqual(Array.from({ length: 35 }, (_, i) => 35 - i))
    expect(second.nextBeforeSeq).toBeUndefined()
    const mal = await readAuditTrail(store(), { siteIds: ['MAL'], limit: 100 }, BLIND)
    expect(mal.items.map((i) => i.seq)).toEqual([65, 64, 2, 1])
    expect((await readAuditTrail(store(), { siteIds: [], limit: 100 }, BLIND)).items).toEqual([])
  })

  it('verify names the first record edited behind the application’s back', async () => {
    expect(await verifyAuditChain(store())).toMatchObject({ ok: true, records: 65 })
    await sql`update audit_log set reason = ${'backdated'} where seq = 40`.execute(store().db)
    await sql`update audit_log set username = ${'mallory'} where seq = 50`.execute(store().db)
    expect(await verifyAuditChain(store())).toMatchObject({
      ok: false,
      records: 39,
      firstBroken: { seq: 40, reason: 'content does not match its hash (record edited)' },
    })
  })

  it('verify reports a deleted record as missing', async () => {
    await sql`update audit_log set reason = null where seq = 40`.execute(store().db)
    await sql`update audit_log set username = ${'alice'} where seq = 50`.execute(store().db)
    expect((await verifyAuditChain(store())).ok).toBe(true)
    await sql`delete from audit_log where seq = 20`.execute(store().db)
    expect((await verifyAuditChain(store())).firstBroken).toEqual({
      seq: 20,
      reason: 'record missing (the next record is seq 21)',
    })
  })
})
