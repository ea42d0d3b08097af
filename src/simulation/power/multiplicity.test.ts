import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { adjustPValues } from './multiplicity.ts'

// Reference values: R 4.2.2, p.adjust(p, method) for method in holm, bonferroni, BH.
const CASES = [
  {
    p: [0.01, 0.04, 0.03, 0.2],
    holm: [0.04, 0.09, 0.09, 0.2],
    bonferroni: [0.04, 0.16, 0.12, 0.8],
    bh: [0.04, 0.05333333333, 0.05333333333, 0.2],
  },
  { p: [0.049, 0.02, 0.5], holm: [0.098, 0.06, 0.5], bonferroni: [0.147, 0.06, 1], bh: [0.0735, 0.06, 0.5] },
]

describe('adjustPValues', () => {
  it.each(CASES)('matches R p.adjust for $p', (c) => {
    const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 9))
    close(adjustPValues(c.p, 'holm'), c.holm)
    close(adjustPValues(c.p, 'bonferroni'), c.bonferroni)
    close(adjustPValues(c.p, 'benjamini-hochberg'), c.bh)
    expect(adjustPValues(c.p, 'none')).toEqual(c.p)
  })

  it('leaves a single p-value alone and orders the methods none <= BH <= Holm <= Bonferroni', () => {
    expect(adjustPValues([0.03], 'holm')).toEqual([0.03])
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }), (p) => {
        const bh = adjustPValues(p, 'benjamini-hochberg')
        const holm = adjustPValues(p, 'holm')
        const bonf = adjustPValues(p, 'bonferroni')
        p.forEach((x, i) => {
          expect(bh[i]!).toBeGreaterThanOrEqual(x - 1e-15)
          expect(holm[i]!).toBeGreaterThanOrEqual(bh[i]! - 1e-15)
          expect(bonf[i]!).toBeGreaterThanOrEqual(holm[i]! - 1e-15)
          expect(bonf[i]!).toBeLessThanOrEqual(1)
        })
      }),
    )
  })
})
