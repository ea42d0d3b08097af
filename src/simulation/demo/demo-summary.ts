/**
 * The short account printed when the demo ends: what happened (pooled, and by arm since the study is unblinded
 * by then), the primary result, the audit chain, where the report and the database are, and how long it took.
 */
import type { Role } from '../../domain/index.ts'
import type { DemoAccount } from './demo-team.ts'
import type { DemoResult } from './run-demo.ts'

const n = (x: number): string => x.toLocaleString('en-US')
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

/** `A 3 · B 2` from a record of counts (zeros left out unless everything is zero). */
function byKey(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts).filter(([, v]) => v > 0)
  return parts.length === 0 ? 'none' : parts.map(([k, v]) => `${k} ${v}`).join(' · ')
}

export function demoSummary(
  result: DemoResult,
  where: { readonly database: string; readonly reportDir?: string | undefined },
): string[] {
  const { run, report, audit, timings } = result
  const d = run.disposition
  const c = run.counts
  const results = report.results
  const lines: string[] = []
  const s = run.settings
  lines.push(
    `Demo finished: ${results.provenance.studyId}, seed ${s.seed}, ${s.patients} patients, true effect: ${s.effectLabel}`,
    `  Simulated ${run.studyStart} to the data cut on ${run.dataCut}; database locked ${run.lockedAt.slice(0, 10)}, then unblinded`,
    `  Screened ${d.screened}: ${d.screenFailures} screen failures (${byKey(d.screenFailureReasons)}), ${d.inScreening > 0 ? `${d.inScreening} still in screening at the cut, ` : ''}randomized ${d.randomized} (${byKey(d.randomizedByArm)})`,
    `  Not infused, lot failed release: ${byKey(d.releaseFailedByArm)}; infused: ${byKey(d.infusedByArm)}`,
    `  Month-6 re-randomization of placebo patients: ${byKey(d.reRandomized)}`,
    `  Deaths ${d.deaths} (${byKey(d.deathsByArm)}), tracheostomy/permanent ventilation ${d.ventilations}, withdrawals ${byKey(d.withdrawals)}, completed ${d.completed}`,
    `  Visits ${n(c.visitsDone)} done (${c.visitsOutOfWindow} out of window), ${c.visitsNotDone} not done; forms saved ${n(c.formsSaved)} (${c.formCorrections} corrections)`,
    `  Adverse events ${n(c.adverseEvents)} (${c.seriousAdverseEvents} serious, ${c.saesAcknowledged} acknowledged by the sponsor, ${c.saesLate} of them after the 24 h deadline); ${c.aeFollowUps} follow-ups`,
    `  Monitoring: ${n(c.formsVerified)} forms verified, ${c.queriesRaised + c.autoQueries} queries (${c.queriesRaised} by monitors, ${c.autoQueries} automatic), ${c.queriesClosed} closed; investigators signed ${n(c.formsSigned)} forms and ${c.casebooksSigned} casebooks`,
  )
  const primary = results.efficacy.analyses.find(
    (a) => a.role === 'primary' && a.set === 'primary' && a.status === 'estimated',
  )
  if (primary && primary.contrasts.length > 0) {
    const contrasts = primary.contrasts.map(
      (x) =>
        `${x.key} ${x.estimate >= 0 ? '+' : ''}${x.estimate.toFixed(2)}/month (adjusted p ${x.pAdjusted < 0.001 ? '<0.001' : x.pAdjusted.toFixed(3)})`,
    )
    lines.push(
      `  Primary endpoint (${primary.label}, ${primary.period}), slope vs ${primary.contrasts[0]?.reference ?? 'control'}: ${contrasts.join('; ')}`,
    )
  }
  lines.push(
    `  Audit trail: ${n(audit.records)} records, ${audit.verified === null ? 'chain not verified' : audit.verified ? 'hash chain verified' : 'HASH CHAIN BROKEN'}, head ${audit.headHash.slice(0, 16)}…`,
  )
  const files = report.files.filter((f) => !f.includes('/datasets/') && !f.includes('\\datasets\\'))
  if (files.length > 0)
    lines.push(`  Report: ${files.join(', ')}${report.pdfMissing ? ` (no PDF: ${report.pdfMissing})` : ''}`)
  if (where.reportDir) lines.push(`  Analysis datasets: ${where.reportDir}/datasets/`)
  lines.push(`  Database: ${where.database}`)
  lines.push(
    `  Time: ${seconds(timings.totalMs)} (CPU ${seconds(timings.cpuMs)}): trial ${seconds(timings.trialMs)}, analysis ${seconds(timings.analysisMs)}, report ${seconds(timings.reportMs)}`,
  )
  return lines
}

/** The sign-in accounts, one per role, with their passwords (printed once, never stored in clear). */
export function accountLines(accounts: readonly DemoAccount[]): string[] {
  const seen = new Set<Role>()
  const shown = accounts.filter((a) => {
    if (seen.has(a.role) || a.username === 'manufacturing') return false
    seen.add(a.role)
    return true
  })
  const width = Math.max(...shown.map((a) => a.username.length))
  const others = accounts.filter((a) => !shown.includes(a)).map((a) => a.username)
  return [
    'Demo sign-in accounts (one per role; passwords generated for this database and shown only now):',
    ...shown.map((a) => `  ${a.username.padEnd(width)}  ${a.password}  ${a.displayName}`),
    ...(others.length > 0 ? [`  Also: ${others.join(', ')} (an administrator can set their passwords)`] : []),
  ]
}
