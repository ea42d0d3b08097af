/**
 * Demo bench: the reference demo as `npm start` runs it (40 patients recruited over 12 months at 4 sites, each
 * followed to month 48, through the real services on SQLite; then lock, unblinding, analysis, HTML report and
 * PDF), timed in wall-clock and CPU time. Target: under 60 s. It also checks that the report's CONSORT figures
 * are the events the demo made happen, and that the audit chain verifies.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { verifyAuditChain } from '../src/audit/index.ts'
import { loadProtocolFile } from '../src/protocol/index.ts'
import { runDemo, type DemoResult } from '../src/simulation/index.ts'
import { openStore } from '../src/store/index.ts'

/** Issue target for the full demo on the 2-core machine. */
const TARGET_SECONDS = 60

export async function runDemoBench(): Promise<void> {
  const loaded = await loadProtocolFile(resolve(import.meta.dirname, '../protocols/admsc-als.yaml'))
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('; '))
  const dir = mkdtempSync(join(tmpdir(), 'trialdesk-demo-bench-'))
  const store = await openStore(join(dir, 'demo.sqlite'), { synchronous: 'normal' })
  try {
    const migrated = await store.migrate()
    if (!migrated.ok) throw new Error(migrated.problems.map((p) => p.message).join('; '))
    const result = await runDemo({
      store,
      protocol: loaded.value,
      outDir: join(dir, 'report'),
      software: { name: 'TrialDesk', version: 'bench' },
      verifyAudit: verifyAuditChain,
    })
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('; '))
    print(result.value)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function print(r: DemoResult): void {
  const t = r.timings
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
  const c = r.run.counts
  console.log(
    `${r.run.disposition.screened} screened, ${r.run.disposition.randomized} randomized, ${c.formsSaved} forms, ` +
      `${c.adverseEvents} AEs, ${c.formsVerified} SDV, ${r.audit.records} audit records (${r.audit.verified ? 'chain verified' : 'CHAIN BROKEN'}); ` +
      `data cut ${r.run.dataCut}`,
  )
  console.log(
    `wall ${s(t.totalMs)} (target < ${TARGET_SECONDS} s: ${t.totalMs < TARGET_SECONDS * 1000 ? 'met' : 'NOT MET'}), CPU ${s(t.cpuMs)}: ` +
      `trial ${s(t.trialMs)}, analysis ${s(t.analysisMs)}, report ${s(t.reportMs)}${r.report.pdfMissing ? ` (no PDF: ${r.report.pdfMissing})` : ' (with PDF)'}`,
  )
  const mismatches = consortMismatches(r)
  console.log(
    mismatches.length === 0
      ? 'CONSORT figures match the simulated events'
      : `CONSORT MISMATCH: ${mismatches.join('; ')}`,
  )
}

/** Where the report's flow diagram and the demo's own count of events disagree (empty when they agree). */
function consortMismatches(r: DemoResult): string[] {
  const d = r.run.disposition
  const c = r.report.results.consort
  const out: string[] = []
  const same = (what: string, report: number, truth: number | undefined): void => {
    if (report !== (truth ?? 0)) out.push(`${what}: report ${report}, simulated ${truth ?? 0}`)
  }
  same('screened', c.assessed, d.screened)
  same('not randomized', c.excluded, d.screenFailures + d.inScreening)
  same('randomized', c.randomized, d.randomized)
  for (const g of c.groups) {
    same(`${g.key} allocated`, g.allocated, d.randomizedByArm[g.key])
    same(`${g.key} failed release`, g.productFailed, d.releaseFailedByArm[g.key])
    same(`${g.key} infused`, g.infused, d.infusedByArm[g.key])
    // A death by the data cut ends participation in the report's flow, also after a withdrawal.
    same(
      `${g.key} died`,
      g.periods.reduce((n, p) => n + p.died, 0),
      d.deathsByArm[g.key],
    )
    same(
      `${g.key} withdrawn`,
      g.periods.reduce((n, p) => n + p.discontinued, 0),
      d.withdrawnAliveByArm[g.key],
    )
    for (const x of g.periods[1]?.reallocated ?? [])
      same(`${g.key} re-randomized to ${x.to}`, x.n, d.reRandomized[x.to])
  }
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runDemoBench()
