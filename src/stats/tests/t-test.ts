/**
 * Two-sample t test, as R's `t.test(x, y, var.equal = ...)`: Welch's test with Satterthwaite df by default,
 * Student's pooled-variance test with `varEqual`. The difference is mean(x) - mean(y).
 */
import { tCdf, tQuantile, tSf, tTwoSidedP } from '../distributions.ts'
import { statsFail, statsOk, type StatsResult } from '../data/index.ts'
import { Alternative } from './alternative.ts'
import { mean, variance } from './descriptive.ts'
import { presentValues } from './sample.ts'

export interface TTestOptions {
  readonly varEqual?: boolean
  readonly alternative?: Alternative
  readonly confLevel?: number
  /** Difference under the null hypothesis; default 0. */
  readonly mu?: number
}

export interface TTestResult {
  readonly statistic: number
  readonly df: number
  readonly pValue: number
  readonly confInt: readonly [number, number]
  readonly confLevel: number
  readonly meanX: number
  readonly meanY: number
  readonly meanDifference: number
  readonly stdErr: number
  readonly varEqual: boolean
  readonly alternative: Alternative
  readonly nX: number
  readonly nY: number
}

/**
 * t test of mean(x) - mean(y) = mu (NaN values are dropped).
 * @example
 * tTest([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0], [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])
 * // sleep data, Welch: t = -1.8608, df = 17.776, p = 0.07939
 */
export function tTest(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: TTestOptions = {},
): StatsResult<TTestResult> {
  const xs = presentValues(x)
  const ys = presentValues(y)
  const varEqual = options.varEqual ?? false
  const alternative = options.alternative ?? Alternative.TwoSided
  const confLevel = options.confLevel ?? 0.95
  const mu = options.mu ?? 0
  if (!(confLevel > 0 && confLevel < 1))
    return statsFail('out_of_range', 'confLevel', 'the confidence level must be strictly between 0 and 1')
  const nx = xs.length
  const ny = ys.length
  if (varEqual) {
    if (nx < 1 || ny < 1 || nx + ny < 3)
      return statsFail(
        'degenerate',
        'groups',
        `not enough observations (${nx} and ${ny}; the pooled test needs at least 3 in all)`,
      )
  } else if (nx < 2 || ny < 2) {
    return statsFail(
      'degenerate',
      'groups',
      `not enough observations (${nx} and ${ny}; Welch's test needs at least 2 per group)`,
    )
  }
  const mx = mean(xs)
  const my = mean(ys)
  const vx = nx > 1 ? variance(xs) : 0
  const vy = ny > 1 ? variance(ys) : 0
  let df: number
  let stdErr: number
  if (varEqual) {
    df = nx + ny - 2
    const v = ((nx - 1) * vx + (ny - 1) * vy) / df
    stdErr = Math.sqrt(v * (1 / nx + 1 / ny))
  } else {
    const sx = vx / nx
    const sy = vy / ny
    stdErr = Math.sqrt(sx + sy)
    df = (sx + sy) ** 2 / ((sx * sx) / (nx - 1) + (sy * sy) / (ny - 1))
  }
  if (stdErr < 10 * EPS * Math.max(Math.abs(mx), Math.abs(my)))
    return statsFail('degenerate', 'y', 'data are essentially constant: the t statistic is undefined')
  const statistic = (mx - my - mu) / stdErr
  let pValue: number
  let confInt: [number, number]
  if (alternative === 'less') {
    pValue = tCdf(statistic, df)
    confInt = [-Infinity, statistic + tQuantile(confLevel, df)]
  } else if (alternative === 'greater') {
    pValue = tSf(statistic, df)
    confInt = [statistic - tQuantile(confLevel, df), Infinity]
  } else {
    pValue = tTwoSidedP(statistic, df)
    const q = tQuantile(1 - (1 - confLevel) / 2, df)
    confInt = [statistic - q, statistic + q]
  }
  confInt = [mu + confInt[0] * stdErr, mu + confInt[1] * stdErr]
  return statsOk({
    statistic,
    df,
    pValue,
    confInt,
    confLevel,
    meanX: mx,
    meanY: my,
    meanDifference: mx - my,
    stdErr,
    varEqual,
    alternative,
    nX: nx,
    nY: ny,
  })
}

const EPS = 2.220446049250313e-16
