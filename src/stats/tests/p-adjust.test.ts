/** p-value adjustment against R 4.2.2 `p.adjust` (with a missing value, which R leaves out of n). */
import { describe, expect, it } from 'vitest'
import { pAdjust } from './p-adjust.ts'

const p = [0.01, 0.04, 0.03, 0.2, 0.001, 0.04, NaN, 0.5]
const close = (got: number[], want: number[]): void =>
  got.forEach((g, i) => {
    const w = want[i] as number
    if (Number.isNaN(w)) expect(g).toBeNaN()
    else expect(Math.abs(g - w)).toBeLessThanOrEqual(1e-15)
  })

describe('pAdjust', () => {
  it('Holm', () => close(pAdjust(p, 'holm'), [0.06, 0.16, 0.15, 0.4, 0.007, 0.16, NaN, 0.5]))
  it('Benjamini-Hochberg', () =>
    close(pAdjust(p, 'BH'), [
      0.035,
      0.055999999999999994,
      0.055999999999999994,
      0.23333333333333336,
      0.007,
      0.055999999999999994,
      NaN,
      0.5,
    ]))
  it('Bonferroni', () => close(pAdjust(p, 'bonferroni'), [0.07, 0.28, 0.21, 1, 0.007, 0.28, NaN, 1]))
  it('is monotone in the raw p-values and never below them (property on a grid)', () => {
    const raw = Array.from({ length: 40 }, (_, i) => ((i * 37) % 41) / 41)
    for (const m of ['holm', 'BH', 'bonferroni'] as const) {
      const adj = pAdjust(raw, m)
      const order = raw.map((_, i) => i).sort((a, b) => (raw[a] as number) - (raw[b] as number))
      for (let k = 1; k < order.length; k++)
        expect(adj[order[k] as number]).toBeGreaterThanOrEqual(adj[order[k - 1] as number] as number)
      raw.forEach((r, i) => expect(adj[i]).toBeGreaterThanOrEqual(r))
    }
  })
})
