/**
 * Kaplan-Meier curves: survival steps by group with pointwise confidence bands, censoring marks, a legend, and the
 * number-at-risk table under the time axis (same scale), as one figure.
 */
import * as Plot from '@observablehq/plot'
import type { ChartGroup } from './chart-frame.ts'
import { chartDocument, figureHtml, groupColorScale, plotParts } from './chart-frame.ts'

export interface KmChartCurve {
  readonly key: string
  readonly time: readonly number[]
  readonly surv: readonly number[]
  readonly lower: readonly (number | null)[]
  readonly upper: readonly (number | null)[]
  readonly nCensor: readonly number[]
}

export interface KmChartInput {
  readonly id: string
  readonly caption: string
  readonly groups: readonly ChartGroup[]
  readonly curves: readonly KmChartCurve[]
  readonly atRisk: {
    readonly times: readonly number[]
    readonly counts: readonly { readonly key: string; readonly n: readonly number[] }[]
  }
  readonly xLabel?: string
  readonly yLabel?: string
}

const WIDTH = 720

/** The figure HTML (legend, curves, number-at-risk table). */
export function kaplanMeierChart(input: KmChartInput): string {
  const label = (key: string): string => input.groups.find((g) => g.key === key)?.label ?? key
  const steps: { group: string; time: number; surv: number; lower: number | null; upper: number | null }[] = []
  const censors: { group: string; time: number; surv: number }[] = []
  let maxTime = 0
  for (const c of input.curves) {
    const group = label(c.key)
    steps.push({ group, time: 0, surv: 1, lower: 1, upper: 1 })
    c.time.forEach((t, i) => {
      steps.push({ group, time: t, surv: c.surv[i] as number, lower: c.lower[i] ?? null, upper: c.upper[i] ?? null })
      if ((c.nCensor[i] ?? 0) > 0) censors.push({ group, time: t, surv: c.surv[i] as number })
      maxTime = Math.max(maxTime, t)
    })
  }
  maxTime = Math.max(maxTime, ...input.atRisk.times)
  const color = groupColorScale(input.groups.filter((g) => input.curves.some((c) => c.key === g.key)))
  const x = { domain: [0, maxTime], label: input.xLabel ?? 'Months since randomization', grid: true }
  const curves = Plot.plot({
    document: chartDocument(),
    width: WIDTH,
    height: 340,
    marginLeft: 150,
    marginRight: 20,
    x,
    y: { domain: [0, 1], label: input.yLabel ?? 'Survival probability', grid: true, tickFormat: '.0%' },
    color,
    ariaLabel: input.caption,
    marks: [
      Plot.areaY(steps, {
        x: 'time',
        y1: 'lower',
        y2: 'upper',
        fill: 'group',
        fillOpacity: 0.12,
        curve: 'step-after',
      }),
      Plot.lineY(steps, { x: 'time', y: 'surv', stroke: 'group', strokeWidth: 2, curve: 'step-after' }),
      Plot.dot(censors, { x: 'time', y: 'surv', stroke: 'group', symbol: 'plus', r: 3.5, strokeWidth: 1.5 }),
    ],
  }) as unknown as Element
  const riskRows = input.atRisk.counts.flatMap((c) =>
    input.atRisk.times.map((t, i) => ({ group: label(c.key), time: t, n: c.n[i] ?? 0 })),
  )
  const table = Plot.plot({
    document: chartDocument(),
    width: WIDTH,
    height: 34 + 18 * input.atRisk.counts.length,
    marginLeft: 150,
    marginRight: 20,
    marginTop: 22,
    marginBottom: 6,
    x: { ...x, axis: null },
    y: {
      domain: input.atRisk.counts.map((c) => label(c.key)),
      label: 'Number at risk',
      labelAnchor: 'top',
      tickSize: 0,
    },
    color: { ...color, legend: false },
    ariaLabel: `Number at risk: ${input.caption}`,
    marks: [
      Plot.text(riskRows, {
        x: 'time',
        y: 'group',
        text: (d: { n: number }) => String(d.n),
        fill: 'group',
        fontSize: 11,
      }),
    ],
  }) as unknown as Element
  return figureHtml({
    id: input.id,
    caption: input.caption,
    parts: [...plotParts(curves), ...plotParts(table)],
    className: 'km',
  })
}
