/**
 * One-way analysis of variance, as R's `anova(lm(y ~ g))`, with Welch's heteroscedastic F test
 * (`oneway.test(y ~ g, var.equal = FALSE)`) alongside.
 */
import { fSf } from '../distributions.ts'
import { statsFail, statsOk, type StatsResult } from '../data/index.ts'
import { mean, sumOfSquares, variance } from './descriptive.ts'
import { usableSamples, type Sample } from './sample.ts'

export interface WelchAnova {
  readonly F: number
  readonly numDf: number
  readonly denDf: number
  readonly pValue: number
}

export interface OneWayAnovaResult {
  readonly dfBetween: number
  readonly dfWithin: number
  readonly ssBetween: number
  readonly ssWithin: number
  readonly msBetween: number
  readonly msWithin: number
  readonly F: number
  readonly pValue: number
  readonly groups: readonly string[]
  readonly n: readonly number[]
  readonly means: readonly number[]
  /** Standard deviations (NaN for a group of one). */
  readonly sds: readonly number[]
  /** Welch's test; null when a group has fewer than 2 observations or no spread (see `warnings`). */
  readonly welch: WelchAnova | null
  readonly warnings: readonly string[]
}

/**
 * One-way ANOVA across named groups (NaN = missing; empty groups are dropped, as R drops unused levels).
 * @example
 * oneWayAnova([{ name: 'ctrl', values: ctrl }, { name: 'trt1', values: trt1 }, { name: 'trt2', values: trt2 }])
 * // PlantGrowth: F = 4.846, p = 0.01591; Welch F = 5.181 on (2, 17.13) df
 */
export function oneWayAnova(samples: readonly Sample[]): StatsResult<OneWayAnovaResult> {
  const { kept, dropped } = usableSamples(samples)
  if (kept.length < 2)
    return statsFail('degenerate', 'groups', `needs observations in at least 2 groups, found ${kept.length}`)
  const n = kept.map((g) => g.values.length)
  const nTotal = n.reduce((a, b) => a + b, 0)
  const k = kept.length
  if (nTotal <= k)
    return statsFail('degenerate', 'groups', 'no residual degrees of freedom: every group has a single observation')
  const means = kept.map((g) => mean(g.values))
  const grand = mean(Float64Array.from(kept.flatMap((g) => Array.from(g.values))))
  const ssBetween = means.reduce((acc, m, i) => acc + (n[i] as number) * (m - grand) * (m - grand), 0)
  const ssWithin = kept.reduce((acc, g) => acc + sumOfSquares(g.values), 0)
  if (!(ssWithin > 0)) return statsFail('degenerate', 'y', 'no variation within groups: the F statistic is undefined')
  const dfBetween = k - 1
  const dfWithin = nTotal - k
  const msBetween = ssBetween / dfBetween
  const msWithin = ssWithin / dfWithin
  const F = msBetween / msWithin
  const sds = kept.map((g) => Math.sqrt(variance(g.values)))
  const warnings = dropped.map((name) => `group ${name} has no observations and was dropped`)
  const welch = welchAnova(
    n,
    means,
    kept.map((g) => variance(g.values)),
  )
  if (!welch) warnings.push("Welch's test needs at least 2 observations and some spread in every group")
  return statsOk({
    dfBetween,
    dfWithin,
    ssBetween,
    ssWithin,
    msBetween,
    msWithin,
    F,
    pValue: fSf(F, dfBetween, dfWithin),
    groups: kept.map((g) => g.name),
    n,
    means,
    sds,
    welch,
    warnings,
  })
}

/** Welch (1951): weights n_i/s_i², as `oneway.test(var.equal = FALSE)`. */
function welchAnova(n: readonly number[], means: readonly number[], vars: readonly number[]): WelchAnova | null {
  if (n.some((x) => x < 2) || vars.some((v) => !(v > 0))) return null
  const k = n.length
  const w = n.map((ni, i) => ni / (vars[i] as number))
  const sumW = w.reduce((a, b) => a + b, 0)
  const tmp = w.reduce((acc, wi, i) => acc + (1 - wi / sumW) ** 2 / ((n[i] as number) - 1), 0) / (k * k - 1)
  const m = w.reduce((acc, wi, i) => acc + wi * (means[i] as number), 0) / sumW
  const between = w.reduce((acc, wi, i) => acc + wi * ((means[i] as number) - m) ** 2, 0)
  const F = between / ((k - 1) * (1 + 2 * (k - 2) * tmp))
  const denDf = 1 / (3 * tmp)
  return { F, numDf: k - 1, denDf, pValue: fSf(F, k - 1, denDf) }
}
