/**
 * The demo from start to finish: the virtual trial through the services (`runTrial`), then the statistician's
 * analysis and report (`reportTrial`), the audit chain checked, and the timings.
 */
import { ok, type Result } from '../../domain/index.ts'
import type { Store } from '../../store/index.ts'
import { reportTrial, type DemoReport, type DemoReportOptions } from './demo-report.ts'
import { runTrial, type TrialRun, type TrialRunOptions } from './run-trial.ts'

/** What an audit-chain verification answers (the audit module's `verifyAuditChain`). */
export interface AuditCheck {
  readonly ok: boolean
  readonly records: number
  readonly headHash: string
}

export interface DemoRunOptions extends TrialRunOptions, DemoReportOptions {
  /** Recomputes the audit chain; passed in by the shell, which may depend on the audit module. */
  readonly verifyAudit?: ((store: Store) => Promise<AuditCheck>) | undefined
  /** Tells what happens after the simulation (analysis, report, audit check). */
  readonly onPhase?: ((text: string) => void) | undefined
}

export interface DemoResult {
  readonly run: TrialRun
  readonly report: DemoReport
  /** The audit chain at the end: records, head hash, and whether it was verified (null: not checked). */
  readonly audit: { readonly records: number; readonly headHash: string; readonly verified: boolean | null }
  readonly timings: {
    readonly trialMs: number
    readonly analysisMs: number
    readonly reportMs: number
    readonly totalMs: number
    /** Process CPU time (user + system) over the whole run. */
    readonly cpuMs: number
  }
}

/** Runs the virtual trial in `options.store`, analyses it, writes the report and checks the audit chain. */
export async function runDemo(options: DemoRunOptions): Promise<Result<DemoResult>> {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const run = await runTrial(options)
  if (!run.ok) return run
  options.onPhase?.('Analysing the unblinded data and writing the report…')
  const report = await reportTrial(run.value, options.protocol.protocol, options)
  if (!report.ok) return report
  let audit: DemoResult['audit'] = {
    records: run.value.auditHead.seq,
    headHash: run.value.auditHead.hash,
    verified: null,
  }
  if (options.verifyAudit) {
    options.onPhase?.('Verifying the audit chain…')
    const check = await options.verifyAudit(options.store)
    audit = { records: check.records, headHash: check.headHash, verified: check.ok }
  }
  const used = process.cpuUsage(cpu)
  return ok({
    run: run.value,
    report: report.value,
    audit,
    timings: {
      trialMs: run.value.elapsedMs,
      analysisMs: report.value.analysisMs,
      reportMs: report.value.reportMs,
      totalMs: performance.now() - started,
      cpuMs: (used.user + used.system) / 1000,
    },
  })
}
