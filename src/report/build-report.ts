/** The report's text artefacts from one analysis: the HTML document and `results.json` (pure). */
import { renderReportHtml } from './report-document.tsx'
import type { ReportInput } from './report-document.tsx'

export interface BuiltReport {
  readonly html: string
  /** `results.json`: every number of the report (schema `docs/results-schema.json`). */
  readonly resultsJson: string
}

export function buildReport(input: ReportInput): BuiltReport {
  return { html: renderReportHtml(input), resultsJson: `${JSON.stringify(input.results, null, 2)}\n` }
}
