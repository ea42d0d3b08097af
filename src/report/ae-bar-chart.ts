/**
 * Adverse events by system organ class: for each SOC, the percentage of subjects with at least one event, one bar
 * per group, SOCs ordered by overall frequency.
 */
import * as Plot from '@observablehq/plot'
import type { ChartGroup } from './chart-frame.ts'
import { chartDocument, figureHtml, groupColorScale, plotParts } from './chart-frame.ts'

export interface AeBarChartInput {
  readonly id: string
  readonly caption: string
  readonly groups: readonly ChartGroup[]
  /** One row per SOC and group; SOCs in display order. */
  readonly rows: readonly { readonly soc: string; readonly key: string; readonly pct: number }[]
}

export function aeBarChart(input: AeBarChartInput): string {
  const socs = [...new Set(input.rows.map((r) => r.soc))]
  const groups = input.groups.filter((g) => input.rows.some((r) => r.key === g.key))
  const label = (key: string): string => input.groups.find((g) => g.key === key)?.label ?? key
  const rows = input.rows.map((r) => ({ ...r, group: label(r.key) }))
  const band = 6 + 9 * groups.length
  const plot = Plot.plot({
    document: chartDocument(),
    width: 720,
    height: 50 + band * socs.length,
    marginLeft: 270,
    marginRight: 40,
    x: {
      label: 'Subjects with at least one event (%)',
      grid: true,
      domain: [0, Math.max(10, ...rows.map((r) => r.pct))],
    },
    y: { domain: groups.map((g) => g.label), axis: null },
    fy: { domain: socs, label: null, padding: 0.15 },
    color: groupColorScale(groups),
    ariaLabel: input.caption,
    marks: [
      Plot.frame({ anchor: 'bottom', stroke: '#ddd' }),
      Plot.barX(rows, { x: 'pct', y: 'group', fy: 'soc', fill: 'group' }),
      Plot.text(rows, {
        x: 'pct',
        y: 'group',
        fy: 'soc',
        text: (d: { pct: number }) => `${Math.round(d.pct)}`,
        textAnchor: 'start',
        dx: 3,
        fontSize: 8,
        fill: '#333',
      }),
      Plot.axisFy({ anchor: 'left', label: null, lineWidth: 24, fontSize: 10, tickSize: 0 }),
    ],
  }) as unknown as Element
  return figureHtml({ id: input.id, caption: input.caption, parts: plotParts(plot), className: 'ae-bars' })
}
