/**
 * The analysis report of the live study, for the roles allowed to see it: the blinded report (arms pooled, no
 * efficacy or safety result split by arm) for readers who do not see allocations, the unblinded one for those who
 * do (the independent statistician; everyone after end-of-study unblinding). The report document is embedded in
 * the page without its `<style>` blocks (the strict CSP allows only app.css, which carries the rules); the same
 * document, results.json and the PDF are offered as downloads.
 */
import { raw } from 'hono/html'
import { Action, can, type Actor } from '../access/index.ts'
import type { Problem } from '../domain/index.ts'
import { Layout } from './layout.tsx'
import { liveReports, type LiveReport, type PdfAvailability } from './live-report.ts'
import { ErrorPage } from './subject-parts.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { actorOf, formatInstant, page, signedIn, statusOf, takeFlash } from './web-kit.ts'

/** Whether the role may see a report at all (which one is the blind's decision). */
export function seesReport(actor: Actor): boolean {
  return can(actor, Action.ReportBlinded) || can(actor, Action.ReportUnblinded)
}

/** `ADMSC-ALS-report-blinded-2026-01-12.json`: what the download is called. */
function fileName(r: LiveReport, ext: string): string {
  return `${r.studyId}-report-${r.blinded ? 'blinded' : 'unblinded'}-${r.dataCutDate}.${ext}`
}

function ReportView(props: { web: Web; actor: Actor; report: LiveReport; pdf: PdfAvailability; flash: string | null }) {
  const { report: r } = props
  return (
    <Layout
      web={props.web}
      actor={props.actor}
      title={`Analysis report (${r.blinded ? 'blinded' : 'unblinded'})`}
      nav="report"
      flash={props.flash}
    >
      <div class="subject-head">
        <h1>Analysis report</h1>
        {r.blinded ? (
          <span class="badge badge-blinded">Blinded: arms pooled</span>
        ) : (
          <span class="badge badge-unblinded">Unblinded: results by arm</span>
        )}
      </div>
      <section class="card report-meta" aria-labelledby="report-meta-title">
        <h2 id="report-meta-title">About this report</h2>
        <dl class="facts">
          <dt>Data cut</dt>
          <dd id="data-cut">
            {r.dataCutDate}
            {r.databaseLockedAt
              ? ` (database locked ${formatInstant(r.databaseLockedAt)})`
              : ' (live data: the database is open)'}
          </dd>
          <dt>Computed</dt>
          <dd>
            {formatInstant(r.generatedAt)} from the study extraction ({r.subjects} subject{r.subjects === 1 ? '' : 's'})
          </dd>
          {r.snapshotHash && (
            <>
              <dt>Snapshot hash</dt>
              <dd>
                <code class="hash">{r.snapshotHash}</code>
              </dd>
            </>
          )}
        </dl>
        {r.blinded ? (
          <p class="note">
            All arms are pooled: no efficacy or safety result is split by arm. The report by arm becomes available to
            your role after the database lock and the end-of-study unblinding.
          </p>
        ) : r.databaseLockedAt ? (
          <p class="note">Results are shown by randomized arm.</p>
        ) : (
          <p class="warning">
            Results are shown by randomized arm while the study is blinded: do not share this report with blinded staff.
          </p>
        )}
        <h3>Download</h3>
        <ul class="downloads">
          <li>
            <a href="/report/results.json" download={fileName(r, 'json')}>
              results.json
            </a>{' '}
            <span class="muted">every number of the report</span>
          </li>
          <li>
            <a href="/report/report.html" download={fileName(r, 'html')}>
              report.html
            </a>{' '}
            <span class="muted">the self-contained document, to open or print from your computer</span>
          </li>
          <li>
            {props.pdf.available ? (
              <>
                <a href="/report/report.pdf" download={fileName(r, 'pdf')}>
                  report.pdf
                </a>{' '}
                <span class="muted">A4, stamped on every page (printed on first request: allow a few seconds)</span>
              </>
            ) : (
              <span id="pdf-unavailable">PDF not available: {props.pdf.reason}</span>
            )}
          </li>
        </ul>
      </section>
      <article class="report-doc" aria-label="The report">
        {raw(r.body)}
      </article>
    </Layout>
  )
}

/** Why the report cannot be shown, in the reader's terms. */
function Unavailable(props: { web: Web; actor: Actor; problems: readonly Problem[] }) {
  const forbidden = props.problems.some((p) => p.code === 'forbidden')
  return (
    <Layout web={props.web} actor={props.actor} title="Analysis report" nav="report">
      <div class="card narrow">
        <h1>Analysis report</h1>
        {forbidden ? (
          <p>
            The report is computed from the study extraction, which your role may not take. Ask the sponsor or the data
            manager for a copy of the report.
          </p>
        ) : (
          props.problems.map((p) => <p>{p.message}</p>)
        )}
      </div>
    </Layout>
  )
}

export function registerReportPage(router: WebRouter, web: Web): void {
  const reports = liveReports(web)

  router.get('/report', signedIn, async (c) => {
    const actor = actorOf(c)
    if (!seesReport(actor)) return page(c, <ErrorPage web={web} actor={actor} status={403} />, 403)
    const flash = takeFlash(c)
    const r = await reports.forViewer(actor)
    if (!r.ok) return page(c, <Unavailable web={web} actor={actor} problems={r.problems} />, statusOf(r.problems))
    return page(
      c,
      <ReportView web={web} actor={actor} report={r.value} pdf={reports.pdfAvailability()} flash={flash} />,
    )
  })

  const downloads = [
    { file: 'results.json', type: 'application/json', ext: 'json' },
    { file: 'report.html', type: 'text/html; charset=utf-8', ext: 'html' },
    { file: 'report.pdf', type: 'application/pdf', ext: 'pdf' },
  ] as const
  for (const d of downloads) {
    router.get(`/report/${d.file}`, signedIn, async (c) => {
      const actor = actorOf(c)
      if (!seesReport(actor)) return page(c, <ErrorPage web={web} actor={actor} status={403} />, 403)
      const r = await reports.forViewer(actor)
      if (!r.ok) return page(c, <Unavailable web={web} actor={actor} problems={r.problems} />, statusOf(r.problems))
      let body: string | Uint8Array = d.ext === 'json' ? r.value.resultsJson : r.value.html
      if (d.ext === 'pdf') {
        const pdf = await r.value.pdf()
        if (!pdf.ok) return page(c, <Unavailable web={web} actor={actor} problems={pdf.problems} />, 503)
        body = pdf.value
      }
      c.header('Content-Type', d.type)
      c.header('Content-Disposition', `attachment; filename="${fileName(r.value, d.ext)}"`)
      c.header('Cache-Control', 'no-store')
      return c.body(typeof body === 'string' ? body : new Uint8Array(body))
    })
  }
}
