import type { Context } from 'hono'
import { can, type Action, type Actor } from '../access/index.ts'
import type { AppEnv } from '../api/index.ts'
import type { StudySummary } from '../capture/index.ts'
import type { Problem, Result } from '../domain/index.ts'
import { ErrorSummary, PasswordAndConfirm, ReasonField } from './ui.tsx'
import { ErrorPage } from './subject-parts.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import {
  actorOf,
  byField,
  done,
  formBody,
  page,
  passwordOf,
  signedIn,
  statusOf,
  takeFlash,
  text,
  unconfirmed,
} from './web-kit.ts'

/** What a study-action page is drawn from. */
export interface StudyActionView<Extra> {
  readonly web: Web
  readonly actor: Actor
  readonly study: StudySummary
  /** What the page reads besides the study summary (the lock's readiness checklist). */
  readonly extra: Extra
  readonly problems: readonly Problem[]
  readonly flash: string | null
  /** The reason typed before a refused attempt, shown again. */
  readonly reason: string
}

/**
 * One irreversible study-level action behind one page (the database lock, the end-of-study unblinding): the
 * page for those allowed the action, and its form posting the reason, the re-entered password and the explicit
 * confirmation to the service, which checks them all again.
 */
export function registerStudyActionPage<Extra, Value>(
  router: WebRouter,
  web: Web,
  spec: {
    readonly path: string
    readonly action: Action
    /** The problem shown when the confirmation is not ticked. */
    readonly unconfirmed: string
    readonly extra: (actor: Actor, study: StudySummary) => Promise<Extra>
    readonly view: (props: StudyActionView<Extra>) => unknown
    readonly perform: (actor: Actor, input: { password: string; reason: string }) => Promise<Result<Value>>
    readonly done: (value: Value) => { readonly to: string; readonly message: string }
  },
): void {
  async function show(
    c: Context<AppEnv>,
    problems: readonly Problem[],
    flash: string | null,
    reason = '',
  ): Promise<Response> {
    const actor = actorOf(c)
    if (!can(actor, spec.action)) return page(c, <ErrorPage web={web} actor={actor} status={403} />, 403)
    const study = await web.deps.services.study.summary(actor)
    if (!study.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={study.problems} />, statusOf(study.problems))
    const extra = await spec.extra(actor, study.value)
    return page(
      c,
      spec.view({ web, actor, study: study.value, extra, problems, flash, reason }),
      problems.length > 0 ? statusOf(problems) : 200,
    )
  }

  router.get(spec.path, signedIn, (c) => show(c, [], takeFlash(c)))

  router.post(spec.path, signedIn, async (c) => {
    const body = await formBody(c)
    const reason = text(body, 'reason')
    const problems = unconfirmed(body, spec.unconfirmed)
    if (problems.length > 0) return show(c, problems, null, reason)
    const r = await spec.perform(actorOf(c), { password: passwordOf(body), reason })
    if (!r.ok) return show(c, r.problems, null, reason)
    const next = spec.done(r.value)
    return done(c, next.to, next.message)
  })
}

/** The action's form: the refusal summary, the reason, the password and confirmation, the one button. */
export function StudyActionForm(props: {
  readonly path: string
  readonly problems: readonly Problem[]
  /** The refusal summary's title, e.g. "The database was not locked". */
  readonly refused: string
  readonly reasonLabel: string
  readonly reasonHint: string
  readonly reason: string
  readonly confirm: string
  readonly button: string
}) {
  const errors = byField(props.problems)
  return (
    <>
      <ErrorSummary problems={props.problems} title={props.refused} />
      <form method="post" action={props.path} novalidate>
        <ReasonField errors={errors} label={props.reasonLabel} hint={props.reasonHint} value={props.reason} />
        <PasswordAndConfirm errors={errors} confirm={props.confirm} />
        <div class="actions">
          <button type="submit" class="button-danger">
            {props.button}
          </button>
        </div>
      </form>
    </>
  )
}
