/**
 * Multiplicity adjustment of the active-vs-control p-values, as R's `p.adjust`: the protocol names the method
 * (`endpoints.multiplicity`) and the power simulator applies it to every simulated trial exactly as the final
 * analysis will.
 */
import type { Endpoints } from '../../domain/index.ts'

export type MultiplicityMethod = Endpoints['multiplicity']

/** Adjusted p-values in the input order (`p.adjust(p, method)`; `benjamini-hochberg` is R's "BH"). */
export function adjustPValues(p: readonly number[], method: MultiplicityMethod): number[] {
  const m = p.length
  if (method === 'none' || m <= 1) return [...p]
  if (method === 'bonferroni') return p.map((x) => Math.min(1, x * m))
  const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]!)
  const out = new Array<number>(m)
  if (method === 'holm') {
    // step-down: max over the smaller p's of (m - rank) p, capped at 1
    let running = 0
    order.forEach((i, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * p[i]!))
      out[i] = running
    })
    return out
  }
  // Benjamini-Hochberg step-up: min over the larger p's of m p / rank
  let running = 1
  for (let rank = m - 1; rank >= 0; rank--) {
    const i = order[rank]!
    running = Math.min(running, (m * p[i]!) / (rank + 1))
    out[i] = running
  }
  return out
}
