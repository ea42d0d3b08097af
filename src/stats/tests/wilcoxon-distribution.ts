/**
 * The exact null distribution of the Wilcoxon-Mann-Whitney statistic W (rank sum of the first sample minus
 * m(m+1)/2) for samples of sizes m and n without ties, as R's `dwilcox`/`pwilcox`/`qwilcox`.
 */

/**
 * Number of arrangements giving W = w, for w = 0..mn (a subset-sum count over the ranks 1..m+n). The counts are
 * the same for (m, n) and (n, m), so the smaller size is the subset size.
 */
export function wilcoxonCounts(sizeX: number, sizeY: number): Float64Array {
  const m = Math.min(sizeX, sizeY)
  const n = Math.max(sizeX, sizeY)
  const total = m + n
  const maxSum = (m * (2 * total - m + 1)) / 2
  // c[j][s] = number of j-subsets of the ranks seen so far with sum s
  const c = Array.from({ length: m + 1 }, () => new Float64Array(maxSum + 1))
  ;(c[0] as Float64Array)[0] = 1
  for (let rank = 1; rank <= total; rank++) {
    for (let j = Math.min(rank, m); j >= 1; j--) {
      const to = c[j] as Float64Array
      const from = c[j - 1] as Float64Array
      for (let s = maxSum; s >= rank; s--) to[s] = (to[s] as number) + (from[s - rank] as number)
    }
  }
  const offset = (m * (m + 1)) / 2
  return (c[m] as Float64Array).slice(offset, offset + m * n + 1)
}

/** Number of ways to choose n of m + n (as a double). */
function choose(total: number, k: number): number {
  let r = 1
  for (let i = 1; i <= k; i++) r = (r * (total - k + i)) / i
  return Math.round(r)
}

/** Exact distribution functions of W for sample sizes m, n. */
export interface WilcoxonDistribution {
  /** P(W ≤ q) (`upper = false`) or P(W > q) (`upper = true`). */
  cdf(q: number, upper?: boolean): number
  /** Smallest q with P(W ≤ q) ≥ p (R's `qwilcox`). */
  quantile(p: number): number
}

/**
 * @example wilcoxonDistribution(10, 5).cdf(34, true) // P(W > 34) = 0.1272061 (so p = 0.2544 for W = 35)
 */
export function wilcoxonDistribution(m: number, n: number): WilcoxonDistribution {
  const counts = wilcoxonCounts(m, n)
  const c = choose(m + n, n)
  const mn = m * n
  const sumTo = (q: number): number => {
    let p = 0
    for (let i = 0; i <= q; i++) p += (counts[i] as number) / c
    return p
  }
  return {
    cdf(q: number, upper = false): number {
      const k = Math.floor(q + 1e-7)
      if (k < 0) return upper ? 1 : 0
      if (k >= mn) return upper ? 0 : 1
      // Sum the shorter tail (the distribution is symmetric about mn/2), as R does.
      if (k <= mn / 2) {
        const p = sumTo(k)
        return upper ? 0.5 - p + 0.5 : p
      }
      const p = sumTo(mn - k - 1)
      return upper ? p : 0.5 - p + 0.5
    },
    quantile(p: number): number {
      const EPS = 2.220446049250313e-16
      let acc = 0
      if (p <= 0.5) {
        const target = p - 10 * EPS
        for (let q = 0; ; q++) {
          acc += (counts[q] as number) / c
          if (acc >= target) return q
        }
      }
      const target = 1 - p + 10 * EPS
      for (let q = 0; ; q++) {
        acc += (counts[q] as number) / c
        if (acc > target) return mn - q
      }
    },
  }
}
