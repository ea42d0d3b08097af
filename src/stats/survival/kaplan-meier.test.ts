/**
 * Kaplan-Meier and RMST: known answers from R 4.2.2 / survival 3.5-3 (the R code is quoted above each number) and
 * the degenerate inputs. The full curves are checked against R in oracle.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { kaplanMeier } from './kaplan-meier.ts'
import { rmst } from './rmst.ts'

// survival::aml, x == "Maintained" (weeks)
const AML_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]
const AML_EVENT = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]

function value<T>(r: { ok: true; value: T } | { ok: false; problems: readonly unknown[] }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

describe('kaplanMeier', () => {
  it('uses the requested confidence level and scale (R: conf.int = 0.9, conf.type = "log")', () => {
    // f <- survfit(Surv(time, status) ~ 1, data = subset(aml, x == "Maintained"), conf.int = 0.9, conf.type = "log")
    const fit = value(
      kaplanMeier(AML_TIME, AML_EVENT, undefined, { confLevel: 0.9, confType: 'log', probs: [0.1, 0.9] }),
    )
    const c = fit.strata[0]!
    expect(c.time).toEqual([9, 13, 18, 23, 28, 31, 34, 45, 48, 161])
    const lower = [
      0.777135294472088, 0.6476142780141668, 0.519393965412095, 0.4075938491826963, 0.4075938491826963,
      0.2831872786605883, 0.1780123698738391, 0.1780123698738391, 0.0467105894601983, 0.0467105894601983,
    ]
    const upper = [
      1, 1, 0.986776629257976, 0.923835302058442, 0.923835302058442, 0.850997744944711, 0.761508042029562,
      0.761508042029562, 0.725519913183589, 0.725519913183589,
    ]
    c.lower.forEach((v, i) => expect(v).toBeCloseTo(lower[i]!, 13))
    c.upper.forEach((v, i) => expect(v).toBeCloseTo(upper[i]!, 13))
    // summary(f)$table: median 31, 0.9LCL 23, 0.9UCL NA; quantile(f, probs = c(0.1, 0.9))
    expect(c.median).toEqual({ estimate: 31, lower: 23, upper: null })
    expect(c.quantiles).toEqual({ probs: [0.1, 0.9], estimate: [13, null], lower: [9, 48], upper: [31, null] })
  })

  it('gives the restricted mean of print(fit, rmean = tau)', () => {
    // summary(f)$table for the curve above: rmean 52.6454545454545 (tau = last time, 161), se 19.8286027955626
    const fit = value(kaplanMeier(AML_TIME, AML_EVENT))
    const [r] = value(rmst(fit, 161))
    expect(r!.rmst).toBeCloseTo(52.6454545454545, 12)
    expect(r!.se).toBeCloseTo(19.8286027955626, 12)
    // a tau before the first time has an area of tau and no variance; R refuses tau < the smallest time
    expect(value(rmst(fit, 9))[0]).toMatchObject({ rmst: 9, se: 0 })
    const early = rmst(fit, 5)
    expect(early.ok).toBe(false)
  })

  it('keeps a curve of censored observations at 1 with undefined medians', () => {
    const fit = value(kaplanMeier([3, 1, 2], [0, 0, false]))
    const c = fit.strata[0]!
    expect(c.surv).toEqual([1, 1, 1])
    expect(c.stdErrCumHaz).toEqual([0, 0, 0])
    expect(c.median).toEqual({ estimate: null, lower: null, upper: null })
    expect(fit.warnings.map((w) => w.code)).toEqual(['no_events'])
  })

  it('reports a single subject and ties everywhere without NaN', () => {
    const one = value(kaplanMeier([5], [1], undefined, { confType: 'log-log' })).strata[0]!
    expect(one).toMatchObject({ n: 1, events: 1, surv: [0], stdErrCumHaz: [null], stdErrSurv: [null], lower: [null] })
    expect(one.median.estimate).toBe(5)
    const tied = value(kaplanMeier([4, 4, 4, 4], [1, 0, 1, 1])).strata[0]!
    expect(tied).toMatchObject({ time: [4], nRisk: [4], nEvent: [3], nCensor: [1], surv: [0.25] })
    expect(tied.cumHaz).toEqual([0.75])
  })

  it('orders curves by level, drops empty levels with a warning, accepts typed arrays', () => {
    const fit = value(
      kaplanMeier(Float64Array.from([2, 4, 6, 8]), Uint8Array.from([1, 1, 0, 1]), Int32Array.from([2, 1, 2, 1]), {
        levels: [2, 3, 1],
      }),
    )
    expect(fit.strata.map((s) => s.group)).toEqual([2, 1])
    expect(fit.strata.map((s) => s.time)).toEqual([
      [2, 6],
      [4, 8],
    ])
    expect(fit.warnings).toMatchObject([{ code: 'empty_group', subjects: ['3'] }])
  })

  it('returns input errors as values with the offending element', () => {
    const bad = (r: { ok: boolean; problems?: readonly { code: string; path: string }[] }) =>
      r.ok ? [] : r.problems!.map((p) => `${p.code} ${p.path}`)
    expect(bad(kaplanMeier([1, -2, 3], [1, 1, 1]))).toEqual(['out_of_range time[1]'])
    expect(bad(kaplanMeier([1, NaN, Infinity], [1, 1, 1]))).toEqual(['invalid time[1]', 'invalid time[2]'])
    expect(bad(kaplanMeier([1, 2], [1, 2]))).toEqual(['invalid event[1]'])
    expect(bad(kaplanMeier([1, 2], [1]))).toEqual(['invalid event'])
    expect(bad(kaplanMeier([], []))).toEqual(['invalid time'])
    expect(bad(kaplanMeier([1, 2], [1, 1], ['a', 'b'], { levels: ['a'] }))).toEqual(['invalid group[1]'])
    expect(bad(kaplanMeier([1, 2], [1, 1], undefined, { confLevel: 1 }))).toEqual(['out_of_range confLevel'])
    const many = kaplanMeier(new Array(50).fill(-1), new Array(50).fill(1))
    expect(many.ok ? 0 : many.problems.length).toBe(11)
  })
})
