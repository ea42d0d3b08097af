/**
 * Every chart is a well-formed, accessible figure: a `<figure>` with a caption, each plot `<svg>` with
 * `role="img"`, an `aria-label` and a leading `<title>`, x and y axes with labels, a legend naming every group,
 * and the data marks it promises.
 */
import { parseHTML } from 'linkedom'
import { SaxesParser } from 'saxes'
import { describe, expect, it } from 'vitest'
import { aeBarChart } from './ae-bar-chart.ts'
import type { ChartGroup } from './chart-frame.ts'
import { consortDiagram } from './consort-diagram.ts'
import { forestChart } from './forest-chart.ts'
import { kaplanMeierChart } from './km-chart.ts'
import { powerCurveChart, recruitmentChart } from './line-charts.ts'
import { trajectoryChart } from './trajectory-chart.ts'

const GROUPS: ChartGroup[] = [
  { key: 'A', label: 'Dose <high> & co' },
  { key: 'P', label: 'Placebo', control: true },
]

/** Throws on anything that is not well-formed XML (the figures are XHTML + SVG). */
function assertWellFormed(xml: string): void {
  const parser = new SaxesParser()
  parser.on('error', (e) => {
    throw e
  })
  parser.write(xml).close()
}

function figureOf(html: string): Element {
  assertWellFormed(html)
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`)
  const figures = document.querySelectorAll('figure')
  expect(figures.length).toBe(1)
  return figures[0] as unknown as Element
}

/** The accessibility and axis contract shared by every Plot chart. */
function expectPlotFigure(figure: Element, legend: readonly string[], axes: { readonly y?: 'y' | 'fy' } = {}): void {
  expect(figure.querySelector('figcaption')?.textContent).toMatch(/^Figure 1\. /)
  const plots = [...figure.querySelectorAll('svg')].filter((s) => s.getAttribute('role') === 'img')
  expect(plots.length).toBeGreaterThan(0)
  for (const svg of plots) {
    expect(svg.getAttribute('aria-label')).toMatch(/Figure 1\./)
    expect(svg.firstElementChild?.tagName.toLowerCase()).toBe('title')
  }
  expect(figure.querySelectorAll('[aria-label="x-axis tick"]').length).toBeGreaterThan(0)
  expect(figure.querySelector('[aria-label="x-axis label"]')?.textContent?.trim().length).toBeGreaterThan(1)
  if ((axes.y ?? 'y') === 'y') {
    expect(figure.querySelectorAll('[aria-label="y-axis tick"]').length).toBeGreaterThan(0)
    expect(figure.querySelector('[aria-label="y-axis label"]')?.textContent?.trim().length).toBeGreaterThan(1)
  } else {
    expect(figure.querySelectorAll('[aria-label="fy-axis tick label"] text').length).toBeGreaterThan(0)
  }
  const swatches = [...figure.querySelectorAll('span[class$="-swatch"]')].map((s) => s.textContent?.trim())
  expect(swatches).toEqual(legend)
}

describe('charts', () => {
  it('Kaplan-Meier: a step line and censor marks per group, confidence bands, and the number-at-risk table', () => {
    const html = kaplanMeierChart({
      id: 'km',
      caption: 'Figure 1. Survival',
      groups: GROUPS,
      curves: [
        {
          key: 'A',
          time: [2, 5, 9],
          surv: [0.9, 0.7, 0.7],
          lower: [0.7, 0.4, 0.4],
          upper: [0.99, 0.9, 0.9],
          nCensor: [0, 0, 1],
        },
        { key: 'P', time: [1, 4], surv: [0.8, 0.5], lower: [0.5, 0.2], upper: [0.95, 0.8], nCensor: [0, 1] },
      ],
      atRisk: {
        times: [0, 6],
        counts: [
          { key: 'A', n: [10, 3] },
          { key: 'P', n: [10, 2] },
        ],
      },
    })
    const figure = figureOf(html)
    expectPlotFigure(figure, ['Dose <high> & co', 'Placebo'])
    expect(figure.querySelectorAll('[aria-label="line"] path').length).toBe(2)
    expect(figure.querySelectorAll('[aria-label="area"] path').length).toBe(2)
    expect(figure.querySelectorAll('[aria-label="dot"] path').length).toBe(2)
    const risk = [...figure.querySelectorAll('[aria-label="text"] text')].map((t) => t.textContent)
    expect(risk).toEqual(['10', '3', '10', '2'])
    expect(figure.textContent).toContain('Number at risk')
    expect(figure.querySelector('[aria-label="y-axis label"]')?.textContent).toContain('Survival probability')
  })

  const trajectoryInput = (): Parameters<typeof trajectoryChart>[0] => ({
    id: 'traj',
    caption: 'Figure 1. Trajectories',
    groups: GROUPS,
    means: [
      { key: 'A', month: 0, mean: 40, ci: [38, 42], n: 10 },
      { key: 'A', month: 3, mean: 37, ci: [35, 39], n: 9 },
      { key: 'P', month: 0, mean: 40, ci: [39, 41], n: 10 },
      { key: 'P', month: 3, mean: 35, ci: [33, 37], n: 2 },
    ],
    individual: [
      { subject: 's1', key: 'A', month: 0, value: 41 },
      { subject: 's1', key: 'A', month: 3, value: 38 },
      { subject: 's2', key: 'P', month: 0, value: 39 },
      { subject: 's2', key: 'P', month: 3, value: 33 },
    ],
    yLabel: 'ALSFRS-R total (points)',
    boundaries: [{ month: 2, label: 'Period 2' }],
  })

  it('trajectories: one thin line per subject, mean line and interval per group, period boundaries', () => {
    const html = trajectoryChart(trajectoryInput())
    const figure = figureOf(html)
    expectPlotFigure(figure, ['Dose <high> & co', 'Placebo'])
    const lines = figure.querySelectorAll('[aria-label="line"]')
    expect(lines[0]?.querySelectorAll('path').length).toBe(2)
    // the mean of 2 values is not drawn: A has 2 means, P has 1
    expect(figure.querySelectorAll('[aria-label="dot"] circle').length).toBe(3)
    expect(figure.textContent).toContain('Period 2')
  })

  it('draws the same chart byte for byte every time (clip-path ids numbered per figure)', () => {
    const first = trajectoryChart(trajectoryInput())
    expect(first).toContain('clip-path="url(#traj-clip-1)"')
    expect(trajectoryChart(trajectoryInput())).toBe(first)
  })

  it('forest: one interval and point per row, a reference line, and which side favours what', () => {
    const html = forestChart({
      id: 'forest',
      caption: 'Figure 1. Forest',
      rows: [
        { label: 'A · primary', group: 'primary', estimate: 0.3, lower: -0.1, upper: 0.7 },
        { label: 'A · completers', group: 'completers', estimate: 0.4, lower: 0.1, upper: 0.8 },
      ],
      groups: [
        { key: 'primary', label: 'Primary analysis' },
        { key: 'completers', label: 'Completers' },
      ],
      xLabel: 'Difference in slope (points/month)',
      favours: { left: 'favours placebo', right: 'favours active' },
    })
    const figure = figureOf(html)
    expectPlotFigure(figure, ['Primary analysis', 'Completers'])
    expect(figure.querySelectorAll('[aria-label="dot"] path').length).toBe(2)
    expect(figure.querySelectorAll('[aria-label="rule"] line').length).toBe(3)
    expect(figure.textContent).toContain('favours active')
  })

  it('adverse events by SOC: one bar per SOC and group, SOC names on the axis', () => {
    const html = aeBarChart({
      id: 'ae',
      caption: 'Figure 1. AEs',
      groups: GROUPS,
      rows: [
        { soc: 'Nervous system disorders', key: 'A', pct: 40 },
        { soc: 'Nervous system disorders', key: 'P', pct: 20 },
        { soc: 'Gastrointestinal disorders', key: 'A', pct: 10 },
        { soc: 'Gastrointestinal disorders', key: 'P', pct: 30 },
      ],
    })
    const figure = figureOf(html)
    expectPlotFigure(figure, ['Dose <high> & co', 'Placebo'], { y: 'fy' })
    expect(figure.querySelectorAll('[aria-label="bar"] rect').length).toBe(4)
    expect(figure.querySelector('[aria-label="fy-axis tick label"]')?.textContent).toContain('Nervous system disorders')
  })

  it('recruitment and power curves', () => {
    const recruitment = figureOf(
      recruitmentChart({
        id: 'r',
        caption: 'Figure 1. Recruitment',
        target: 40,
        byMonth: [
          { month: '2026-03', cumulative: 4 },
          { month: '2026-04', cumulative: 9 },
        ],
      }),
    )
    expectPlotFigure(recruitment, ['Randomized (cumulative)', 'Target enrolment'])
    const power = figureOf(
      powerCurveChart({
        id: 'p',
        caption: 'Figure 1. Power',
        xLabel: 'Subjects per arm',
        points: [
          { x: 20, power: 0.3, lower: 0.25, upper: 0.35, series: 'slowing 30 %' },
          { x: 40, power: 0.55, lower: 0.5, upper: 0.6, series: 'slowing 30 %' },
          { x: 20, power: 0.05, series: 'no effect' },
          { x: 40, power: 0.05, series: 'no effect' },
        ],
      }),
    )
    expectPlotFigure(power, ['slowing 30 %', 'no effect'])
    expect(power.textContent).toContain('target 80 %')
    expect(power.querySelectorAll('[aria-label="line"] path').length).toBe(2)
  })

  it('CONSORT: every count in a box, the stages, re-allocation, and a legend', () => {
    const html = consortDiagram({
      id: 'consort',
      caption: 'Figure 1. Flow',
      groups: GROUPS,
      periods: [
        { id: 'p1', label: 'Double-blind' },
        { id: 'p2', label: 'Crossover' },
      ],
      cellProduct: true,
      consort: {
        assessed: 31,
        excluded: 9,
        excludedReasons: [{ reason: 'Declined & <left>', n: 9 }],
        extraction: { attempted: 24, sufficient: 22, insufficient: 2 },
        randomized: 22,
        groups: [
          {
            key: 'A',
            allocated: 12,
            productReleased: 11,
            productFailed: 1,
            infused: 11,
            notInfused: 1,
            notInfusedReasons: [{ reason: 'Product not released', n: 1 }],
            periods: [
              {
                period: 'p1',
                entered: 12,
                reallocated: [],
                completed: 10,
                discontinued: 1,
                discontinuedReasons: [{ reason: 'Adverse event', n: 1 }],
                died: 1,
                ongoing: 0,
              },
              {
                period: 'p2',
                entered: 10,
                reallocated: [],
                completed: 10,
                discontinued: 0,
                discontinuedReasons: [],
                died: 0,
                ongoing: 0,
              },
            ],
            analysedEfficacy: 12,
            excludedEfficacy: 0,
            analysedSafety: 11,
            analysedSurvival: 12,
          },
          {
            key: 'P',
            allocated: 10,
            productReleased: 10,
            productFailed: 0,
            infused: 10,
            notInfused: 0,
            notInfusedReasons: [],
            periods: [
              {
                period: 'p1',
                entered: 10,
                reallocated: [],
                completed: 9,
                discontinued: 0,
                discontinuedReasons: [],
                died: 1,
                ongoing: 0,
              },
              {
                period: 'p2',
                entered: 9,
                reallocated: [{ to: 'A', n: 9 }],
                completed: 7,
                discontinued: 0,
                discontinuedReasons: [],
                died: 0,
                ongoing: 2,
              },
            ],
            analysedEfficacy: 9,
            excludedEfficacy: 1,
            analysedSafety: 10,
            analysedSurvival: 10,
          },
        ],
      },
    })
    const figure = figureOf(html)
    const svg = figure.querySelector('svg')!
    expect(svg.getAttribute('role')).toBe('img')
    expect(svg.firstElementChild?.tagName.toLowerCase()).toBe('title')
    // box lines wrap at spaces: a box's text is its lines joined by spaces
    const text = [...figure.querySelectorAll('g.box, g.stage, g.legend')]
      .map((b) => [...b.querySelectorAll('text')].map((t) => t.textContent ?? '').join(' '))
      .join(' | ')
    for (const expected of [
      'Assessed for eligibility (n = 31)',
      'Excluded (n = 9)',
      '• Declined & <left> (n = 9)',
      'Lipoaspiration (n = 24)',
      'Insufficient tissue (n = 2)',
      'Randomized (n = 22)',
      'Failed release (n = 1)',
      'Re-allocated to Dose <high> & co (n = 9)',
      'Ongoing at the data cut (n = 2)',
      'Analysed for efficacy (n = 9)',
      'Enrolment',
      'Allocation',
      'Period 1',
      'Period 2',
      'Analysis',
      'Stage of the trial',
    ]) {
      expect(text).toContain(expected)
    }
    expect(figure.querySelectorAll('g.box').length).toBeGreaterThan(10)
    expect(figure.querySelectorAll('line[marker-end]').length).toBeGreaterThan(8)
    expect(figure.querySelector('[aria-label="legend"]')).not.toBeNull()
  })
})
