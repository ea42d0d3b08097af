import { describe, expect, it } from 'vitest'
import type { Allocation } from '../domain/index.ts'
import { generateList, listOf } from './randomization-list.ts'
import {
  alternativeAllocations,
  balanceReport,
  convergenceCredit,
  defaultSimulatedSubjects,
  describeAllocation,
  simulateScheme,
} from './randomization-report.ts'
import { compileScheme, type AllocationScheme } from './scheme.ts'
import { referenceProtocol, withFirstAllocation } from './test-protocols.ts'

function scheme(allocation?: Allocation, stage?: string): AllocationScheme {
  const r = compileScheme(allocation ? withFirstAllocation(allocation) : referenceProtocol(), stage)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

const two = { D1: 1, P: 1 }
const four = { D1: 1, D2: 1, D3: 1, P: 1 }
const { protocol } = referenceProtocol()

describe('convergence guessing', () => {
  it('credits 1/ties when the true arm is among the arms furthest behind', () => {
    expect(convergenceCredit([1, 1], [0, 0], 0)).toBe(0.5)
    expect(convergenceCredit([1, 1], [1, 0], 1)).toBe(1)
    expect(convergenceCredit([1, 1], [1, 0], 0)).toBe(0)
    expect(convergenceCredit([1, 1, 1, 1], [1, 1, 0, 0], 3)).toBe(0.5)
    // 2:1 — after one D1 and nothing else, P (0/1) is further behind than D1 (1/2).
    expect(convergenceCredit([2, 1], [1, 0], 1)).toBe(1)
  })

  // Exact values (Blackwell & Hodges 1957): within a block, guessing the arm with fewest so far is right with
  // probability 1/(arms left with quota). Block of 2, two arms: (1/2 + 1)/2 = 0.75. Block of 4, two arms:
  // (1/2 + 2/3 + 5/6 + 1)/4 = 17/24. Block of 4, four arms: (1/4 + 1/3 + 1/2 + 1)/4 = 25/48. Simple 1:1: 1/2.
  const exactCases: [string, Allocation, number][] = [
    ['blocks of 2, 1:1', { method: 'permuted-blocks', ratio: two, blockSizes: [2], stratifyBy: [] }, 0.75],
    ['blocks of 4, 1:1', { method: 'permuted-blocks', ratio: two, blockSizes: [4], stratifyBy: [] }, 17 / 24],
    ['blocks of 4, 1:1:1:1', { method: 'permuted-blocks', ratio: four, blockSizes: [4], stratifyBy: [] }, 25 / 48],
    ['simple, 1:1', { method: 'simple', ratio: two, stratifyBy: [] }, 0.5],
  ]
  it.each(exactCases)('simulation recovers the exact predictability: %s', (_, allocation, exact) => {
    const result = simulateScheme(protocol, scheme(allocation), { seed: 'exact', sims: 400, subjects: 40 })
    expect(Math.abs(result.correctGuessRate - exact)).toBeLessThan(Math.max(4 * result.correctGuessSe, 1e-12))
  })

  it('ranks the schemes as statisticians expect: fixed 4 > random {4, 8} > simple ≈ chance', () => {
    const rate = (a: Allocation) => simulateScheme(protocol, scheme(a), { seed: 'rank', sims: 300 }).correctGuessRate
    const fixed = rate({ method: 'permuted-blocks', ratio: four, blockSizes: [4], stratifyBy: ['site'] })
    const mixed = rate({ method: 'permuted-blocks', ratio: four, blockSizes: [4, 8], stratifyBy: ['site'] })
    const simple = rate({ method: 'simple', ratio: four, stratifyBy: ['site'] })
    expect(fixed).toBeGreaterThan(mixed)
    expect(mixed).toBeGreaterThan(simple)
    expect(Math.abs(simple - 0.25)).toBeLessThan(0.02)
  })

  it('minimisation balances every factor margin better than site-stratified blocks, and keeps its bound', () => {
    const options = { seed: 'margins', sims: 200 }
    const blocks = simulateScheme(protocol, scheme(), options)
    const minimisation = simulateScheme(
      protocol,
      scheme({
        method: 'minimisation',
        ratio: four,
        stratifyBy: [],
        factors: ['site', 'onset', 'progression'],
        probability: 0.8,
        maxImbalance: 3,
        burnIn: 0,
      }),
      options,
    )
    expect(minimisation.marginalImbalance.mean).toBeLessThan(blocks.marginalImbalance.mean)
    expect(minimisation.marginalImbalance.max).toBeLessThanOrEqual(3)
    expect(minimisation.boundExceededRate).toBe(0)
    expect(blocks.chanceRate).toBe(0.25)
  })

  it('is reproducible for a simulation seed', () => {
    const a = simulateScheme(protocol, scheme(), { seed: 'same', sims: 50 })
    expect(simulateScheme(protocol, scheme(), { seed: 'same', sims: 50 })).toEqual(a)
  })
})

describe('balance of a generated list', () => {
  const s = scheme()
  const generated = generateList(s, { seed: 'balance', perStratum: 20 })
  if (!generated.ok) throw new Error('list')
  const list = generated.value

  it('shows each stratum, each block exact, and a deviation within half the largest block', () => {
    const report = balanceReport(s, list)
    expect(report.strata.map((x) => x.stratum)).toEqual(s.strata)
    expect(report.allBlocksExact).toBe(true)
    expect(report.maxDeviation).toBeLessThanOrEqual(4)
    for (const stratum of report.strata) {
      expect(stratum.blocks.reduce((n, b) => n + b.size, 0)).toBe(stratum.slots)
      // Complete blocks: every arm has exactly a quarter of the stratum.
      for (const arm of s.arms) expect(stratum.counts[arm]).toBe(stratum.slots / 4)
    }
  })

  it('flags a block whose arms were altered', () => {
    const altered = listOf(
      s,
      list.slots.map((slot, i) => (i === 0 ? { ...slot, arm: list.slots.find((x) => x.arm !== slot.arm)!.arm } : slot)),
    )
    const report = balanceReport(s, altered)
    expect(report.allBlocksExact).toBe(false)
    expect(report.strata[0]?.blocks[0]?.exact).toBe(false)
  })
})

describe('scheme comparison', () => {
  it('offers simple, fixed and varying blocks and minimisation, the protocol first, without duplicates', () => {
    const labels = alternativeAllocations(protocol, scheme()).map(describeAllocation)
    expect(labels).toEqual([
      'permuted blocks {4, 8} by site',
      'simple by site',
      'permuted blocks of 4 by site',
      'permuted blocks of 8 by site',
      'minimisation p=0.8 bound 3 (site, onset, progression)',
    ])
  })

  it('simulates the crossover with the expected number of re-randomized placebo patients (40 × 1/4)', () => {
    expect(defaultSimulatedSubjects(protocol, scheme(undefined, 'crossover'))).toBe(10)
    expect(defaultSimulatedSubjects(protocol, scheme())).toBe(40)
  })
})
