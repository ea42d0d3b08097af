import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { AnalysisResults } from '../analysis/index.ts'
import { fileSafe } from './export-routes.ts'
import type { RouteRegistrar } from './route-kit.ts'
import { studyReports, type StudyReport } from './study-report.ts'

/** No parameters: which report (blinded or by arm) is the reader's permissions' and the study's blind's decision. */
const ReportQuery = z.strictObject({})

const DESCRIPTION =
  'Computed from the live study (the reader’s study extraction, audited) by the protocol’s analysis plan; kept per ' +
  'blind mode until the audit trail moves. Unblinded (by arm) for a reader who sees allocations and holds ' +
  'report.unblinded, and for every reader after end-of-study unblinding; otherwise blinded: every arm pooled, no ' +
  'result split by arm.'

/** `ADMSC-ALS-report-blinded-2026-01-12.json`: what the download is called. */
function fileName(report: StudyReport, ext: string): string {
  return `${fileSafe(report.studyId)}-report-${report.blinded ? 'blinded' : 'unblinded'}-${report.dataCutDate}.${ext}`
}

/** The analysis report of the live study: `results.json` and the HTML document. */
export function registerReportRoutes(r: RouteRegistrar): void {
  const reports = studyReports(r.deps)
  const formats = [
    {
      file: 'results.json',
      ext: 'json',
      type: 'application/json',
      summary: 'The analysis results of the live study (blinded or by arm per the reader), as results.json',
      response: AnalysisResults,
      body: (report: StudyReport) => report.resultsJson,
    },
    {
      file: 'html',
      ext: 'html',
      type: 'text/html; charset=utf-8',
      summary: 'The analysis report of the live study as a self-contained HTML document (download)',
      response: z.string(),
      body: (report: StudyReport) => report.html(),
    },
  ] as const
  for (const f of formats) {
    r.add(
      {
        method: 'get',
        path: `/api/report/${f.file}`,
        access: Action.ReportBlinded,
        tag: 'report',
        summary: f.summary,
        description: DESCRIPTION,
        query: ReportQuery,
        response: f.response,
        produces: f.type,
      },
      async ({ c, actor }) => {
        const mode = await reports.modeFor(actor)
        if (!mode.ok) return mode
        const report = await reports.report(actor, mode.value)
        if (!report.ok) return report
        c.header('Content-Disposition', `attachment; filename="${fileName(report.value, f.ext)}"`)
        // The kept text as it is: serialised (or rendered) once per report, not per request.
        return c.body(f.body(report.value), 200, { 'Content-Type': f.type })
      },
    )
  }
}
