/**
 * Two simple line charts: the recruitment curve (cumulative randomizations against the target) for the report, and
 * the power curve (power against a design parameter, with Monte-Carlo intervals and the target power) that the
 * power simulator reuses.
 */
import * as Plot from '@observablehq/plot'
import type { ChartGroup } from './chart-frame.ts'
import { chartDocument, figureHtml, groupColorScale, plotParts } from './chart-frame.ts'

export interface RecruitmentChartInput {
  readonly id: string
  readonly caption: string
  /** Calendar months `YYYY-MM` with the cumulative number randomized by the end of each. */
  readonly byMonth: readonly { readonly month: string; readonly cumulative: number }[]
  readonly target: number
}

export function recruitmentChart(input: RecruitmentChartInput): string {
  const series: ChartGroup[] = [
    { key: 'actual', label: 'Randomized (cumulative)' },
    { key: 'target', label: 'Target enrolment' },
  ]
  const points = input.byMonth.map((m) => ({
    date: new Date(`${m.month}-01T00:00:00Z`),
    cumulative: m.cumulative,
    series: 'Randomized (cumulative)',
  }))
  const first = points[0]?.date ?? new Date(0)
  const last = points[points.length - 1]?.date ?? new Date(0)
  const target = [
    { date: first, value: input.target, series: 'Target enrolment' },
    { date: last, value: input.target, series: 'Target enrolment' },
  ]
  const plot = Plot.plot({
    document: chartDocument(),
    width: 720,
    height: 280,
    marginLeft: 50,
    x: { type: 'utc', label: 'Calendar month', grid: true },
    y: {
      label: 'Subjects randomized',
      grid: true,
      domain: [0, Math.max(input.target, ...points.map((p) => p.cumulative)) * 1.05],
    },
    color: { ...groupColorScale(series), range: ['#0072B2', '#999999'] },
    ariaLabel: input.caption,
    marks: [
      Plot.line(target, { x: 'date', y: 'value', stroke: 'series', strokeDasharray: '5,4' }),
      Plot.line(points, { x: 'date', y: 'cumulative', stroke: 'series', strokeWidth: 2, curve: 'step-after' }),
      Plot.dot(points, { x: 'date', y: 'cumulative', fill: 'series', r: 2.5 }),
    ],
  }) as unknown as Element
  return figureHtml({ id: input.id, caption: input.caption, parts: plotParts(plot), className: 'recruitment' })
}

export interface PowerCurvePoint {
  /** The design parameter on the x axis (sample size per arm, effect size, …). */
  readonly x: number
  readonly power: number
  /** Monte-Carlo confidence limits of the power, when known. */
  readonly lower?: number
  readonly upper?: number
  /** Series (scenario, analysis method) the point belongs to. */
  readonly series: string
}

export interface PowerCurveChartInput {
  readonly id: string
  readonly caption: string
  readonly points: readonly PowerCurvePoint[]
  readonly xLabel: string
  /** Target power drawn as a reference line (default 0.8). */
  readonly target?: number
}

export function powerCurveChart(input: PowerCurveChartInput): string {
  const series = [...new Set(input.points.map((p) => p.series))].map((s) => ({ key: s, label: s }))
  const target = input.target ?? 0.8
  const points = [...input.points].sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : a.x - b.x))
  const plot = Plot.plot({
    document: chartDocument(),
    width: 720,
    height: 320,
    marginLeft: 50,
    x: { label: input.xLabel, grid: true },
    y: { label: 'Power', domain: [0, 1], grid: true, tickFormat: '.0%' },
    color: groupColorScale(series),
    ariaLabel: input.caption,
    marks: [
      Plot.ruleY([target], { stroke: '#333', strokeDasharray: '4,3' }),
      Plot.text([target], {
        y: (d: number) => d,
        text: (d: number) => `target ${Math.round(d * 100)} %`,
        frameAnchor: 'left',
        dx: 4,
        dy: -7,
        fill: '#333',
      }),
      Plot.areaY(
        points.filter((p) => p.lower !== undefined && p.upper !== undefined),
        { x: 'x', y1: 'lower', y2: 'upper', fill: 'series', fillOpacity: 0.15 },
      ),
      Plot.line(points, { x: 'x', y: 'power', stroke: 'series', strokeWidth: 2 }),
      Plot.dot(points, { x: 'x', y: 'power', fill: 'series', r: 3 }),
    ],
  }) as unknown as Element
  return figureHtml({ id: input.id, caption: input.caption, parts: plotParts(plot), className: 'power' })
}
