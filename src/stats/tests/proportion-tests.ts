/**
 * One-sample proportion inference, as R: the exact binomial test with the Clopper-Pearson interval
 * (`binom.test`) and the score (Wilson) interval with its chi-square test (`prop.test`, with or without
 * continuity correction).
 */
import {
  betaQuantile,
  binomialCdf,
  binomialPmf,
  binomialSf,
  chisqSf,
  normalCdf,
  normalQuantile,
  normalSf,
} from '../distributions.ts'
import { statsFail, statsOk, type StatsResult } from '../data/index.ts'
import { Alternative } from './alternative.ts'

export interface ProportionOptions {
  /** Null-hypothesis proportion; default 0.5. */
  readonly p?: number
  readonly confLevel?: number
  readonly alternative?: Alternative
}

export interface BinomTestResult {
  readonly estimate: number
  /** Clopper-Pearson exact interval. */
  readonly confInt: readonly [number, number]
  readonly pValue: number
  readonly confLevel: number
  readonly alternative: Alternative
}

function checkCounts(x: number, n: number, p: number, confLevel: number): StatsResult<null> {
  if (!Number.isInteger(n) || n < 1) return statsFail('degenerate', 'n', `n must be a positive integer, got ${n}`)
  if (!Number.isInteger(x) || x < 0 || x > n)
    return statsFail('out_of_range', 'x', `x must be an integer between 0 and n = ${n}, got ${x}`)
  if (!(p >= 0 && p <= 1)) return statsFail('out_of_range', 'p', `the null proportion must be in [0, 1], got ${p}`)
  if (!(confLevel > 0 && confLevel < 1))
    return statsFail('out_of_range', 'confLevel', 'the confidence level must be strictly between 0 and 1')
  return statsOk(null)
}

/**
 * Clopper-Pearson interval: beta quantiles qbeta(α/2, x, n-x+1) and qbeta(1-α/2, x+1, n-x), 0 at x = 0, 1 at x = n.
 * @example clopperPearson(7, 30) // [0.09934, 0.42284]
 */
export function clopperPearson(
  x: number,
  n: number,
  confLevel = 0.95,
  alternative: Alternative = 'two.sided',
): readonly [number, number] {
  const alpha = 1 - confLevel
  const lower = (a: number): number => (x === 0 ? 0 : betaQuantile(a, x, n - x + 1))
  const upper = (a: number): number => (x === n ? 1 : betaQuantile(1 - a, x + 1, n - x))
  if (alternative === 'less') return [0, upper(alpha)]
  if (alternative === 'greater') return [lower(alpha), 1]
  return [lower(alpha / 2), upper(alpha / 2)]
}

/**
 * Exact binomial test (R's `binom.test`): the two-sided p-value sums the probabilities of all outcomes at most as
 * probable as x (within a relative 1e-7).
 * @example binomTest(1, 20).value.pValue // 4.005432e-05
 */
export function binomTest(x: number, n: number, options: ProportionOptions = {}): StatsResult<BinomTestResult> {
  const p = options.p ?? 0.5
  const confLevel = options.confLevel ?? 0.95
  const alternative = options.alternative ?? Alternative.TwoSided
  const checked = checkCounts(x, n, p, confLevel)
  if (!checked.ok) return checked
  let pValue: number
  if (alternative === 'less') pValue = binomialCdf(x, n, p)
  else if (alternative === 'greater') pValue = binomialSf(x - 1, n, p)
  else {
    const relErr = 1 + 1e-7
    const d = binomialPmf(x, n, p)
    const m = n * p
    if (x === m) pValue = 1
    else if (x < m) {
      let y = 0
      for (let i = Math.ceil(m); i <= n; i++) if (binomialPmf(i, n, p) <= d * relErr) y++
      pValue = binomialCdf(x, n, p) + binomialSf(n - y, n, p)
    } else {
      let y = 0
      for (let i = 0; i <= Math.floor(m); i++) if (binomialPmf(i, n, p) <= d * relErr) y++
      pValue = binomialCdf(y - 1, n, p) + binomialSf(x - 1, n, p)
    }
    pValue = Math.min(1, pValue)
  }
  return statsOk({
    estimate: x / n,
    confInt: clopperPearson(x, n, confLevel, alternative),
    pValue,
    confLevel,
    alternative,
  })
}

export interface PropTestOptions extends ProportionOptions {
  /** Continuity correction (R's default true); R uses YATES = min(0.5, |x - n p|), so the interval then depends on p. */
  readonly correct?: boolean
}

export interface PropTestResult {
  readonly estimate: number
  /** Wilson score interval (continuity-corrected when `correct`). */
  readonly confInt: readonly [number, number]
  /** Score statistic (|x - n p| - YATES)² / (n p (1 - p)), chi-square on 1 df. */
  readonly statistic: number
  readonly pValue: number
  readonly confLevel: number
  readonly correct: boolean
  readonly alternative: Alternative
}

/**
 * One-sample proportion test with the Wilson score interval (R's `prop.test(x, n, p, correct = ...)`).
 * @example propTest(7, 30, { p: 0.2, correct: false }).value.confInt // Wilson [0.1179, 0.4092]
 */
export function propTest(x: number, n: number, options: PropTestOptions = {}): StatsResult<PropTestResult> {
  const p = options.p ?? 0.5
  const confLevel = options.confLevel ?? 0.95
  const alternative = options.alternative ?? Alternative.TwoSided
  const correct = options.correct ?? true
  const checked = checkCounts(x, n, p, confLevel)
  if (!checked.ok) return checked
  if (p === 0 || p === 1)
    return statsFail('out_of_range', 'p', 'the null proportion must be strictly between 0 and 1 for the score test')
  const estimate = x / n
  const yates = Math.min(correct ? 0.5 : 0, Math.abs(x - n * p))
  const z = normalQuantile(alternative === 'two.sided' ? (1 + confLevel) / 2 : confLevel)
  const z22n = (z * z) / (2 * n)
  const pcUpper = estimate + yates / n
  const upper =
    pcUpper >= 1 ? 1 : (pcUpper + z22n + z * Math.sqrt((pcUpper * (1 - pcUpper)) / n + z22n / (2 * n))) / (1 + 2 * z22n)
  const pcLower = estimate - yates / n
  const lower =
    pcLower <= 0 ? 0 : (pcLower + z22n - z * Math.sqrt((pcLower * (1 - pcLower)) / n + z22n / (2 * n))) / (1 + 2 * z22n)
  const confInt: [number, number] =
    alternative === 'less'
      ? [0, Math.min(upper, 1)]
      : alternative === 'greater'
        ? [Math.max(lower, 0), 1]
        : [Math.max(lower, 0), Math.min(upper, 1)]
  // R: sum((|x - E| - YATES)^2 / E) over the two cells (successes, failures).
  const e1 = n * p
  const e2 = n * (1 - p)
  const statistic = (Math.abs(x - e1) - yates) ** 2 / e1 + (Math.abs(n - x - e2) - yates) ** 2 / e2
  let pValue: number
  if (alternative === 'two.sided') pValue = chisqSf(statistic, 1)
  else {
    const zs = Math.sign(estimate - p) * Math.sqrt(statistic)
    pValue = alternative === 'less' ? normalCdf(zs) : normalSf(zs)
  }
  return statsOk({ estimate, confInt, statistic, pValue, confLevel, correct, alternative })
}

/**
 * Wilson score interval alone (`prop.test(..., correct)$conf.int`); with `correct` it depends on the null `p`.
 * @example wilsonInterval(0, 10) // [0, 0.2775] (no correction)
 */
export function wilsonInterval(
  x: number,
  n: number,
  options: PropTestOptions = {},
): StatsResult<readonly [number, number]> {
  const r = propTest(x, n, { correct: false, ...options })
  return r.ok ? statsOk(r.value.confInt) : r
}
