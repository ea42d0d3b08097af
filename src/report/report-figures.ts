/**
 * The report's figures, built from the results (and, for the individual lines of the trajectory figure, the
 * analysis datasets): CONSORT flow, recruitment, trajectories of the primary endpoints, forest plots of the slope
 * differences, Kaplan-Meier curves and adverse events by system organ class. A blinded report gets pooled figures
 * only and no forest plot (no contrasts exist).
 */
import type { AnalysisDatasets, AnalysisResults } from '../analysis/index.ts'
import { BLINDED_ARM } from '../analysis/index.ts'
import { aeBarChart } from './ae-bar-chart.ts'
import type { ChartGroup } from './chart-frame.ts'
import { consortDiagram } from './consort-diagram.ts'
import { forestChart } from './forest-chart.ts'
import type { ForestRow } from './forest-chart.ts'
import { kaplanMeierChart } from './km-chart.ts'
import { recruitmentChart } from './line-charts.ts'
import { trajectoryChart } from './trajectory-chart.ts'

export interface ReportFigure {
  readonly id: string
  readonly title: string
  readonly html: string
}

export interface ReportFigures {
  readonly consort: ReportFigure
  readonly recruitment: ReportFigure
  readonly trajectories: readonly ReportFigure[]
  readonly forests: readonly ReportFigure[]
  readonly survival: readonly ReportFigure[]
  readonly aeBySoc: ReportFigure | null
}

const SET_LABEL = { primary: 'Primary analysis', 'per-protocol': 'Per protocol', completers: 'Completers' } as const

/** Figure numbers follow this order in the report. */
export function reportFigures(results: AnalysisResults, datasets?: AnalysisDatasets): ReportFigures {
  const groups: ChartGroup[] = results.groups.map((g) => ({ key: g.key, label: g.label, control: g.control }))
  const blinded = results.provenance.blinded
  let number = 0
  const caption = (text: string): string => `Figure ${++number}. ${text}`

  const consortCaption = caption(
    `CONSORT flow diagram${blinded ? ' (all arms pooled, blinded)' : ''}: enrolment, allocation, each period (${results.periods.map((p, k) => `${k + 1}: ${p.label}`).join('; ')}) and analysis.`,
  )
  const consort: ReportFigure = {
    id: 'fig-consort',
    title: consortCaption,
    html: consortDiagram({
      id: 'fig-consort',
      caption: consortCaption,
      groups,
      periods: results.periods,
      consort: results.consort,
      cellProduct: results.consort.extraction !== null,
    }),
  }
  const recruitmentCaption = caption(
    `Recruitment: cumulative number randomized by calendar month, against the target of ${results.recruitment.target}.`,
  )
  const recruitment: ReportFigure = {
    id: 'fig-recruitment',
    title: recruitmentCaption,
    html: recruitmentChart({
      id: 'fig-recruitment',
      caption: recruitmentCaption,
      byMonth: results.recruitment.byMonth,
      target: results.recruitment.target,
    }),
  }

  const primaries = results.efficacy.analyses.filter((a) => a.role === 'primary' && a.set === 'primary')
  const boundaries = results.periods.slice(1).map((p, k) => ({ month: p.startMonth, label: `Period ${k + 2}` }))
  const trajectories = primaries.flatMap((a): ReportFigure[] => {
    const t = results.efficacy.trajectories.find((x) => x.endpoint === a.endpoint)
    if (!t) return []
    const inPopulation = new Set(datasets?.adsl.filter((s) => s.pop[t.population] === true).map((s) => s.subject) ?? [])
    const individual = (datasets?.adqs ?? [])
      .filter((r) => r.param === a.endpoint && inPopulation.has(r.subject))
      .map((r) => ({ subject: r.subject, key: blinded ? BLINDED_ARM : r.arm, month: r.month, value: r.value }))
    const id = `fig-trajectory-${a.endpoint}`
    const title = caption(
      `${a.label}: mean by ${blinded ? 'visit (all subjects pooled)' : 'randomized arm and visit'} with 95 % confidence intervals (visits with at least 3 values), and each subject's values (thin lines), ${t.population} population.`,
    )
    return [
      {
        id,
        title,
        html: trajectoryChart({
          id,
          caption: title,
          groups,
          means: t.points.map((p) => ({ key: p.key, month: p.month, mean: p.mean, ci: p.ci, n: p.n })),
          individual,
          yLabel: `${a.label}${a.unit ? ` (${a.unit})` : ''}`,
          boundaries,
        }),
      },
    ]
  })

  const forests: ReportFigure[] = []
  if (!blinded) {
    const label = (key: string): string => groups.find((g) => g.key === key)?.label ?? key
    const setGroups: ChartGroup[] = Object.entries(SET_LABEL).map(([key, l]) => ({ key, label: l }))
    const endpoints = [...new Set(results.efficacy.analyses.map((a) => a.endpoint))]
    for (const endpoint of endpoints) {
      const analyses = results.efficacy.analyses.filter((a) => a.endpoint === endpoint && a.status === 'estimated')
      const rows: ForestRow[] = analyses.flatMap((a) =>
        a.contrasts.map((c) => ({
          label: `${label(c.key)} · ${SET_LABEL[a.set]}`,
          group: a.set,
          estimate: c.estimate,
          lower: c.ci[0],
          upper: c.ci[1],
        })),
      )
      const first = results.efficacy.analyses.find((a) => a.endpoint === endpoint)
      if (rows.length === 0 || !first) continue
      const id = `fig-forest-${endpoint}`
      const control = label(first.contrasts[0]?.reference ?? results.groups.find((g) => g.control)?.key ?? '')
      const better = first.direction === 'higher-better'
      const title = caption(
        `${first.label}: difference in rate of change per month from ${control} (95 % CI), by arm and analysis set.`,
      )
      forests.push({
        id,
        title,
        html: forestChart({
          id,
          caption: title,
          rows,
          groups: setGroups.filter((g) => rows.some((r) => r.group === g.key)),
          xLabel: `Difference in slope${first.unit ? ` (${first.unit}/month)` : ' (per month)'}`,
          favours: better
            ? { left: `favours ${control}`, right: 'favours active' }
            : { left: 'favours active', right: `favours ${control}` },
        }),
      })
    }
  }

  const survival = results.survival
    .filter((s) => s.curves.length > 0)
    .map((s): ReportFigure => {
      const id = `fig-km-${s.endpoint}`
      const title = caption(
        `${s.label}: Kaplan-Meier estimate by ${blinded ? 'pooled group' : 'randomized arm'} with 95 % pointwise confidence bands (log-log), censored subjects marked +, and numbers at risk.`,
      )
      return { id, title, html: kaplanMeierChart({ id, caption: title, groups, curves: s.curves, atRisk: s.atRisk }) }
    })

  const overall = results.safety.windows.find((w) => w.id === 'overall')
  let aeBySoc: ReportFigure | null = null
  if (overall && overall.bySoc.length > 0) {
    const title = caption(
      `Adverse events by system organ class: subjects with at least one event (%), ${blinded ? 'all subjects pooled' : 'by randomized arm'}, whole follow-up, safety population.`,
    )
    aeBySoc = {
      id: 'fig-ae-soc',
      title,
      html: aeBarChart({
        id: 'fig-ae-soc',
        caption: title,
        groups,
        rows: overall.bySoc.flatMap((s) => s.counts.map((c) => ({ soc: s.soc, key: c.key, pct: c.pct ?? 0 }))),
      }),
    }
  }
  return { consort, recruitment, trajectories, forests, survival, aeBySoc }
}
