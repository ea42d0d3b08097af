/**
 * Closed-form power of the primary slope comparison, the textbook reference the simulator is checked against.
 *
 * Model: y_ij = b0_i + (beta_arm + b1_i) t_j + e_ij with random intercept and slope, residual SD sigma_e, every subject
 * seen at the same visits t_1..t_m (complete data). Each subject's OLS slope then has variance
 * v = sigma_b1^2 + sigma_e^2 / sum_j (t_j - tbar)^2, the GLS (REML mixed-model) estimate of an arm's mean slope is the
 * mean of its subjects' OLS slopes, and the slope contrast is a two-sample comparison of those: its t statistic is
 * noncentral t with n_c + n_a - 2 degrees of freedom (exact for equal slope variances, as `power.t.test(strict =
 * TRUE)`). Attrition, floors and rounding are outside this formula; the simulation carries them.
 */
import { lgamma, normalCdf, tQuantile } from '../../stats/index.ts'

/** P(T <= x) for T noncentral t with `df` degrees of freedom and noncentrality `ncp` (R's `pt(x, df, ncp)`). */
export function noncentralTCdf(x: number, df: number, ncp: number): number {
  if (!(df > 0)) throw new RangeError('df must be positive')
  // T = (Z + ncp) / sqrt(V / df), V ~ chi^2_df: P(T <= x) = E[Phi(x sqrt(V / df) - ncp)], integrated over w = log V
  // (a smooth, unimodal density) by Simpson's rule on a range that holds all but ~1e-12 of its mass.
  const half = df / 2
  const logNorm = half * Math.LN2 + lgamma(half)
  const mode = Math.log(df)
  const scale = Math.sqrt(2 / df)
  const lo = mode - 12 * scale - 60 / df
  const hi = mode + 12 * scale + 5
  const intervals = 2000
  const h = (hi - lo) / intervals
  let sum = 0
  for (let k = 0; k <= intervals; k++) {
    const w = lo + k * h
    const density = Math.exp(half * w - Math.exp(w) / 2 - logNorm)
    const weight = k === 0 || k === intervals ? 1 : k % 2 === 1 ? 4 : 2
    sum += weight * density * normalCdf(x * Math.sqrt(Math.exp(w) / df) - ncp)
  }
  return Math.min(1, Math.max(0, (sum * h) / 3))
}

export interface SlopeComparisonInput {
  /** Visit times (months since randomization) every subject completes, baseline included. */
  readonly visitMonths: readonly number[]
  readonly nControl: number
  readonly nActive: number
  /** SD of the individual slopes (points/month) in the control arm, and in the active arm (default: the same). */
  readonly slopeSd: number
  readonly activeSlopeSd?: number
  /** SD of a visit's deviation from the subject's line (points). */
  readonly residualSd: number
  /** True difference of the mean slopes, active minus control (points/month; positive = slower decline). */
  readonly difference: number
  /** Two-sided level of this one test (already adjusted for multiplicity where that applies). */
  readonly alpha: number
  /** Degrees of freedom of the test; default n_c + n_a - 2. */
  readonly df?: number
}

export interface SlopeComparisonPower {
  readonly power: number
  /** Standard error of the slope contrast. */
  readonly se: number
  readonly df: number
  readonly criticalT: number
  readonly noncentrality: number
}

/**
 * Two-sided power of the mixed-model slope comparison between one active arm and the control, complete data.
 *
 * @example
 * ```ts
 * // 40 per arm, monthly visits for 12 months, slope SD 0.6, visit noise 1.5, 25 % slowing of -0.95 points/month
 * slopeComparisonPower({ visitMonths: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], nControl: 40, nActive: 40,
 *   slopeSd: 0.6, residualSd: 1.5, difference: 0.2375, alpha: 0.05 }).power   // 0.405 (R: power.t.test)
 * ```
 */
export function slopeComparisonPower(input: SlopeComparisonInput): SlopeComparisonPower {
  const t = input.visitMonths
  const mean = t.reduce((a, b) => a + b, 0) / t.length
  const sxx = t.reduce((a, b) => a + (b - mean) ** 2, 0)
  if (!(sxx > 0)) throw new RangeError('at least two distinct visit times are needed for a slope')
  const residual = input.residualSd ** 2 / sxx
  const vControl = input.slopeSd ** 2 + residual
  const vActive = (input.activeSlopeSd ?? input.slopeSd) ** 2 + residual
  const se = Math.sqrt(vControl / input.nControl + vActive / input.nActive)
  const df = input.df ?? input.nControl + input.nActive - 2
  const criticalT = tQuantile(1 - input.alpha / 2, df)
  const noncentrality = input.difference / se
  const power = 1 - noncentralTCdf(criticalT, df, noncentrality) + noncentralTCdf(-criticalT, df, noncentrality)
  return { power, se, df, criticalT, noncentrality }
}

/**
 * Smallest number of control subjects (the active arm gets `activePerControl` times as many, rounded up) whose
 * closed-form power reaches `target`; null beyond `maxPerArm`.
 */
export function slopeComparisonSampleSize(
  input: Omit<SlopeComparisonInput, 'nControl' | 'nActive' | 'df'>,
  target: number,
  activePerControl = 1,
  maxPerArm = 100_000,
): number | null {
  const powerAt = (n: number) =>
    slopeComparisonPower({ ...input, nControl: n, nActive: Math.ceil(n * activePerControl) }).power
  if (powerAt(2) >= target) return 2
  let lo = 2
  let hi = 4
  while (powerAt(hi) < target) {
    if (hi >= maxPerArm) return null
    lo = hi
    hi = Math.min(maxPerArm, hi * 2)
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (powerAt(mid) >= target) hi = mid
    else lo = mid
  }
  return hi
}
