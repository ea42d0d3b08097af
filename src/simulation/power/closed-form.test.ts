import { describe, expect, it } from 'vitest'
import { noncentralTCdf, slopeComparisonPower, slopeComparisonSampleSize } from './closed-form.ts'

const MONTHLY_12 = Array.from({ length: 13 }, (_, j) => j)

describe('noncentralTCdf', () => {
  // Reference values: R 4.2.2, pt(x, df, ncp).
  it.each([
    [1.99, 78, 2.5, 0.305027516714],
    [-1.99, 78, 2.5, 4.73505317244e-6],
    [2.1, 5, 1.2, 0.747051264022],
    [0.5, 1.5, -0.7, 0.862428294199],
    [3, 400, 3.2, 0.420444802178],
  ])('pt(%f, %f, %f) = %f', (x, df, ncp, want) => {
    expect(noncentralTCdf(x, df, ncp)).toBeCloseTo(want, 9)
  })
})

describe('slopeComparisonPower', () => {
  it('equals power.t.test on the subjects’ OLS slopes (R 4.2.2, strict = TRUE)', () => {
    // v <- 0.6^2 + 1.5^2 / sum((0:12 - 6)^2); power.t.test(n = 40, delta = 0.25 * 0.95, sd = sqrt(v), strict = TRUE)
    const r = slopeComparisonPower({
      visitMonths: MONTHLY_12,
      nControl: 40,
      nActive: 40,
      slopeSd: 0.6,
      residualSd: 1.5,
      difference: 0.25 * 0.95,
      alpha: 0.05,
    })
    expect(r.power).toBeCloseTo(0.404967977697, 9)
    expect(r.df).toBe(78)
  })

  it('gives alpha under no effect and grows with n and with the effect', () => {
    const base = { visitMonths: MONTHLY_12, slopeSd: 0.6, residualSd: 1.5, alpha: 0.05 }
    expect(slopeComparisonPower({ ...base, nControl: 30, nActive: 30, difference: 0 }).power).toBeCloseTo(0.05, 9)
    const at = (n: number, d: number) => slopeComparisonPower({ ...base, nControl: n, nActive: n, difference: d }).power
    expect(at(80, 0.25)).toBeGreaterThan(at(40, 0.25))
    expect(at(40, 0.35)).toBeGreaterThan(at(40, 0.25))
  })

  it('finds the smallest n per arm reaching the target, close to ALS-NOTES §8.2 (SD 0.6, 25 % of −1: 90 / 121)', () => {
    // ALS-NOTES §8.2 compares mean individual slopes with a normal approximation; with no visit noise the t-based
    // sample size sits one above it.
    const input = { visitMonths: MONTHLY_12, slopeSd: 0.6, residualSd: 0, difference: 0.25, alpha: 0.05 }
    const n80 = slopeComparisonSampleSize(input, 0.8)!
    const n90 = slopeComparisonSampleSize(input, 0.9)!
    expect(n80).toBeGreaterThanOrEqual(90)
    expect(n80).toBeLessThanOrEqual(92)
    expect(n90).toBeGreaterThanOrEqual(121)
    expect(n90).toBeLessThanOrEqual(123)
    const p = (n: number) => slopeComparisonPower({ ...input, nControl: n, nActive: n }).power
    expect(p(n80)).toBeGreaterThanOrEqual(0.8)
    expect(p(n80 - 1)).toBeLessThan(0.8)
  })
})
