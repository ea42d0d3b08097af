/**
 * Behaviour of the public LMM API beyond the R reference numbers (those are in oracle.test.ts): R's design coding and
 * column names (checked against `colnames(model.matrix(f, d))` in R 4.2.2), missing values, degenerate data as
 * problems or flagged fits, and the follow-up tests (F, contrasts, marginal slopes, LR) agreeing with each other.
 */
import { describe, expect, it } from 'vitest'
import { emmeansSlopes, fitLmm, lmmContrast, lmmFTest, lrTest, slopeContrasts } from './index.ts'
import type { LmmFit, LmmSpec } from './index.ts'
import { DEFAULT_SCENARIO, simulateTrial } from './trial-data.test-support.ts'

const trial = simulateTrial(2024, {
  ...DEFAULT_SCENARIO,
  subjects: 60,
  arms: ['P', 'D1', 'D2'],
  slopes: [-1, -0.8, -0.6],
})
// arms rotate within each block of three consecutive subjects, sites go by block: arm and site are crossed
const site = trial.id.map((id) => ['S1', 'S2', 'S3'][Math.floor((Number(id.slice(1)) - 1) / 3) % 3]!)
const data = { columns: { ...trial, site } }
const base: LmmSpec = {
  response: 'y',
  fixed: ['t*arm'],
  random: { group: 'id', slope: 't' },
  factorLevels: { arm: ['P', 'D1', 'D2'] },
}

function fit(spec: Partial<LmmSpec>, columns: Record<string, unknown[]> = data.columns): LmmFit {
  const r = fitLmm({ columns: columns as never }, { ...base, ...spec })
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '))
  return r.value
}

/** Every number reachable in the fit is finite (no silent NaN). */
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every(allFinite)
  if (value !== null && typeof value === 'object') return Object.values(value).every(allFinite)
  return true
}

describe('fixed-effects design as R builds it', () => {
  it.each([
    [['t*arm'], true, ['(Intercept)', 't', 'armD1', 'armD2', 't:armD1', 't:armD2']],
    [['t', 't:arm'], true, ['(Intercept)', 't', 't:armD1', 't:armD2']],
    [['t:arm'], true, ['(Intercept)', 't:armP', 't:armD1', 't:armD2']],
    [['arm:t'], true, ['(Intercept)', 'armP:t', 'armD1:t', 'armD2:t']],
    [['arm', 't'], false, ['armP', 'armD1', 'armD2', 't']],
    [['t*arm', 'site'], true, ['(Intercept)', 't', 'armD1', 'armD2', 'siteS2', 'siteS3', 't:armD1', 't:armD2']],
    [
      ['arm', 'arm:site'],
      true,
      [
        '(Intercept)',
        'armD1',
        'armD2',
        'armP:siteS2',
        'armD1:siteS2',
        'armD2:siteS2',
        'armP:siteS3',
        'armD1:siteS3',
        'armD2:siteS3',
      ],
    ],
  ] as const)('%j (intercept %s) has R column names %j', (fixed, intercept, names) => {
    expect(fit({ fixed, intercept, random: { group: 'id' } }).fixed.terms).toEqual(names)
  })

  it('refuses an aliased design (arm:site with an intercept has one column too many)', () => {
    const r = fitLmm(data, { ...base, fixed: ['arm:site'] })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems[0]).toMatchObject({ code: 'invalid', path: 'spec.fixed' })
  })
})

describe('data checks', () => {
  it('drops rows with a missing value in a used column, and says so', () => {
    const y = [...trial.y] as (number | null)[]
    const t = [...trial.t]
    y[3] = null
    t[10] = Number.NaN
    const f = fit({}, { ...data.columns, y, t })
    expect(f.nObs).toBe(trial.y.length - 2)
    expect(f.warnings.map((w) => w.code)).toContain('rows_dropped')
    // a missing value in an unused column drops nothing
    expect(fit({}, { ...data.columns, site: site.map((s, i) => (i === 0 ? null : s)) }).nObs).toBe(trial.y.length)
  })

  it.each([
    ['missing column', { response: 'score' }, 'not_found'],
    ['unknown level', { factorLevels: { arm: ['P', 'D1'] } }, 'invalid'],
    ['level without rows', { factorLevels: { arm: ['P', 'D1', 'D2', 'D3'] } }, 'invalid'],
    ['factor as response', { response: 'arm' }, 'invalid'],
    ['no-intercept spelled as a term', { fixed: ['0', 't'] }, 'unsupported'],
  ] as const)('%s is a problem, not a throw', (_, spec, code) => {
    const r = fitLmm(data, { ...base, ...spec })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems[0]!.code).toBe(code)
  })

  it('refuses one observation per subject (random intercept and residual not identifiable, as lme4)', () => {
    const r = fitLmm(
      { columns: { y: [1, 2, 4, 3, 5], g: ['a', 'b', 'c', 'd', 'e'] } },
      { response: 'y', fixed: [], random: { group: 'g' } },
    )
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems[0]!.message).toMatch(/number of observations \(5\) <= number of random effects \(5\)/)
  })

  it('refuses data whose subjects each lie exactly on a line (residual variance 0)', () => {
    const columns = {
      y: [1, 3, 5, 2, 2.5, 3, 0, -1, -2],
      t: [0, 1, 2, 0, 1, 2, 0, 1, 2],
      g: [1, 1, 1, 2, 2, 2, 3, 3, 3],
    }
    const r = fitLmm({ columns }, { response: 'y', fixed: ['t'], random: { group: 'g', slope: 't' } })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems[0]!.message).toMatch(/residual variance is 0/)
  })
})

describe('degenerate fits are flagged, never NaN', () => {
  const noSlopeVariance = simulateTrial(7, { ...DEFAULT_SCENARIO, sdSlope: 0, correlation: 0, subjects: 30 })
  // Subject means of the noise removed: the between-subject variance is exactly 0, so the REML estimate is on the boundary.
  const noGroupVariance = (() => {
    const sim = simulateTrial(8, { ...DEFAULT_SCENARIO, sdSlope: 0, sdIntercept: 0, correlation: 0, subjects: 30 })
    const sums = new Map<string, { s: number; n: number }>()
    sim.id.forEach((id, i) => {
      const e = sums.get(id) ?? { s: 0, n: 0 }
      sums.set(id, { s: e.s + sim.y[i]! - 38 + sim.t[i]!, n: e.n + 1 })
    })
    return { ...sim, y: sim.y.map((y, i) => y - sums.get(sim.id[i]!)!.s / sums.get(sim.id[i]!)!.n) }
  })()

  it('a zero random-intercept variance gives singular: true and a warning', () => {
    const f = fit({ fixed: ['t'], random: { group: 'id' } }, { ...noGroupVariance })
    expect(f.singular).toBe(true)
    expect(f.theta[0]).toBeLessThan(1e-4)
    expect(f.warnings.map((w) => w.code)).toContain('singular')
    expect(allFinite(f)).toBe(true)
  })

  it('a boundary random slope (variance 0 or correlation ±1) is flagged and still finite', () => {
    const f = fit({ fixed: ['t'] }, { ...noGroupVariance })
    expect(f.singular).toBe(true)
    expect(allFinite(f)).toBe(true)
    expect(f.fixed.df.every((d) => d > 0)).toBe(true)
    const g = fit({ fixed: ['t'] }, { ...noSlopeVariance })
    expect(allFinite(g)).toBe(true)
  })

  it('an iteration limit gives converged: false with a warning', () => {
    const f = fit({ control: { maxIterations: 1, startTheta: [10, 5, 10] } })
    expect(f.converged).toBe(false)
    expect(f.warnings.map((w) => w.code)).toContain('not_converged')
    expect(allFinite(f)).toBe(true)
  })

  it('converges to the same optimum from lme4 start values as from the moment start', () => {
    const a = fit({})
    const b = fit({ control: { startTheta: [1, 0, 1] } })
    expect(a.converged && b.converged).toBe(true)
    a.theta.forEach((v, k) => expect(v).toBeCloseTo(b.theta[k]!, 7))
    expect(a.logLik).toBeCloseTo(b.logLik, 8)
  })
})

describe('follow-up tests agree with the coefficient table', () => {
  const f = fit({})
  const [ti, d1, d2] = [1, 4, 5] // t, t:armD1, t:armD2

  it('a one-coefficient F test is the squared t test', () => {
    const r = lmmFTest(f, [d1])
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.F).toBeCloseTo(f.fixed.t[d1]! ** 2, 10)
    expect(r.value.denDf).toBeCloseTo(f.fixed.df[d1]!, 8)
    expect(r.value.p).toBeCloseTo(f.fixed.p[d1]!, 12)
  })

  it('the term, its coefficient indices and its L matrix give the same F test', () => {
    const byTerm = lmmFTest(f, 't:arm')
    const byIndex = lmmFTest(f, [d1, d2])
    const byL = lmmFTest(f, { L: [0, 1].map((k) => f.fixed.terms.map((_, j) => (j === [d1, d2][k] ? 1 : 0))) })
    expect(byTerm.ok && byIndex.ok && byL.ok).toBe(true)
    if (!byTerm.ok || !byIndex.ok || !byL.ok) return
    expect(byTerm.value.numDf).toBe(2)
    expect(byIndex.value.F).toBeCloseTo(byTerm.value.F, 12)
    expect(byL.value.denDf).toBeCloseTo(byTerm.value.denDf, 10)
    expect(byTerm.value.p).toBeGreaterThan(0)
  })

  it('refuses a term marginal to an interaction with a factor (its type-3 test is not its coefficients)', () => {
    const r = lmmFTest(f, 't')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems[0]!.code).toBe('unsupported')
    expect(lmmFTest(f, 'time').ok).toBe(false)
  })

  it('marginal slopes are beta_t + beta_t:arm, with the contrast df', () => {
    const s = emmeansSlopes(f, { time: 't', by: 'arm' })
    expect(s.ok).toBe(true)
    if (!s.ok) return
    expect(s.value.map((x) => x.level)).toEqual(['P', 'D1', 'D2'])
    expect(s.value[0]!.estimate).toBeCloseTo(f.fixed.estimate[ti]!, 12)
    expect(s.value[0]!.se).toBeCloseTo(f.fixed.se[ti]!, 12)
    expect(s.value[0]!.df).toBeCloseTo(f.fixed.df[ti]!, 8)
    expect(s.value[1]!.estimate).toBeCloseTo(f.fixed.estimate[ti]! + f.fixed.estimate[d1]!, 12)
    const direct = lmmContrast(f, [0, 1, 0, 0, 1, 0])
    expect(direct.ok && direct.value.df).toBeCloseTo(s.value[1]!.df, 10)
    expect(s.value[1]!.lower).toBeLessThan(s.value[1]!.estimate)
  })

  it('slope contrasts vs the reference are the interaction coefficients', () => {
    const c = slopeContrasts(f, { time: 't', by: 'arm' })
    expect(c.ok).toBe(true)
    if (!c.ok) return
    expect(c.value.map((x) => [x.level, x.reference])).toEqual([
      ['D1', 'P'],
      ['D2', 'P'],
    ])
    for (const [k, j] of [d1, d2].entries()) {
      expect(c.value[k]!.estimate).toBeCloseTo(f.fixed.estimate[j]!, 12)
      expect(c.value[k]!.t).toBeCloseTo(f.fixed.t[j]!, 10)
      expect(c.value[k]!.df).toBeCloseTo(f.fixed.df[j]!, 8)
      expect(c.value[k]!.p).toBeCloseTo(f.fixed.p[j]!, 12)
    }
    const vsD1 = slopeContrasts(f, { time: 't', by: 'arm', reference: 'D1' })
    expect(vsD1.ok && vsD1.value.map((x) => x.level)).toEqual(['P', 'D2'])
  })

  it('averages other factors with equal weights when the slope depends on them (emmeans reference grid)', () => {
    const g = fit({ fixed: ['t*arm', 't*site'] })
    const s = emmeansSlopes(g, { time: 't', by: 'arm' })
    expect(s.ok).toBe(true)
    if (!s.ok) return
    const col = (name: string) => g.fixed.terms.indexOf(name)
    const expectedL = g.fixed.terms.map(() => 0)
    expectedL[col('t')] = 1
    expectedL[col('t:armD2')] = 1
    expectedL[col('t:siteS2')] = 1 / 3
    expectedL[col('t:siteS3')] = 1 / 3
    expect(s.value[2]!.L).toEqual(expectedL)
  })

  it('reports problems for slopes of a factor or by a numeric variable', () => {
    expect(emmeansSlopes(f, { time: 'arm' }).ok).toBe(false)
    expect(emmeansSlopes(f, { time: 't', by: 't' }).ok).toBe(false)
    expect(slopeContrasts(f, { time: 't', by: 'arm', reference: 'D9' }).ok).toBe(false)
  })

  it('LR tests need ML fits with fewer parameters in the reduced model', () => {
    const full = fit({ reml: false })
    const reduced = fit({ reml: false, fixed: ['t', 'arm'] })
    const lr = lrTest(full, reduced)
    expect(lr.ok).toBe(true)
    if (lr.ok) {
      expect(lr.value.df).toBe(2)
      expect(lr.value.statistic).toBeCloseTo(2 * (full.logLik - reduced.logLik), 10)
    }
    expect(lrTest(f, reduced).ok).toBe(false)
    expect(lrTest(reduced, full).ok).toBe(false)
  })
})
