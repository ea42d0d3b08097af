/**
 * Forest plot: one row per estimate (e.g. each arm's difference in slope from the control, in each analysis set)
 * with its confidence interval, a reference line at no difference, and the side each direction favours.
 */
import * as Plot from '@observablehq/plot'
import type { ChartGroup } from './chart-frame.ts'
import { chartDocument, figureHtml, groupColorScale, plotParts } from './chart-frame.ts'

export interface ForestRow {
  /** Row label, e.g. `AdMSC 2×10^6 cells/kg · per protocol`. */
  readonly label: string
  /** Colour group (legend entry), e.g. the analysis set. */
  readonly group: string
  readonly estimate: number
  readonly lower: number
  readonly upper: number
}

export interface ForestChartInput {
  readonly id: string
  readonly caption: string
  readonly rows: readonly ForestRow[]
  readonly xLabel: string
  /** Title of the row axis (default `Arm · analysis set`). */
  readonly yLabel?: string
  /** Legend groups in order. */
  readonly groups: readonly ChartGroup[]
  /** Text under each side of the reference line, e.g. `favours control` / `favours active`. */
  readonly favours?: { readonly left: string; readonly right: string }
  readonly reference?: number
}

export function forestChart(input: ForestChartInput): string {
  const reference = input.reference ?? 0
  const labels = input.rows.map((r) => r.label)
  const lo = Math.min(reference, ...input.rows.map((r) => r.lower))
  const hi = Math.max(reference, ...input.rows.map((r) => r.upper))
  const pad = (hi - lo || 1) * 0.08
  const groupLabel = (key: string): string => input.groups.find((g) => g.key === key)?.label ?? key
  const rows = input.rows.map((r) => ({ ...r, legend: groupLabel(r.group) }))
  const favours = input.favours
  const plot = Plot.plot({
    document: chartDocument(),
    width: 720,
    height: 60 + 24 * labels.length + (favours ? 18 : 0),
    marginLeft: 260,
    marginRight: 24,
    marginTop: favours ? 34 : 20,
    marginBottom: 36,
    x: { domain: [lo - pad, hi + pad], label: input.xLabel, grid: true },
    y: { domain: labels, label: input.yLabel ?? 'Arm · analysis set' },
    color: groupColorScale(input.groups),
    ariaLabel: input.caption,
    marks: [
      Plot.ruleX([reference], { stroke: '#333', strokeDasharray: '4,3' }),
      Plot.ruleY(rows, { y: 'label', x1: 'lower', x2: 'upper', stroke: 'legend', strokeWidth: 2 }),
      Plot.dot(rows, { y: 'label', x: 'estimate', fill: 'legend', r: 4, symbol: 'square' }),
      ...(favours
        ? [
            Plot.text([favours.left], {
              frameAnchor: 'top-left',
              dy: -16,
              textAnchor: 'start',
              text: (d: string) => `← ${d}`,
              fill: '#555',
            }),
            Plot.text([favours.right], {
              frameAnchor: 'top-right',
              dy: -16,
              textAnchor: 'end',
              text: (d: string) => `${d} →`,
              fill: '#555',
            }),
          ]
        : []),
    ],
  }) as unknown as Element
  return figureHtml({ id: input.id, caption: input.caption, parts: plotParts(plot), className: 'forest' })
}
