/**
 * Every number of `results.json` for the committed fixture, recomputed independently: counts by hand from the
 * datasets, models refitted directly with the R-verified statistics engine on hand-built data (slopes as sums of
 * coefficients, contrasts as interaction coefficients of the fit's own summary table, Kaplan-Meier per arm on the
 * arm's rows alone), and Holm's adjustment written out.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { ProtocolFile } from '../domain/index.ts'
import { DAYS_PER_MONTH } from '../instruments/index.ts'
import type { LmmFit } from '../stats/index.ts'
import {
  coxph,
  fisherExact,
  fitLmm,
  kaplanMeier,
  lmmContrast,
  logRank,
  mean,
  tQuantile,
  variance,
} from '../stats/index.ts'
import { quantiles } from './describe.ts'
import type { AdaeRow, AnalysisDatasets } from './analysis-datasets.ts'
import type { AnalysisResults, Summary } from './analysis-results.ts'
import { AnalysisResults as ResultsSchema } from './analysis-results.ts'
import { runAnalysisPlan } from './run-analysis-plan.ts'
import { loadFixture, PLAN_OPTIONS } from './test-fixture.test-support.ts'

let protocol: ProtocolFile
let data: AnalysisDatasets
let results: AnalysisResults

/** Relative closeness for numbers computed along different paths. */
function near(actual: number | null, expected: number | null, tol = 1e-9): void {
  if (expected === null || actual === null) {
    expect(actual).toBe(expected)
    return
  }
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * (1 + Math.abs(expected)))
}

const months = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 86_400_000 / DAYS_PER_MONTH

function summaryOf(values: readonly (number | null)[]): Summary {
  const x = values.filter((v): v is number => v !== null)
  if (x.length === 0) return { n: 0, mean: null, sd: null, median: null, q1: null, q3: null, min: null, max: null }
  const [q1, median, q3] = quantiles(x, [0.25, 0.5, 0.75])
  return {
    n: x.length,
    mean: mean(x),
    sd: x.length > 1 ? Math.sqrt(variance(x)) : null,
    median: median!,
    q1: q1!,
    q3: q3!,
    min: Math.min(...x),
    max: Math.max(...x),
  }
}

function expectSummary(actual: Summary, expected: Summary): void {
  expect(actual.n).toBe(expected.n)
  for (const k of ['mean', 'sd', 'median', 'q1', 'q3', 'min', 'max'] as const) near(actual[k], expected[k])
}

/** Holm's step-down adjustment, written out. */
function holm(p: readonly number[]): number[] {
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
  const out = new Array<number>(p.length)
  let running = 0
  order.forEach(([v, i], rank) => {
    running = Math.max(running, Math.min(1, (p.length - rank) * v))
    out[i] = running
  })
  return out
}

function counted<T>(xs: readonly T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>()
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1)
  return m
}

beforeAll(async () => {
  ;({ protocol, data } = await loadFixture())
  const run = runAnalysisPlan(protocol, data, { ...PLAN_OPTIONS, blinded: false })
  if (!run.ok) throw new Error(run.problems.map((p) => p.message).join('; '))
  results = run.value
})

const ARMS = ['D1', 'D2', 'D3', 'P']
const control = 'P'

describe('results of the fixture', () => {
  it('validate against the results schema and carry the provenance', () => {
    expect(ResultsSchema.safeParse(results).success).toBe(true)
    expect(results.provenance.dataCutDate).toBe(data.meta.dataCutDate)
    expect(results.provenance.generatedAt).toBe(PLAN_OPTIONS.generatedAt)
    expect(results.provenance.software.version).toBe('0.0.0-test')
    expect(results.provenance.blinded).toBe(false)
    expect(results.provenance.datasetsHash).toMatch(/^[0-9a-f]{64}$/)
    expect(results.groups.map((g) => g.key)).toEqual(ARMS)
    expect(results.groups.filter((g) => g.control).map((g) => g.key)).toEqual([control])
    // the fixture is large enough for every model: nothing is reported as not estimable
    expect(results.efficacy.analyses.filter((a) => a.status !== 'estimated')).toEqual([])
  })

  it('populations: counts by arm', () => {
    for (const pop of results.populations) {
      const members = data.adsl.filter((s) => s.pop[pop.id])
      expect(pop.n).toBe(members.length)
      expect(pop.byGroup).toEqual(ARMS.map((key) => ({ key, n: members.filter((s) => s.arm === key).length })))
    }
    expect(results.populations.find((p) => p.id === 'ITT')?.n).toBe(40)
  })

  it('recruitment: randomizations by month and site', () => {
    const byMonth = counted(data.adsl, (s) => s.rand_date.slice(0, 7))
    let cumulative = 0
    for (const m of results.recruitment.byMonth) {
      cumulative += byMonth.get(m.month) ?? 0
      expect(m).toEqual({ month: m.month, randomized: byMonth.get(m.month) ?? 0, cumulative })
    }
    expect(cumulative).toBe(40)
    for (const s of results.recruitment.bySite) {
      expect(s.screened).toBe(data.adscr.filter((r) => r.site === s.site).length)
      expect(s.randomized).toBe(data.adsl.filter((r) => r.site === s.site).length)
    }
  })

  it('CONSORT: every box count', () => {
    const c = results.consort
    expect(c.assessed).toBe(data.adscr.length)
    const excluded = data.adscr.filter((r) => r.outcome !== 'randomized')
    expect(c.excluded).toBe(excluded.length)
    expect(new Map(c.excludedReasons.map((r) => [r.reason, r.n]))).toEqual(
      counted(excluded, (r) => r.reason ?? 'Not recorded'),
    )
    expect(c.extraction).toEqual({
      attempted: data.adfeas.length,
      sufficient: data.adfeas.filter((r) => r.extraction_ok).length,
      insufficient: data.adfeas.filter((r) => !r.extraction_ok).length,
    })
    expect(c.randomized).toBe(40)
    const primaryRows = data.adqs.filter((r) => r.param === 'ALSFRSR' && (r.period === 'double-blind' || r.ablfl))
    for (const g of c.groups) {
      const subjects = data.adsl.filter((s) => s.arm === g.key)
      const ids = new Set(subjects.map((s) => s.subject))
      const feas = data.adfeas.filter((r) => ids.has(r.subject))
      expect(g.allocated).toBe(subjects.length)
      expect(g.productReleased).toBe(feas.filter((r) => r.released === true).length)
      expect(g.productFailed).toBe(feas.filter((r) => r.released === false).length)
      const infused = new Set(data.adex.filter((x) => ids.has(x.subject)).map((x) => x.subject))
      expect(g.infused).toBe(infused.size)
      expect(g.notInfused).toBe(subjects.length - infused.size)
      for (const p of g.periods) {
        const rows = data.adds.filter((d) => ids.has(d.subject) && d.period === p.period)
        expect(p.entered).toBe(rows.length)
        expect(p.completed).toBe(rows.filter((d) => d.status === 'completed').length)
        expect(p.died).toBe(rows.filter((d) => d.status === 'died').length)
        expect(p.ongoing).toBe(rows.filter((d) => d.status === 'ongoing').length)
        const stopped = rows.filter((d) => d.status === 'discontinued')
        expect(p.discontinued).toBe(stopped.length)
        expect(new Map(p.discontinuedReasons.map((r) => [r.reason, r.n]))).toEqual(
          counted(stopped, (d) => d.reason ?? 'Not recorded'),
        )
        const moved = rows.filter((d) => d.allocated && d.period !== 'double-blind')
        expect(new Map(p.reallocated.map((r) => [r.to, r.n]))).toEqual(counted(moved, (d) => d.arm))
      }
      const analysed = new Set(primaryRows.filter((r) => ids.has(r.subject)).map((r) => r.subject))
      expect(g.analysedEfficacy).toBe(analysed.size)
      expect(g.excludedEfficacy).toBe(subjects.length - analysed.size)
      expect(g.analysedSafety).toBe(subjects.filter((s) => s.pop['SAF']).length)
      expect(g.analysedSurvival).toBe(data.adtte.filter((r) => ids.has(r.subject) && r.param === 'OS').length)
    }
    // the re-randomization moved control subjects only, to active arms
    const moved = c.groups.flatMap((g) => g.periods.flatMap((p) => p.reallocated.map((r) => ({ from: g.key, ...r }))))
    expect(moved.length).toBeGreaterThan(0)
    expect(moved.every((m) => m.from === control && m.to !== control)).toBe(true)
  })

  it('Table 1: every cell', () => {
    const itt = data.adsl.filter((s) => s.pop['ITT'])
    const column = (key: string) => (key === 'total' ? itt : itt.filter((s) => s.arm === key))
    expect(results.baseline.columns.map((c) => [c.key, c.n])).toEqual([
      ...ARMS.map((a) => [a, column(a).length]),
      ['total', 40],
    ])
    const value = (id: string, s: AnalysisDatasets['adsl'][number]): string | number | boolean | null =>
      id === 'age'
        ? s.age
        : id === 'sex'
          ? s.sex
          : id.startsWith('base_')
            ? (s.base[id.slice(5)] ?? null)
            : id.startsWith('strat_')
              ? (s.strata[id.slice(6)] ?? null)
              : (s.chars[id] ?? null)
    expect(results.baseline.rows.map((r) => r.id)).toContain('base_ALSFRSR')
    for (const row of results.baseline.rows) {
      if (row.kind === 'continuous') {
        for (const cell of row.cells) {
          expectSummary(cell.summary, summaryOf(column(cell.key).map((s) => value(row.id, s) as number | null)))
        }
      } else {
        for (const level of row.levels) {
          for (const cell of level.cells) {
            const rows = column(cell.key)
            const text = (v: unknown) => (typeof v === 'boolean' ? (v ? 'Yes' : 'No') : String(v))
            const n = rows.filter((s) => value(row.id, s) !== null && text(value(row.id, s)) === level.level).length
            const known = rows.filter((s) => value(row.id, s) !== null).length
            expect(cell.n).toBe(n)
            near(cell.pct, known > 0 ? (100 * n) / known : null)
          }
        }
      }
    }
  })
})

describe('efficacy models refitted directly', () => {
  const populationOf = { primary: 'ITT', 'per-protocol': 'PP', completers: 'COMP' } as const

  function refit(endpoint: string, population: string, intercept: boolean): LmmFit {
    const inPop = new Set(data.adsl.filter((s) => s.pop[population]).map((s) => s.subject))
    const rows = data.adqs.filter(
      (r) => r.param === endpoint && inPop.has(r.subject) && (r.period === 'double-blind' || r.ablfl),
    )
    const fit = fitLmm(
      {
        columns: {
          value: rows.map((r) => r.value),
          month: rows.map((r) => r.month),
          arm: rows.map((r) => r.arm),
          subject: rows.map((r) => r.subject),
        },
      },
      {
        response: 'value',
        fixed: ['month*arm'],
        random: intercept ? { group: 'subject' } : { group: 'subject', slope: 'month' },
        factorLevels: { arm: ['P', 'D1', 'D2', 'D3'] },
      },
    )
    if (!fit.ok) throw new Error(fit.problems[0]?.message)
    return fit.value
  }

  it('slopes are sums of coefficients, contrasts are the interaction coefficients, p adjusted by Holm', () => {
    expect(results.efficacy.analyses).toHaveLength(protocol.endpoints.scores.length * 3)
    for (const a of results.efficacy.analyses) {
      const model = a.model!
      expect(a.population).toBe(populationOf[a.set])
      const fit = refit(a.endpoint, a.population, model.formula.includes('(1 | subject)'))
      expect(model.formula).toMatch(/^value ~ month \* arm \+ \(1( \+ month)? \| subject\)$/)
      expect(model.nObs).toBe(fit.nObs)
      expect(model.nSubjects).toBe(fit.random.nLevels)
      near(model.residualSd, fit.residualSd, 1e-8)
      expect(model.fixed.map((f) => f.term)).toEqual(fit.fixed.terms)
      model.fixed.forEach((f, i) => near(f.estimate, fit.fixed.estimate[i]!, 1e-8))
      const coef = (term: string): number => fit.fixed.estimate[fit.fixed.terms.indexOf(term)]!
      for (const s of a.slopes) {
        near(s.estimate, coef('month') + (s.key === control ? 0 : coef(`month:arm${s.key}`)), 1e-8)
        const L = fit.fixed.terms.map((t) =>
          t === 'month' || (s.key !== control && t === `month:arm${s.key}`) ? 1 : 0,
        )
        const direct = lmmContrast(fit, L, { confLevel: 0.95 })
        if (!direct.ok) throw new Error('contrast')
        near(s.se, direct.value.se, 1e-7)
        near(s.df, direct.value.df, 1e-6)
        near(s.ci[0], direct.value.lower, 1e-7)
        near(s.ci[1], direct.value.upper, 1e-7)
      }
      expect(a.contrasts.map((c) => c.key)).toEqual(['D1', 'D2', 'D3'])
      const expectedAdjusted = holm(a.contrasts.map((c) => c.p))
      a.contrasts.forEach((c, i) => {
        const j = fit.fixed.terms.indexOf(`month:arm${c.key}`)
        expect(c.reference).toBe(control)
        near(c.estimate, fit.fixed.estimate[j]!, 1e-8)
        near(c.se, fit.fixed.se[j]!, 1e-7)
        near(c.df, fit.fixed.df[j]!, 1e-6)
        near(c.t, fit.fixed.t[j]!, 1e-7)
        near(c.p, fit.fixed.p[j]!, 1e-6)
        const half = tQuantile(0.975, c.df) * c.se
        near(c.ci[0], c.estimate - half, 1e-9)
        near(c.ci[1], c.estimate + half, 1e-9)
        near(c.pAdjusted, expectedAdjusted[i]!, 1e-12)
      })
    }
  })

  it('trajectories: mean, SD and t interval of each visit by arm', () => {
    const itt = new Set(data.adsl.filter((s) => s.pop['ITT']).map((s) => s.subject))
    let checked = 0
    for (const t of results.efficacy.trajectories) {
      for (const p of t.points) {
        const values = data.adqs
          .filter((r) => r.param === t.endpoint && r.arm === p.key && r.visit === p.visit && itt.has(r.subject))
          .map((r) => r.value)
        expect(p.n).toBe(values.length)
        near(p.mean, mean(values))
        if (values.length >= 2) {
          const sd = Math.sqrt(variance(values))
          near(p.sd, sd)
          const half = (tQuantile(0.975, values.length - 1) * sd) / Math.sqrt(values.length)
          near(p.ci?.[0] ?? null, mean(values) - half)
          near(p.ci?.[1] ?? null, mean(values) + half)
        }
        checked++
      }
    }
    expect(checked).toBeGreaterThan(100)
  })

  it('crossover: pre, post and change slopes of the re-randomized placebo patients', () => {
    const switchers = new Map<string, { month: number; arm: string }>()
    for (const s of data.adsl) {
      const next = s.later_arms[0]
      if (s.arm !== 'P' || !next || next === 'P') continue
      const dose = data.adex
        .filter((x) => x.subject === s.subject && x.period === 'crossover')
        .map((x) => x.start.slice(0, 10))[0]
      const start = data.adds.find((d) => d.subject === s.subject && d.period === 'crossover')!.start_date
      switchers.set(s.subject, { month: months(s.rand_date, dose ?? start), arm: next })
    }
    expect(switchers.size).toBeGreaterThan(2)
    for (const x of results.efficacy.crossover) {
      const rows = data.adqs.filter(
        (r) =>
          r.param === x.endpoint &&
          switchers.has(r.subject) &&
          (r.ablfl || r.period === 'double-blind' || r.period === 'crossover'),
      )
      const columns = {
        value: rows.map((r) => r.value),
        month: rows.map((r) => r.month),
        post: rows.map((r) => Math.max(0, r.month - switchers.get(r.subject)!.month)),
        subject: rows.map((r) => r.subject),
      }
      const intercept = x.models[0]!.formula.includes('(1 | subject)')
      const fit = fitLmm(
        { columns },
        {
          response: 'value',
          fixed: ['month', 'post'],
          random: intercept ? { group: 'subject' } : { group: 'subject', slope: 'month' },
        },
      )
      if (!fit.ok) throw new Error(fit.problems[0]?.message)
      const all = x.groups.find((g) => g.key === 'all')!
      const [b0, bMonth, bPost] = fit.value.fixed.estimate as [number, number, number]
      expect(b0).toBeGreaterThan(0)
      near(all.pre.estimate, bMonth, 1e-8)
      near(all.post.estimate, bMonth + bPost, 1e-8)
      near(all.change.estimate, bPost, 1e-8)
      near(all.change.se, fit.value.fixed.se[2]!, 1e-7)
      near(all.change.df, fit.value.fixed.df[2]!, 1e-6)
      near(all.change.p, fit.value.fixed.p[2]!, 1e-6)
      expect(all.nSubjects).toBe(switchers.size)
      for (const g of x.groups.filter((q) => q.key !== 'all')) {
        expect(g.nSubjects).toBe([...switchers.values()].filter((s) => s.arm === g.key).length)
      }
    }
  })
})

describe('survival recomputed per arm', () => {
  it('Kaplan-Meier per arm, medians, numbers at risk, log-rank and Cox', () => {
    expect(results.survival.map((s) => s.endpoint)).toEqual(['OS', 'TFS'])
    for (const s of results.survival) {
      const rows = data.adtte.filter((r) => r.param === s.endpoint)
      for (const c of s.curves) {
        const mine = rows.filter((r) => r.arm === c.key)
        const km = kaplanMeier(
          mine.map((r) => r.time_months),
          mine.map((r) => r.event),
          undefined,
          { confType: 'log-log' },
        )
        if (!km.ok) throw new Error('km')
        const curve = km.value.strata[0]!
        expect(c.n).toBe(mine.length)
        expect(c.events).toBe(mine.filter((r) => r.event === 1).length)
        expect(c.time).toEqual(curve.time)
        c.surv.forEach((v, i) => near(v, curve.surv[i]!, 1e-12))
        expect(c.nRisk).toEqual(curve.nRisk)
        near(c.median.estimate, curve.median.estimate)
        near(c.median.lower, curve.median.lower)
        near(c.median.upper, curve.median.upper)
      }
      s.atRisk.counts.forEach((c) =>
        s.atRisk.times.forEach((t, i) =>
          expect(c.n[i]).toBe(rows.filter((r) => r.arm === c.key && r.time_months >= t).length),
        ),
      )
      expect(s.atRisk.times.slice(0, 3)).toEqual([0, 6, 12])
      const lr = logRank(
        rows.map((r) => r.time_months),
        rows.map((r) => r.event),
        rows.map((r) => r.arm),
      )
      if (!lr.ok) throw new Error('logrank')
      near(s.logRank!.chisq, lr.value.chisq)
      expect(s.logRank!.df).toBe(3)
      near(s.logRank!.p, lr.value.pValue)
      for (const pw of s.pairwise) {
        const sub = rows.filter((r) => r.arm === pw.key || r.arm === control)
        const t = logRank(
          sub.map((r) => r.time_months),
          sub.map((r) => r.event),
          sub.map((r) => r.arm),
        )
        if (!t.ok) throw new Error('pairwise')
        near(pw.p, t.value.pValue)
      }
      const site = new Map(data.adsl.map((x) => [x.subject, x.strata['site']!]))
      const cox = coxph({
        time: rows.map((r) => r.time_months),
        event: rows.map((r) => r.event),
        covariates: {
          D1: rows.map((r) => +(r.arm === 'D1')),
          D2: rows.map((r) => +(r.arm === 'D2')),
          D3: rows.map((r) => +(r.arm === 'D3')),
        },
        strata: rows.map((r) => site.get(r.subject)!),
      })
      if (!cox.ok) throw new Error('cox')
      expect(s.cox!.formula).toContain('strata(site)')
      const adjusted = holm(cox.value.coefficients.map((k) => k.pValue))
      s.cox!.terms.forEach((term, i) => {
        const k = cox.value.coefficients[i]!
        expect(term.key).toBe(k.term)
        near(term.hr, k.hazardRatio, 1e-9)
        near(term.ci[0], k.lower, 1e-9)
        near(term.ci[1], k.upper, 1e-9)
        near(term.p, k.pValue, 1e-9)
        near(term.pAdjusted, adjusted[i]!, 1e-9)
      })
    }
  })
})

describe('safety recomputed by hand', () => {
  const categories: Record<string, (ae: AdaeRow) => boolean> = {
    any: () => true,
    teae: (ae) => ae.teae,
    serious: (ae) => ae.serious,
    grade3: (ae) => (ae.grade ?? 0) >= 3,
    related: (ae) => ae.related,
    susar: (ae) => ae.serious && ae.related && !ae.expected,
  }

  it('every window, category, SOC and term, with Fisher tests and rates', () => {
    const saf = data.adsl.filter((s) => s.pop['SAF'])
    expect(results.safety.windows.map((w) => w.id)).toEqual(['overall', 'double-blind', 'crossover', 'extension'])
    for (const w of results.safety.windows) {
      // who is at risk, in which column, from when to when, with which events
      const risk = saf.flatMap((s) => {
        if (w.id === 'overall')
          return [
            {
              s,
              key: s.arm,
              start: s.consent_date!,
              end: s.last_date,
              events: data.adae.filter((ae) => ae.subject === s.subject),
            },
          ]
        const d = data.adds.find((r) => r.subject === s.subject && r.period === w.id)
        return d
          ? [
              {
                s,
                key: d.arm,
                start: d.start_date,
                end: d.end_date ?? s.last_date,
                events: data.adae.filter((ae) => ae.subject === s.subject && ae.period === w.id),
              },
            ]
          : []
      })
      for (const col of w.columns) {
        const mine = risk.filter((r) => r.key === col.key)
        expect(col.atRisk).toBe(mine.length)
        near(
          col.exposureMonths,
          mine.reduce((a, r) => a + months(r.start, r.end), 0),
        )
      }
      const countsFor = (select: (ae: AdaeRow) => boolean) =>
        w.columns.map((col) => {
          const mine = risk.filter((r) => r.key === col.key)
          const subjects = mine.filter((r) => r.events.some(select)).length
          return {
            key: col.key,
            subjects,
            pct: col.atRisk > 0 ? (100 * subjects) / col.atRisk : null,
            events: mine.reduce((a, r) => a + r.events.filter(select).length, 0),
          }
        })
      const fisherOf = (counts: { key: string; subjects: number }[]) => {
        const table = counts
          .map((c) => [c.subjects, w.columns.find((x) => x.key === c.key)!.atRisk - c.subjects])
          .filter(([a, b]) => a! + b! > 0)
        if (table.length < 2 || table.every(([a]) => a === 0) || table.every(([, b]) => b === 0)) return null
        const f = fisherExact(table)
        return f.ok ? f.value.pValue : null
      }
      for (const cat of w.summary) {
        let expected
        if (cat.id === 'death') {
          expected = w.columns.map((col) => {
            const n = risk.filter(
              (r) =>
                r.key === col.key && r.s.death_date !== null && r.s.death_date >= r.start && r.s.death_date <= r.end,
            ).length
            return { key: col.key, subjects: n, pct: col.atRisk > 0 ? (100 * n) / col.atRisk : null, events: n }
          })
        } else if (cat.id === 'discontinued') {
          expected = w.columns.map((col) => {
            const n = risk.filter(
              (r) =>
                r.key === col.key &&
                r.s.eos_status === 'discontinued' &&
                r.s.eos_reason === 'Adverse event' &&
                r.s.last_date >= r.start &&
                r.s.last_date <= r.end,
            ).length
            return { key: col.key, subjects: n, pct: col.atRisk > 0 ? (100 * n) / col.atRisk : null, events: n }
          })
        } else expected = countsFor(categories[cat.id]!)
        cat.counts.forEach((c, i) => {
          expect(c.subjects).toBe(expected[i]!.subjects)
          expect(c.events).toBe(expected[i]!.events)
          near(c.pct, expected[i]!.pct)
        })
        near(cat.test!.p, fisherOf(expected))
        for (const v of cat.test!.vsControl) {
          const pair = expected.filter((e) => e.key === v.key || e.key === control)
          near(v.p, fisherOf(pair))
        }
      }
      expect(w.summary.map((c) => c.id)).toEqual([
        ...(w.id === 'overall' ? ['any', 'teae'] : ['any']),
        'serious',
        'grade3',
        'related',
        'susar',
        'discontinued',
        'death',
      ])
      const socs = new Set(risk.flatMap((r) => r.events.map((ae) => ae.soc)))
      expect(new Set(w.bySoc.map((s) => s.soc))).toEqual(socs)
      for (const soc of w.bySoc) {
        const expected = countsFor((ae) => ae.soc === soc.soc)
        expect(soc.counts).toEqual(expected.map((e) => ({ ...e, pct: e.pct })))
        near(soc.test!.p, fisherOf(expected))
        for (const t of soc.terms) expect(t.counts).toEqual(countsFor((ae) => ae.soc === soc.soc && ae.pt === t.pt))
      }
      for (const rate of w.rates) {
        const col = w.columns.find((c) => c.key === rate.key)!
        const events = risk.filter((r) => r.key === rate.key).reduce((a, r) => a + r.events.length, 0)
        expect(rate.events).toBe(events)
        near(rate.perPatientMonth, col.exposureMonths > 0 ? events / col.exposureMonths : null)
      }
    }
  })

  it('adverse events within 48 h of each infusion, by preparation given', () => {
    const saf = new Set(data.adsl.filter((s) => s.pop['SAF']).map((s) => s.subject))
    expect(results.safety.postInfusion.map((p) => p.period)).toEqual(['double-blind', 'crossover'])
    for (const p of results.safety.postInfusion) {
      const infusions = data.adex.filter((x) => x.period === p.period && saf.has(x.subject))
      const eventsOf = (x: (typeof infusions)[number]) =>
        data.adae.filter((ae) => {
          if (
            ae.subject !== x.subject ||
            ae.hours_after_infusion === null ||
            ae.hours_after_infusion < 0 ||
            ae.hours_after_infusion > 48
          )
            return false
          const last = data.adex
            .filter((y) => y.subject === x.subject && y.start.slice(0, 10) <= ae.onset_date)
            .sort((a, b) => (a.start < b.start ? -1 : 1))
            .at(-1)
          return last === x
        })
      for (const col of p.columns)
        expect(col.infusions).toBe(infusions.filter((x) => x.arm_received === col.key).length)
      const any = p.summary.find((s) => s.id === 'any')!
      for (const c of any.counts) {
        const mine = infusions.filter((x) => x.arm_received === c.key)
        expect(c.infusions).toBe(mine.filter((x) => eventsOf(x).length > 0).length)
        expect(c.events).toBe(mine.reduce((a, x) => a + eventsOf(x).length, 0))
      }
    }
  })
})

describe('feasibility recomputed by hand', () => {
  it('extraction, release, infusion and timing', () => {
    const f = results.feasibility
    expect(f.extraction.attempted).toBe(data.adfeas.length)
    expect(f.extraction.sufficient).toBe(data.adfeas.filter((r) => r.extraction_ok).length)
    expectSummary(f.extraction.adiposeG, summaryOf(data.adfeas.map((r) => r.adipose_g)))
    const started = data.adfeas.filter((r) => r.released !== null)
    expect(f.manufacturing.started).toBe(started.length)
    expect(f.manufacturing.released).toBe(started.filter((r) => r.released).length)
    expect(f.manufacturing.failed).toBe(started.filter((r) => r.released === false).length)
    expectSummary(f.manufacturing.cellCount, summaryOf(started.map((r) => r.cell_count)))
    expectSummary(f.manufacturing.viability, summaryOf(started.map((r) => r.viability)))
    expect(f.infusion.given).toBe(data.adex.length)
    expect(f.infusion.completedPerProtocol).toBe(data.adex.filter((x) => x.completed).length)
    expect(f.infusion.doseDeviations.n).toBe(
      data.adex.filter(
        (x) =>
          Math.abs(x.dose_given! - x.dose_prescribed!) > 0.1 * x.dose_prescribed! ||
          (x.dose_prescribed === 0 && x.dose_given! > 0),
      ).length,
    )
    expect(f.infusion.reactions).toBe(data.adex.filter((x) => x.reaction).length)
    expectSummary(
      f.extractionToInfusionDays,
      summaryOf(
        data.adfeas.map((r) =>
          r.extraction_date && r.first_infusion_date
            ? (Date.parse(r.first_infusion_date) - Date.parse(r.extraction_date)) / 86_400_000
            : null,
        ),
      ),
    )
  })
})

describe('an endpoint adjusted for its baseline value', () => {
  it('models the post-baseline values with the baseline as a covariate', () => {
    const adjusted: ProtocolFile = {
      ...protocol,
      endpoints: {
        ...protocol.endpoints,
        scores: protocol.endpoints.scores.map((e) => (e.id === 'FVC' ? { ...e, adjustForBaseline: true } : e)),
      },
    }
    const run = runAnalysisPlan(adjusted, data, { ...PLAN_OPTIONS, blinded: false })
    if (!run.ok) throw new Error(run.problems[0]?.message)
    const a = run.value.efficacy.analyses.find((x) => x.endpoint === 'FVC' && x.set === 'primary')!
    expect(a.model?.formula).toBe('value ~ month * arm + base + (1 + month | subject)')
    const base = new Map(data.adsl.map((s) => [s.subject, s.base['FVC'] ?? null]))
    const rows = data.adqs.filter(
      (r) => r.param === 'FVC' && r.period === 'double-blind' && !r.ablfl && r.day > 0 && base.get(r.subject) !== null,
    )
    const fit = fitLmm(
      {
        columns: {
          value: rows.map((r) => r.value),
          month: rows.map((r) => r.month),
          arm: rows.map((r) => r.arm),
          subject: rows.map((r) => r.subject),
          base: rows.map((r) => base.get(r.subject)!),
        },
      },
      {
        response: 'value',
        fixed: ['month*arm', 'base'],
        random: { group: 'subject', slope: 'month' },
        factorLevels: { arm: ['P', 'D1', 'D2', 'D3'] },
      },
    )
    if (!fit.ok) throw new Error(fit.problems[0]?.message)
    expect(a.model?.nObs).toBe(rows.length)
    expect(a.model?.fixed.map((f) => f.term)).toContain('base')
    a.contrasts.forEach((c) =>
      near(c.estimate, fit.value.fixed.estimate[fit.value.fixed.terms.indexOf(`month:arm${c.key}`)]!, 1e-8),
    )
  })
})
