/**
 * After unblinding, the statistician's part: the unblinded extraction becomes the analysis datasets, the
 * protocol's analysis plan runs on them, and the report is written (HTML, `results.json`, the PDF when Chromium
 * is available, and the datasets themselves with their dictionary).
 */
import { join } from 'node:path'
import {
  datasetsFromExtract,
  runAnalysisPlan,
  writeAnalysisDatasets,
  type AnalysisDatasets,
  type AnalysisResults,
} from '../../analysis/index.ts'
import { ok, type ProtocolFile, type Result } from '../../domain/index.ts'
import { buildReport, chromiumAvailable, DEFAULT_CHROMIUM, printPdf, writeReportFiles } from '../../report/index.ts'
import type { TrialRun } from './run-trial.ts'

export interface DemoReportOptions {
  /** Folder for the report files; none written when omitted. */
  readonly outDir?: string | undefined
  /** Chromium executable for the PDF (default the system's); false: no PDF. */
  readonly chromium?: string | false | undefined
  readonly software: { readonly name: string; readonly version: string }
}

export interface DemoReport {
  readonly datasets: AnalysisDatasets
  readonly results: AnalysisResults
  readonly html: string
  readonly resultsJson: string
  /** Files written (report, results, PDF, datasets). */
  readonly files: readonly string[]
  /** Why there is no PDF, when there is none. */
  readonly pdfMissing: string | null
  readonly analysisMs: number
  readonly reportMs: number
}

/** Analyses the unblinded extraction of a finished run and writes the report. */
export async function reportTrial(
  run: TrialRun,
  protocol: ProtocolFile,
  options: DemoReportOptions,
): Promise<Result<DemoReport>> {
  const t0 = performance.now()
  const extract = run.unblindedExtract
  const datasets = datasetsFromExtract(protocol, extract, { dataCutDate: run.dataCut })
  const results = runAnalysisPlan(protocol, datasets, {
    blinded: false,
    generatedAt: extract.extractedAt,
    software: options.software,
    seed: run.settings.seed,
  })
  if (!results.ok) return results
  const t1 = performance.now()
  const built = buildReport({
    results: results.value,
    datasets,
    generatedBy: `${run.team.statistician.username} (${options.software.name} demo)`,
  })
  let pdf: Uint8Array | undefined
  let pdfMissing: string | null = null
  const chromium = options.chromium ?? DEFAULT_CHROMIUM
  if (chromium === false) pdfMissing = 'PDF not requested'
  else if (!chromiumAvailable(chromium)) pdfMissing = `Chromium not found at ${chromium}: HTML and JSON only`
  else {
    const printed = await printPdf(built.html, chromium)
    if (printed.ok) pdf = printed.value
    else pdfMissing = printed.problems.map((p) => p.message).join('; ')
  }
  const files: string[] = []
  if (options.outDir !== undefined) {
    const written = await writeReportFiles(options.outDir, { html: built.html, resultsJson: built.resultsJson, pdf })
    if (!written.ok) return written
    files.push(...written.value)
    const dir = join(options.outDir, 'datasets')
    const data = await writeAnalysisDatasets(datasets, dir, { format: 'csv', protocol })
    if (!data.ok) return data
    files.push(...data.value.map((name) => join(dir, name)))
  }
  return ok({
    datasets,
    results: results.value,
    html: built.html,
    resultsJson: built.resultsJson,
    files,
    pdfMissing,
    analysisMs: t1 - t0,
    reportMs: performance.now() - t1,
  })
}
