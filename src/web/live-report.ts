/**
 * The analysis report of the live study, as the web app shows it: the viewer's study extraction (blinded unless
 * the viewer sees allocations; the extraction is audited), mapped to analysis datasets, run through the protocol's
 * analysis plan and rendered by the report module, exactly as `trialdesk report --db` does.
 *
 * Computing it takes a noticeable time on a full study, so each report is kept per (blind mode, last audit record
 * that changed data, data-cut date): every blinded viewer gets the same blinded report, every unblinded viewer the
 * same unblinded one, until the data change. Reading the audit head is cheap; records that change nothing (sign-in,
 * sign-out, exports, including the extraction this very report made) do not count as changes.
 */
import { readFileSync } from 'node:fs'
import { seesAllocation, type Actor } from '../access/index.ts'
import { datasetsFromExtract, runAnalysisPlan } from '../analysis/index.ts'
import { AuditKind } from '../audit/index.ts'
import type { Result } from '../domain/index.ts'
import { fail, ok, ProblemCode } from '../domain/index.ts'
import { buildReport, chromiumAvailable, DEFAULT_CHROMIUM, printPdf } from '../report/index.ts'
import { withoutStyleBlocks } from './charts.ts'
import type { Web } from './web-deps.ts'
import { todayOf } from './web-kit.ts'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

/** Audit record kinds that change no study data: a report computed before them is still current. */
const UNCHANGING_KINDS: ReadonlySet<string> = new Set([
  AuditKind.Login,
  AuditKind.Logout,
  AuditKind.LoginFailed,
  AuditKind.ExportWritten,
  AuditKind.PasswordChanged,
])

/** How far back the audit trail is searched for the last change before the report is simply recomputed. */
const AUDIT_SEARCH_LIMIT = 200

export interface LiveReport {
  readonly blinded: boolean
  readonly studyId: string
  /** Data as of this date: the day of database lock once locked, else the day the extraction was taken. */
  readonly dataCutDate: string
  readonly generatedAt: string
  readonly databaseLockedAt: string | null
  /** The snapshot hash frozen at database lock (null while the database is open). */
  readonly snapshotHash: string | null
  /** SHA-256 of the extraction the report was computed from. */
  readonly contentHash: string
  /** The last audit record that changed data when the report was computed (null: not cached). */
  readonly auditSeq: number | null
  readonly subjects: number
  /** The self-contained report document (inline CSS and SVG), as the CLI writes it. */
  readonly html: string
  /** The document's body without `<style>` blocks, for embedding under the app's strict CSP (app.css styles it). */
  readonly body: string
  readonly resultsJson: string
  /** The PDF, printed by Chromium on first request and kept. */
  pdf(): Promise<Result<Uint8Array>>
}

/** What may be said about the PDF before printing it: available, or why not. */
export type PdfAvailability = { readonly available: true } | { readonly available: false; readonly reason: string }

export interface LiveReports {
  /** The report for `actor` (computed, or the one kept for the same blind mode and data). */
  forViewer(actor: Actor): Promise<Result<LiveReport>>
  pdfAvailability(): PdfAvailability
}

/** Builds the report source for one app (its cache lives as long as the app). */
export function liveReports(web: Web): LiveReports {
  const { services, clock } = web.deps
  const chromium = web.deps.chromium === undefined ? DEFAULT_CHROMIUM : web.deps.chromium
  const kept = new Map<string, Promise<Result<LiveReport>>>()

  /** The sequence number of the newest audit record that changed data, as `actor` reads the trail. */
  async function lastChange(actor: Actor): Promise<number | null> {
    let beforeSeq: number | undefined
    for (let seen = 0; seen < AUDIT_SEARCH_LIMIT;) {
      const trail = await services.reads.auditTrail(actor, { limit: 50, ...(beforeSeq ? { beforeSeq } : {}) })
      if (!trail.ok) return null
      const change = trail.value.items.find((r) => !UNCHANGING_KINDS.has(r.kind))
      if (change) return change.seq
      if (trail.value.nextBeforeSeq === undefined) return 0
      beforeSeq = trail.value.nextBeforeSeq
      seen += trail.value.items.length
    }
    return null
  }

  async function compute(actor: Actor, auditSeq: number | null): Promise<Result<LiveReport>> {
    const extract = await services.extractStudy(actor)
    if (!extract.ok) return extract
    const x = extract.value
    const protocol = web.deps.protocol.protocol
    const dataCutDate = (x.study.databaseLockedAt ?? x.extractedAt).slice(0, 10)
    const datasets = datasetsFromExtract(protocol, x, { dataCutDate })
    const results = runAnalysisPlan(protocol, datasets, {
      blinded: x.blinded,
      generatedAt: x.extractedAt,
      software: { name: 'TrialDesk', version: pkg.version },
    })
    if (!results.ok) return results
    const built = buildReport({ results: results.value, datasets, generatedBy: 'the TrialDesk web app (live study)' })
    let pdf: Promise<Result<Uint8Array>> | undefined
    const html = built.html
    return ok({
      blinded: x.blinded,
      studyId: x.study.id,
      dataCutDate,
      generatedAt: x.extractedAt,
      databaseLockedAt: x.study.databaseLockedAt,
      snapshotHash: x.study.snapshotHash,
      contentHash: x.contentHash,
      auditSeq,
      subjects: x.subjects.length,
      html,
      body: withoutStyleBlocks(html.slice(html.indexOf('<body>') + '<body>'.length, html.lastIndexOf('</body>'))),
      resultsJson: built.resultsJson,
      pdf() {
        if (chromium === false)
          return Promise.resolve(
            fail({ code: ProblemCode.Unsupported, path: 'pdf', message: 'PDF printing is switched off' }),
          )
        pdf ??= printPdf(html, chromium)
        return pdf
      },
    })
  }

  return {
    async forViewer(actor) {
      const summary = await services.study.summary(actor)
      if (!summary.ok) return summary
      const unblinded = seesAllocation(
        actor,
        summary.value.unblindedAt ? { status: 'unblinded', at: summary.value.unblindedAt } : { status: 'blinded' },
      )
      // A reader limited to some sites reads only their sites' audit records: too little to know the data unchanged.
      const seq = actor.sites === 'all' ? await lastChange(actor) : null
      if (seq === null) return compute(actor, null)
      const mode = unblinded ? 'unblinded' : 'blinded'
      const key = `${mode}:${seq}:${todayOf(clock.now())}`
      const hit = kept.get(key)
      if (hit) return hit
      const made = compute(actor, seq)
      // One report per mode is kept: the older one is stale once the data changed.
      for (const k of kept.keys()) if (k.startsWith(`${mode}:`)) kept.delete(k)
      kept.set(key, made)
      const r = await made
      // A failure, or a report whose blinding differs from the key (the study was unblinded meanwhile), is not kept.
      if (!r.ok || r.value.blinded === unblinded) kept.delete(key)
      return r
    },

    pdfAvailability() {
      if (chromium === false) return { available: false, reason: 'PDF printing is switched off on this server.' }
      return chromiumAvailable(chromium)
        ? { available: true }
        : {
            available: false,
            reason: `Chromium is not installed on this server (${chromium}), so no PDF can be printed.`,
          }
    },
  }
}
