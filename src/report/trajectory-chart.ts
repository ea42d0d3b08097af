/**
 * Score trajectories: every subject's values as thin lines (spaghetti), the mean by group and visit with its 95 %
 * confidence interval, and the period boundaries, on months since randomization.
 */
import * as Plot from '@observablehq/plot'
import type { ChartGroup } from './chart-frame.ts'
import { chartDocument, figureHtml, groupColorScale, plotParts } from './chart-frame.ts'

export interface TrajectoryChartInput {
  readonly id: string
  readonly caption: string
  readonly groups: readonly ChartGroup[]
  readonly means: readonly {
    readonly key: string
    readonly month: number
    readonly mean: number
    readonly ci: readonly [number, number] | null
    /** Values behind the mean; means of fewer than `minN` values are not drawn. */
    readonly n: number
  }[]
  /** One point per subject and assessment; lines join a subject's points in time order. */
  readonly individual: readonly {
    readonly subject: string
    readonly key: string
    readonly month: number
    readonly value: number
  }[]
  readonly yLabel: string
  /** Period boundaries (months) with a label for the period that starts there. */
  readonly boundaries?: readonly { readonly month: number; readonly label: string }[]
  /** Smallest number of values for a mean to be drawn (default 3: a mean of two has a useless interval). */
  readonly minN?: number
}

/**
 * The figure HTML. Means of different groups at one visit are spread a little along x so the intervals stay apart.
 */
export function trajectoryChart(input: TrajectoryChartInput): string {
  const groups = input.groups.filter((g) => input.means.some((m) => m.key === g.key))
  const label = (key: string): string => input.groups.find((g) => g.key === key)?.label ?? key
  const spread = (key: string): number => {
    const i = groups.findIndex((g) => g.key === key)
    return (i - (groups.length - 1) / 2) * 0.12
  }
  const minN = input.minN ?? 3
  const means = input.means
    .filter((m) => m.n >= minN)
    .map((m) => ({
      group: label(m.key),
      month: m.month + spread(m.key),
      mean: m.mean,
      lower: m.ci?.[0] ?? null,
      upper: m.ci?.[1] ?? null,
    }))
  const individual = [...input.individual]
    .sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.month - b.month))
    .map((p) => ({ ...p, group: label(p.key) }))
  const boundaries = input.boundaries ?? []
  // The axis covers the data (subjects and means), not the widest interval; intervals are clipped to it.
  const values = [...individual.map((p) => p.value), ...means.map((m) => m.mean)]
  const lo = values.length > 0 ? Math.min(...values) : 0
  const hi = values.length > 0 ? Math.max(...values) : 1
  const pad = (hi - lo || 1) * 0.04
  const plot = Plot.plot({
    document: chartDocument(),
    width: 720,
    height: 380,
    marginLeft: 50,
    marginRight: 20,
    x: { label: 'Months since randomization', grid: true },
    y: { label: input.yLabel, grid: true, domain: [lo - pad, hi + pad] },
    color: groupColorScale(groups),
    ariaLabel: input.caption,
    marks: [
      Plot.ruleX(boundaries, { x: 'month', stroke: '#999', strokeDasharray: '4,3' }),
      Plot.text(boundaries, {
        x: 'month',
        text: 'label',
        frameAnchor: 'top',
        textAnchor: 'start',
        dx: 3,
        dy: 2,
        fill: '#666',
      }),
      Plot.line(individual, {
        x: 'month',
        y: 'value',
        z: 'subject',
        stroke: 'group',
        strokeOpacity: 0.18,
        strokeWidth: 0.8,
      }),
      Plot.ruleX(
        means.filter((m) => m.lower !== null),
        { x: 'month', y1: 'lower', y2: 'upper', stroke: 'group', strokeWidth: 1.5, clip: true },
      ),
      Plot.line(means, { x: 'month', y: 'mean', stroke: 'group', strokeWidth: 2.2 }),
      Plot.dot(means, { x: 'month', y: 'mean', fill: 'group', r: 2.8 }),
    ],
  }) as unknown as Element
  return figureHtml({ id: input.id, caption: input.caption, parts: plotParts(plot), className: 'trajectory' })
}
