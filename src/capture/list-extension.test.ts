/**
 * A stratum whose list runs out is extended from the sealed seed inside the allocating transaction, on SQLite and
 * PostgreSQL: the longer list starts with the one sealed at go-live (every slot already given keeps its arm), is
 * sealed again with its new fingerprint, and the extension is audited. Two strata running out at once (2 sites,
 * concurrent requests) both keep their extension: the list row is locked and re-read before it is extended.
 */
import { expect, it } from 'vitest'
import type { Actor } from '../access/index.ts'
import { verifyAuditChain } from '../audit/index.ts'
import {
  fingerprintList,
  slotSequenceViolations,
  unsealList,
  type AllocatedSlot,
  type RandomizationList,
  type SealedList,
} from '../randomization/index.ts'
import { AllocatedSlotPayload, createSealer, type Store } from '../store/index.ts'
import {
  check,
  createStudyFixture,
  describeEachDialect,
  enrolSubject,
  referenceProtocol,
  TEST_SEAL_KEY,
  type StudyFixture,
} from '../../test/support/index.ts'

/** The reference design with `sites` only, sized for `target` subjects (the go-live lists get `target` slots). */
function smallProtocol(sites: readonly string[], target: number) {
  return referenceProtocol((raw) => {
    raw['sites'] = (raw['sites'] as { id: string }[]).filter((s) => sites.includes(s.id))
    for (const site of raw['sites'] as { targetEnrolment?: number }[]) site.targetEnrolment = target
    ;(raw['study'] as { targetEnrolment: number }).targetEnrolment = target
  })
}

async function storedList(store: Store): Promise<{ list: RandomizationList; fingerprint: string }> {
  const row = await store.db
    .selectFrom('randomization_list')
    .selectAll()
    .where('period_id', '=', 'double-blind')
    .executeTakeFirstOrThrow()
  return {
    list: check(unsealList(JSON.parse(row.sealed_list) as SealedList, TEST_SEAL_KEY)),
    fingerprint: row.fingerprint,
  }
}

async function allocatedSlots(store: Store): Promise<AllocatedSlot[]> {
  const sealer = createSealer(TEST_SEAL_KEY)
  const rows = await store.db
    .selectFrom('randomization_slot')
    .selectAll()
    .where('period_id', '=', 'double-blind')
    .execute()
  return rows.map((r) =>
    sealer.open(AllocatedSlotPayload, r.sealed, `randomization_slot:${r.period_id}:${r.stratum}:${r.sequence}`),
  )
}

/** The list cut back to its first `n` slots of each stratum. */
const prefix = (list: RandomizationList, n: Readonly<Record<string, number>>): RandomizationList => ({
  ...list,
  slots: list.slots.filter((s) => s.sequence <= (n[s.stratum] ?? 0)),
})

async function extensions(fx: StudyFixture) {
  const trail = check(
    await fx.services.reads.auditTrail(fx.actors.admin, { kind: 'randomization.list_extended', limit: 100 }),
  )
  return [...trail.items].reverse().map((i) => Object.fromEntries(i.changes.map((c) => [c.field, [c.old, c.new]])))
}

describeEachDialect('randomization list extension', ({ store }) => {
  it('target 4, ten randomizations at one site: its stratum is extended, the go-live list is its beginning', async () => {
    const fx = await createStudyFixture(store(), { protocol: smallProtocol(['MAL', 'COR'], 4) })
    const live = await storedList(store())
    const stratum = live.list.slots.find((s) => s.stratum.includes('MAL'))?.stratum ?? ''
    const atGoLive = Object.fromEntries(
      live.list.strata.map((s) => [s, live.list.slots.filter((x) => x.stratum === s).length]),
    )
    expect(atGoLive[stratum]).toBeLessThan(10)
    const investigator = fx.actors.investigator
    for (let i = 0; i < 10; i++) {
      const id = await enrolSubject(fx, fx.actors.coordinator, 'MAL')
      check(await fx.services.subjects.randomize(investigator, id))
    }
    const now = await storedList(store())
    expect(now.fingerprint).not.toBe(live.fingerprint)
    expect(now.fingerprint).toBe(fingerprintList(now.list))
    expect(fingerprintList(prefix(now.list, atGoLive))).toBe(live.fingerprint)
    // Every slot given is the list's slot at its sequence: 1..10, no gap, no repeat.
    const slots = await allocatedSlots(store())
    expect(slots.map((s) => s.sequence).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(slotSequenceViolations(slots)).toEqual([])
    const listed = now.list.slots.filter((s) => s.stratum === stratum)
    for (const s of slots) expect(listed[s.sequence - 1]?.arm).toBe(s.arm)
    // Audited with the fingerprints before and after each extension, the last one being the stored one.
    const audited = await extensions(fx)
    expect(audited.length).toBeGreaterThan(0)
    expect(audited[0]).toMatchObject({ period: [null, 'double-blind'], stratum: [null, stratum] })
    expect(audited[0]?.['fingerprint']?.[0]).toBe(live.fingerprint)
    expect(audited.at(-1)?.['fingerprint']?.[1]).toBe(now.fingerprint)
    expect(audited.at(-1)?.['slots']?.[1]).toBe(listed.length)
    // The other stratum was not touched.
    expect(audited.every((a) => a['stratum']?.[1] === stratum)).toBe(true)
    expect((await verifyAuditChain(store())).ok).toBe(true)
  })
})

describeEachDialect('randomization list extension under concurrency', ({ store }) => {
  it('two strata running out at once both keep their extension (concurrent requests)', async () => {
    const fx = await createStudyFixture(store(), { protocol: smallProtocol(['MAL', 'COR'], 2) })
    const live = await storedList(store())
    const staff: Record<string, Actor> = { MAL: fx.actors.investigator, COR: fx.actors.investigatorCOR }
    const coordinators: Record<string, Actor> = { MAL: fx.actors.coordinator, COR: fx.actors.coordinatorCOR }
    const ids: [string, string][] = []
    for (let i = 0; i < 20; i++) {
      const site = i % 2 === 0 ? 'MAL' : 'COR'
      ids.push([site, await enrolSubject(fx, coordinators[site] as Actor, site)])
    }
    const results = await Promise.all(ids.map(([site, id]) => fx.services.subjects.randomize(staff[site] as Actor, id)))
    expect(results.filter((r) => !r.ok)).toEqual([])
    const now = await storedList(store())
    const slots = await allocatedSlots(store())
    expect(slotSequenceViolations(slots)).toEqual([])
    for (const stratum of live.list.strata) {
      const mine = slots.filter((s) => s.stratum === stratum)
      expect(mine.map((s) => s.sequence).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      const listed = now.list.slots.filter((s) => s.stratum === stratum)
      for (const s of mine) expect(listed[s.sequence - 1]?.arm, `${stratum} #${s.sequence}`).toBe(s.arm)
    }
    const atGoLive = Object.fromEntries(
      live.list.strata.map((s) => [s, live.list.slots.filter((x) => x.stratum === s).length]),
    )
    expect(fingerprintList(prefix(now.list, atGoLive))).toBe(live.fingerprint)
    expect(new Set((await extensions(fx)).map((e) => e['stratum']?.[1]))).toEqual(new Set(live.list.strata))
    expect((await verifyAuditChain(store())).ok).toBe(true)
  }, 60_000)
})
