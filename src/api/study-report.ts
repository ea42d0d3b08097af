/**
 * The analysis report of the live study for the API: the reader's study extraction (audited), mapped to analysis
 * datasets and run through the protocol's analysis plan; the HTML document is rendered from the same results on
 * first request. Blinded or not as the reader's own extraction is: a blinded report is only ever computed from a
 * blinded extraction, never projected from an unblinded one (the projection would have to know every value that
 * differs by arm, e.g. the dose items of the infusion form).
 *
 * One report per blind mode is kept, stamped with the audit head it was computed at: every change to the study
 * appends an audit record, so while the head has not moved the kept report is current, and any reader entitled to
 * that mode gets it (the blinded report is the same for every blinded reader). The extraction that computes a
 * report appends a record of its own, so a report is kept only when that record was the only one appended
 * meanwhile; otherwise something else happened during the computation and the next reader computes afresh.
 */
import { Action, can, seesAllocation, type Actor } from '../access/index.ts'
import { datasetsFromExtract, runAnalysisPlan, type AnalysisDatasets, type AnalysisResults } from '../analysis/index.ts'
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'
import { renderReportHtml } from '../report/index.ts'
import { readAuditHead } from '../store/index.ts'
import type { ApiDeps } from './app-env.ts'
import { PACKAGE_VERSION } from './package-version.ts'

export type ReportMode = 'blinded' | 'unblinded'

export interface StudyReport {
  readonly blinded: boolean
  readonly studyId: string
  /** Data as of this date: the day of database lock once locked, else the day of the extraction. */
  readonly dataCutDate: string
  /** The audit head (last record's seq) the report is current at. */
  readonly auditSeq: number
  readonly results: AnalysisResults
  /** `results.json` (schema `docs/results-schema.json`), serialised once. */
  readonly resultsJson: string
  /** The self-contained report document (inline CSS and SVG), rendered on first call and kept. */
  html(): string
}

export interface StudyReports {
  /**
   * Which report `actor` gets: unblinded when the reader sees allocations and, while the study is blinded, holds
   * `report.unblinded` (the independent statistician); after end-of-study unblinding every reader; else blinded.
   */
  modeFor(actor: Actor): Promise<Result<ReportMode>>
  /** The report in `mode` for `actor` (computed from the actor's extraction, or the one kept at the same head). */
  report(actor: Actor, mode: ReportMode): Promise<Result<StudyReport>>
}

/** The report source of one app (what it keeps lives as long as the app). */
export function studyReports(deps: ApiDeps): StudyReports {
  const { services, store } = deps
  const protocol = deps.protocol.protocol
  const software = { name: 'TrialDesk', version: deps.softwareVersion ?? PACKAGE_VERSION }
  const kept = new Map<ReportMode, StudyReport>()
  const running = new Map<string, Promise<Result<StudyReport>>>()

  async function compute(actor: Actor, mode: ReportMode, headBefore: number): Promise<Result<StudyReport>> {
    const extracted = await services.extractStudy(actor)
    if (!extracted.ok) return extracted
    const x = extracted.value
    if (x.blinded !== (mode === 'blinded')) {
      // The blind changed between the decision and the extraction (end-of-study unblinding meanwhile).
      return fail({ code: ProblemCode.Conflict, path: '', message: 'the study’s blind changed: ask again' })
    }
    const dataCutDate = (x.study.databaseLockedAt ?? x.extractedAt).slice(0, 10)
    const datasets = datasetsFromExtract(protocol, x, { dataCutDate })
    const results = runAnalysisPlan(protocol, datasets, {
      blinded: mode === 'blinded',
      generatedAt: x.extractedAt,
      software,
    })
    if (!results.ok) return results
    const headAfter = (await readAuditHead(store)).seq
    const report = makeReport(x.study.id, dataCutDate, headAfter, results.value, datasets)
    if (headAfter === headBefore + 1) kept.set(mode, report)
    return ok(report)
  }

  return {
    async modeFor(actor) {
      if (!can(actor, Action.ExportBlinded) && !can(actor, Action.ExportUnblinded)) {
        // The report is computed from the study extraction, which capture grants on the export permissions only.
        return fail({
          code: ProblemCode.Forbidden,
          path: '',
          message: 'the live report is computed from the study extraction, which your role may not take',
        })
      }
      const study = await services.study.summary(actor)
      if (!study.ok) return study
      const blind = study.value.unblindedAt
        ? { status: 'unblinded' as const, at: study.value.unblindedAt }
        : { status: 'blinded' as const }
      const unblinded =
        seesAllocation(actor, blind) && (blind.status === 'unblinded' || can(actor, Action.ReportUnblinded))
      return ok(unblinded ? 'unblinded' : 'blinded')
    },

    async report(actor, mode) {
      const head = (await readAuditHead(store)).seq
      const hit = kept.get(mode)
      if (hit?.auditSeq === head) return ok(hit)
      // Readers arriving while the same report is being computed wait for it rather than compute it again.
      const key = `${mode}:${head}`
      const pending = running.get(key)
      if (pending) return pending
      const made = compute(actor, mode, head).finally(() => running.delete(key))
      running.set(key, made)
      return made
    },
  }
}

function makeReport(
  studyId: string,
  dataCutDate: string,
  auditSeq: number,
  results: AnalysisResults,
  datasets: AnalysisDatasets,
): StudyReport {
  let html: string | undefined
  return {
    blinded: results.provenance.blinded,
    studyId,
    dataCutDate,
    auditSeq,
    results,
    resultsJson: `${JSON.stringify(results, null, 2)}\n`,
    html: () => (html ??= renderReportHtml({ results, datasets, generatedBy: 'the TrialDesk API (live study)' })),
  }
}
