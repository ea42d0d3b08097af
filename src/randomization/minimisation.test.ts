import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Allocation, ArmId } from '../domain/index.ts'
import { streamFor } from './drbg.ts'
import {
  addToCounts,
  marginalImbalance,
  minimisationPreference,
  minimise,
  type MarginalCounts,
} from './minimisation.ts'
import { compileScheme, type AllocationScheme } from './scheme.ts'
import { SINGLE_STRATUM, type FactorLevels } from './strata.ts'
import { withFirstAllocation } from './test-protocols.ts'

type Minimisation = Extract<Allocation, { method: 'minimisation' }>

function scheme(options: Partial<Minimisation> = {}): AllocationScheme {
  const allocation: Minimisation = {
    method: 'minimisation',
    ratio: { D1: 1, D2: 1, D3: 1, P: 1 },
    stratifyBy: [],
    factors: ['site', 'onset', 'progression'],
    probability: 0.8,
    maxImbalance: 3,
    burnIn: 0,
    ...options,
  }
  const r = compileScheme(withFirstAllocation(allocation))
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

function randomSubject(s: AllocationScheme, stream: ReturnType<typeof streamFor>): FactorLevels {
  return Object.fromEntries(
    s.marginalFactors.map((f) => {
      const levels = s.levels[f.id] ?? []
      return [f.id, levels[stream.int(levels.length)] ?? '']
    }),
  )
}

/** Runs a trial of `n` subjects; returns the largest marginal imbalance seen after any allocation and the decisions. */
function runTrial(s: AllocationScheme, seed: string, n: number) {
  const people = streamFor(['minimisation-test-subjects', seed])
  let counts: MarginalCounts = {}
  let worst = 0
  let outsideBound = 0
  for (let i = 0; i < n; i++) {
    const levels = randomSubject(s, people)
    const d = minimise(s, seed, SINGLE_STRATUM, { allocated: i, counts }, levels)
    if (!d.ok) throw new Error(JSON.stringify(d.problems))
    if (!d.value.withinBound) outsideBound++
    counts = addToCounts(counts, levels, d.value.arm)
    // Only the subject's levels changed: check their ranges, independently of the algorithm's own bookkeeping.
    for (const [factor, level] of Object.entries(levels)) {
      const byArm = counts[factor]?.[level] ?? {}
      const scaled = s.arms.map((a, k) => (byArm[a] ?? 0) / (s.weights[k] ?? 1))
      worst = Math.max(worst, Math.max(...scaled) - Math.min(...scaled))
    }
  }
  return { worst, outsideBound, finalImbalance: marginalImbalance(s, counts) }
}

describe('minimisation keeps marginal imbalance within the protocol bound', () => {
  it('reference design (site, onset, progression; 4 arms; bound 3): never exceeded over 1000 seeded trials of 40', () => {
    const s = scheme()
    for (let seed = 0; seed < 1000; seed++) {
      const { worst, outsideBound, finalImbalance } = runTrial(s, `trial-${seed}`, 40)
      expect(outsideBound).toBe(0)
      expect(worst).toBeLessThanOrEqual(3)
      expect(finalImbalance).toBeLessThanOrEqual(3)
    }
  })

  it('one marginal factor: the bound holds for any ratio, bound and probability (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom<Allocation['ratio']>(
          { D1: 1, P: 1 },
          { D1: 2, P: 1 },
          { D1: 1, D2: 1, D3: 1, P: 1 },
          { D1: 3, D2: 1 },
        ),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0.51, max: 1, noNaN: true }),
        (seed, ratio, maxImbalance, probability) => {
          const { worst, outsideBound } = runTrial(
            scheme({ ratio, maxImbalance, probability, factors: ['site'] }),
            seed,
            60,
          )
          expect(outsideBound).toBe(0)
          expect(worst).toBeLessThanOrEqual(maxImbalance)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('minimisation decisions', () => {
  const s = scheme({ ratio: { D1: 1, P: 1 }, factors: ['site'], maxImbalance: 3 })
  // At MAL, D1 already has 2 subjects and P none.
  const counts: MarginalCounts = { site: { MAL: { D1: 2, P: 0 } } }
  const levels = { site: 'MAL' }

  it('scores arms by the range of ratio-scaled counts at the subject levels (hand-computed)', () => {
    const p = minimisationPreference(s, counts, levels)
    // D1 → counts 3:0, range 3; P → 2:1, range 1.
    expect(p.scores).toEqual([3, 1])
    // The safety margin (bound − 1 = 2) excludes D1, so P is the only allowed arm.
    expect(p.allowed).toEqual([1])
    expect(p.preferred).toEqual([1])
  })

  it('is forced when only one arm keeps the bound, and replays identically', () => {
    const a = minimise(s, 'seed', SINGLE_STRATUM, { allocated: 2, counts }, levels)
    expect(a).toMatchObject({ ok: true, value: { arm: 'P', rule: 'forced', sequence: 3, withinBound: true } })
    expect(minimise(s, 'seed', SINGLE_STRATUM, { allocated: 2, counts }, levels)).toEqual(a)
  })

  it('takes the preferred arm with the protocol probability (0.8 ± 3 SE over 4000 decisions)', () => {
    const wide = scheme({ ratio: { D1: 1, P: 1 }, factors: ['site'], maxImbalance: 5, probability: 0.8 })
    const state = { allocated: 1, counts: { site: { MAL: { D1: 1, P: 0 } } } }
    let preferred = 0
    const n = 4000
    for (let i = 0; i < n; i++) {
      const d = minimise(wide, `p${i}`, SINGLE_STRATUM, state, levels)
      if (d.ok && d.value.arm === 'P') preferred++
    }
    const se = Math.sqrt((0.8 * 0.2) / n)
    expect(Math.abs(preferred / n - 0.8)).toBeLessThan(3 * se)
  })

  it('allocates the burn-in at random by ratio, then minimises', () => {
    const burn = scheme({ ratio: { D1: 1, P: 1 }, factors: ['site'], burnIn: 5, maxImbalance: 5 })
    const d = minimise(burn, 'x', SINGLE_STRATUM, { allocated: 0, counts: {} }, levels)
    expect(d.ok && d.value.rule).toBe('burn-in')
    const later = minimise(burn, 'x', SINGLE_STRATUM, { allocated: 5, counts: { site: { MAL: { D1: 1 } } } }, levels)
    expect(later.ok && ['preferred', 'random-element']).toContain(later.ok && later.value.rule)
  })

  it('refuses missing or unknown levels, and a non-minimisation scheme', () => {
    const r = minimise(scheme(), 's', SINGLE_STRATUM, { allocated: 0, counts: {} }, { site: 'MAL', onset: 'limb' })
    expect(r.ok || r.problems.map((p) => p.path)).toEqual(['onset', 'progression'])
    const blocks = compileScheme(
      withFirstAllocation({ method: 'permuted-blocks', ratio: { D1: 1, P: 1 }, blockSizes: [2], stratifyBy: [] }),
    )
    expect(blocks.ok && minimise(blocks.value, 's', SINGLE_STRATUM, { allocated: 0, counts: {} }, levels).ok).toBe(
      false,
    )
  })

  it('addToCounts does not change its input', () => {
    const before = JSON.stringify(counts)
    const after = addToCounts(counts, levels, 'P' as ArmId)
    expect(JSON.stringify(counts)).toBe(before)
    expect(after).toEqual({ site: { MAL: { D1: 2, P: 1 } } })
  })
})
