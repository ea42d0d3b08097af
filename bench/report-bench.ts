/**
 * Report bench: a 400-patient, 4-year trial under the reference protocol (simulated with the natural-history model,
 * recruitment over 12 months, follow-up to month 48), then the full analysis plan, the HTML report and, separately,
 * the PDF. Target: analysis + HTML under 10 s on the 2-core bench machine.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runAnalysisPlan } from '../src/analysis/index.ts'
import { loadProtocolFile } from '../src/protocol/index.ts'
import { buildReport, chromiumAvailable, printPdf } from '../src/report/index.ts'
import { simulateAnalysisDatasets } from '../test/fixtures/analysis/simulate-analysis-datasets.ts'

/** The analysis and HTML together must stay under this (issue target). */
const TARGET_SECONDS = 10

export async function runReportBench(): Promise<void> {
  const loaded = await loadProtocolFile(resolve(import.meta.dirname, '../protocols/admsc-als.yaml'))
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('; '))
  const protocol = loaded.value.protocol
  let t = performance.now()
  const datasets = simulateAnalysisDatasets(protocol, {
    subjects: 400,
    seed: 'report-bench',
    recruitmentMonths: 12,
    effects: { D1: { slopeSlowing: 0.1 }, D2: { slopeSlowing: 0.2 }, D3: { slopeSlowing: 0.3, hazardRatio: 0.8 } },
  })
  const simulateMs = performance.now() - t
  console.log(
    `trial: ${datasets.adsl.length} randomized, ${datasets.adqs.length} score rows, ${datasets.adae.length} AEs, ` +
      `data cut ${datasets.meta.dataCutDate} (simulated in ${(simulateMs / 1000).toFixed(1)} s, not timed below)`,
  )
  const timings: { label: string; ms: number }[] = []
  for (const blinded of [false, true]) {
    t = performance.now()
    const run = runAnalysisPlan(protocol, datasets, {
      blinded,
      generatedAt: new Date().toISOString(),
      software: { name: 'TrialDesk', version: 'bench' },
    })
    const planMs = performance.now() - t
    if (!run.ok) throw new Error(run.problems.map((p) => p.message).join('; '))
    t = performance.now()
    const built = buildReport({ results: run.value, datasets })
    const htmlMs = performance.now() - t
    const mode = blinded ? 'blinded' : 'unblinded'
    timings.push({ label: `${mode} analysis plan`, ms: planMs }, { label: `${mode} HTML report`, ms: htmlMs })
    const total = (planMs + htmlMs) / 1000
    console.log(
      `${mode.padEnd(9)} analysis ${(planMs / 1000).toFixed(2)} s + HTML ${(htmlMs / 1000).toFixed(2)} s = ${total.toFixed(2)} s ` +
        `(target < ${TARGET_SECONDS} s: ${total < TARGET_SECONDS ? 'met' : 'NOT MET'}); ` +
        `HTML ${(built.html.length / 1e6).toFixed(2)} MB, results.json ${(built.resultsJson.length / 1e6).toFixed(2)} MB, ` +
        `${run.value.efficacy.analyses.filter((a) => a.status === 'estimated').length}/${run.value.efficacy.analyses.length} models`,
    )
    if (!blinded) {
      if (!chromiumAvailable()) {
        console.log('PDF: Chromium not found, skipped')
        continue
      }
      t = performance.now()
      const pdf = await printPdf(built.html)
      const pdfMs = performance.now() - t
      console.log(
        pdf.ok
          ? `PDF (Chromium) ${(pdfMs / 1000).toFixed(2)} s, ${(pdf.value.length / 1e6).toFixed(2)} MB`
          : `PDF failed: ${pdf.problems[0]?.message}`,
      )
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runReportBench()
