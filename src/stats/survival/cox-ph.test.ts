/**
 * Cox model: known answers from R 4.2.2 / survival 3.5-3 for the cases the oracle set does not cover (degenerate
 * fits, options), with the R code above each number. Ordinary fits are checked in oracle.test.ts.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CoxData } from './cox-data.ts'
import { coxph } from './cox-ph.ts'

/** survival::lung (time, death, age, female) as stored in the visible oracle case. */
function lung(): CoxData {
  const file = resolve(import.meta.dirname, '../../../test/fixtures/oracle/cox_lung_age_female.json')
  const cols = (JSON.parse(readFileSync(file, 'utf8')) as { input: { columns: Record<string, number[]> } }).input
    .columns
  return { time: cols.time!, event: cols.event!, covariates: { age: cols.age!, female: cols.female! } }
}

function value<T>(r: { ok: true; value: T } | { ok: false; problems: readonly unknown[] }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

describe('coxph on degenerate data', () => {
  it('no events is an input error, not NaN coefficients', () => {
    const r = coxph({ time: [1, 2, 3], event: [0, 0, 0], covariates: { x: [1, 2, 3] } })
    expect(r.ok ? [] : r.problems.map((p) => `${p.code} ${p.path}`)).toEqual(['invalid event'])
  })

  it('flags a diverging coefficient as R does ("Loglik converged before variable 1")', () => {
    // d3 <- data.frame(time = 1:10, event = 1, x = rep(1:0, each = 5)); coxph(Surv(time, event) ~ x, data = d3)
    // coef 22.2290542571158, iter 20, loglik -15.10441257307552 -9.57498348809679
    const fit = value(
      coxph({
        time: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        event: new Array(10).fill(1),
        covariates: { x: [1, 1, 1, 1, 1, 0, 0, 0, 0, 0] },
      }),
    )
    expect(fit.warnings).toMatchObject([{ code: 'infinite_coefficient', subjects: ['x'] }])
    expect(fit.converged).toBe(true)
    expect(fit.iterations).toBe(20)
    expect(fit.coefficients[0]!.coef).toBeCloseTo(22.2290542571158, 6)
    expect(fit.loglikNull).toBeCloseTo(-15.10441257307552, 12)
    expect(fit.loglik).toBeCloseTo(-9.57498348809679, 10)
  })

  it('reports an aliased covariate instead of a NaN coefficient', () => {
    // d5 <- data.frame(time = c(5, 3, 8, 2, 9, 4), event = c(1, 1, 0, 1, 1, 1), x = 1:6); d5$z <- 2 * d5$x
    // coxph(Surv(time, event) ~ x + z, data = d5): x -0.0511414666469039, z NA, var 0.0788438019457187,
    // wald 0.0331725455426038, score 0.0332393627483118, loglik -5.88610403145016 -5.86948905857428
    const x = [1, 2, 3, 4, 5, 6]
    const fit = value(
      coxph({ time: [5, 3, 8, 2, 9, 4], event: [1, 1, 0, 1, 1, 1], covariates: { x, z: x.map((v) => 2 * v) } }),
    )
    expect(fit.terms).toEqual(['x'])
    expect(fit.aliased).toEqual(['z'])
    expect(fit.warnings.map((w) => w.code)).toEqual(['aliased'])
    expect(fit.coefficients[0]!.coef).toBeCloseTo(-0.0511414666469039, 12)
    expect(fit.vcov[0]![0]).toBeCloseTo(0.0788438019457187, 12)
    expect(fit.waldTest).toMatchObject({ df: 1 })
    expect(fit.waldTest.statistic).toBeCloseTo(0.0331725455426038, 12)
    expect(fit.scoreTest.statistic).toBeCloseTo(0.0332393627483118, 12)
    expect(fit.loglik).toBeCloseTo(-5.86948905857428, 12)
  })

  it('a single subject: nothing estimable, no comparable pair, still no NaN', () => {
    // R: "Ran out of iterations and did not converge" (the log-likelihood is 0, its relative change undefined),
    // then an error in the concordance
    const fit = value(coxph({ time: [5], event: [1], covariates: { x: [1] } }))
    expect(fit.coefficients).toEqual([])
    expect(fit.aliased).toEqual(['x'])
    expect(fit.concordance).toBeNull()
    expect(fit.lrTest).toEqual({ statistic: 0, df: 0, pValue: 1 })
    expect(fit.warnings.map((w) => w.code)).toEqual(['aliased', 'not_converged', 'no_comparable_pairs'])
  })

  it('stops at maxIterations with converged: false and the coefficients R reached', () => {
    // coxph(Surv(time, event) ~ age + female, data = lung, iter.max = 2): "Ran out of iterations and did not
    // converge", coef 0.0170442973691159 -0.5130952415096979
    const two = value(coxph(lung(), { maxIterations: 2 }))
    expect(two.converged).toBe(false)
    expect(two.warnings.map((w) => w.code)).toEqual(['not_converged'])
    expect(two.coefficients[0]!.coef).toBeCloseTo(0.0170442973691159, 12)
    expect(two.coefficients[1]!.coef).toBeCloseTo(-0.5130952415096979, 12)
    expect(value(coxph(lung())).converged).toBe(true)
  })
})

describe('coxph options and input forms', () => {
  it('hazard-ratio limits at another confidence level (R: summary(fit, conf.int = 0.9))', () => {
    // summary(coxph(Surv(time, event) ~ age + female, data = lung), conf.int = 0.9)$conf.int
    const [age, female] = value(coxph(lung(), { confLevel: 0.9 })).coefficients
    expect(age!.lower).toBeCloseTo(1.001876154794625, 12)
    expect(age!.upper).toBeCloseTo(1.032740828582105, 12)
    expect(female!.lower).toBeCloseTo(0.454452285237649, 12)
    expect(female!.upper).toBeCloseTo(0.788380308645574, 12)
  })

  it('row-form covariates give the same fit as named columns', () => {
    const cols = { a: [1, 0, 2, 5, 3, 1, 4], b: [0, 1, 1, 0, 1, 0, 1] }
    const base = { time: [3, 8, 2, 9, 4, 7, 6], event: [1, 1, 0, 1, 1, 0, 1] }
    const named = value(coxph({ ...base, covariates: cols }))
    const rows = value(
      coxph({ ...base, covariates: cols.a.map((v, i) => [v, cols.b[i]!]), covariateNames: ['a', 'b'] }),
    )
    expect(rows.terms).toEqual(['a', 'b'])
    expect(rows.coefficients).toEqual(named.coefficients)
  })

  it('returns malformed input as values', () => {
    const paths = (d: CoxData) => {
      const r = coxph(d)
      return r.ok ? [] : r.problems.map((p) => p.path)
    }
    expect(paths({ time: [1, 2], event: [1, 1], covariates: { x: [1, NaN] } })).toEqual(['covariates.x[1]'])
    expect(paths({ time: [1, 2], event: [1, 1], covariates: { x: [1] } })).toEqual(['covariates'])
    expect(paths({ time: [1, 2], event: [1, 1], covariates: {} })).toEqual(['covariates'])
    expect(paths({ time: [1, 2], event: [1, 1], covariates: [[1], [2]], covariateNames: ['a', 'b'] })).toEqual([
      'covariates',
    ])
    expect(paths({ time: [1, -2], event: [1, 1], covariates: { x: [1, 2] } })).toEqual(['time[1]'])
  })
})
