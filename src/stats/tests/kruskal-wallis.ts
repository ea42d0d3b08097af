/**
 * Kruskal-Wallis rank-sum test, as R's `kruskal.test(y ~ g)`: H from the mid-ranks of the pooled sample,
 * divided by the tie correction 1 - Σ(t³ - t)/(n³ - n), referred to chi-square on k - 1 df. Groups without
 * observations are dropped, as R drops unused factor levels, and named in `warnings`.
 */
import { chisqSf } from '../distributions.ts'
import { statsFail, statsOk, type StatsResult } from '../data/index.ts'
import { midRanks } from './ranks.ts'
import { usableSamples, type Sample } from './sample.ts'

export interface KruskalResult {
  /** H, tie-corrected. */
  readonly statistic: number
  readonly df: number
  readonly pValue: number
  readonly groups: readonly string[]
  readonly n: readonly number[]
  /** Sum of the pooled-sample mid-ranks in each group. */
  readonly rankSum: readonly number[]
  readonly nUsed: number
  readonly warnings: readonly string[]
}

/**
 * Kruskal-Wallis test across named groups (NaN = missing).
 * @example
 * kruskalWallis([{ name: 'a', values: [2.9, 3.0, 2.5, 2.6, 3.2] }, { name: 'b', values: [3.8, 2.7, 4.0, 2.4] },
 *   { name: 'c', values: [2.8, 3.4, 3.7, 2.2, 2.0] }]).value.statistic // 0.7714 (R: kruskal.test, Hollander & Wolfe)
 */
export function kruskalWallis(samples: readonly Sample[]): StatsResult<KruskalResult> {
  const { kept, dropped } = usableSamples(samples)
  if (kept.length < 2)
    return statsFail('degenerate', 'groups', `needs observations in at least 2 groups, found ${kept.length}`)
  const pooled = Float64Array.from(kept.flatMap((g) => Array.from(g.values)))
  const n = pooled.length
  const ranking = midRanks(pooled)
  const tieFactor = 1 - ranking.tieCorrection / (n * n * n - n)
  if (!(tieFactor > 0))
    return statsFail('degenerate', 'y', 'all observations are tied: the rank statistic is undefined')
  const rankSum: number[] = []
  let offset = 0
  let sumSq = 0
  for (const g of kept) {
    let s = 0
    for (let i = 0; i < g.values.length; i++) s += ranking.ranks[offset + i] as number
    offset += g.values.length
    rankSum.push(s)
    sumSq += (s * s) / g.values.length
  }
  const statistic = ((12 * sumSq) / (n * (n + 1)) - 3 * (n + 1)) / tieFactor
  const df = kept.length - 1
  return statsOk({
    statistic,
    df,
    pValue: chisqSf(statistic, df),
    groups: kept.map((g) => g.name),
    n: kept.map((g) => g.values.length),
    rankSum,
    nUsed: n,
    warnings: dropped.map((name) => `group ${name} has no observations and was dropped`),
  })
}
