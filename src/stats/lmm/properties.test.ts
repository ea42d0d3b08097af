/**
 * Properties any correct LMM fit has, on seeded simulated trials: invariance to row order and to subject labels,
 * equivariance under a change of time unit, and the coverage of the 95% CI of the slope difference between arms.
 */
import fc from 'fast-check'
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { describe, expect, it } from 'vitest'
import { fitLmm, slopeContrasts } from './index.ts'
import type { LmmFit, LmmSpec } from './index.ts'
import type { TrialColumns } from './trial-data.test-support.ts'
import { DEFAULT_SCENARIO, simulateTrial } from './trial-data.test-support.ts'

const SPEC: LmmSpec = {
  response: 'y',
  fixed: ['t*arm'],
  random: { group: 'id', slope: 't' },
  factorLevels: { arm: ['P', 'D'] },
}

function fit(columns: TrialColumns, spec: Partial<LmmSpec> = {}): LmmFit {
  const r = fitLmm({ columns: { ...columns } }, { ...SPEC, ...spec })
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '))
  return r.value
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = xoroshiro128plus(seed)
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(uniformFloat64(rng) * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

const close = (a: number, b: number, rel = 1e-6) => Math.abs(a - b) <= rel * (1 + Math.abs(b))
const allClose = (a: readonly number[], b: readonly number[], rel = 1e-6) => a.every((v, i) => close(v, b[i]!, rel))

const seeds = fc.record({ data: fc.integer({ min: 1, max: 2 ** 30 }), perm: fc.integer({ min: 1, max: 2 ** 30 }) })

describe('LMM invariances (fast-check)', () => {
  it('does not depend on the order of the rows', () => {
    fc.assert(
      fc.property(seeds, ({ data, perm }) => {
        const d = simulateTrial(data)
        const order = shuffled(
          d.y.map((_, i) => i),
          perm,
        )
        const p: TrialColumns = {
          y: order.map((i) => d.y[i]!),
          t: order.map((i) => d.t[i]!),
          arm: order.map((i) => d.arm[i]!),
          id: order.map((i) => d.id[i]!),
        }
        const a = fit(d)
        const b = fit(p)
        return (
          allClose(a.fixed.estimate, b.fixed.estimate) &&
          allClose(a.fixed.se, b.fixed.se) &&
          allClose(a.fixed.df, b.fixed.df, 1e-5) &&
          close(a.logLik, b.logLik, 1e-9) &&
          a.ranef.values.every((col, j) => allClose(col, b.ranef.values[j]!, 1e-5))
        )
      }),
      { numRuns: 15 },
    )
  })

  it('does not depend on how subjects are labelled (BLUPs follow their subject)', () => {
    fc.assert(
      fc.property(seeds, ({ data, perm }) => {
        const d = simulateTrial(data)
        const ids = [...new Set(d.id)]
        const relabel = new Map(ids.map((id, k) => [id, shuffled(ids, perm)[k]!.replace('S', 'R')]))
        const a = fit(d)
        const b = fit({ ...d, id: d.id.map((id) => relabel.get(id)!) })
        const blupA = new Map(a.ranef.levels.map((l, i) => [relabel.get(l)!, a.ranef.values[1]![i]!]))
        return (
          allClose(a.fixed.estimate, b.fixed.estimate) &&
          allClose(a.fixed.df, b.fixed.df, 1e-5) &&
          close(a.logLik, b.logLik, 1e-9) &&
          b.ranef.levels.every((l, i) => close(b.ranef.values[1]![i]!, blupA.get(l)!, 1e-5))
        )
      }),
      { numRuns: 15 },
    )
  })

  it('a change of time unit t -> c t divides slopes by c and leaves tests unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.double({ min: 0.05, max: 30, noNaN: true }), (data, c) => {
        const d = simulateTrial(data)
        const a = fit(d, { reml: false })
        const b = fit({ ...d, t: d.t.map((t) => c * t) }, { reml: false })
        const slopeCols = a.fixed.terms.flatMap((name, j) => (name.startsWith('t') ? [j] : []))
        return (
          a.fixed.estimate.every((v, j) => close(b.fixed.estimate[j]!, slopeCols.includes(j) ? v / c : v)) &&
          allClose(a.fixed.t, b.fixed.t) &&
          allClose(a.fixed.df, b.fixed.df, 1e-5) &&
          close(a.logLik, b.logLik, 1e-9) &&
          close(b.random.sd[1]!, a.random.sd[1]! / c, 1e-5) &&
          close(b.random.correlation[0]![1]!, a.random.correlation[0]![1]!, 1e-5)
        )
      }),
      { numRuns: 15 },
    )
  })
})

describe('coverage of the slope-contrast CI', () => {
  it('the 95% CI of the D - P slope difference covers the truth in about 95% of 200 simulated trials', () => {
    const truth = DEFAULT_SCENARIO.slopes[1]! - DEFAULT_SCENARIO.slopes[0]!
    let covered = 0
    const trials = 200
    for (let k = 0; k < trials; k++) {
      const c = slopeContrasts(fit(simulateTrial(10_000 + k)), { time: 't', by: 'arm' })
      if (!c.ok) throw new Error('contrast')
      const { lower, upper } = c.value[0]!
      if (lower <= truth && truth <= upper) covered++
    }
    // binomial SE of the coverage at 95% with 200 trials is 0.015: accept 0.91 .. 0.99
    expect(covered / trials).toBeGreaterThanOrEqual(0.91)
    expect(covered / trials).toBeLessThanOrEqual(0.99)
  })
})
