/**
 * One visit of a subject: its window and status, the date it was performed (or that it was not done, with the
 * reason; a correction needs a reason too), and its forms with their state, each a link to form entry.
 */
import { Action, can, type Actor } from '../access/index.ts'
import type { CalendarVisit, FormView, QueryView, SubjectView } from '../capture/index.ts'
import type { Problem } from '../domain/index.ts'
import { InputField } from './enrolment-pages.tsx'
import { Layout } from './layout.tsx'
import { ErrorPage } from './subject-parts.tsx'
import { calendarForms, FORM_STATE_LABELS, formState, VISIT_STATUS_LABELS } from './subject-page.tsx'
import { ErrorSummary } from './ui.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import {
  actorOf,
  byField,
  done,
  formBody,
  page,
  signedIn,
  statusOf,
  takeFlash,
  text,
  todayOf,
  type FormBody,
} from './web-kit.ts'

function VisitPage(props: {
  web: Web
  actor: Actor
  subject: SubjectView
  visit: CalendarVisit
  forms: readonly FormView[]
  queries: readonly QueryView[]
  body: FormBody
  problems: readonly Problem[]
  flash: string | null
}) {
  const { web, actor, subject: s, visit: v } = props
  const errors = byField(props.problems)
  const recorded = v.actualDate !== null || v.notDone !== null
  const editable = can(actor, Action.FormEnter, { siteId: s.siteId }) && !s.locked
  return (
    <Layout web={web} actor={actor} title={`${v.label} · ${s.screeningNumber}`} nav="subjects" flash={props.flash}>
      <p>
        <a href={`/subjects/${s.id}`}>← Subject {s.screeningNumber}</a>
      </p>
      <div class="subject-head">
        <h1>
          {v.label}: {s.screeningNumber}
        </h1>
        <span class={`badge st-${v.status}`}>{VISIT_STATUS_LABELS[v.status] ?? v.status}</span>
      </div>
      <dl class="facts card">
        <dt>Target</dt>
        <dd>
          {v.pending
            ? `set once the ${v.anchor.replace('period:', '')} date is known`
            : `${v.target} (window ${v.earliest} to ${v.latest})`}
        </dd>
        <dt>Performed</dt>
        <dd>{v.actualDate ?? (v.notDone ? `not done: ${v.notDone.reason}` : 'not recorded')}</dd>
      </dl>
      <h2>Forms</h2>
      <ul class="form-chips">
        {calendarForms(v).map((f) => {
          const definition = web.compiled.forms.find((d) => d.id === f.formId)
          const state = formState(
            definition,
            props.forms.find((x) => x.id === f.formInstanceId),
            props.queries,
            v.actualDate !== null,
          )
          return (
            <li>
              <a href={`/subjects/${s.id}/visits/${v.visitId}/forms/${f.formId}`}>
                {definition?.label ?? f.formId} <span class={`badge fs-${state}`}>{FORM_STATE_LABELS[state]}</span>
              </a>
            </li>
          )
        })}
      </ul>
      {editable && (
        <section class="card" aria-labelledby="record-title">
          <h2 id="record-title">{recorded ? 'Correct the visit record' : 'Record the visit'}</h2>
          <ErrorSummary problems={props.problems} />
          <form method="post" action={`/subjects/${s.id}/visits/${v.visitId}`} novalidate>
            <fieldset>
              <legend>Was the visit done?</legend>
              <div class="choices choices-inline">
                <label class="choice">
                  <input type="radio" name="done" value="yes" id="f-done" checked={text(props.body, 'done') !== 'no'} />
                  <span>Done</span>
                </label>
                <label class="choice">
                  <input
                    type="radio"
                    name="done"
                    value="no"
                    id="f-done-no"
                    checked={text(props.body, 'done') === 'no'}
                  />
                  <span>Not done</span>
                </label>
              </div>
            </fieldset>
            <InputField
              name="date"
              label="Date of the visit (when done)"
              type="date"
              value={text(props.body, 'date') || v.actualDate || todayOf(web.deps.clock.now())}
              errors={errors}
            />
            <InputField
              name="reason"
              label={recorded ? 'Reason for the correction' : 'Reason (when not done)'}
              value={text(props.body, 'reason')}
              errors={errors}
              cls="w-medium"
            />
            <button type="submit">Save visit</button>
          </form>
        </section>
      )}
    </Layout>
  )
}

export function registerVisitPage(router: WebRouter, web: Web): void {
  const { services } = web.deps

  async function load(actor: Actor, subjectId: string, visitId: string) {
    const subject = await services.subjects.get(actor, subjectId)
    if (!subject.ok) return subject
    const [calendar, forms, queries] = await Promise.all([
      services.visits.calendar(actor, subjectId),
      services.forms.listForSubject(actor, subjectId),
      services.queries.list(actor, { subjectId, limit: 500 }),
    ])
    if (!calendar.ok) return calendar
    const visit = calendar.value.visits.find((x) => x.visitId === visitId)
    if (!visit)
      return {
        ok: false as const,
        problems: [{ code: 'not_found' as const, path: 'visitId', message: 'no such visit' }],
      }
    return {
      ok: true as const,
      value: {
        subject: subject.value,
        visit,
        forms: forms.ok ? forms.value : [],
        queries: queries.ok ? queries.value.items : [],
      },
    }
  }

  router.get('/subjects/:id/visits/:visit', signedIn, async (c) => {
    const actor = actorOf(c)
    const d = await load(actor, c.req.param('id'), c.req.param('visit'))
    if (!d.ok) return page(c, <ErrorPage web={web} actor={actor} problems={d.problems} />, statusOf(d.problems))
    return page(c, <VisitPage web={web} actor={actor} {...d.value} body={{}} problems={[]} flash={takeFlash(c)} />)
  })

  router.post('/subjects/:id/visits/:visit', signedIn, async (c) => {
    const actor = actorOf(c)
    const id = c.req.param('id')
    const visitId = c.req.param('visit')
    const body = await formBody(c)
    const reason = text(body, 'reason')
    const r =
      text(body, 'done') === 'no'
        ? await services.visits.record(actor, id, visitId, { notDone: true, reason })
        : await services.visits.record(actor, id, visitId, { date: text(body, 'date'), ...(reason ? { reason } : {}) })
    if (r.ok) return done(c, `/subjects/${id}/visits/${visitId}`, 'Visit recorded.')
    const d = await load(actor, id, visitId)
    if (!d.ok) return page(c, <ErrorPage web={web} actor={actor} problems={d.problems} />, statusOf(d.problems))
    return page(
      c,
      <VisitPage web={web} actor={actor} {...d.value} body={body} problems={r.problems} flash={null} />,
      statusOf(r.problems),
    )
  })
}
