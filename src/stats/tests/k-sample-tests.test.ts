/** Kruskal-Wallis and one-way ANOVA (with Welch) against R 4.2.2 (17-digit values, tolerance 1e-12 relative). */
import { describe, expect, it } from 'vitest'
import { kruskalWallis } from './kruskal-wallis.ts'
import { oneWayAnova } from './one-way-anova.ts'

const close = (got: number, want: number): void =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want) + 1e-15)

// datasets::PlantGrowth
const ctrl = [4.17, 5.58, 5.18, 6.11, 4.5, 4.61, 5.17, 4.53, 5.33, 5.14]
const trt1 = [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69]
const trt2 = [6.31, 5.12, 5.54, 5.5, 5.37, 5.29, 4.92, 6.15, 5.8, 5.26]

describe('kruskalWallis', () => {
  it('matches kruskal.test on Hollander & Wolfe (1973) p. 116', () => {
    const r = kruskalWallis([
      { name: 'normal', values: [2.9, 3.0, 2.5, 2.6, 3.2] },
      { name: 'oad', values: [3.8, 2.7, 4.0, 2.4] },
      { name: 'asbestosis', values: [2.8, 3.4, 3.7, 2.2, 2.0] },
    ])
    if (!r.ok) throw new Error('failed')
    close(r.value.statistic, 0.7714285714285722)
    close(r.value.pValue, 0.6799647735788936)
    expect(r.value.df).toBe(2)
  })

  it('drops an empty group with a warning, as R drops unused levels', () => {
    const r = kruskalWallis([
      { name: 'a', values: [1, 2, 3] },
      { name: 'empty', values: [NaN] },
      { name: 'b', values: [4, 5, 6.5] },
    ])
    if (!r.ok) throw new Error('failed')
    expect(r.value.groups).toEqual(['a', 'b'])
    expect(r.value.warnings).toEqual(['group empty has no observations and was dropped'])
  })

  it('refuses all-tied data and a single group', () => {
    const tied = kruskalWallis([
      { name: 'a', values: [1, 1] },
      { name: 'b', values: [1, 1, 1] },
    ])
    expect(tied.ok).toBe(false)
    if (!tied.ok) expect(tied.problems[0]?.code).toBe('degenerate')
    expect(
      kruskalWallis([
        { name: 'a', values: [1, 2] },
        { name: 'b', values: [] },
      ]).ok,
    ).toBe(false)
  })
})

describe('oneWayAnova', () => {
  it('matches anova(lm(weight ~ group)) and oneway.test on PlantGrowth', () => {
    const r = oneWayAnova([
      { name: 'ctrl', values: ctrl },
      { name: 'trt1', values: trt1 },
      { name: 'trt2', values: trt2 },
    ])
    if (!r.ok) throw new Error('failed')
    close(r.value.F, 4.846087862380199) // anova1_plantgrowth.json
    close(r.value.pValue, 0.0159099583256229)
    close(r.value.welch?.F as number, 5.180972408113189)
    close(r.value.welch?.denDf as number, 17.12841861664413)
    close(r.value.welch?.pValue as number, 0.01739282149017)
  })

  it('omits Welch (with a warning) when a group has one observation, and refuses zero spread within groups', () => {
    const r = oneWayAnova([
      { name: 'a', values: [1, 2, 3] },
      { name: 'b', values: [7] },
    ])
    if (!r.ok) throw new Error('failed')
    expect(r.value.welch).toBeNull()
    expect(r.value.warnings.length).toBe(1)
    expect(Number.isNaN(r.value.sds[1])).toBe(true)
    const flat = oneWayAnova([
      { name: 'a', values: [1, 1] },
      { name: 'b', values: [2, 2] },
    ])
    expect(flat.ok).toBe(false)
  })
})
