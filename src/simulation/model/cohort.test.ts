/**
 * The generator against its parameters, on large simulated cohorts of the fast path. Tolerances are about
 * 3–4 Monte-Carlo standard errors (stated per test); the seeds are fixed, so the tests are deterministic.
 */
import { describe, expect, it } from 'vitest'
import { simulateAlsfrsTotals } from './cohort.ts'
import type { AlsfrsTotalsCohort } from './cohort.ts'
import { VisitStatusCode } from './course.ts'
import { ArmEffect, NaturalHistoryParams, defaultNaturalHistory, noEffect } from './params.ts'
import { createRng } from './rng.ts'
import { DAYS_PER_MONTH, truncatedNormalMoments } from './sampling.ts'

const MONTHLY_12 = Array.from({ length: 13 }, (_, k) => Math.round(k * DAYS_PER_MONTH))
const noAttrition = NaturalHistoryParams.parse({
  survival: { deathRatePerMonth: 0, ventilationRatePerMonth: 0 },
  dropout: { ratePerYear: 0 },
  missedVisits: { probability: 0 },
})

const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((s, x) => s + x, 0) / xs.length
const sd = (xs: ArrayLike<number>): number => {
  const m = mean(xs)
  return Math.sqrt(Array.from(xs).reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1))
}
const quantile = (xs: ArrayLike<number>, p: number): number => {
  const s = Array.from(xs).sort((a, b) => a - b)
  return s[Math.floor(p * (s.length - 1))] as number
}
const correlation = (x: readonly number[], y: readonly number[]): number => {
  const mx = mean(x)
  const my = mean(y)
  let sxy = 0
  for (let i = 0; i < x.length; i++) sxy += ((x[i] as number) - mx) * ((y[i] as number) - my)
  return sxy / (x.length - 1) / (sd(x) * sd(y))
}

/** Per-subject OLS slope (points/month) over the observed visits; NaN with fewer than `minVisits` observations. */
function olsSlopes(c: AlsfrsTotalsCohort, minVisits = c.nVisits): Float64Array {
  const slopes = new Float64Array(c.n).fill(NaN)
  for (let i = 0; i < c.n; i++) {
    let n = 0
    let st = 0
    let sy = 0
    let stt = 0
    let sty = 0
    for (let v = 0; v < c.nVisits; v++) {
      const r = i * c.nVisits + v
      const y = c.total[r] as number
      if (Number.isNaN(y)) continue
      const t = c.timeMonths[r] as number
      n++
      st += t
      sy += y
      stt += t * t
      sty += t * y
    }
    if (n >= minVisits) slopes[i] = (sty - (st * sy) / n) / (stt - (st * st) / n)
  }
  return slopes
}

/** Σ(t − t̄)² of the schedule in months², for the OLS-slope noise variance. */
const sxx = (days: readonly number[]): number => {
  const t = days.map((d) => d / DAYS_PER_MONTH)
  const m = mean(t)
  return t.reduce((s, x) => s + (x - m) ** 2, 0)
}

const finite = (xs: Float64Array): number[] => Array.from(xs).filter((x) => Number.isFinite(x))

describe('fast path against the parameters (20,000 patients, no attrition)', () => {
  const c = simulateAlsfrsTotals(noAttrition, { P: noEffect }, 20_000, MONTHLY_12, createRng('recover-slope'))
  const a = noAttrition.alsfrs
  // The latent slope is N(−0.95, 0.6²) clamped at 0.1: its exact moments by quadrature.
  const clamped = truncatedNormalMoments((x) => Math.min(x, a.slopeMax), a.slope.mean, a.slope.sd, -Infinity, Infinity)

  it('latent slopes have the stated mean and SD (clamp at +0.1 included)', () => {
    expect(clamped.mean).toBeCloseTo(-0.9597, 3)
    // SE of the mean 0.6/√20000 = 0.0042; of the SD ≈ 0.003.
    expect(Math.abs(mean(c.latentSlope) - clamped.mean)).toBeLessThan(0.013)
    expect(Math.abs(sd(c.latentSlope) - Math.sqrt(clamped.variance))).toBeLessThan(0.01)
  })

  it('per-patient OLS slopes of the observed totals recover the mean slope and, net of visit noise, its SD', () => {
    const slopes = olsSlopes(c)
    const estimatedMean = mean(slopes)
    // Observed = round(latent + N(0, 1.5²)): residual variance 1.5² + 1/12 (rounding), divided by Σ(t − t̄)².
    const noiseVariance = (a.visitNoiseSd ** 2 + 1 / 12) / sxx(MONTHLY_12)
    const estimatedSd = Math.sqrt(sd(slopes) ** 2 - noiseVariance)
    expect(Math.abs(estimatedMean - clamped.mean)).toBeLessThan(0.015)
    expect(Math.abs(estimatedSd - Math.sqrt(clamped.variance))).toBeLessThan(0.015)
    expect(Math.abs(estimatedMean - a.slope.mean)).toBeLessThan(0.025)
    expect(Math.abs(estimatedSd - a.slope.sd)).toBeLessThan(0.03)
  })

  it('baseline total ~ N(38, 5) truncated to [20, 47], and ΔFS with median ≈ 0.6 and IQR ≈ 0.35–1.0', () => {
    const b = truncatedNormalMoments((x) => x, a.baseline.mean, a.baseline.sd, a.baselineMin, a.baselineMax)
    expect(Math.abs(mean(c.baselineTotal) - b.mean)).toBeLessThan(0.12)
    expect(Math.abs(sd(c.baselineTotal) - Math.sqrt(b.variance))).toBeLessThan(0.1)
    expect(Math.min(...c.baselineTotal)).toBeGreaterThanOrEqual(20)
    expect(Math.max(...c.baselineTotal)).toBeLessThanOrEqual(47)
    expect(quantile(c.deltaFs, 0.5)).toBeGreaterThan(0.55)
    expect(quantile(c.deltaFs, 0.5)).toBeLessThan(0.7)
    expect(quantile(c.deltaFs, 0.25)).toBeGreaterThan(0.3)
    expect(quantile(c.deltaFs, 0.25)).toBeLessThan(0.45)
    expect(quantile(c.deltaFs, 0.75)).toBeGreaterThan(0.85)
    expect(quantile(c.deltaFs, 0.75)).toBeLessThan(1.05)
  })

  it('slope correlates with log ΔFS as stated, and bulbar onset declines faster by the stated shift', () => {
    const slopes = Array.from(c.latentSlope)
    const r = correlation(slopes, Array.from(c.deltaFs, Math.log))
    // −0.4, slightly diluted by the clamp and the bulbar shift; SE ≈ 0.006.
    expect(r).toBeLessThan(-0.36)
    expect(r).toBeGreaterThan(-0.42)
    const bulbar = slopes.filter((_, i) => c.bulbarOnset[i] === 1)
    const spinal = slopes.filter((_, i) => c.bulbarOnset[i] === 0)
    expect(bulbar.length / slopes.length).toBeCloseTo(0.25, 1)
    // SE of the difference ≈ 0.01.
    expect(Math.abs(mean(bulbar) - mean(spinal) - noAttrition.alsfrs.bulbarSlopeShift)).toBeLessThan(0.04)
  })

  it('observed totals are integers within 0–48 at every visit', () => {
    expect(Array.from(c.total).every((y) => Number.isInteger(y) && y >= 0 && y <= 48)).toBe(true)
    expect(Array.from(c.status).every((s) => s === VisitStatusCode.completed)).toBe(true)
  })
})

describe('curvature', () => {
  it('adds c·t² to the latent path and feeds the hazard through it', () => {
    const curved = NaturalHistoryParams.parse({
      ...noAttrition,
      alsfrs: { ...noAttrition.alsfrs, curvature: { mean: -0.02, sd: 0 } },
    })
    const n = 4000
    const days = [0, 365]
    const straight = simulateAlsfrsTotals(noAttrition, { P: noEffect }, n, days, createRng('curve'))
    const bent = simulateAlsfrsTotals(curved, { P: noEffect }, n, days, createRng('curve'))
    const change = (c: AlsfrsTotalsCohort) =>
      mean(Array.from({ length: n }, (_, i) => (c.total[2 * i + 1] as number) - (c.total[2 * i] as number)))
    // Same patients and noise; only c·t² differs: −0.02 × (365 / 30.4375)² = −2.88 points (rounding adds ±0.5 per patient).
    expect(change(bent) - change(straight)).toBeCloseTo(-0.02 * (365 / DAYS_PER_MONTH) ** 2, 1)
    const withDeaths = (p: NaturalHistoryParams) =>
      simulateAlsfrsTotals(
        NaturalHistoryParams.parse({ ...p, survival: defaultNaturalHistory.survival }),
        { P: noEffect },
        n,
        days,
        createRng('curve'),
      )
    const dead = (c: AlsfrsTotalsCohort) => Array.from(c.deathMonths).filter((t) => t <= 12).length
    expect(dead(withDeaths(curved))).toBeGreaterThan(dead(withDeaths(noAttrition)))
  })
})

describe('treatment effects', () => {
  it('recovers a 25 % slowing of the ALSFRS-R slope (20,000 patients, 1:1)', () => {
    const slowed = ArmEffect.parse({ slopeSlowing: 0.25 })
    const c = simulateAlsfrsTotals(
      noAttrition,
      { P: noEffect, A: slowed },
      20_000,
      MONTHLY_12,
      createRng('recover-effect'),
    )
    const slopes = olsSlopes(c)
    const arm = (k: number): number[] => Array.from(slopes).filter((_, i) => c.subjectArm[i] === k)
    const ratio = mean(arm(1)) / mean(arm(0))
    // SE of the ratio ≈ 0.01.
    expect(Math.abs(ratio - 0.75)).toBeLessThan(0.03)
  })

  it('recovers the survival median of a constant hazard and a direct hazard ratio', () => {
    const rate = 0.02
    const constant = NaturalHistoryParams.parse({
      survival: { deathRatePerMonth: rate, ventilationRatePerMonth: 0, alsfrsLogHrPer10: 0, fvcLogHrPer10: 0 },
    })
    const hr = ArmEffect.parse({ hazardRatio: 0.6 })
    const c = simulateAlsfrsTotals(constant, { P: noEffect, A: hr }, 20_000, [0], createRng('recover-survival'), {
      horizonDay: 600 * DAYS_PER_MONTH,
    })
    const death = (k: number): number[] => Array.from(c.deathMonths).filter((_, i) => c.subjectArm[i] === k)
    // Median ln 2 / 0.02 = 34.66 months; SE of the sample median of 10,000 exponentials ≈ 0.35.
    expect(Math.abs(quantile(death(0), 0.5) - Math.LN2 / rate)).toBeLessThan(1.2)
    expect(Math.abs(quantile(death(1), 0.5) - Math.LN2 / (rate * 0.6))).toBeLessThan(2)
    // Rate ratio by the exponential MLE (deaths / person-time, censored at the 600-month horizon); SE ≈ 0.012.
    const mle = (ts: number[]): number =>
      ts.filter(Number.isFinite).length / ts.reduce((s, t) => s + Math.min(t, 600), 0)
    expect(Math.abs(mle(death(1)) / mle(death(0)) - 0.6)).toBeLessThan(0.04)
  })

  it('has zero effect by default: an arm with the default effect gives exactly the placebo data', () => {
    const days = MONTHLY_12
    const effects = { P: noEffect, X: ArmEffect.parse({}) }
    const n = 500
    const asP = simulateAlsfrsTotals(defaultNaturalHistory, effects, n, days, createRng(9), {
      arms: new Uint16Array(n),
    })
    const asX = simulateAlsfrsTotals(defaultNaturalHistory, effects, n, days, createRng(9), {
      arms: new Uint16Array(n).fill(1),
    })
    expect(Array.from(asX.total)).toEqual(Array.from(asP.total))
    expect(Array.from(asX.deathMonths)).toEqual(Array.from(asP.deathMonths))
    expect(Array.from(asX.dropoutMonths)).toEqual(Array.from(asP.dropoutMonths))
  })
})

describe('survival, attrition and missingness under the defaults (20,000 patients)', () => {
  const c = simulateAlsfrsTotals(defaultNaturalHistory, { P: noEffect }, 20_000, MONTHLY_12, createRng('defaults'), {
    horizonDay: 120 * DAYS_PER_MONTH,
  })
  const survival = (m: number): number => Array.from(c.deathMonths).filter((t) => t > m).length / c.n

  it('matches the placebo-arm survival of ALS trials (van Eijk 2019): ≈ 84 % at 12 and ≈ 66 % at 18 months, rising hazard', () => {
    expect(survival(12)).toBeGreaterThan(0.8)
    expect(survival(12)).toBeLessThan(0.89)
    expect(survival(18)).toBeGreaterThan(0.6)
    expect(survival(18)).toBeLessThan(0.72)
    // Weibull shape from S(12) and S(24): log2(H(24)/H(12)); van Eijk 2019 estimate 2.03.
    const shape = Math.log2(Math.log(survival(24)) / Math.log(survival(12)))
    expect(shape).toBeGreaterThan(1.8)
    expect(shape).toBeLessThan(2.4)
  })

  it('loses 15–25 % of patients in the first year to death, ventilation or withdrawal (ALS-NOTES §8.2)', () => {
    let lost = 0
    for (let i = 0; i < c.n; i++)
      if (Math.min(c.deathMonths[i] as number, c.ventilationMonths[i] as number, c.dropoutMonths[i] as number) <= 12)
        lost++
    expect(lost / c.n).toBeGreaterThan(0.15)
    expect(lost / c.n).toBeLessThan(0.25)
  })

  it('links death to fast progression and makes attrition informative', () => {
    const slopes = Array.from(c.latentSlope)
    const died = slopes.filter((_, i) => (c.deathMonths[i] as number) <= 12)
    const survived = slopes.filter((_, i) => (c.deathMonths[i] as number) > 12)
    expect(mean(died)).toBeLessThan(mean(survived) - 0.3)
    // Completers' OLS slopes are flatter than the cohort's latent mean: attrition is not at random.
    const completers = finite(olsSlopes(c))
    expect(mean(completers)).toBeGreaterThan(mean(slopes) + 0.05)
  })

  it('misses about 4–7 % of the visits of patients still in follow-up, more often when worse', () => {
    let due = 0
    let missed = 0
    for (let r = 0; r < c.status.length; r++) {
      if ((c.timeMonths[r] as number) <= 0) continue
      if (c.status[r] === VisitStatusCode.completed || c.status[r] === VisitStatusCode.missed) due++
      if (c.status[r] === VisitStatusCode.missed) missed++
    }
    expect(missed / due).toBeGreaterThan(0.04)
    expect(missed / due).toBeLessThan(0.07)
  })

  it('reports the status of every unobserved visit consistently with the event times', () => {
    const violations: string[] = []
    for (let i = 0; i < c.n; i++) {
      const death = c.deathMonths[i] as number
      const end = Math.min(death, c.dropoutMonths[i] as number, c.ventilationMonths[i] as number)
      for (let v = 0; v < c.nVisits; v++) {
        const r = i * c.nVisits + v
        const t = c.timeMonths[r] as number
        const s = c.status[r]
        const observed = !Number.isNaN(c.total[r])
        if (s === VisitStatusCode.dead && t < death) violations.push(`${i}/${v}: dead before death`)
        if (s === VisitStatusCode.completed && t >= end)
          violations.push(`${i}/${v}: completed after the end of follow-up`)
        if (observed !== (s === VisitStatusCode.completed)) violations.push(`${i}/${v}: total and status disagree`)
      }
    }
    expect(violations).toEqual([])
  })
})

describe('reproducibility', () => {
  const effects = { P: noEffect, A: ArmEffect.parse({ slopeSlowing: 0.3, hazardRatio: 0.8 }) }

  it('gives identical arrays for the same seed and different ones for another seed', () => {
    const a = simulateAlsfrsTotals(defaultNaturalHistory, effects, 300, MONTHLY_12, createRng(2026))
    const b = simulateAlsfrsTotals(defaultNaturalHistory, effects, 300, MONTHLY_12, createRng(2026))
    const other = simulateAlsfrsTotals(defaultNaturalHistory, effects, 300, MONTHLY_12, createRng(2027))
    expect(Array.from(b.total)).toEqual(Array.from(a.total))
    expect(Array.from(b.deathMonths)).toEqual(Array.from(a.deathMonths))
    expect(Array.from(other.total)).not.toEqual(Array.from(a.total))
  })

  it('does not depend on how subjects are split across workers', () => {
    const rng = createRng('replicate').fork(17)
    const whole = simulateAlsfrsTotals(defaultNaturalHistory, effects, 600, MONTHLY_12, rng)
    const parts = [0, 150, 400].map((first, k, starts) => {
      const n = (starts[k + 1] ?? 600) - first
      return simulateAlsfrsTotals(defaultNaturalHistory, effects, n, MONTHLY_12, createRng('replicate').fork(17), {
        firstSubject: first,
      })
    })
    expect(parts.flatMap((p) => Array.from(p.total))).toEqual(Array.from(whole.total))
    expect(parts.flatMap((p) => Array.from(p.subject))).toEqual(Array.from(whole.subject))
    expect(parts.flatMap((p) => Array.from(p.subjectArm))).toEqual(Array.from(whole.subjectArm))
    expect(parts.flatMap((p) => Array.from(p.dropoutMonths))).toEqual(Array.from(whole.dropoutMonths))
  })
})
