/**
 * Invariants of the survival methods on random data (fast-check): row order, group labels and time scale must
 * not matter; Kaplan-Meier curves are monotone; the two tabulation strategies agree; Gehan's statistic equals
 * the brute-force pairwise score.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { coxph } from './cox-ph.ts'
import { kaplanMeier } from './kaplan-meier.ts'
import { logRank } from './log-rank.ts'
import { checkSurv, codeGroups, rankTimes, tabulate } from './survival-input.ts'

interface Row {
  time: number
  event: number
  group: string
  x: number
  z: number
}

/** Small data sets with heavy ties (integer times 0..12) and three groups. */
const rows = fc.array(
  fc.record({
    time: fc.integer({ min: 0, max: 12 }),
    event: fc.integer({ min: 0, max: 1 }),
    group: fc.constantFrom('A', 'B', 'C'),
    x: fc.integer({ min: -3, max: 3 }),
    z: fc.integer({ min: -200, max: 200 }).map((v) => v / 100),
  }),
  { minLength: 1, maxLength: 40 },
)

/** A data set and a permutation of it. */
const shuffled = rows.chain((rs) =>
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: rs.length, maxLength: rs.length }).map((keys) => {
    const order = rs.map((_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b)
    return { rs, perm: order.map((i) => rs[i] as Row) }
  }),
)

const cols = (rs: readonly Row[]) => ({
  time: rs.map((r) => r.time),
  event: rs.map((r) => r.event),
  group: rs.map((r) => r.group),
})

function value<T>(r: { ok: true; value: T } | { ok: false; problems: readonly unknown[] }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

const RUNS = { numRuns: 150 }

describe('Kaplan-Meier properties', () => {
  it('does not depend on row order', () => {
    fc.assert(
      fc.property(shuffled, ({ rs, perm }) => {
        const a = cols(rs)
        const b = cols(perm)
        expect(value(kaplanMeier(b.time, b.event, b.group))).toEqual(value(kaplanMeier(a.time, a.event, a.group)))
      }),
      RUNS,
    )
  })

  it('S(t) is non-increasing in [0, 1] and bracketed by its limits; risk sets shrink; cumulative hazard grows', () => {
    fc.assert(
      fc.property(rows, fc.constantFrom<'log' | 'log-log' | 'plain'>('log', 'log-log', 'plain'), (rs, confType) => {
        const d = cols(rs)
        for (const c of value(kaplanMeier(d.time, d.event, d.group, { confType })).strata) {
          c.surv.forEach((s, i) => {
            expect(s).toBeGreaterThanOrEqual(0)
            expect(s).toBeLessThanOrEqual(i === 0 ? 1 : (c.surv[i - 1] as number))
            if (i > 0) expect(c.nRisk[i]).toBeLessThan(c.nRisk[i - 1] as number)
            if (i > 0) expect(c.cumHaz[i]).toBeGreaterThanOrEqual(c.cumHaz[i - 1] as number)
            const lo = c.lower[i]
            const hi = c.upper[i]
            if (lo !== null && lo !== undefined) expect(lo).toBeLessThanOrEqual(s + 1e-12)
            if (hi !== null && hi !== undefined) expect(hi).toBeGreaterThanOrEqual(s - 1e-12)
          })
          expect(c.nRisk[0] ?? 0).toBe(c.n)
        }
      }),
      RUNS,
    )
  })

  it('relabelling the groups only renames the curves', () => {
    const rename: Record<string, string> = { A: 'zeta', B: 'alpha', C: 'mu' }
    fc.assert(
      fc.property(rows, (rs) => {
        const d = cols(rs)
        const a = value(kaplanMeier(d.time, d.event, d.group, { levels: ['A', 'B', 'C'] }))
        const b = value(
          kaplanMeier(
            d.time,
            d.event,
            d.group.map((g) => rename[g] as string),
            { levels: ['zeta', 'alpha', 'mu'] },
          ),
        )
        expect(b.strata.map((c) => c.label)).toEqual(a.strata.map((c) => rename[c.label]))
        expect(b.strata.map((c) => ({ ...c, label: '', group: '' }))).toEqual(
          a.strata.map((c) => ({ ...c, label: '', group: '' })),
        )
      }),
      RUNS,
    )
  })
})

describe('log-rank properties', () => {
  it('does not depend on row order or on the group labels', () => {
    const rename: Record<string, number> = { A: 30, B: 10, C: 20 }
    fc.assert(
      fc.property(shuffled, fc.constantFrom(0, 1), ({ rs, perm }, rho) => {
        const a = cols(rs)
        const b = cols(perm)
        const ra = value(logRank(a.time, a.event, a.group, { rho }))
        const rb = value(
          logRank(
            b.time,
            b.event,
            b.group.map((g) => rename[g] as number),
            { rho },
          ),
        )
        expect(rb.chisq).toBeCloseTo(ra.chisq, 9)
        expect(rb.df).toBe(ra.df)
        // renamed levels sort as B (10), C (20), A (30)
        const byName = (r: typeof ra, i: number) => r.observed[i] as number
        ra.groups.forEach((g, i) => {
          const j = rb.groups.indexOf(rename[g as string] as number)
          expect(byName(rb, j)).toBeCloseTo(byName(ra, i), 12)
          expect(rb.expected[j]).toBeCloseTo(ra.expected[i] as number, 12)
        })
      }),
      RUNS,
    )
  })

  it('O - E sums to 0, each row of the covariance sums to 0, chi-square >= 0', () => {
    fc.assert(
      fc.property(rows, (rs) => {
        const d = cols(rs)
        const r = value(logRank(d.time, d.event, d.group))
        expect(r.oMinusE.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 9)
        r.variance.forEach((row) => expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 9))
        expect(r.chisq).toBeGreaterThanOrEqual(-1e-12)
      }),
      RUNS,
    )
  })

  it('Gehan O - E equals minus the pairwise Gehan-Mantel score', () => {
    fc.assert(
      fc.property(rows, (rs) => {
        const two = rs.map((r) => ({ ...r, group: r.group === 'A' ? 'A' : 'B' }))
        fc.pre(new Set(two.map((r) => r.group)).size === 2)
        let u = 0
        for (const i of two.filter((r) => r.group === 'A')) {
          for (const k of two.filter((r) => r.group === 'B')) {
            if ((k.time < i.time && k.event === 1) || (k.time === i.time && k.event === 1 && i.event === 0)) u++
            else if ((i.time < k.time && i.event === 1) || (i.time === k.time && i.event === 1 && k.event === 0)) u--
          }
        }
        const d = cols(two)
        const r = value(logRank(d.time, d.event, d.group, { weighting: 'gehan' }))
        expect(r.oMinusE[0]).toBeCloseTo(-u, 9)
      }),
      RUNS,
    )
  })

  it('tabulates the same way through the dense grid and the ordered blocks', () => {
    fc.assert(
      fc.property(rows, fc.boolean(), (rs, stratified) => {
        const d = cols(rs)
        const checked = checkSurv(d.time, d.event)
        if (!checked.ok) throw new Error('invalid')
        const { unique, rank } = rankTimes(checked.value.time, checked.value.range)
        const g = codeGroups(d.group, rs.length, 'group', undefined, [])
        if (!g.ok) throw new Error('invalid')
        const s = stratified ? Int32Array.from(rs, (r) => (r.x > 0 ? 1 : 0)) : null
        const args = [rank, unique.length, checked.value.event, s, 2, g.value.code, g.value.levels.length] as const
        expect(tabulate(...args, 'blocks')).toEqual(tabulate(...args, 'grid'))
      }),
      RUNS,
    )
  })
})

describe('Cox properties', () => {
  const fitOf = (rs: readonly Row[], time: (t: number) => number) =>
    coxph({
      time: rs.map((r) => time(r.time)),
      event: rs.map((r) => r.event),
      covariates: { x: rs.map((r) => r.x), z: rs.map((r) => r.z) },
    })

  it('coefficients depend on the time order only (scaling and monotone transforms of time)', () => {
    fc.assert(
      fc.property(rows, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (rs, c) => {
        const a = fitOf(rs, (t) => t)
        const b = fitOf(rs, (t) => t * c)
        const s = fitOf(rs, (t) => Math.sqrt(t))
        expect(b.ok).toBe(a.ok)
        if (!a.ok || !b.ok || !s.ok) return
        expect(b.value.coefficients).toEqual(a.value.coefficients)
        expect(s.value.coefficients).toEqual(a.value.coefficients)
        expect(b.value.concordance).toEqual(a.value.concordance)
      }),
      RUNS,
    )
  })

  it('does not depend on row order (well-determined fits)', () => {
    fc.assert(
      fc.property(shuffled, ({ rs, perm }) => {
        const a = fitOf(rs, (t) => t)
        const b = fitOf(perm, (t) => t)
        expect(b.ok).toBe(a.ok)
        if (!a.ok || !b.ok) return
        fc.pre(a.value.converged && a.value.warnings.length === 0)
        const close = (x: number, y: number) =>
          expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(y)))
        a.value.coefficients.forEach((c, i) => {
          const o = b.value.coefficients[i]!
          close(o.coef, c.coef)
          close(o.se, c.se)
        })
        close(b.value.loglik, a.value.loglik)
        expect(b.value.concordance?.estimate).toBeCloseTo(a.value.concordance?.estimate ?? NaN, 12)
      }),
      RUNS,
    )
  })
})
