/**
 * Quantiles of a step survival curve with R `survival` 3.5's exact rules. Two rules exist in R and they differ in
 * edge cases, so both are kept: `tableMedian` is `summary(fit)$table`'s median (survmean's `minmin`), and
 * `curveQuantiles` is `quantile.survfit` (`findq`). Both treat a curve that sits at p within sqrt(machine eps)
 * over a flat stretch as reaching p at the midpoint of that stretch.
 */

/** R's `sqrt(.Machine$double.eps)`. */
export const FLAT_TOLERANCE = Math.sqrt(2.220446049250313e-16)

/**
 * Median as in `summary(survfit)$table` (and `print`): the first time the curve `y` is <= 0.5 (within tolerance);
 * when that first value is 0.5 (within tolerance) and the curve later drops below it, the midpoint between that
 * time and the time of the drop. `null` entries of `y` (R's NA) are skipped; `null` when never reached.
 */
export function tableMedian(time: ArrayLike<number>, y: readonly (number | null)[]): number | null {
  let first = -1
  for (let i = 0; i < y.length; i++) {
    const v = y[i]
    if (v !== null && v !== undefined && v < 0.5 + FLAT_TOLERANCE) {
      first = i
      break
    }
  }
  if (first < 0) return null
  const y0 = y[first] as number
  const t0 = time[first] as number
  if (Math.abs(y0 - 0.5) < FLAT_TOLERANCE) {
    for (let i = first + 1; i < y.length; i++) {
      const v = y[i]
      if (v !== null && v !== undefined && v < 0.5 + FLAT_TOLERANCE && v < y0) return (t0 + (time[i] as number)) / 2
    }
  }
  return t0
}

/** `approx`'s regularized table: distinct x ascending, y averaged over tied x (R's `ties = mean`). */
interface StepTable {
  readonly x: Float64Array
  readonly y: Float64Array
}

/**
 * Regularizes the pairs (xs[i], i + 1) as R's `approx` does: pairs with a missing x are dropped, the rest sorted by
 * x (stably) with the y of tied x averaged.
 */
function stepTable(xs: readonly (number | null)[]): StepTable {
  const idx: number[] = []
  let sorted = true
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]
    if (x === null || x === undefined || Number.isNaN(x)) continue
    if (idx.length > 0 && x < (xs[idx[idx.length - 1] as number] as number)) sorted = false
    idx.push(i)
  }
  if (!sorted) idx.sort((a, b) => (xs[a] as number) - (xs[b] as number) || a - b)
  const ux: number[] = []
  const uy: number[] = []
  for (let k = 0; k < idx.length;) {
    const x = xs[idx[k] as number] as number
    let j = k
    let sum = 0
    while (j < idx.length && xs[idx[j] as number] === x) sum += (idx[j++] as number) + 1
    ux.push(x)
    uy.push(sum / (j - k))
    k = j
  }
  return { x: Float64Array.from(ux), y: Float64Array.from(uy) }
}

/** R's `approx(..., method = "constant", f = 1, rule = 1)` at v: the right-hand value, null outside the range. */
function stepAt(t: StepTable, v: number): number | null {
  const n = t.x.length
  if (n === 0 || v < (t.x[0] as number) || v > (t.x[n - 1] as number)) return null
  let lo = 0
  let hi = n - 1
  while (lo < hi - 1) {
    const mid = (lo + hi) >>> 1
    if (v < (t.x[mid] as number)) hi = mid
    else lo = mid
  }
  if (v === t.x[hi]) return t.y[hi] as number
  if (v === t.x[lo]) return t.y[lo] as number
  return t.y[hi] as number
}

/** R's `x[i]` for a 1-based, possibly fractional (truncated) index. */
const at = (x: readonly number[], i: number | null): number | null =>
  i === null ? null : (x[Math.trunc(i) - 1] ?? null)

/**
 * Quantiles as in `quantile.survfit` (R's `findq`): for each p, the first time the curve is <= 1 - p, with the
 * flat-stretch midpoint rule (a stretch at exactly 1 - p ending at the last time uses the last time in the
 * stratum as the other end). `time` ascending; `surv` may hold `null` (R's NA, e.g. undefined confidence limits).
 */
export function curveQuantiles(
  time: ArrayLike<number>,
  surv: readonly (number | null)[],
  probs: readonly number[],
  firstTime = 0,
): (number | null)[] {
  const x: number[] = [firstTime]
  const y: (number | null)[] = [0]
  for (let i = 0; i < surv.length; i++) {
    x.push(time[i] as number)
    const s = surv[i]
    y.push(s === null || s === undefined ? null : 1 - s)
  }
  let maxY = -Infinity
  for (const v of y) if (v !== null && v > maxY) maxY = v
  if (maxY < Math.min(...probs)) return probs.map(() => null)
  const xmax = x[x.length - 1] as number
  // duplicated(y): keep the first occurrence of each value (NA counts as one value)
  const xs: number[] = []
  const ys: (number | null)[] = []
  const seen = new Set<number>()
  let seenNa = false
  y.forEach((v, i) => {
    if (v === null) {
      if (seenNa) return
      seenNa = true
    } else {
      if (seen.has(v)) return
      seen.add(v)
    }
    xs.push(x[i] as number)
    ys.push(v)
  })
  const last = ys[ys.length - 1] ?? null
  const plus = stepTable(ys.map((v) => (v === null ? null : v + FLAT_TOLERANCE)))
  const minus = stepTable(ys.map((v) => (v === null ? null : v - FLAT_TOLERANCE)))
  return probs.map((p) => {
    const i1 = stepAt(plus, p)
    const i2 = stepAt(minus, p)
    const a = at(xs, i1)
    if (last !== null && Math.abs(p - last) < FLAT_TOLERANCE) return a === null ? null : (a + xmax) / 2
    if (p === 0) return xs[0] as number
    const b = at(xs, i2)
    return a === null || b === null ? null : (a + b) / 2
  })
}
