/**
 * The HTML report: well-formed, self-contained, structured (sections, numbered tables with captions, numbered
 * figures with an SVG each), stamped for audit, faithful to the results, and, when blinded, free of any arm.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseHTML } from 'linkedom'
import { SaxesParser } from 'saxes'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AnalysisDatasets, AnalysisResults } from '../analysis/index.ts'
import { readAnalysisDatasets, runAnalysisPlan } from '../analysis/index.ts'
import type { ProtocolFile } from '../domain/index.ts'
import { protocolFromData } from '../protocol/index.ts'
import { buildReport } from './build-report.ts'
import { fmtCi, fmtP } from './number-format.ts'

const FIXTURE = resolve(import.meta.dirname, '../../test/fixtures/analysis/admsc-40')
const OPTIONS = { generatedAt: '2031-01-15T09:30:00.000Z', software: { name: 'TrialDesk', version: '9.9.9-test' } }

let protocol: ProtocolFile
let data: AnalysisDatasets
const results: Record<'open' | 'blinded', AnalysisResults> = {} as never
const html: Record<'open' | 'blinded', string> = {} as never

beforeAll(async () => {
  const p = protocolFromData(JSON.parse(readFileSync(resolve(FIXTURE, 'protocol.json'), 'utf8')))
  const d = await readAnalysisDatasets(FIXTURE)
  if (!p.ok || !d.ok) throw new Error('fixture')
  protocol = p.value.protocol
  data = d.value
  for (const mode of ['open', 'blinded'] as const) {
    const r = runAnalysisPlan(protocol, data, { ...OPTIONS, blinded: mode === 'blinded' })
    if (!r.ok) throw new Error(r.problems[0]?.message)
    results[mode] = r.value
    html[mode] = buildReport({ results: r.value, datasets: data, generatedBy: 'statistician@example.org' }).html
  }
})

function documentOf(text: string): Document {
  return parseHTML(text).document
}

describe('HTML report', () => {
  it('is well-formed markup (parses as XML after the HTML doctype)', () => {
    for (const text of Object.values(html)) {
      expect(text.startsWith('<!doctype html>\n<html lang="en">')).toBe(true)
      const parser = new SaxesParser()
      let elements = 0
      parser.on('error', (e) => {
        throw e
      })
      parser.on('opentag', () => elements++)
      parser.write(text.replace(/^<!doctype html>\n/, '')).close()
      expect(elements).toBeGreaterThan(500)
    }
  })

  it('is self-contained: no script, stylesheet link, image source or remote URL', () => {
    for (const text of Object.values(html)) {
      expect(text).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|href="https?:|url\(\s*['"]?https?:/i)
    }
  })

  it('has the sections, a numbered caption on every table and figure, and an SVG in every figure', () => {
    const doc = documentOf(html.open)
    expect(doc.querySelectorAll('h1').length).toBe(1)
    expect([...doc.querySelectorAll('section.main')].map((s) => s.id)).toEqual([
      'methods',
      'flow',
      'baseline',
      'efficacy',
      'survival',
      'safety',
      'feasibility',
      'models',
    ])
    const tables = [...doc.querySelectorAll('table')]
    expect(tables.length).toBeGreaterThan(15)
    tables.forEach((t, i) => {
      expect(t.querySelector('caption')?.textContent).toMatch(new RegExp(`^Table ${i + 1}\\. `))
      expect(t.querySelectorAll('thead th').length).toBeGreaterThan(1)
    })
    const figures = [...doc.querySelectorAll('figure')]
    // CONSORT, recruitment, the primary endpoint's trajectory, 10 forest plots, 2 Kaplan-Meier, AEs by SOC
    expect(figures.length).toBe(16)
    figures.forEach((f, i) => {
      expect(f.querySelector('figcaption')?.textContent).toMatch(new RegExp(`^Figure ${i + 1}\\. `))
      expect(f.querySelector('svg[role="img"] > title')).not.toBeNull()
    })
    expect(doc.querySelectorAll('a[href^="#"]').length).toBe(8)
  })

  it('carries the audit stamp on the title page and in every page header and footer', () => {
    const p = results.open.provenance
    const doc = documentOf(html.open)
    const stamp = doc.querySelector('dl.stamp')?.textContent ?? ''
    for (const s of [
      p.dataCutDate,
      p.protocolHash,
      p.datasetsHash,
      '9.9.9-test',
      '2031-01-15T09:30:00.000Z by statistician@example.org',
    ]) {
      expect(stamp).toContain(s)
    }
    const css = doc.querySelector('style')?.textContent ?? ''
    expect(css).toContain(
      `@top-right { content: "Protocol ${p.protocolVersion} (sha256 ${p.protocolHash.slice(0, 12)}) · data cut ${p.dataCutDate}"`,
    )
    expect(css).toContain('@bottom-left { content: "Generated 2031-01-15T09:30:00.000Z by statistician@example.org"')
    expect(css).toContain('counter(page) " of " counter(pages)')
    expect(css).toContain('size: A4')
  })

  it('states the exact models and prints the numbers of the results', () => {
    const text = documentOf(html.open).body.textContent ?? ''
    expect(text).toContain('value ~ month * arm + (1 + month | subject)')
    expect(text).toContain('Surv(time_months, event) ~ arm + strata(site)')
    const primary = results.open.efficacy.analyses.find((a) => a.endpoint === 'ALSFRSR' && a.set === 'primary')!
    for (const s of primary.slopes) expect(text).toContain(fmtCi(s.estimate, s.ci, 3))
    for (const c of primary.contrasts) {
      expect(text).toContain(fmtCi(c.estimate, c.ci, 3))
      expect(text).toContain(fmtP(c.pAdjusted))
    }
    const os = results.open.survival[0]!
    expect(text).toContain(`log-rank χ² = ${os.logRank!.chisq.toFixed(2)}`)
    const any = results.open.safety.windows[0]!.summary[0]!
    for (const c of any.counts) expect(text).toContain(`${c.subjects} (${c.pct!.toFixed(1)}) [${c.events}]`)
  })

  it('blinded: pooled everywhere, no arm label, no arm id column, no contrast', () => {
    const doc = documentOf(html.blinded)
    const text = doc.body.textContent ?? ''
    expect(text).toContain('BLINDED report (arms pooled)')
    for (const arm of protocol.arms) expect(html.blinded).not.toContain(arm.label)
    const headers = [...doc.querySelectorAll('th')].map((t) => t.textContent?.trim() ?? '')
    for (const arm of protocol.arms)
      expect(headers.filter((h) => h === arm.id || h.startsWith(`${arm.id} `))).toEqual([])
    expect(headers).not.toContain('Difference (95 % CI)')
    expect(headers).not.toContain('p (Fisher)')
    expect(doc.querySelectorAll('figure.forest').length).toBe(0)
    // every legend in every figure names the pooled group only
    const legends = [...doc.querySelectorAll('span[class$="-swatch"]')].map((s) => s.textContent?.trim())
    expect(new Set(legends)).toEqual(new Set(['All subjects (blinded)', 'Randomized (cumulative)', 'Target enrolment']))
  })
})
