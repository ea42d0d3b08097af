import { describe, expect, it } from 'vitest'
import { ok, type Instant, type PeriodId, type Result, type SubjectId } from '../domain/index.ts'
import { InMemorySlotStore } from './in-memory-slot-store.ts'
import { minimise } from './minimisation.ts'
import { generateList, type RandomizationList } from './randomization-list.ts'
import { compileScheme, type AllocationScheme } from './scheme.ts'
import {
  slotSequenceViolations,
  type SlotGrant,
  type SlotProblem,
  type SlotRequest,
  type SlotStore,
} from './slot-contract.ts'
import { SINGLE_STRATUM, type StratumKey } from './strata.ts'
import { referenceProtocol, withFirstAllocation } from './test-protocols.ts'

const AT = '2026-03-02T09:00:00.000Z' as Instant
const SITES = ['MAL', 'COR', 'SVM', 'SVR']

/** A database round trip: a few macrotask turns of random length, so requests interleave. */
const jitter = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)))

function compiled(
  version = withFirstAllocation({
    method: 'permuted-blocks',
    ratio: { D1: 1, D2: 1, D3: 1, P: 1 },
    blockSizes: [4, 8],
    stratifyBy: [],
  }),
): AllocationScheme {
  const r = compileScheme(version)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

function list(scheme: AllocationScheme, perStratum: number): RandomizationList {
  const r = generateList(scheme, { seed: 'concurrency', perStratum })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

const subject = (i: number): SubjectId => `${SITES[i % 4]}-${String(i).padStart(3, '0')}` as SubjectId

function request(scheme: AllocationScheme, i: number, stratum: StratumKey = SINGLE_STRATUM): SlotRequest {
  return { periodId: scheme.periodId, stratum, subjectId: subject(i), at: AT }
}

function granted(results: readonly Result<SlotGrant>[]): SlotGrant[] {
  return results.map((r) => {
    if (!r.ok) throw new Error(JSON.stringify(r.problems))
    return r.value
  })
}

/** 200 requests from four sites into one stratum, all in flight at once, each starting after a random delay. */
async function fire(store: SlotStore, scheme: AllocationScheme, n = 200): Promise<SlotGrant[]> {
  return granted(
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        await jitter()
        return store.takeNextSlot(request(scheme, i))
      }),
    ),
  )
}

/** A store without the lock (read, await the database, write): what the contract forbids. Negative control. */
class UnlockedStore implements SlotStore {
  private next = 0
  private readonly slots: SlotGrant['slot'][] = []
  constructor(private readonly list: RandomizationList) {}
  async takeNextSlot(r: SlotRequest): Promise<Result<SlotGrant>> {
    const sequence = this.next + 1
    await jitter()
    this.next = sequence
    const row = this.list.slots[sequence - 1]!
    const slot = { ...r, sequence, arm: row.arm, block: row.block, blockSize: row.blockSize, allocatedAt: r.at }
    this.slots.push(slot)
    return ok({ slot, created: true })
  }
  takeMinimisedSlot(): Promise<Result<SlotGrant>> {
    throw new Error('not used')
  }
  findSlot(): Promise<undefined> {
    return Promise.resolve(undefined)
  }
}

describe('InMemorySlotStore: the take-next-slot contract', () => {
  const scheme = compiled()

  it('gives 200 simultaneous requests across sites in one stratum 200 distinct consecutive slots, each its list row', async () => {
    const l = list(scheme, 200)
    const store = new InMemorySlotStore({ lists: [l], io: jitter })
    const grants = await fire(store, scheme)
    const slots = grants.map((g) => g.slot)
    expect(slotSequenceViolations(slots)).toEqual([])
    expect(new Set(slots.map((s) => s.sequence)).size).toBe(200)
    expect(Math.max(...slots.map((s) => s.sequence))).toBe(200)
    expect(grants.every((g) => g.created)).toBe(true)
    for (const slot of slots) expect(slot.arm).toBe(l.slots[slot.sequence - 1]?.arm)
  })

  it('the same check catches a store without the lock (negative control)', async () => {
    const grants = await fire(new UnlockedStore(list(scheme, 200)), scheme)
    expect(slotSequenceViolations(grants.map((g) => g.slot)).length).toBeGreaterThan(0)
  })

  it('is idempotent: a subject asking twice (concurrently) gets one slot, the repeat marked not created', async () => {
    const store = new InMemorySlotStore({ lists: [list(scheme, 100)], io: jitter })
    const results = granted(
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.takeNextSlot(request(scheme, i % 50)))),
    )
    expect(slotSequenceViolations(store.allSlots())).toEqual([])
    expect(store.allSlots()).toHaveLength(50)
    for (let i = 0; i < 50; i++) {
      const [first, second] = [results[i]!, results[i + 50]!]
      expect(second.slot).toEqual(first.slot)
      expect([first.created, second.created].sort()).toEqual([false, true])
    }
    expect(await store.findSlot(scheme.periodId, subject(7))).toEqual(results[7]!.slot)
  })

  it('returns errors as values: exhausted list, other stratum, no list, not live, locked', async () => {
    const small = list(scheme, 4)
    const store = new InMemorySlotStore({ lists: [small] })
    granted(await Promise.all([0, 1, 2, 3].map((i) => store.takeNextSlot(request(scheme, i)))))
    const reason = async (p: Promise<Result<SlotGrant>>) => {
      const r = await p
      return r.ok ? 'ok' : (r.problems[0] as SlotProblem).reason
    }
    expect(await reason(store.takeNextSlot(request(scheme, 4)))).toBe('list_exhausted')
    expect(await reason(store.takeNextSlot(request(scheme, 0, 'site=MAL' as StratumKey)))).toBe('allocated_elsewhere')
    expect(await reason(store.takeNextSlot({ ...request(scheme, 9), periodId: 'crossover' as PeriodId }))).toBe(
      'no_list',
    )
    expect(store.allSlots()).toHaveLength(4)
    store.setPhase({ status: 'setup' })
    expect(await reason(store.takeNextSlot(request(scheme, 0)))).toBe('study_not_live')
    store.setPhase({ status: 'locked', lockedAt: AT })
    expect(await reason(store.takeNextSlot(request(scheme, 0)))).toBe('study_locked')
  })

  it('keeps strata independent: each stratum of the reference list counts from 1', async () => {
    const reference = compiled(referenceProtocol())
    const store = new InMemorySlotStore({ lists: [list(reference, 40)], io: jitter })
    const results = granted(
      await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          store.takeNextSlot(request(reference, i, `site=${SITES[i % 4]}` as StratumKey)),
        ),
      ),
    )
    expect(slotSequenceViolations(results.map((r) => r.slot))).toEqual([])
    expect(
      results
        .filter((r) => r.slot.stratum === 'site=COR')
        .map((r) => r.slot.sequence)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
  })
})

describe('InMemorySlotStore: minimisation under the same lock', () => {
  const scheme = compiled(
    withFirstAllocation({
      method: 'minimisation',
      ratio: { D1: 1, D2: 1, D3: 1, P: 1 },
      stratifyBy: [],
      factors: ['site', 'onset'],
      probability: 0.8,
      maxImbalance: 3,
      burnIn: 0,
    }),
  )

  it('200 concurrent minimised requests: consecutive sequences, counts folded from every decision, bound kept', async () => {
    const store = new InMemorySlotStore({ io: jitter })
    const results = granted(
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          await jitter()
          const levels = { site: SITES[i % 4]!, onset: i % 3 === 0 ? 'bulbar' : 'spinal' }
          return store.takeMinimisedSlot({ ...request(scheme, i), levels }, (state) => {
            const d = minimise(scheme, 'live-seed', SINGLE_STRATUM, state, levels)
            if (d.ok) expect(d.value.withinBound).toBe(true)
            return d
          })
        }),
      ),
    )
    expect(slotSequenceViolations(results.map((r) => r.slot))).toEqual([])
    const perSite = SITES.map((site) => {
      const arms = results.filter((r) => r.slot.subjectId.startsWith(site)).map((r) => r.slot.arm)
      const counts = scheme.arms.map((a) => arms.filter((x) => x === a).length)
      return Math.max(...counts) - Math.min(...counts)
    })
    expect(Math.max(...perSite)).toBeLessThanOrEqual(3)
  })

  it('rejects a decision made for a stale sequence (a decider that ignored the locked state)', async () => {
    const store = new InMemorySlotStore()
    const levels = { site: 'MAL', onset: 'spinal' }
    const stale = () => minimise(scheme, 's', SINGLE_STRATUM, { allocated: 5, counts: {} }, levels)
    const r = await store.takeMinimisedSlot({ ...request(scheme, 0), levels }, stale)
    expect(r.ok || (r.problems[0] as SlotProblem).reason).toBe('decision_rejected')
    expect(store.allSlots()).toHaveLength(0)
  })
})
