import { describe, expect, it } from 'vitest'
import { SaxesParser } from 'saxes'
import { powerCurveSvg, powerReportHtml } from './power-curve.ts'
import { powerScenarios } from './scenario.ts'
import { emptyTally, summariseScenario, type ScenarioSummary } from './tally.ts'
import { twoArmDesign } from './two-arm-design.test-support.ts'

/** Summaries with made-up tallies: power rises with n and effect. */
function summaries(): ScenarioSummary[] {
  const design = { ...twoArmDesign(), label: 'design <A&B>' }
  const r = powerScenarios([design], [20, 40, 80], [{ label: 'slope=0.3', slope: 0.3, hr: 1 }])
  if (!r.ok) throw new Error('scenarios')
  return r.value.map((s) => {
    const tally = emptyTally(1)
    tally.sims = 200
    tally.rejected = s.effect.isNull ? 10 : Math.round(200 * (s.n / 100))
    return summariseScenario(s, tally, 7)
  })
}

/** Elements by name, throwing on anything that is not well-formed XML. */
function parseXml(xml: string): { name: string; attributes: Record<string, string> }[] {
  const parser = new SaxesParser()
  const out: { name: string; attributes: Record<string, string> }[] = []
  parser.on('error', (e) => {
    throw e
  })
  parser.on('opentag', (t) => out.push({ name: t.name, attributes: t.attributes }))
  parser.write(xml).close()
  return out
}

describe('powerCurveSvg', () => {
  it('draws one line per effect with a point and a Monte-Carlo interval per n, as well-formed SVG', () => {
    const s = summaries()
    const elements = parseXml(powerCurveSvg(s, 'Power & <sample size>'))
    expect(elements[0]!.name).toBe('svg')
    expect(elements.filter((e) => e.name === 'g').map((e) => e.attributes['data-series'])).toEqual([
      'none (type-I error)',
      'slope=0.3',
    ])
    expect(elements.filter((e) => e.name === 'circle')).toHaveLength(6)
    // the higher power sits higher on the chart (smaller y)
    const ys = elements.filter((e) => e.name === 'circle').map((e) => Number(e.attributes['cy']))
    expect(ys[3]!).toBeGreaterThan(ys[4]!)
    expect(ys[4]!).toBeGreaterThan(ys[5]!)
    // n = 20, 40, 80 are evenly spaced on the log scale
    const xs = elements.filter((e) => e.name === 'circle').map((e) => Number(e.attributes['cx']))
    expect(xs[1]! - xs[0]!).toBeCloseTo(xs[2]! - xs[1]!, 6)
  })
})

describe('powerReportHtml', () => {
  it('holds the chart and one table row per scenario, with text escaped', () => {
    const html = powerReportHtml(summaries(), { title: 'Power <test>', details: ['seed 7 & more'] })
    expect(html).toContain('<title>Power &lt;test&gt;</title>')
    expect(html).toContain('seed 7 &amp; more')
    expect(html).toContain('design &lt;A&amp;B&gt;')
    expect(html.match(/<tr>/g)).toHaveLength(7)
    expect(html).toContain('<svg')
  })
})
