/** Sample moments with a second pass over the residuals (as R's `mean` and `var`), so large offsets keep their digits. */

/**
 * Arithmetic mean (NaN for an empty sample).
 * @example mean([1, 2, 4]) // 2.3333333333333335
 */
export function mean(x: ArrayLike<number>): number {
  const n = x.length
  if (n === 0) return NaN
  let s = 0
  for (let i = 0; i < n; i++) s += x[i] as number
  const m = s / n
  let r = 0
  for (let i = 0; i < n; i++) r += (x[i] as number) - m
  return m + r / n
}

/**
 * Sample variance with denominator n - 1 (NaN when n < 2).
 * @example variance([1, 2, 4]) // 2.3333333333333335
 */
export function variance(x: ArrayLike<number>): number {
  const n = x.length
  if (n < 2) return NaN
  const m = mean(x)
  let ss = 0
  let s = 0
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - m
    ss += d * d
    s += d
  }
  return (ss - (s * s) / n) / (n - 1)
}

/** Sum of squared deviations from the mean. */
export function sumOfSquares(x: ArrayLike<number>): number {
  const n = x.length
  return n < 2 ? 0 : variance(x) * (n - 1)
}

/** Median (the mean of the two middle values for an even count). */
export function median(x: ArrayLike<number>): number {
  const n = x.length
  if (n === 0) return NaN
  const s = Float64Array.from(x).sort()
  const h = n >> 1
  return n % 2 === 1 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2
}
