/**
 * Emergency unblinding of one patient by the investigator: a warning, the reason (recorded in the audit trail),
 * the investigator's password re-entered (21 CFR 11.200) and an explicit confirmation. The arm is shown once,
 * on the answer to the post, never stored in a cookie or reachable again by URL; the sponsor and the
 * independent statistician are notified by the service.
 */
import { Action, can, type Actor } from '../access/index.ts'
import type { SubjectView } from '../capture/index.ts'
import type { Problem } from '../domain/index.ts'
import { MIN_REASON_LENGTH, type UnblindedSubjectAllocation } from '../randomization/index.ts'
import { Layout } from './layout.tsx'
import { ErrorPage } from './subject-parts.tsx'
import { ErrorSummary, FieldMessage, fieldId, messageId, PasswordAndConfirm } from './ui.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import {
  actorOf,
  byField,
  formBody,
  page,
  passwordOf,
  signedIn,
  statusOf,
  text,
  unconfirmed,
  type FormBody,
} from './web-kit.ts'

function UnblindForm(props: {
  web: Web
  actor: Actor
  subject: SubjectView
  body: FormBody
  problems: readonly Problem[]
}) {
  const { subject: s } = props
  const errors = byField(props.problems)
  return (
    <Layout web={props.web} actor={props.actor} title={`Emergency unblinding · ${s.screeningNumber}`} nav="subjects">
      <p>
        <a href={`/subjects/${s.id}`}>← Subject {s.screeningNumber}</a>
      </p>
      <div class="card confirm-danger narrow">
        <h1>Emergency unblinding: {s.screeningNumber}</h1>
        <p class="warning">
          Break the blind only when knowing the treatment is necessary for this patient's care. The unblinding is
          recorded with your name and reason, the patient is flagged, and the sponsor and the independent statistician
          are notified. The arm is shown to you once, on the next page.
        </p>
        <ErrorSummary problems={props.problems} title="The blind was not broken" />
        <form method="post" action={`/subjects/${s.id}/unblind`} novalidate>
          <div class={`field${errors.has('reason') ? ' field-invalid' : ''}`}>
            <label for={fieldId('reason')}>Medical reason</label>
            <span class="hint" id={`${fieldId('reason')}-hint`}>
              At least {MIN_REASON_LENGTH} characters: what happened and why the treatment must be known.
            </span>
            <textarea
              id={fieldId('reason')}
              name="reason"
              rows={3}
              aria-describedby={`${fieldId('reason')}-hint ${messageId('reason')}`}
            >
              {text(props.body, 'reason')}
            </textarea>
            <FieldMessage path="reason" messages={errors.get('reason')} />
          </div>
          <PasswordAndConfirm
            errors={errors}
            confirm="I confirm that this patient's care requires knowing the treatment."
          />
          <div class="actions">
            <button type="submit" class="button-danger">
              Break the blind for {s.screeningNumber}
            </button>
            <a href={`/subjects/${s.id}`}>Cancel</a>
          </div>
        </form>
      </div>
    </Layout>
  )
}

function Disclosure(props: { web: Web; actor: Actor; subject: SubjectView; allocation: UnblindedSubjectAllocation }) {
  const { subject: s, allocation } = props
  return (
    <Layout web={props.web} actor={props.actor} title={`Unblinded · ${s.screeningNumber}`} nav="subjects">
      <div class="card confirm-danger narrow">
        <h1>Treatment of {s.screeningNumber}</h1>
        <ol>
          {allocation.periods.map((p) => (
            <li>
              <strong>{p.label}</strong>: {p.armLabel}
              {p.receivesLabel && p.receivesLabel !== p.armLabel ? ` (received ${p.receivesLabel})` : ''}
            </li>
          ))}
        </ol>
        <p class="warning">
          This page is shown once. Record what you need in the patient's medical notes; do not share it with the study
          team.
        </p>
        <p>
          <a href={`/subjects/${s.id}`}>Back to the subject</a>
        </p>
      </div>
    </Layout>
  )
}

export function registerUnblindPages(router: WebRouter, web: Web): void {
  const { services } = web.deps

  async function load(actor: Actor, id: string) {
    const s = await services.subjects.get(actor, id)
    if (!s.ok) return s
    if (!can(actor, Action.UnblindEmergency, { siteId: s.value.siteId })) {
      return {
        ok: false as const,
        problems: [{ code: 'forbidden' as const, path: '', message: 'only the investigator may break the blind' }],
      }
    }
    return s
  }

  router.get('/subjects/:id/unblind', signedIn, async (c) => {
    const actor = actorOf(c)
    const s = await load(actor, c.req.param('id'))
    if (!s.ok) return page(c, <ErrorPage web={web} actor={actor} problems={s.problems} />, statusOf(s.problems))
    return page(c, <UnblindForm web={web} actor={actor} subject={s.value} body={{}} problems={[]} />)
  })

  router.post('/subjects/:id/unblind', signedIn, async (c) => {
    const actor = actorOf(c)
    const s = await load(actor, c.req.param('id'))
    if (!s.ok) return page(c, <ErrorPage web={web} actor={actor} problems={s.problems} />, statusOf(s.problems))
    const body = await formBody(c)
    const problems = unconfirmed(body, 'tick the confirmation to break the blind')
    if (problems.length > 0)
      return page(c, <UnblindForm web={web} actor={actor} subject={s.value} body={body} problems={problems} />, 422)
    const r = await services.unblinding.emergency(actor, s.value.id, {
      reason: text(body, 'reason'),
      password: passwordOf(body),
    })
    if (!r.ok)
      return page(
        c,
        <UnblindForm
          web={web}
          actor={actor}
          subject={s.value}
          body={{ reason: text(body, 'reason') }}
          problems={r.problems}
        />,
        statusOf(r.problems),
      )
    return page(c, <Disclosure web={web} actor={actor} subject={s.value} allocation={r.value} />)
  })
}
