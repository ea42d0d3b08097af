/**
 * Distribution summaries for tables (n, mean, SD, median, quartiles, range). Mean and variance come from the stats
 * engine; the quartiles follow R's default `quantile(type = 7)`.
 */
import { mean, variance } from '../stats/index.ts'
import type { Summary } from './analysis-results.ts'

/**
 * R's type-7 sample quantile: linear interpolation between order statistics at h = (n - 1) p.
 * @example quantiles([3.2, 1.5, 7.7, 4.4, 2, 9.1, 5.5], [0.25, 0.75]) // [2.6, 6.6] (R: quantile(x, c(.25, .75)))
 */
export function quantiles(x: readonly number[], probs: readonly number[]): number[] {
  const sorted = Float64Array.from(x).sort()
  const n = sorted.length
  return probs.map((p) => {
    const h = (n - 1) * p
    const lo = Math.floor(h)
    const below = sorted[lo] as number
    return lo + 1 < n ? below + (h - lo) * ((sorted[lo + 1] as number) - below) : below
  })
}

/** Summary of the finite values among `values` (nulls and NaN are left out); null statistics below their minimum n. */
export function describeValues(values: readonly (number | null)[]): Summary {
  const x = values.filter((v): v is number => v !== null && Number.isFinite(v))
  const n = x.length
  if (n === 0) return { n, mean: null, sd: null, median: null, q1: null, q3: null, min: null, max: null }
  const [q1, median, q3] = quantiles(x, [0.25, 0.5, 0.75]) as [number, number, number]
  return {
    n,
    mean: mean(x),
    sd: n >= 2 ? Math.sqrt(variance(x)) : null,
    median,
    q1,
    q3,
    min: x.reduce((a, b) => Math.min(a, b)),
    max: x.reduce((a, b) => Math.max(a, b)),
  }
}
