/**
 * The PDF of the report, printed by Chromium and read back with poppler (`pdfinfo`, `pdftotext`): it opens, every
 * page carries the running header and "Page n of N", each main section starts a page, and the blinded PDF names no
 * arm. A screenshot of the report's first screen goes to `test-output/report/` for a human look.
 *
 * Without Chromium (a developer machine) these tests are skipped with a loud warning; with TRIALDESK_CI=1 they run
 * and fail instead.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readAnalysisDatasets, runAnalysisPlan } from '../analysis/index.ts'
import { protocolFromData } from '../protocol/index.ts'
import { buildReport } from './build-report.ts'
import { chromiumAvailable, DEFAULT_CHROMIUM, printPdf, screenshotHtml } from './report-pdf.ts'

const FIXTURE = resolve(import.meta.dirname, '../../test/fixtures/analysis/admsc-40')
const OUT = resolve(import.meta.dirname, '../../test-output/report')
const available = chromiumAvailable()
const required = process.env['TRIALDESK_CI'] === '1'
if (!available && !required) {
  console.warn(
    `\n*** WARNING: Chromium not found at ${DEFAULT_CHROMIUM}: the report PDF and screenshot tests are SKIPPED. ***\n`,
  )
}

const html: Record<'open' | 'blinded', string> = { open: '', blinded: '' }
const armLabels: string[] = []

beforeAll(async () => {
  const p = protocolFromData(JSON.parse(readFileSync(resolve(FIXTURE, 'protocol.json'), 'utf8')))
  const d = await readAnalysisDatasets(FIXTURE)
  if (!p.ok || !d.ok) throw new Error('fixture')
  armLabels.push(...p.value.protocol.arms.map((a) => a.label))
  for (const mode of ['open', 'blinded'] as const) {
    const r = runAnalysisPlan(p.value.protocol, d.value, {
      blinded: mode === 'blinded',
      generatedAt: '2031-01-15T09:30:00.000Z',
      software: { name: 'TrialDesk', version: '0.0.0-test' },
    })
    if (!r.ok) throw new Error(r.problems[0]?.message)
    html[mode] = buildReport({ results: r.value, datasets: d.value }).html
  }
  mkdirSync(OUT, { recursive: true })
})

function poppler(tool: 'pdfinfo' | 'pdftotext', args: readonly string[]): string {
  const run = spawnSync(tool, [...args], { encoding: 'utf8' })
  if (run.error || run.status !== 0) throw new Error(`${tool} failed: ${run.error?.message ?? run.stderr}`)
  return run.stdout
}

/** Prints, saves and reads back one PDF: its page count and the text of each page. */
async function printed(mode: 'open' | 'blinded'): Promise<{ pages: number; text: string[] }> {
  const pdf = await printPdf(html[mode])
  if (!pdf.ok) throw new Error(pdf.problems[0]?.message)
  expect(Buffer.from(pdf.value.slice(0, 5)).toString()).toBe('%PDF-')
  const file = resolve(OUT, `report-${mode}.pdf`)
  writeFileSync(file, pdf.value)
  const info = poppler('pdfinfo', [file])
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1])
  expect(info).toMatch(/Page size:\s+59\d\.\d+ x 84\d\.\d+ pts \(A4\)/)
  const text = poppler('pdftotext', ['-layout', file, '-']).split('\f').slice(0, pages)
  return { pages, text }
}

describe.skipIf(!available && !required)('report PDF (Chromium)', () => {
  it('opens as an A4 PDF whose pages carry the stamp and "Page n of N", each section starting a page', async () => {
    const { pages, text } = await printed('open')
    expect(pages).toBeGreaterThanOrEqual(15)
    text.forEach((page, i) => {
      expect(page).toContain('ADMSC-ALS · UNBLINDED report')
      expect(page).toMatch(/Protocol 1\.0 \(sha256 [0-9a-f]{12}\) · data cut \d{4}-\d{2}-\d{2}/)
      expect(page).toContain('Generated 2031-01-15T09:30:00.000Z by TrialDesk 0.0.0-test')
      expect(page).toContain(`Page ${i + 1} of ${pages}`)
    })
    expect(text[0]).toContain('Adipose-derived mesenchymal stem cells')
    const headings = [
      '1. Methods and populations',
      '2. Participant flow and recruitment',
      '3. Baseline characteristics',
      '4. Efficacy',
      '5. Survival',
      '6. Safety',
      '7. Feasibility',
      'Appendix: models fitted',
    ]
    // a section's heading is the first line under the running header of the page it starts
    const starts = headings.map((h) =>
      text.findIndex(
        (page) =>
          page
            .split('\n')
            .filter((l) => l.trim() !== '')[1]
            ?.trim() === h,
      ),
    )
    expect(starts.every((s) => s > 0)).toBe(true)
    expect([...starts].sort((a, b) => a - b)).toEqual(starts)
    expect(text.join('\n')).toContain('Figure 1. CONSORT flow diagram')
  })

  it('the blinded PDF names no arm', async () => {
    const { text } = await printed('blinded')
    const all = text.join('\n')
    expect(all).toContain('BLINDED report (arms pooled)')
    for (const label of armLabels) expect(all).not.toContain(label)
  })

  it('takes a screenshot of the first screen of the HTML report', async () => {
    const png = await screenshotHtml(html.open)
    if (!png.ok) throw new Error(png.problems[0]?.message)
    expect([...png.value.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47])
    expect(png.value.length).toBeGreaterThan(20_000)
    writeFileSync(resolve(OUT, 'first-page.png'), png.value)
  })
})

describe('report PDF without Chromium', () => {
  it('is a problem naming the missing executable, not an exception', async () => {
    const r = await printPdf('<p>x</p>', '/nonexistent/chromium')
    expect(r).toEqual({
      ok: false,
      problems: [
        { code: 'not_found', path: '/nonexistent/chromium', message: 'Chromium not found: cannot print the PDF' },
      ],
    })
  })
})
