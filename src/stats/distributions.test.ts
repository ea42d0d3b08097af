/**
 * Distribution and special functions against R 4.2.2 (values printed with `sprintf("%.17g")`, R calls named
 * beside each row: `pnorm`, `qnorm`, `pt`, `qt`, `pchisq`, `qchisq`, `pf`, `qf`, `pbeta`, `qbeta`, `pgamma`,
 * `qgamma`, `dbinom`, `pbinom`, `dhyper`, `phyper`, `lgamma`). Far tails and large parameters are included:
 * that is where a naive 1 - cdf or an inaccurate prefactor loses every digit. Tolerance 1e-12 relative, except
 * 1e-10 for quantiles of very large shape.
 */
import { describe, expect, it } from 'vitest'
import * as D from './distributions.ts'

type Fn = keyof typeof D
const CASES: readonly [Fn, readonly number[], number][] = [
  ['normalSf', [8.5], 9.479534822203319e-18],
  ['normalCdf', [1.96], 0.9750021048517796],
  ['normalQuantile', [1e-300], -37.0470962993612],
  ['normalQuantile', [1e-20], -9.262340089798405],
  ['normalQuantile', [0.975], 1.9599639845400536],
  ['normalQuantile', [0.3], -0.5244005127080407],
  ['tCdf', [-300, 100], 7.308381486261758e-150],
  ['tSf', [4, 10], 0.001259166312368345],
  ['tTwoSidedP', [-10, 10000000], 1.524359229027361e-23],
  ['tTwoSidedP', [2.5, 3], 0.0877066470080655],
  ['tCdf', [0.5, 0.5], 0.6213409635352817],
  ['tQuantile', [0.975, 17.776], 2.1028213103802216],
  ['tQuantile', [1e-6, 3], -103.29946778041933],
  ['chisqSf', [2000, 200], 6.0358275296316284e-294],
  ['chisqSf', [110000, 100000], 2.5841772471796476e-104],
  ['chisqCdf', [100000, 100000], 0.5005947081047933],
  ['chisqSf', [227.623729562528, 1], 1.9659796132874422e-51],
  ['chisqCdf', [0.001, 0.5], 0.16495975076841282],
  ['chisqQuantile', [0.5, 100000], 99999.33333412347],
  ['chisqQuantile', [0.95, 3], 7.814727903251179],
  ['chisqQuantile', [1e-10, 1000], 741.2680717193531],
  ['fSf', [4.846087862380199, 2, 27], 0.01590995832562217],
  ['fSf', [100, 3, 5.5], 3.3447686896277325e-5],
  ['fCdf', [0.5, 10000, 10000], 2.0656728995848663e-258],
  ['fQuantile', [0.95, 2, 30], 3.315829501013522],
  ['betaCdf', [0.3, 1756, 2771], 1.0692123924229268e-36],
  ['betaSf', [1e-12, 0.5, 0.5], 0.9999993633802277],
  ['betaCdf', [0.999999999, 0.5, 0.5], 0.9999798683154395],
  ['betaQuantile', [0.025, 7, 24], 0.0993378649580197],
  ['betaQuantile', [0.995, 166, 63], 0.7967618761274391],
  ['gammaCdf', [1000000, 1000000], 0.5001329807608725],
  ['gammaSf', [3500, 10000, 3], 4.2758724550596453e-7],
  ['gammaSf', [5, 0.01], 1.1753519412750841e-5],
  ['gammaCdf', [0.1, 100], 9.705034877125688e-259],
  ['gammaQuantile', [0.5, 10000, 3], 3333.2222228806822],
  ['gammaQuantile', [0.0001, 0.01], 0],
  ['gammaQuantile', [0.9999, 2.5], 12.87241597952806],
  ['binomialPmf', [1755, 4526, 0.5], 1.365891116472923e-52],
  ['binomialPmf', [3, 10, 0.5], 0.11718750000000014],
  ['binomialCdf', [7, 30, 0.2], 0.7607906186989566],
  ['binomialSf', [6, 30, 0.2], 0.39303008027425973],
  ['hypergeometricPmf', [12, 20, 21, 17], 0.016910461561700046],
  ['hypergeometricCdf', [3, 4, 4, 4], 0.9857142857142858],
  ['hypergeometricCdf', [30, 200, 300, 100], 0.01424416563599599],
  ['hypergeometricLogPmf', [100, 1000, 2000, 600], -54.50029862692905],
  ['lgamma', [1e-10], 23.025850929882736],
  ['lgamma', [100.5], 361.43554046777757],
]

describe('distributions agree with R', () => {
  it.each(CASES)('%s(%j)', (name, args, want) => {
    const fn = D[name] as (...a: number[]) => number
    const got = fn(...args)
    const rel = name.endsWith('Quantile') && Math.max(...args) > 1000 ? 1e-10 : 1e-12
    expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.abs(want) + 1e-300)
  })
})

describe('distribution identities', () => {
  it('both tails add up to 1 and each tail keeps its own digits', () => {
    for (const [x, df] of [
      [0.5, 3],
      [30, 4],
      [300, 250],
    ] as const) {
      expect(D.chisqCdf(x, df) + D.chisqSf(x, df)).toBeCloseTo(1, 14)
      expect(D.tCdf(x / 10, df) + D.tSf(x / 10, df)).toBeCloseTo(1, 14)
    }
  })

  it('quantiles invert the distribution functions', () => {
    for (const p of [1e-12, 0.01, 0.5, 0.9, 0.999999]) {
      expect(D.normalCdf(D.normalQuantile(p)) / p).toBeCloseTo(1, 12)
      expect(D.chisqCdf(D.chisqQuantile(p, 250), 250) / p).toBeCloseTo(1, 10)
      expect(D.gammaCdf(D.gammaQuantile(p, 2.5, 0.4), 2.5, 0.4) / p).toBeCloseTo(1, 10)
    }
  })
})
