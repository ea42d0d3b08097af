/**
 * Multiple-comparison adjustment of p-values, as R's `p.adjust`: Holm's step-down, Benjamini-Hochberg's
 * false-discovery-rate step-up, and Bonferroni. NaN entries are missing: they stay NaN and do not count in n.
 */
export const PAdjustMethod = { Holm: 'holm', BH: 'BH', Bonferroni: 'bonferroni' } as const
export type PAdjustMethod = (typeof PAdjustMethod)[keyof typeof PAdjustMethod]

/**
 * Adjusted p-values in the input order.
 * @example pAdjust([0.01, 0.04, 0.03, 0.2], 'holm') // [0.04, 0.09, 0.09, 0.2]
 * @example pAdjust([0.01, 0.04, 0.03, 0.2], 'BH')   // [0.04, 0.05333, 0.05333, 0.2]
 */
export function pAdjust(p: readonly number[], method: PAdjustMethod): number[] {
  const present = p.map((v, i) => ({ v, i })).filter((e) => !Number.isNaN(e.v))
  const n = present.length
  const out = p.map(() => NaN)
  if (n === 0) return out
  if (method === 'bonferroni') {
    for (const { v, i } of present) out[i] = Math.min(1, n * v)
    return out
  }
  if (method === 'holm') {
    const ascending = [...present].sort((a, b) => a.v - b.v)
    let running = -Infinity
    ascending.forEach(({ v, i }, k) => {
      running = Math.max(running, (n - k) * v)
      out[i] = Math.min(1, running)
    })
    return out
  }
  const descending = [...present].sort((a, b) => b.v - a.v)
  let running = Infinity
  descending.forEach(({ v, i }, k) => {
    running = Math.min(running, (n / (n - k)) * v)
    out[i] = Math.min(1, running)
  })
  return out
}
