/**
 * The study dashboard: recruitment against target per site and overall (bars and the cumulative curve), subjects
 * by status, overdue visits, open queries and serious AEs awaiting report, and the reader's notifications. The
 * figures come from the capture read model, already limited to the reader's sites (the sponsor sees every site,
 * site staff their own). Nothing on it differs by arm.
 */
import { raw } from 'hono/html'
import { Action, can, type Actor } from '../access/index.ts'
import type { Dashboard, NotificationView } from '../capture/index.ts'
import { recruitmentCurveSvg, siteRecruitmentSvg } from './charts.ts'
import { Layout } from './layout.tsx'
import { SUBJECT_STATUS_LABELS } from './subject-parts.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { actorOf, formatInstant, page, signedIn, takeFlash } from './web-kit.ts'

const STATUSES = ['screening', 'enrolled', 'randomized', 'screen-failed', 'withdrawn', 'completed', 'died'] as const

function Stat(props: {
  value: number | string
  label: string
  href?: string | undefined
  tone?: 'alert' | 'warn' | undefined
}) {
  const body = (
    <>
      <span class="stat-value">{props.value}</span>
      <span class="stat-label">{props.label}</span>
    </>
  )
  return (
    <li class={`stat${props.tone ? ` stat-${props.tone}` : ''}`}>
      {props.href ? <a href={props.href}>{body}</a> : body}
    </li>
  )
}

function DashboardView(props: {
  web: Web
  actor: Actor
  d: Dashboard
  randomizationDates: readonly string[]
  notifications: readonly NotificationView[]
  flash: string | null
}) {
  const { d, web, actor } = props
  const t = d.totals
  const studyWide = actor.sites === 'all'
  const target = studyWide ? d.targetEnrolment : d.sites.reduce((a, s) => a + (s.targetEnrolment ?? 0), 0)
  const bars = siteRecruitmentSvg(
    [
      ...d.sites.map((s) => ({
        siteId: s.siteId,
        label: s.siteId,
        randomized: s.randomized,
        target: s.targetEnrolment ?? 0,
      })),
      ...(d.sites.length > 1
        ? [{ siteId: 'all', label: studyWide ? 'All sites' : 'Your sites', randomized: t.randomized, target }]
        : []),
    ],
    `Subjects randomized against the enrolment target, by site${d.sites.length > 1 ? ' and overall' : ''}.`,
  )
  const curve = recruitmentCurveSvg(
    props.randomizationDates,
    target,
    `Cumulative subjects randomized by month against the target of ${target}.`,
    {
      from: web.compiled.protocol.study.startDate,
      to: d.today,
    },
  )
  const study = web.compiled.protocol.study
  return (
    <Layout web={web} actor={actor} title="Dashboard" nav="dashboard" flash={props.flash}>
      <h1>Study dashboard</h1>
      <p class="muted">
        {study.id} · protocol {study.version} ·{' '}
        {studyWide ? 'all sites' : `site${d.sites.length === 1 ? '' : 's'} ${d.sites.map((s) => s.siteId).join(', ')}`}{' '}
        · figures as of {d.today}
      </p>
      <ul class="stats" aria-label="Key figures">
        <Stat
          value={`${t.randomized} / ${target}`}
          label="randomized against target"
          href="/subjects?status=randomized"
        />
        <Stat value={t.screened} label="screened" href="/subjects" />
        <Stat
          value={t.overdueVisits}
          label="overdue or missed visits"
          href="/visits/attention"
          tone={t.overdueVisits > 0 ? 'warn' : undefined}
        />
        <Stat
          value={t.openQueries}
          label="open queries"
          href={can(actor, Action.FormView) ? '/queries' : undefined}
          tone={t.openQueries > 0 ? 'warn' : undefined}
        />
        <Stat
          value={t.saesAwaitingReport}
          label={`serious AEs awaiting report${t.saesOverdue > 0 ? ` (${t.saesOverdue} past 24 h)` : ''}`}
          href={can(actor, Action.AeView) ? '/adverse-events?awaiting=1' : undefined}
          tone={t.saesOverdue > 0 ? 'alert' : t.saesAwaitingReport > 0 ? 'warn' : undefined}
        />
      </ul>
      {props.notifications.length > 0 && (
        <section class="card" aria-labelledby="notifications-title">
          <h2 id="notifications-title">Notifications</h2>
          <ul>
            {props.notifications.map((n) => (
              <li>
                {formatInstant(n.createdAt)}: {n.message}{' '}
                {n.subjectId && <a href={`/subjects/${n.subjectId}`}>subject</a>}
              </li>
            ))}
          </ul>
          <p>
            <a href="/notifications">All notifications</a>
          </p>
        </section>
      )}
      <div class="charts">
        <section class="card" aria-labelledby="recruitment-title">
          <h2 id="recruitment-title">Recruitment by site</h2>
          {raw(bars)}
        </section>
        <section class="card" aria-labelledby="curve-title">
          <h2 id="curve-title">Recruitment over time</h2>
          {curve ? raw(curve) : <p class="muted">No subject randomized yet.</p>}
        </section>
      </div>
      <h2 id="status-title">Subjects by status</h2>
      <div class="table-wrap">
        <table class="data" aria-labelledby="status-title">
          <thead>
            <tr>
              <th scope="col">Site</th>
              {STATUSES.map((s) => (
                <th scope="col" class="num">
                  {SUBJECT_STATUS_LABELS[s]}
                </th>
              ))}
              <th scope="col" class="num">
                <abbr title="Visits overdue or missed">Overdue</abbr>
              </th>
              <th scope="col" class="num">
                <abbr title="Open queries">Queries</abbr>
              </th>
              <th scope="col" class="num">
                <abbr title="Serious adverse events awaiting report">SAEs due</abbr>
              </th>
            </tr>
          </thead>
          <tbody>
            {[
              ...d.sites.map((s) => ({ ...s, label: s.siteId, title: s.name, href: `/subjects?site=${s.siteId}` })),
              { ...t, label: 'Total', title: '', href: '/subjects', siteId: '' },
            ].map((r) => (
              <tr>
                <th scope="row">
                  <a href={r.href} title={r.title || undefined}>
                    {r.label}
                  </a>
                </th>
                {STATUSES.map((s) => (
                  <td class="num">{r.byStatus[s]}</td>
                ))}
                <td class="num">{r.overdueVisits}</td>
                <td class="num">{r.openQueries}</td>
                <td class="num">{r.saesAwaitingReport}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  )
}

export function registerDashboard(router: WebRouter, web: Web): void {
  const { reads } = web.deps.services
  router.get('/dashboard', signedIn, async (c) => {
    const actor = actorOf(c)
    const flash = takeFlash(c)
    const d = await reads.dashboard(actor)
    if (!d.ok) {
      // Roles without clinical data (the administrator) get a plain landing page.
      return page(
        c,
        <Layout web={web} actor={actor} title="Dashboard" nav="dashboard" flash={flash}>
          <h1>{web.compiled.protocol.study.shortTitle ?? web.compiled.protocol.study.id}</h1>
          <p>
            Your role does not read clinical data.{' '}
            {can(actor, Action.AuditView) ? <a href="/audit">Open the audit trail</a> : null}
          </p>
        </Layout>,
      )
    }
    const [subjects, notifications] = await Promise.all([
      reads.subjects(actor, { limit: 500 }),
      reads.notifications(actor, { unreadOnly: true }),
    ])
    const dates = subjects.ok
      ? subjects.value.items.flatMap((s) => (s.randomizationDate ? [s.randomizationDate] : []))
      : []
    return page(
      c,
      <DashboardView
        web={web}
        actor={actor}
        d={d.value}
        randomizationDates={dates}
        notifications={notifications.ok ? notifications.value.slice(0, 10) : []}
        flash={flash}
      />,
    )
  })
}
