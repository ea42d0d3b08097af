/**
 * Weighted log-rank tests and degenerate inputs. survdiff itself (rho = 0, rho = 1, rho = 0.5, strata) is checked
 * against R in oracle.test.ts. R has no Gehan or Tarone-Ware test, so their references were computed in R with an
 * independent loop over event times (U = sum w (d1 - n1 d / n), V = sum w^2 d (n1/n)(1 - n1/n)(n - d)/(n - 1)):
 *
 *   wlr <- function(time, status, group, w) { ... wt <- if (w == "gehan") n else sqrt(n) ... }
 *   wlr(aml$time, aml$status, aml$x, "gehan")   # U -50, V 918, chisq 2.7233115468409586
 *   wlr(aml$time, aml$status, aml$x, "tw")      # U -12.8379173587843614, V 55.2763354909101281
 */
import { describe, expect, it } from 'vitest'
import { logRank } from './log-rank.ts'

// survival::aml
const AML_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
const AML_EVENT = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
const AML_ARM = [...Array<string>(11).fill('Maintained'), ...Array<string>(12).fill('Nonmaintained')]

function value<T>(r: { ok: true; value: T } | { ok: false; problems: readonly unknown[] }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

describe('logRank weightings', () => {
  it('Gehan-Breslow (weights = number at risk) matches the independent R computation', () => {
    const r = value(logRank(AML_TIME, AML_EVENT, AML_ARM, { weighting: 'gehan' }))
    expect(r.oMinusE[0]).toBeCloseTo(-50, 12)
    expect(r.variance[0]![0]).toBeCloseTo(918, 10)
    expect(r.chisq).toBeCloseTo(2.7233115468409586, 12)
    expect(r.pValue).toBeCloseTo(0.0988926513652317, 12)
  })

  it('Tarone-Ware (weights = sqrt of number at risk) matches the independent R computation', () => {
    const r = value(logRank(AML_TIME, AML_EVENT, AML_ARM, { weighting: 'tarone-ware' }))
    expect(r.oMinusE[0]).toBeCloseTo(-12.8379173587843614, 12)
    expect(r.variance[0]![0]).toBeCloseTo(55.2763354909101281, 11)
    expect(r.chisq).toBeCloseTo(2.9816036220070927, 12)
  })

  it("Gehan O - E is minus Mantel's pairwise score (Gehan 1965): a brute-force check over all pairs", () => {
    // U counts +1 when the arm-1 subject surely outlived the arm-2 subject, -1 when surely not
    let u = 0
    for (let i = 0; i < 11; i++) {
      for (let k = 11; k < 23; k++) {
        const [ti, di, tk, dk] = [AML_TIME[i]!, AML_EVENT[i]!, AML_TIME[k]!, AML_EVENT[k]!]
        if ((tk < ti && dk === 1) || (tk === ti && dk === 1 && di === 0)) u++
        else if ((ti < tk && di === 1) || (ti === tk && di === 1 && dk === 0)) u--
      }
    }
    const r = value(logRank(AML_TIME, AML_EVENT, AML_ARM, { weighting: 'gehan' }))
    expect(r.oMinusE[0]).toBeCloseTo(-u, 12)
  })
})

describe('logRank degenerate inputs', () => {
  it('all censored: nothing to test, a typed warning and p = 1', () => {
    const r = value(logRank([1, 2, 3, 4], [0, 0, 0, 0], ['a', 'a', 'b', 'b']))
    expect(r).toMatchObject({ chisq: 0, df: 0, pValue: 1, expected: [0, 0] })
    expect(r.warnings.map((w) => w.code)).toEqual(['no_events'])
  })

  it('a single group, or a group that never has expected events, gives df 0', () => {
    const one = value(logRank([1, 2, 3], [1, 0, 1], ['a', 'a', 'a']))
    expect(one).toMatchObject({ df: 0, pValue: 1 })
    expect(one.warnings.map((w) => w.code)).toEqual(['nothing_to_compare'])
  })

  it('an empty requested level is dropped with a warning (R drops unused factor levels)', () => {
    const r = value(logRank(AML_TIME, AML_EVENT, AML_ARM, { levels: ['Maintained', 'Other', 'Nonmaintained'] }))
    expect(r.groups).toEqual(['Maintained', 'Nonmaintained'])
    expect(r.warnings).toMatchObject([{ code: 'empty_group', subjects: ['Other'] }])
    // survdiff(Surv(time, status) ~ x, data = aml)$chisq
    expect(r.chisq).toBeCloseTo(3.3963886989776, 10)
  })

  it('rejects bad input as values', () => {
    const r = logRank([1, 2], [1, 1], ['a'])
    expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(['group'])
    const s = logRank([1, 2], [1, 1], ['a', 'b'], { strata: [1, NaN] })
    expect(s.ok ? [] : s.problems.map((p) => p.path)).toEqual(['strata[1]'])
    expect(logRank([1, 2], [1, 1], ['a', 'b'], { rho: NaN }).ok).toBe(false)
  })
})
