/**
 * Wilcoxon rank-sum test against R 4.2.2 `wilcox.test` (17-digit values). Tolerance 1e-12 relative, except the
 * asymptotic interval (R's `uniroot` with tol 1e-4, reproduced iteration by iteration: 1e-9).
 */
import { describe, expect, it } from 'vitest'
import { wilcoxonRankSum, type WilcoxonResult } from './wilcoxon-rank-sum.ts'
import { wilcoxonDistribution } from './wilcoxon-distribution.ts'

const close = (got: number, want: number, rel = 1e-12): void =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.abs(want) + 1e-15)

function run(x: number[], y: number[], opts = {}): WilcoxonResult {
  const r = wilcoxonRankSum(x, y, opts)
  if (!r.ok) throw new Error(r.problems[0]?.message)
  return r.value
}

describe('wilcoxonRankSum', () => {
  const x = [1, 2, 2, 3, 5, 8]
  const y = [2, 3, 3, 4, 9, 10, 11]

  it('switches to the normal approximation with tie-corrected variance when there are ties', () => {
    const r = run(x, y)
    expect(r.exact).toBe(false)
    expect(r.statistic).toBe(11)
    close(r.pValue, 0.1699679076022759)
    expect(r.method).toBe('Wilcoxon rank sum test with continuity correction')
    close(run(x, y, { correct: false }).pValue, 0.1485889308703751)
  })

  it("gives R's asymptotic shift estimate and interval under ties", () => {
    const r = run(x, y, { confInt: true })
    close(r.shift?.estimate as number, -1.999919159078119, 1e-9)
    close(r.shift?.confInt[0] as number, -7.999958070444194, 1e-9)
    close(r.shift?.confInt[1] as number, 1.9999889212800983, 1e-9)
  })

  it('exact test and exact Hodges-Lehmann interval without ties (two-sided and one-sided)', () => {
    const a = [6.4, 8.1, 5.2, 9.7, 7.3, 6.9]
    const b = [4.1, 5.5, 3.9, 6.1, 4.8, 5.9, 2.7]
    const r = run(a, b, { confInt: true })
    expect(r.exact).toBe(true)
    expect(r.statistic).toBe(39)
    close(r.pValue, 0.008158508158508158)
    close(r.shift?.estimate as number, 2.5)
    close(r.shift?.confInt[0] as number, 0.8000000000000007)
    close(r.shift?.confInt[1] as number, 4.2)
    const g = run(a, b, { confInt: true, alternative: 'greater' })
    close(g.pValue, 0.004079254079254079)
    close(g.shift?.confInt[0] as number, 1)
    expect(g.shift?.confInt[1]).toBe(Infinity)
  })

  it('ties created by mu go to the normal approximation: wilcox.test(a, b, alternative = "less", mu = 1, conf.level = 0.9)', () => {
    const r = run([6.4, 8.1, 5.2, 9.7, 7.3, 6.9], [4.1, 5.5, 3.9, 6.1, 4.8, 5.9, 2.7], {
      confInt: true,
      alternative: 'less',
      mu: 1,
      confLevel: 0.9,
    })
    expect(r.exact).toBe(false)
    expect(r.statistic).toBe(33.5)
    close(r.pValue, 0.9685359485218489)
    close(r.shift?.confInt[1] as number, 3.699974869350072, 1e-9)
  })

  it('lowers an unreachable confidence level as R does (n = 2 and 3)', () => {
    const r = run([1.1, 2.2], [3.3, 4.4, 5.5], { confInt: true })
    expect(r.statistic).toBe(0)
    close(r.pValue, 0.2)
    close(r.shift?.estimate as number, -2.75)
    close(r.shift?.confInt[0] as number, -4.4)
    close(r.shift?.confInt[1] as number, -1.0999999999999996)
    expect(r.shift?.confLevel).toBe(0.8)
    expect(r.warnings).toEqual(['requested conf.level not achievable'])
  })

  it('computes the exact distribution for n >= 50 when asked (exact = TRUE), either sample first', () => {
    // x <- seq(1, 119, by = 2) + 0.25; y <- c(seq(2, 80, by = 2), 81.3, 83.7, 85.1, 90.2, 95.5)
    const x = Array.from({ length: 60 }, (_, i) => 1.25 + 2 * i)
    const y = [...Array.from({ length: 40 }, (_, i) => 2 + 2 * i), 81.3, 83.7, 85.1, 90.2, 95.5]
    const r = run(x, y, { exact: true })
    expect(r.exact).toBe(true)
    expect(r.statistic).toBe(1662)
    close(r.pValue, 0.043353712005742423, 1e-10)
    const less = run(y, x, { exact: true, alternative: 'less' }) // wilcox.test(y, x, exact = TRUE, alternative = "less")
    expect(less.statistic).toBe(1038)
    close(less.pValue, 0.021676856002871212, 1e-10)
    expect(run(x, y).exact).toBe(false) // R's default: exact only when both n < 50
  })

  it('refuses an empty sample and all-tied data', () => {
    expect(wilcoxonRankSum([], [1, 2]).ok).toBe(false)
    const tied = wilcoxonRankSum([3, 3, 3], [3, 3])
    expect(tied.ok).toBe(false)
    if (!tied.ok) expect(tied.problems[0]?.code).toBe('degenerate')
  })
})

describe('wilcoxonDistribution', () => {
  it("matches R's pwilcox and qwilcox", () => {
    const d = wilcoxonDistribution(10, 5)
    close(d.cdf(34, true), 0.1272061272061272)
    close(d.cdf(12), 0.06460206460206461)
    expect(d.quantile(0.025)).toBe(9)
  })

  it('is a distribution: counts sum to choose(m + n, n) and are symmetric', () => {
    const d = wilcoxonDistribution(7, 9)
    expect(d.cdf(63)).toBe(1)
    close(d.cdf(62, true), 1 / 11440) // one arrangement of choose(16, 7) has W = mn = 63
    for (let q = 0; q < 63; q++) close(d.cdf(q), d.cdf(63 - q - 1, true), 1e-12)
  })
})
