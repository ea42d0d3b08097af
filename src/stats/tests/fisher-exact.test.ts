/**
 * Fisher's exact test against R 4.2.2 `fisher.test` (values printed with 17 digits; R code beside each case).
 * Tolerance: 1e-9 relative for p-values and estimates (R's odds ratio and limits come out of `uniroot` with
 * tolerance 1.2e-4; matching them to 1e-9 shows the same iteration is run, not just the same root).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fisherExact, type Fisher2x2Result, type FisherRxCResult } from './fisher-exact.ts'
import { fisherNetworkPValue } from './fisher-network.ts'

const close = (got: number, want: number, rel = 1e-9): void => {
  if (!Number.isFinite(want)) expect(got).toBe(want)
  else expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.abs(want) + 1e-15)
}

function twoByTwo(t: number[][], opts = {}): Fisher2x2Result {
  const r = fisherExact(t, opts)
  if (!r.ok || r.value.kind !== '2x2') throw new Error('expected a 2 x 2 result')
  return r.value
}

function rxc(t: number[][]): FisherRxCResult {
  const r = fisherExact(t)
  if (!r.ok || r.value.kind !== 'rxc') throw new Error('expected an r x c result')
  return r.value
}

describe('fisherExact, 2 x 2', () => {
  it('matches R on the tea-tasting table (conditional MLE, exact CI, one-sided p)', () => {
    const r = twoByTwo([
      [3, 1],
      [1, 3],
    ])
    close(r.pValue, 0.485714285714286)
    close(r.oddsRatio, 6.40830886700579)
    close(r.confInt[0], 0.211732915305503)
    close(r.confInt[1], 621.933750545417)
    close(r.pValueLess, 0.985714285714286)
    close(r.pValueGreater, 0.242857142857143)
  })

  it('handles a zero cell: fisher.test(matrix(c(0, 5, 7, 3), 2))', () => {
    const r = twoByTwo([
      [0, 7],
      [5, 3],
    ])
    close(r.pValue, 0.025641025641025633)
    expect(r.oddsRatio).toBe(0)
    expect(r.confInt[0]).toBe(0)
    close(r.confInt[1], 0.8791745543254975)
  })

  it('gives an infinite odds ratio at the upper end of the support: matrix(c(10, 0, 0, 10), 2)', () => {
    const r = twoByTwo([
      [10, 0],
      [0, 10],
    ])
    close(r.pValue, 1.0825088224469028e-5)
    expect(r.oddsRatio).toBe(Infinity)
    close(r.confInt[0], 11.135913140024405)
    expect(r.confInt[1]).toBe(Infinity)
  })

  it('flags a table with an empty column (one possible table): p = 1, odds ratio 0, CI [0, Inf] as R', () => {
    const r = twoByTwo([
      [4, 3],
      [0, 0],
    ])
    expect(r.pValue).toBe(1)
    expect(r.oddsRatio).toBe(0)
    expect(r.confInt).toEqual([0, Infinity])
    expect(r.warnings.length).toBe(1)
  })

  it('one-sided alternatives and another confidence level', () => {
    const less = twoByTwo(
      [
        [2, 8],
        [7, 2],
      ],
      { alternative: 'less' },
    )
    close(less.pValue, 0.018521725952066487)
    expect(less.confInt[0]).toBe(0)
    close(less.confInt[1], 0.6785254803404521)
    const greater = twoByTwo(
      [
        [2, 8],
        [7, 2],
      ],
      { alternative: 'greater', confLevel: 0.9 },
    )
    close(greater.pValue, 0.9990149169715733)
    close(greater.confInt[0], 0.011366936208025539)
    expect(greater.confInt[1]).toBe(Infinity)
  })
})

describe('fisherExact, r x c (network algorithm)', () => {
  it.each([
    // fisher.test(matrix(c(...), nrow), workspace = 2e7)$p.value
    [
      [
        [2, 1, 0, 3],
        [3, 4, 2, 1],
        [1, 2, 5, 0],
        [0, 3, 1, 4],
      ],
      0.05663366860399511,
    ],
    [
      [
        [8, 3, 1, 0],
        [2, 9, 2, 1],
        [1, 2, 10, 2],
        [0, 1, 3, 9],
      ],
      8.072373975894586e-8,
    ],
    [
      [
        [5, 6, 4, 5],
        [4, 5, 6, 5],
        [6, 4, 5, 5],
        [5, 5, 6, 4],
      ],
      0.998539387792927,
    ],
    [
      [
        [1, 0, 0, 1],
        [0, 1, 0, 1],
        [0, 0, 1, 1],
      ],
      0.9999999999999996,
    ],
    [
      [
        [3, 1],
        [1, 2],
        [2, 0],
        [0, 3],
        [1, 1],
      ],
      0.2307692307692313,
    ],
    [
      [
        [3, 1, 0, 2],
        [1, 4, 2, 0],
        [0, 2, 5, 3],
      ],
      0.0379668861264323,
    ],
    [
      [
        [1, 3, 10, 6],
        [2, 3, 10, 7],
        [1, 6, 14, 12],
        [0, 1, 9, 11],
      ],
      0.782684938965675,
    ],
  ])('matches R for %j', (table, p) => {
    close(rxc(table).pValue, p, 1e-9)
  })

  it('drops all-zero rows and columns (they do not change the p-value), as R', () => {
    // fisher.test(matrix(c(3, 0, 2, 4, 0, 1, 0, 0, 5), 3)) = 0.06759906759906774
    const r = rxc([
      [3, 4, 0],
      [0, 0, 0],
      [2, 1, 5],
    ])
    close(r.pValue, 0.06759906759906774)
    expect(r.warnings).toEqual(['all-zero rows or columns were dropped'])
  })

  it('equals brute-force enumeration of all tables with the margins (property, small tables)', () => {
    const cell = fc.integer({ min: 0, max: 4 })
    const table = fc
      .tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 2, max: 4 }))
      .chain(([r, c]) => fc.array(fc.array(cell, { minLength: c, maxLength: c }), { minLength: r, maxLength: r }))
    fc.assert(
      fc.property(table, (t) => {
        const rows = t.map((r) => r.reduce((a, b) => a + b, 0))
        const cols = (t[0] ?? []).map((_, j) => t.reduce((a, r) => a + (r[j] as number), 0))
        fc.pre(rows.every((x) => x > 0) && cols.every((x) => x > 0))
        const want = bruteForce(rows, cols, t)
        const got = fisherNetworkPValue(t)
        return Math.abs(got - want) <= 1e-10 * want + 1e-14
      }),
      { numRuns: 150 },
    )
  })

  it('refuses tables that are not counts', () => {
    const r = fisherExact([
      [1, 2.5],
      [3, 4],
    ])
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems[0]?.path).toBe('table[0][1]')
    expect(fisherExact([[1, 2]]).ok).toBe(false)
  })
})

/** Every table with the given margins, probability from the multivariate hypergeometric; R's tolerance. */
function bruteForce(rows: number[], cols: number[], observed: number[][]): number {
  const n = rows.reduce((a, b) => a + b, 0)
  const logP = (t: number[][]): number => {
    let s = 0
    for (const r of rows) s += lf(r)
    for (const c of cols) s += lf(c)
    s -= lf(n)
    for (const row of t) for (const x of row) s -= lf(x)
    return s
  }
  const obs = logP(observed)
  let p = 0
  const t = rows.map(() => cols.map(() => 0))
  const rec = (i: number, j: number, rowLeft: number[], colLeft: number[]): void => {
    if (i === rows.length - 1) {
      // last row is forced
      for (let k = 0; k < cols.length; k++) (t[i] as number[])[k] = colLeft[k] as number
      if (colLeft.reduce((a, b) => a + b, 0) !== rowLeft[i]) return
      const lp = logP(t)
      if (lp <= obs + 3.45254e-7) p += Math.exp(lp)
      return
    }
    if (j === cols.length - 1) {
      const v = rowLeft[i] as number
      if (v > (colLeft[j] as number)) return
      ;(t[i] as number[])[j] = v
      const cl = [...colLeft]
      cl[j] = (cl[j] as number) - v
      rec(i + 1, 0, rowLeft, cl)
      return
    }
    for (let v = 0; v <= Math.min(rowLeft[i] as number, colLeft[j] as number); v++) {
      ;(t[i] as number[])[j] = v
      const rl = [...rowLeft]
      rl[i] = (rl[i] as number) - v
      const cl = [...colLeft]
      cl[j] = (cl[j] as number) - v
      rec(i, j + 1, rl, cl)
    }
  }
  rec(0, 0, [...rows], [...cols])
  return Math.min(1, p)
}

function lf(k: number): number {
  let s = 0
  for (let i = 2; i <= k; i++) s += Math.log(i)
  return s
}
