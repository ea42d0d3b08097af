/**
 * The subject page: who and where, the allocation as the service projected it for this reader, the next steps
 * the role may take, the visit calendar as a timeline (done, due, overdue, out of window, missed, upcoming)
 * with each visit's forms and their state, the ALSFRS-R trajectory, adverse events and open queries.
 */
import { Action, can, type Actor } from '../access/index.ts'
import type {
  AdverseEventView,
  CalendarVisit,
  FormView,
  QueryView,
  SubjectView,
  VisitCalendar,
} from '../capture/index.ts'
import type { CompiledForm } from '../protocol/index.ts'
import { patientTrajectorySvg, type TrajectoryPoint } from './charts.ts'
import { nextPeriod } from './enrolment-pages.tsx'
import { checkEntry, rawValues } from './form-entry.tsx'
import { Layout } from './layout.tsx'
import { ErrorPage, StatusBadge } from './subject-parts.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { actorOf, formatInstant, page, signedIn, statusOf, takeFlash } from './web-kit.ts'
import { raw } from 'hono/html'

export const VISIT_STATUS_LABELS: Readonly<Record<string, string>> = {
  done: 'Done',
  due: 'Due',
  overdue: 'Overdue',
  'out-of-window': 'Out of window',
  missed: 'Missed',
  upcoming: 'Upcoming',
}

/** The states a form shows on the calendar, strongest last wins in `formState`. */
export type FormState = 'empty' | 'missing' | 'partial' | 'complete' | 'queried' | 'verified' | 'signed' | 'locked'

export const FORM_STATE_LABELS: Readonly<Record<FormState, string>> = {
  empty: 'empty',
  missing: 'missing',
  partial: 'partial',
  complete: 'complete',
  queried: 'queried',
  verified: 'verified',
  signed: 'signed',
  locked: 'locked',
}

/**
 * A form instance's state: locked, else queried (an open or answered query), else signed, else verified (each for
 * the current version), else partial (the saved answers miss what a final save would require) or complete;
 * without a saved version: missing when the visit was done, else empty.
 */
export function formState(
  definition: CompiledForm | undefined,
  form: FormView | undefined,
  queries: readonly QueryView[],
  visitDone: boolean,
): FormState {
  if (!form || form.status === 'deleted') return visitDone ? 'missing' : 'empty'
  if (form.locked) return 'locked'
  if (queries.some((q) => q.formId === form.id && q.status !== 'closed')) return 'queried'
  if (form.signed?.current) return 'signed'
  if (form.verified?.current) return 'verified'
  if (definition && checkEntry(definition, rawValues(form.values), { mode: 'final' }).problems.length > 0)
    return 'partial'
  return 'complete'
}

/** Months between two ISO dates (30.4375-day months, as ALSFRS-R slopes use). */
export function monthsBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 / 30.4375
}

/** The ALSFRS-R totals of a subject, placed on months since randomization (screening date before it). */
export function alsfrsPoints(
  web: Web,
  subject: SubjectView,
  forms: readonly FormView[],
  calendar: VisitCalendar | null,
): TrajectoryPoint[] {
  const alsfrs = web.compiled.forms.filter((f) => f.instrument?.id === 'ALSFRS-R').map((f) => f.id)
  const origin = subject.randomizationDate ?? subject.screeningDate
  const dateOf = (f: FormView): string =>
    calendar?.visits.find((v) => v.visitId === f.visitId)?.actualDate ?? f.savedAt.slice(0, 10)
  return forms
    .filter((f) => alsfrs.includes(f.formId) && f.status === 'entered' && typeof f.derived['total'] === 'number')
    .map((f) => ({
      month: Math.round(monthsBetween(origin, dateOf(f)) * 100) / 100,
      value: f.derived['total'] as number,
    }))
}

/** A calendar visit's forms with whether each is entered. */
export const calendarForms = (visit: CalendarVisit): CalendarVisit['formStatus'] => visit.formStatus

function VisitItem(props: {
  web: Web
  subject: SubjectView
  visit: CalendarVisit
  forms: readonly FormView[]
  queries: readonly QueryView[]
}) {
  const { web, subject, visit } = props
  const forms = calendarForms(visit)
  const dates = visit.actualDate
    ? `Done ${visit.actualDate}${visit.pending ? '' : ` · target ${visit.target}`}`
    : visit.pending
      ? `Date set once the ${visit.anchor.replace('period:', '')} date is known`
      : `Target ${visit.target} · window ${visit.earliest} to ${visit.latest}`
  return (
    <li class={`st-${visit.status}`}>
      <div class="visit-head">
        <h3>
          <a href={`/subjects/${subject.id}/visits/${visit.visitId}`}>{visit.label}</a>
        </h3>
        <span class={`badge st-${visit.status}`}>{VISIT_STATUS_LABELS[visit.status] ?? visit.status}</span>
        <span class="visit-dates">{dates}</span>
      </div>
      {visit.notDone && <p class="muted">Not done: {visit.notDone.reason}</p>}
      {forms.length > 0 && (
        <ul class="form-chips" aria-label={`Forms at ${visit.label}`}>
          {forms.map((f) => {
            const definition = web.compiled.forms.find((d) => d.id === f.formId)
            const view = props.forms.find((x) => x.id === f.formInstanceId)
            const state = formState(definition, view, props.queries, visit.actualDate !== null)
            return (
              <li>
                <a href={`/subjects/${subject.id}/visits/${visit.visitId}/forms/${f.formId}`}>
                  {definition?.label ?? f.formId} <span class={`badge fs-${state}`}>{FORM_STATE_LABELS[state]}</span>
                </a>
              </li>
            )
          })}
        </ul>
      )}
    </li>
  )
}

/** The calendar grouped by period, in protocol order. */
export function Timeline(props: {
  web: Web
  subject: SubjectView
  calendar: VisitCalendar
  forms: readonly FormView[]
  queries: readonly QueryView[]
}) {
  const periods = props.web.compiled.protocol.periods
  const groups: { key: string; label: string; visits: CalendarVisit[] }[] = []
  for (const v of props.calendar.visits) {
    const key = v.periodId ?? 'screening'
    const label = key === 'screening' ? 'Screening and baseline' : (periods.find((p) => p.id === key)?.label ?? key)
    const group = groups.find((g) => g.key === key)
    if (group) group.visits.push(v)
    else groups.push({ key, label, visits: [v] })
  }
  return (
    <section aria-labelledby="calendar-title">
      <h2 id="calendar-title">Visit calendar</h2>
      {groups.map((g) => {
        const list = (
          <ol class="timeline">
            {g.visits.map((v) => (
              <VisitItem
                web={props.web}
                subject={props.subject}
                visit={v}
                forms={props.forms}
                queries={props.queries}
              />
            ))}
          </ol>
        )
        // A period not started yet is folded: its dates are unknown and its forms all empty.
        return g.visits.every((v) => v.pending && v.actualDate === null) ? (
          <details class="period-later">
            <summary class="period-head">
              {g.label}: {g.visits.length} visits, dated when the period starts
            </summary>
            {list}
          </details>
        ) : (
          <>
            <h3 class="period-head">{g.label}</h3>
            {list}
          </>
        )
      })}
    </section>
  )
}

/** The next steps this role may take for the subject now. */
export function SubjectActions(props: {
  web: Web
  actor: Actor
  subject: SubjectView
  calendar: VisitCalendar | null
}) {
  const { actor, subject: s, web } = props
  const site = { siteId: s.siteId }
  const links: { href: string; label: string; cls?: string }[] = []
  if (s.status === 'screening' && can(actor, Action.SubjectScreen, site)) {
    links.push({ href: `/subjects/${s.id}/consent`, label: s.consent ? 'Correct consent' : 'Record consent' })
    links.push({
      href: `/subjects/${s.id}/eligibility`,
      label: s.eligibility ? 'Correct eligibility' : 'Eligibility checklist',
    })
    if (s.consent && s.eligibility?.eligible && can(actor, Action.SubjectEnrol, site))
      links.push({ href: `/subjects/${s.id}/enrol`, label: 'Enrol' })
    links.push({ href: `/subjects/${s.id}/screen-failure`, label: 'Screen failure', cls: 'button-secondary' })
  }
  if (s.status === 'enrolled' && can(actor, Action.SubjectRandomize, site))
    links.push({ href: `/subjects/${s.id}/randomize`, label: 'Randomize…' })
  const next = nextPeriod(web, s)
  if (s.status === 'randomized' && next && can(actor, Action.SubjectRandomize, site)) {
    // Named after the protocol's visit that does it (e.g. "Month 6 and re-randomization").
    const visit = web.compiled.visits.find(
      (v) => v.procedures.includes('rerandomization') && v.periodId === s.currentPeriod,
    )
    links.push({
      href: `/subjects/${s.id}/next-period`,
      label: next.allocation && visit ? `${visit.label}…` : `Start ${next.label.split(' (')[0]}…`,
    })
  }
  if ((s.status === 'enrolled' || s.status === 'randomized') && can(actor, Action.AeReport, site)) {
    links.push({ href: `/subjects/${s.id}/adverse-events/new`, label: 'Report adverse event' })
  }
  if ((s.status === 'enrolled' || s.status === 'randomized') && can(actor, Action.SubjectDisposition, site)) {
    links.push({ href: `/subjects/${s.id}/withdraw`, label: 'Withdraw…', cls: 'button-secondary' })
  }
  if (s.allocation && can(actor, Action.UnblindEmergency, site)) {
    links.push({ href: `/subjects/${s.id}/unblind`, label: 'Emergency unblinding…', cls: 'button-danger' })
  }
  if (can(actor, Action.AuditView, site))
    links.push({ href: `/audit?subjectId=${s.id}`, label: 'Audit trail', cls: 'button-secondary' })
  if (links.length === 0) return null
  return (
    <div class="actions">
      {links.map((l) => (
        <a class={`button${l.cls ? ` ${l.cls}` : ''}`} href={l.href}>
          {l.label}
        </a>
      ))}
    </div>
  )
}

function Facts(props: { web: Web; subject: SubjectView }) {
  const s = props.subject
  const factorLabels = new Map(
    props.web.compiled.protocol.stratification.factors.map((f) => [
      f.source === 'enrolment' || f.source === 'site' ? f.id : f.source.value,
      f.label,
    ]),
  )
  return (
    <section class="card" aria-labelledby="facts-title">
      <h2 id="facts-title">Screening and enrolment</h2>
      <dl class="facts">
        <dt>Screened</dt>
        <dd>{s.screeningDate}</dd>
        <dt>Consent</dt>
        <dd>{s.consent ? `${s.consent.date} (form version ${s.consent.version})` : 'not recorded'}</dd>
        <dt>Eligibility</dt>
        <dd>
          {s.eligibility
            ? s.eligibility.eligible
              ? 'eligible'
              : `not eligible: ${s.eligibility.failed.join(', ')}`
            : 'not recorded'}
        </dd>
        <dt>Enrolled</dt>
        <dd>{s.enrolmentDate ?? '—'}</dd>
        {Object.entries(s.factors).map(([k, v]) => (
          <>
            <dt>{factorLabels.get(k) ?? k}</dt>
            <dd>{String(v)}</dd>
          </>
        ))}
        <dt>Randomized</dt>
        <dd>{s.randomizationDate ?? '—'}</dd>
        {s.end && (
          <>
            <dt>Ended</dt>
            <dd>
              {s.end.date}: {s.end.reason}
            </dd>
          </>
        )}
      </dl>
    </section>
  )
}

export function AllocationCard(props: { subject: SubjectView }) {
  const a = props.subject.allocation
  if (!a) return null
  return (
    <section class="card" aria-labelledby="allocation-title">
      <h2 id="allocation-title">Treatment</h2>
      <ol>
        {a.periods.map((p, i) => {
          const unblinded = a.blinded ? null : a.periods[i]
          return (
            <li>
              <strong>{p.label}</strong> from {formatInstant(p.at).slice(0, 10)}
              {p.treatmentLabel ? <> · {p.treatmentLabel}</> : null}
              {p.preparationCode ? <> · preparation code {p.preparationCode}</> : null}
              {unblinded && 'armLabel' in unblinded ? <> · arm: {unblinded.armLabel}</> : null}
            </li>
          )
        })}
      </ol>
      {a.blinded ? <p class="muted">Double-blind: the arm is not shown to your role.</p> : null}
      {props.subject.emergencyUnblinded ? (
        <p class="warning">The blind was broken for this subject in an emergency.</p>
      ) : null}
    </section>
  )
}

function AeSummary(props: { subject: SubjectView; aes: readonly AdverseEventView[] }) {
  return (
    <section class="card" aria-labelledby="aes-title">
      <h2 id="aes-title">Adverse events</h2>
      {props.aes.length === 0 ? (
        <p class="muted">None reported.</p>
      ) : (
        <ul>
          {props.aes.map((ae) => (
            <li>
              <a href={`/adverse-events/${ae.id}`}>
                AE {ae.aeNumber}: {ae.term}
              </a>{' '}
              (grade {ae.grade ?? '—'}, {ae.status})
              {ae.classification.serious ? (
                <span class={`badge ${ae.sae?.overdue ? 'sae-overdue' : 'sae-due'}`}> SAE</span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function QuerySummary(props: { queries: readonly QueryView[]; forms: readonly FormView[]; subject: SubjectView }) {
  const open = props.queries.filter((q) => q.status !== 'closed')
  return (
    <section class="card" aria-labelledby="queries-title">
      <h2 id="queries-title">Open queries</h2>
      {open.length === 0 ? (
        <p class="muted">No open queries.</p>
      ) : (
        <ul>
          {open.map((q) => {
            const form = props.forms.find((f) => f.id === q.formId)
            const href = form
              ? `/subjects/${props.subject.id}/visits/${form.visitId}/forms/${form.formId}#${q.itemId ? `w-${q.itemId}` : 'main'}`
              : `/queries?subjectId=${props.subject.id}`
            return (
              <li>
                <a href={href}>
                  {form ? `${form.visitId} ${form.formId}` : 'Subject'}
                  {q.itemId ? ` · ${q.itemId}` : ''}
                </a>
                : {q.text} <span class={`badge q-${q.status}`}>{q.status}</span>
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}

export function registerSubjectPage(router: WebRouter, web: Web): void {
  const { services } = web.deps
  router.get('/subjects/:id', signedIn, async (c) => {
    const actor = actorOf(c)
    const id = c.req.param('id')
    const subject = await services.subjects.get(actor, id)
    if (!subject.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={subject.problems} />, statusOf(subject.problems))
    const s = subject.value
    const [calendar, forms, queries, aes] = await Promise.all([
      services.visits.calendar(actor, id),
      services.forms.listForSubject(actor, id),
      can(actor, Action.FormView) ? services.queries.list(actor, { subjectId: id, limit: 500 }) : null,
      can(actor, Action.AeView) ? services.safety.list(actor, { subjectId: id }) : null,
    ])
    const formList = forms.ok ? forms.value : []
    const queryList = queries?.ok ? queries.value.items : []
    const cal = calendar.ok ? calendar.value : null
    const points = alsfrsPoints(web, s, formList, cal)
    const chart = patientTrajectorySvg({
      points,
      label: 'ALSFRS-R total',
      caption: `ALSFRS-R total of ${s.screeningNumber} by months since ${s.randomizationDate ? 'randomization' : 'screening'} (0–48, higher is better).`,
      boundaries: Object.entries(s.periodStarts)
        .filter(([p]) => p !== web.compiled.protocol.periods[0]?.id)
        .map(([p, d]) => ({
          month: Math.round(monthsBetween(s.randomizationDate ?? s.screeningDate, d) * 100) / 100,
          label: web.compiled.protocol.periods.find((x) => x.id === p)?.label.split(' (')[0] ?? p,
        })),
    })
    const site = web.compiled.protocol.sites.find((x) => x.id === s.siteId)
    return page(
      c,
      <Layout web={web} actor={actor} title={`Subject ${s.screeningNumber}`} nav="subjects" flash={takeFlash(c)}>
        <p>
          <a href="/subjects">← All subjects</a>
        </p>
        <div class="subject-head">
          <h1>Subject {s.screeningNumber}</h1>
          <StatusBadge status={s.status} />
          <span>
            Site {s.siteId}
            {site ? ` · ${site.name}` : ''}
          </span>
          {s.currentPeriod && (
            <span class="muted">{web.compiled.protocol.periods.find((p) => p.id === s.currentPeriod)?.label}</span>
          )}
        </div>
        <SubjectActions web={web} actor={actor} subject={s} calendar={cal} />
        <div class="layout-side">
          <div>
            {cal ? (
              <Timeline web={web} subject={s} calendar={cal} forms={formList} queries={queryList} />
            ) : (
              <p>The calendar is not available.</p>
            )}
          </div>
          <div>
            <section class="card" aria-labelledby="trajectory-title">
              <h2 id="trajectory-title">ALSFRS-R over time</h2>
              {chart ? raw(chart) : <p class="muted">No ALSFRS-R total recorded yet.</p>}
            </section>
            <AllocationCard subject={s} />
            <Facts web={web} subject={s} />
            {aes?.ok ? <AeSummary subject={s} aes={aes.value} /> : null}
            {queries?.ok ? <QuerySummary queries={queryList} forms={formList} subject={s} /> : null}
          </div>
        </div>
      </Layout>,
    )
  })
}
