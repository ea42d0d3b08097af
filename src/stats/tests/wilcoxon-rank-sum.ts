/**
 * Wilcoxon rank-sum (Mann-Whitney) test of two independent samples, as R's `wilcox.test(x, y)`:
 * the exact null distribution when both samples have fewer than 50 values and there are no ties, else the
 * normal approximation with the tie-corrected variance and (by default) a continuity correction. With
 * `confInt`, the Hodges-Lehmann shift estimate with its exact interval (order statistics of the pairwise
 * differences) or, under the normal approximation, R's asymptotic interval and estimate (roots found with R's
 * `uniroot`, tolerance 1e-4).
 */
import { normalCdf, normalQuantile, normalSf } from '../distributions.ts'
import { statsFail, statsOk, type StatsResult } from '../data/index.ts'
import { Alternative } from './alternative.ts'
import { uniroot } from './brent-root.ts'
import { median } from './descriptive.ts'
import { midRanks } from './ranks.ts'
import { presentValues } from './sample.ts'
import { wilcoxonDistribution } from './wilcoxon-distribution.ts'

export interface WilcoxonOptions {
  readonly alternative?: Alternative
  /** Location shift under the null hypothesis (x - y); default 0. */
  readonly mu?: number
  /** Continuity correction of the normal approximation; default true. */
  readonly correct?: boolean
  /** Exact distribution: `'auto'` (default, R's rule: both n < 50 and no ties), `true` (when there are no ties), `false`. */
  readonly exact?: boolean | 'auto'
  /** Also estimate the location shift and its confidence interval. */
  readonly confInt?: boolean
  readonly confLevel?: number
}

export interface WilcoxonShift {
  /** Exact case: the Hodges-Lehmann estimate (median of the pairwise differences x_i - y_j). */
  readonly estimate: number
  readonly confInt: readonly [number, number]
  /** The level achieved (R lowers it, with a warning, when the exact distribution cannot reach the request). */
  readonly confLevel: number
}

export interface WilcoxonResult {
  /** W = rank sum of x minus nx(nx+1)/2 (the Mann-Whitney U of x). */
  readonly statistic: number
  readonly pValue: number
  readonly exact: boolean
  readonly continuityCorrection: boolean
  /** Normal approximation only: the standardized statistic and the tie-corrected standard deviation of W. */
  readonly z: number | null
  readonly sigma: number | null
  readonly method: string
  readonly nX: number
  readonly nY: number
  readonly alternative: Alternative
  readonly shift: WilcoxonShift | null
  readonly warnings: readonly string[]
}

/**
 * Wilcoxon rank-sum test of x against y (NaN values are dropped).
 * @example
 * wilcoxonRankSum([0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46], [1.15, 0.88, 0.9, 0.74, 1.21],
 *   { confInt: true })
 * // W = 35, exact p = 0.2544, shift 0.305 with 95% CI [-0.15, 0.76] (R: wilcox.test, permeability data)
 */
export function wilcoxonRankSum(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: WilcoxonOptions = {},
): StatsResult<WilcoxonResult> {
  const alternative = options.alternative ?? Alternative.TwoSided
  const mu = options.mu ?? 0
  const confLevel = options.confLevel ?? 0.95
  if (!(confLevel > 0 && confLevel < 1))
    return statsFail('out_of_range', 'confLevel', 'the confidence level must be strictly between 0 and 1')
  const xs = presentValues(x)
  const ys = presentValues(y)
  const nx = xs.length
  const ny = ys.length
  if (nx < 1 || ny < 1)
    return statsFail('degenerate', 'groups', `both samples need observations (found ${nx} and ${ny})`)
  const pooled = new Float64Array(nx + ny)
  for (let i = 0; i < nx; i++) pooled[i] = (xs[i] as number) - mu
  pooled.set(ys, nx)
  const ranking = midRanks(pooled)
  let rankSumX = 0
  for (let i = 0; i < nx; i++) rankSumX += ranking.ranks[i] as number
  const statistic = rankSumX - (nx * (nx + 1)) / 2
  const exactRequest = options.exact ?? 'auto'
  // The exact distribution costs about (m + n) · m · mn/2 operations; beyond EXACT_WORK_LIMIT (a few seconds)
  // an explicit request falls back to the normal approximation with a warning (R would run for minutes).
  const exactWork = (nx + ny) * Math.min(nx, ny) * ((nx * ny) / 2)
  const exact =
    !ranking.hasTies &&
    (exactRequest === true ? exactWork <= EXACT_WORK_LIMIT : exactRequest === 'auto' && nx < 50 && ny < 50)
  const warnings: string[] = []
  if (exactRequest === true && ranking.hasTies)
    warnings.push('cannot compute exact p-value with ties: normal approximation used')
  else if (exactRequest === true && !exact)
    warnings.push('samples too large for the exact distribution: normal approximation used')

  if (exact) {
    const dist = wilcoxonDistribution(nx, ny)
    const pValue =
      alternative === 'two.sided'
        ? Math.min(1, 2 * (statistic > (nx * ny) / 2 ? dist.cdf(statistic - 1, true) : dist.cdf(statistic)))
        : alternative === 'greater'
          ? dist.cdf(statistic - 1, true)
          : dist.cdf(statistic)
    const shift = options.confInt ? exactShift(xs, ys, dist, alternative, confLevel, warnings) : null
    return statsOk({
      statistic,
      pValue,
      exact,
      continuityCorrection: false,
      z: null,
      sigma: null,
      method: 'Wilcoxon rank sum exact test',
      nX: nx,
      nY: ny,
      alternative,
      shift,
      warnings,
    })
  }

  const correct = options.correct ?? true
  const sigma = tieCorrectedSigma(nx, ny, ranking.tieCorrection)
  if (!(sigma > 0)) return statsFail('degenerate', 'y', 'all observations are tied: the rank statistic has no variance')
  const centred = statistic - (nx * ny) / 2
  const correction = correct
    ? alternative === 'two.sided'
      ? Math.sign(centred) * 0.5
      : alternative === 'greater'
        ? 0.5
        : -0.5
    : 0
  const z = (centred - correction) / sigma
  const pValue =
    alternative === 'less'
      ? normalCdf(z)
      : alternative === 'greater'
        ? normalSf(z)
        : 2 * Math.min(normalCdf(z), normalSf(z))
  const shift = options.confInt ? asymptoticShift(xs, ys, alternative, confLevel, correct) : null
  if (options.confInt && !shift)
    warnings.push('cannot compute a confidence interval when all shifted observations are tied')
  return statsOk({
    statistic,
    pValue,
    exact,
    continuityCorrection: correct,
    z,
    sigma,
    method: correct ? 'Wilcoxon rank sum test with continuity correction' : 'Wilcoxon rank sum test',
    nX: nx,
    nY: ny,
    alternative,
    shift,
    warnings,
  })
}

const EXACT_WORK_LIMIT = 5e8

/** sqrt(nx ny / 12 · ((nx + ny + 1) - Σ(t³ - t) / ((nx + ny)(nx + ny - 1)))). */
function tieCorrectedSigma(nx: number, ny: number, tieCorrection: number): number {
  const n = nx + ny
  return Math.sqrt(((nx * ny) / 12) * (n + 1 - tieCorrection / (n * (n - 1))))
}

function pairwiseDifferences(xs: Float64Array, ys: Float64Array): Float64Array {
  const diffs = new Float64Array(xs.length * ys.length)
  let k = 0
  for (const a of xs) for (const b of ys) diffs[k++] = a - b
  return diffs.sort()
}

/** Exact interval: order statistics of the pairwise differences at R's `qwilcox` positions. */
function exactShift(
  xs: Float64Array,
  ys: Float64Array,
  dist: ReturnType<typeof wilcoxonDistribution>,
  alternative: Alternative,
  confLevel: number,
  warnings: string[],
): WilcoxonShift {
  const nx = xs.length
  const ny = ys.length
  const diffs = pairwiseDifferences(xs, ys)
  const at = (i: number): number => diffs[i - 1] as number // R's 1-based diffs[i]
  const alpha = 1 - confLevel
  let qu = dist.quantile(alternative === 'two.sided' ? alpha / 2 : alpha)
  if (qu === 0) qu = 1
  const ql = nx * ny - qu
  const tail = dist.cdf(Math.trunc(qu) - 1)
  const achievedAlpha = alternative === 'two.sided' ? 2 * tail : tail
  const confInt: [number, number] =
    alternative === 'two.sided'
      ? [at(qu), at(ql + 1)]
      : alternative === 'greater'
        ? [at(qu), Infinity]
        : [-Infinity, at(ql + 1)]
  let level = confLevel
  if (achievedAlpha - alpha > alpha / 2) {
    warnings.push('requested conf.level not achievable')
    level = 1 - Number(achievedAlpha.toPrecision(2))
  }
  return { estimate: median(diffs), confInt, confLevel: level }
}

/**
 * R's asymptotic interval: the shifts d at which the normal-approximation statistic of (x - d, y) equals the
 * normal quantiles, and as estimate the shift where it equals 0 (not the Hodges-Lehmann median).
 */
function asymptoticShift(
  xs: Float64Array,
  ys: Float64Array,
  alternative: Alternative,
  confLevel: number,
  correct: boolean,
): WilcoxonShift | null {
  const nx = xs.length
  const ny = ys.length
  let minX = Infinity
  let maxX = -Infinity
  let minY = Infinity
  let maxY = -Infinity
  for (const v of xs) {
    minX = Math.min(minX, v)
    maxX = Math.max(maxX, v)
  }
  for (const v of ys) {
    minY = Math.min(minY, v)
    maxY = Math.max(maxY, v)
  }
  const muMin = minX - maxY
  const muMax = maxX - minY
  let degenerate = false
  const wdiff = (d: number, zq: number, withCorrection: boolean): number => {
    const pooled = new Float64Array(nx + ny)
    for (let i = 0; i < nx; i++) pooled[i] = (xs[i] as number) - d
    pooled.set(ys, nx)
    const ranking = midRanks(pooled)
    let s = 0
    for (let i = 0; i < nx; i++) s += ranking.ranks[i] as number
    const dz = s - (nx * (nx + 1)) / 2 - (nx * ny) / 2
    const corr = withCorrection
      ? alternative === 'two.sided'
        ? Math.sign(dz) * 0.5
        : alternative === 'greater'
          ? 0.5
          : -0.5
      : 0
    const sigma = tieCorrectedSigma(nx, ny, ranking.tieCorrection)
    if (sigma === 0) degenerate = true
    return (dz - corr) / sigma - zq
  }
  const root = (zq: number): number => {
    const fLower = wdiff(muMin, zq, correct)
    const fUpper = wdiff(muMax, zq, correct)
    if (fLower <= 0) return muMin
    if (fUpper >= 0) return muMax
    return uniroot((d) => wdiff(d, zq, correct), muMin, muMax, { fLower, fUpper, tol: 1e-4 })
  }
  const alpha = 1 - confLevel
  const confInt: [number, number] =
    alternative === 'two.sided'
      ? [root(normalQuantile(1 - alpha / 2)), root(normalQuantile(alpha / 2))]
      : alternative === 'greater'
        ? [root(normalQuantile(1 - alpha)), Infinity]
        : [-Infinity, root(normalQuantile(alpha))]
  const estimate = uniroot((d) => wdiff(d, 0, false), muMin, muMax, { tol: 1e-4 })
  if (degenerate) return null
  return { estimate, confInt, confLevel }
}
