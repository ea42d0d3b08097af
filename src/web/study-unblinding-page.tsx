/**
 * End-of-study unblinding (unblind.study, the independent statistician), possible only once the database is
 * locked: a warning, a reason (audited, shown with the unblinding), the statistician's password re-entered and an
 * explicit confirmation. After it every role allowed a report sees the report by arm, and the service notifies the
 * roles the protocol names.
 */
import type { Context } from 'hono'
import { Action, can, type Actor } from '../access/index.ts'
import type { AppEnv } from '../api/index.ts'
import type { StudySummary } from '../capture/index.ts'
import type { Problem } from '../domain/index.ts'
import { Layout } from './layout.tsx'
import { ErrorPage } from './subject-parts.tsx'
import { ErrorSummary, PasswordAndConfirm, ReasonField } from './ui.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import {
  actorOf,
  byField,
  done,
  formatInstant,
  formBody,
  page,
  passwordOf,
  signedIn,
  statusOf,
  takeFlash,
  text,
  unconfirmed,
} from './web-kit.ts'

function UnblindingPage(props: {
  web: Web
  actor: Actor
  study: StudySummary
  problems: readonly Problem[]
  flash: string | null
  /** The reason typed before a refused attempt, shown again. */
  reason: string
}) {
  const { study: s } = props
  const errors = byField(props.problems)
  return (
    <Layout web={props.web} actor={props.actor} title="Study unblinding" nav="unblinding" flash={props.flash}>
      <h1>End-of-study unblinding</h1>
      {s.unblindedAt ? (
        <div class="card narrow">
          <p id="unblinding-status">
            The study was unblinded on {formatInstant(s.unblindedAt)}, after the database lock of{' '}
            {formatInstant(s.databaseLockedAt)}. Every role allowed a report now sees it by arm.
          </p>
          <p>
            Reason: <span id="unblinding-reason">{s.unblindingReason ?? '—'}</span>
          </p>
          <p>
            <a href="/report">Open the report</a>
          </p>
        </div>
      ) : !s.databaseLockedAt ? (
        <div class="card narrow">
          <p id="unblinding-status">
            The database is not locked yet. The study is unblinded only after the data manager has locked the database,
            so that no data can change once the allocations are known.
          </p>
        </div>
      ) : (
        <div class="card confirm-danger narrow">
          <p id="unblinding-status">
            The database was locked on {formatInstant(s.databaseLockedAt)} (snapshot{' '}
            <code class="hash">{s.databaseLockHash ?? '—'}</code>; reason:{' '}
            <span id="lock-reason">{s.databaseLockReason ?? '—'}</span>).
          </p>
          <p class="warning">
            Unblinding reveals every subject's allocation to every role: the sponsor, the site teams and the data
            manager will see the report by arm. It is recorded with your name and cannot be undone.
          </p>
          <ErrorSummary problems={props.problems} title="The study was not unblinded" />
          <form method="post" action="/study-unblinding" novalidate>
            <ReasonField
              errors={errors}
              label="Reason for the unblinding"
              hint="Recorded in the audit trail and shown with the unblinding, e.g. database locked and the analysis plan final."
              value={props.reason}
            />
            <PasswordAndConfirm
              errors={errors}
              confirm="I confirm that the analysis plan is final and that the study is to be unblinded."
            />
            <div class="actions">
              <button type="submit" class="button-danger">
                Unblind the study
              </button>
            </div>
          </form>
        </div>
      )}
    </Layout>
  )
}

export function registerStudyUnblindingPage(router: WebRouter, web: Web): void {
  const { services } = web.deps

  async function show(
    c: Context<AppEnv>,
    problems: readonly Problem[],
    flash: string | null,
    reason = '',
  ): Promise<Response> {
    const actor = actorOf(c)
    if (!can(actor, Action.UnblindStudy)) return page(c, <ErrorPage web={web} actor={actor} status={403} />, 403)
    const study = await services.study.summary(actor)
    if (!study.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={study.problems} />, statusOf(study.problems))
    return page(
      c,
      <UnblindingPage web={web} actor={actor} study={study.value} problems={problems} flash={flash} reason={reason} />,
      problems.length > 0 ? statusOf(problems) : 200,
    )
  }

  router.get('/study-unblinding', signedIn, (c) => show(c, [], takeFlash(c)))

  router.post('/study-unblinding', signedIn, async (c) => {
    const body = await formBody(c)
    const reason = text(body, 'reason')
    const problems = unconfirmed(body, 'tick the confirmation to unblind the study')
    if (problems.length > 0) return show(c, problems, null, reason)
    const r = await services.unblinding.endOfStudy(actorOf(c), { password: passwordOf(body), reason })
    if (!r.ok) return show(c, r.problems, null, reason)
    return done(c, '/report', `The study is unblinded (${formatInstant(r.value.unblindedAt)}): the report is by arm.`)
  })
}
