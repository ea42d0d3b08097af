/** Mid-ranks of a pooled sample (R's `rank(x)` with ties averaged) and the tie sizes for variance corrections. */
export interface Ranking {
  /** Rank of each value, in input order; tied values share the mean of their positions (1-based). */
  readonly ranks: Float64Array
  /** Size of every group of tied values, including singletons. */
  readonly tieSizes: readonly number[]
  /** Σ (t³ - t) over the tie groups: the correction term of rank tests. */
  readonly tieCorrection: number
  readonly hasTies: boolean
}

/**
 * Ranks `values` with ties averaged.
 * @example midRanks([3, 1, 3]).ranks // Float64Array [2.5, 1, 2.5]
 */
export function midRanks(values: ArrayLike<number>): Ranking {
  const n = values.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number))
  const ranks = new Float64Array(n)
  const tieSizes: number[] = []
  let tieCorrection = 0
  for (let i = 0; i < n;) {
    let j = i + 1
    const v = values[order[i] as number] as number
    while (j < n && values[order[j] as number] === v) j++
    const r = (i + 1 + j) / 2
    for (let k = i; k < j; k++) ranks[order[k] as number] = r
    const t = j - i
    tieSizes.push(t)
    tieCorrection += t * t * t - t
    i = j
  }
  return { ranks, tieSizes, tieCorrection, hasTies: tieSizes.length < n }
}
