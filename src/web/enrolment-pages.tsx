/**
 * A subject's way into the trial, one small page per step: screening, informed consent, the eligibility
 * checklist, screen failure, enrolment with the stratification inputs, randomization behind a confirmation
 * step, the next period (the month-6 blinded re-randomization), withdrawal. Each step posts to the subject
 * service; its problems come back next to the fields. What a randomization answers is the service's
 * projection for the user, so a blinded user sees the blinded label and the preparation code only.
 */
import type { Child } from 'hono/jsx'
import { Action, can, type Actor } from '../access/index.ts'
import type { SubjectView } from '../capture/index.ts'
import type { Problem, Result } from '../domain/index.ts'
import { Layout } from './layout.tsx'
import { ErrorSummary, FieldMessage, fieldId, messageId } from './ui.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { actorOf, byField, done, formBody, page, signedIn, statusOf, text, todayOf, type FormBody } from './web-kit.ts'
import { allocationText, ErrorPage, StatusBadge } from './subject-parts.tsx'

type Errors = ReadonlyMap<string, readonly string[]>

/** A labelled text-like input with its hint and message. */
export function InputField(props: {
  readonly name: string
  readonly label: string
  readonly type?: string
  readonly value?: string
  readonly hint?: string
  readonly errors: Errors
  readonly required?: boolean
  readonly cls?: string
  readonly inputmode?: 'decimal' | 'numeric' | undefined
}) {
  const id = fieldId(props.name)
  const messages = props.errors.get(props.name)
  return (
    <div class={`field${messages ? ' field-invalid' : ''}`}>
      <label for={id}>
        {props.label}
        {props.required ? <span class="muted"> (required)</span> : null}
      </label>
      {props.hint && (
        <span class="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      )}
      <input
        type={props.type ?? 'text'}
        id={id}
        name={props.name}
        value={props.value ?? ''}
        class={props.cls}
        inputmode={props.inputmode}
        aria-invalid={messages ? 'true' : undefined}
        aria-describedby={`${props.hint ? `${id}-hint ` : ''}${messageId(props.name)}`}
      />
      <FieldMessage path={props.name} messages={messages} />
    </div>
  )
}

/** A select from a fixed list. */
export function SelectField(props: {
  readonly name: string
  readonly label: string
  readonly options: readonly { readonly value: string; readonly label: string }[]
  readonly value?: string
  readonly errors: Errors
  readonly placeholder?: string
}) {
  const id = fieldId(props.name)
  const messages = props.errors.get(props.name)
  return (
    <div class={`field${messages ? ' field-invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        aria-invalid={messages ? 'true' : undefined}
        aria-describedby={messageId(props.name)}
      >
        {props.placeholder !== undefined && <option value="">{props.placeholder}</option>}
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldMessage path={props.name} messages={messages} />
    </div>
  )
}

/** A yes/no radio group in a fieldset with a legend. */
export function YesNo(props: {
  readonly name: string
  readonly legend: string
  readonly value: boolean | undefined
  readonly errors: Errors
  readonly yes?: string
  readonly no?: string
}) {
  const id = fieldId(props.name)
  const messages = props.errors.get(props.name)
  return (
    <fieldset class={`field${messages ? ' field-invalid' : ''}`} aria-describedby={messageId(props.name)}>
      <legend>{props.legend}</legend>
      <div class="choices choices-inline">
        <label class="choice">
          <input type="radio" id={id} name={props.name} value="true" checked={props.value === true} />
          <span>{props.yes ?? 'Yes'}</span>
        </label>
        <label class="choice">
          <input type="radio" id={`${id}-no`} name={props.name} value="false" checked={props.value === false} />
          <span>{props.no ?? 'No'}</span>
        </label>
      </div>
      <FieldMessage path={props.name} messages={messages} />
    </fieldset>
  )
}

/** The frame of a step page: the subject it is about, the errors, the form. */
function StepPage(props: {
  readonly web: Web
  readonly actor: Actor
  readonly subject: SubjectView
  readonly title: string
  readonly problems: readonly Problem[]
  readonly children?: Child
  readonly confirm?: 'normal' | 'danger' | undefined
}) {
  const s = props.subject
  return (
    <Layout web={props.web} actor={props.actor} title={`${props.title} · ${s.screeningNumber}`} nav="subjects">
      <p>
        <a href={`/subjects/${s.id}`}>← Subject {s.screeningNumber}</a>
      </p>
      <div class={`card${props.confirm === 'danger' ? ' confirm-danger' : props.confirm ? ' confirm' : ''}`}>
        <h1>
          {props.title}: {s.screeningNumber}
        </h1>
        <p>
          Site {s.siteId} · <StatusBadge status={s.status} />
        </p>
        <ErrorSummary problems={props.problems} />
        {props.children}
      </div>
    </Layout>
  )
}

const field = (problems: readonly Problem[]): Errors => byField(problems)

/** The subject for a page, or the error page answer. */
export async function subjectOr(web: Web, actor: Actor, id: string): Promise<Result<SubjectView>> {
  return web.deps.services.subjects.get(actor, id)
}

export function registerEnrolmentPages(router: WebRouter, web: Web): void {
  const { subjects } = web.deps.services
  const { protocol } = web.compiled
  const today = (): string => todayOf(web.deps.clock.now())

  // ---- screening a new subject

  const siteOptions = (actor: Actor) =>
    protocol.sites
      .filter((s) => can(actor, Action.SubjectScreen, { siteId: s.id as never }))
      .map((s) => ({ value: s.id, label: `${s.id} · ${s.name}` }))

  function ScreenPage(props: { actor: Actor; body: FormBody; problems: readonly Problem[] }) {
    const errors = field(props.problems)
    const sites = siteOptions(props.actor)
    return (
      <Layout web={web} actor={props.actor} title="Screen a new subject" nav="subjects">
        <div class="card narrow">
          <h1>Screen a new subject</h1>
          <ErrorSummary problems={props.problems} />
          <form method="post" action="/subjects">
            <SelectField
              name="siteId"
              label="Site"
              options={sites}
              value={text(props.body, 'siteId') || sites[0]?.value || ''}
              errors={errors}
            />
            <InputField
              name="screeningDate"
              label="Screening date"
              type="date"
              value={text(props.body, 'screeningDate') || today()}
              errors={errors}
              required
            />
            <InputField
              name="screeningNumber"
              label="Screening number"
              value={text(props.body, 'screeningNumber')}
              hint="Leave empty to number subjects automatically by site (MAL-001, MAL-002, …)."
              errors={errors}
              cls="w-medium"
            />
            <button type="submit">Register subject</button>
          </form>
        </div>
      </Layout>
    )
  }

  router.get('/subjects/new', signedIn, (c) => {
    const actor = actorOf(c)
    if (!can(actor, Action.SubjectScreen)) return page(c, <ErrorPage web={web} actor={actor} status={403} />, 403)
    return page(c, <ScreenPage actor={actor} body={{}} problems={[]} />)
  })

  router.post('/subjects', signedIn, async (c) => {
    const actor = actorOf(c)
    const body = await formBody(c)
    const number = text(body, 'screeningNumber')
    const r = await subjects.screen(actor, {
      siteId: text(body, 'siteId'),
      screeningDate: text(body, 'screeningDate'),
      ...(number ? { screeningNumber: number } : {}),
    })
    if (r.ok) return done(c, `/subjects/${r.value.id}`, `Subject ${r.value.screeningNumber} registered at screening.`)
    return page(c, <ScreenPage actor={actor} body={body} problems={r.problems} />, statusOf(r.problems))
  })

  // ---- one page per step: GET shows the form, POST runs the service, problems re-render the form

  interface Step {
    readonly path: string
    readonly title: string
    readonly confirm?: 'normal' | 'danger'
    readonly form: (p: { actor: Actor; subject: SubjectView; body: FormBody; errors: Errors }) => Child
    readonly run: (actor: Actor, subject: SubjectView, body: FormBody) => Promise<Result<SubjectView>>
    readonly message: (before: SubjectView, after: SubjectView) => string
  }

  const steps: Step[] = [
    {
      path: 'consent',
      title: 'Informed consent',
      form: ({ subject, body, errors }) => (
        <>
          <InputField
            name="date"
            label="Date consent was signed"
            type="date"
            value={text(body, 'date') || subject.consent?.date || today()}
            errors={errors}
            required
          />
          <InputField
            name="version"
            label="Consent form version"
            value={text(body, 'version') || subject.consent?.version || protocol.study.version}
            errors={errors}
            cls="w-narrow"
            required
          />
          {subject.consent && (
            <InputField
              name="reason"
              label="Reason for correcting the consent record"
              value={text(body, 'reason')}
              errors={errors}
              cls="w-medium"
              required
            />
          )}
        </>
      ),
      run: (actor, s, body) =>
        subjects.recordConsent(actor, s.id, {
          date: text(body, 'date'),
          version: text(body, 'version'),
          ...(text(body, 'reason') ? { reason: text(body, 'reason') } : {}),
        }),
      message: () => 'Informed consent recorded.',
    },
    {
      path: 'eligibility',
      title: 'Eligibility checklist',
      form: ({ subject, body, errors }) => {
        const answer = (id: string): boolean | undefined => {
          const v = text(body, `answers.${id}`)
          if (v === 'true' || v === 'false') return v === 'true'
          return subject.eligibility?.answers[id]
        }
        return (
          <>
            <h2>Inclusion criteria: is each one met?</h2>
            {protocol.eligibility.inclusion.map((c) => (
              <YesNo
                name={`answers.${c.id}`}
                legend={`${c.id}. ${c.text}`}
                value={answer(c.id)}
                errors={errors}
                yes="Met"
                no="Not met"
              />
            ))}
            <h2>Exclusion criteria: is any present?</h2>
            {protocol.eligibility.exclusion.map((c) => (
              <YesNo
                name={`answers.${c.id}`}
                legend={`${c.id}. ${c.text}`}
                value={answer(c.id)}
                errors={errors}
                yes="Present"
                no="Absent"
              />
            ))}
            {subject.eligibility && (
              <InputField
                name="reason"
                label="Reason for correcting the checklist"
                value={text(body, 'reason')}
                errors={errors}
                cls="w-medium"
                required
              />
            )}
          </>
        )
      },
      run: (actor, s, body) => {
        const answers: Record<string, boolean> = {}
        for (const c of [...protocol.eligibility.inclusion, ...protocol.eligibility.exclusion]) {
          const v = text(body, `answers.${c.id}`)
          if (v === 'true' || v === 'false') answers[c.id] = v === 'true'
        }
        return subjects.recordEligibility(actor, s.id, {
          answers,
          ...(text(body, 'reason') ? { reason: text(body, 'reason') } : {}),
        })
      },
      message: (_b, a) =>
        a.eligibility?.eligible
          ? 'Eligibility recorded: the subject is eligible.'
          : `Eligibility recorded: not eligible (${a.eligibility?.failed.join(', ') ?? ''}).`,
    },
    {
      path: 'enrol',
      title: 'Enrolment',
      form: ({ body, errors }) => (
        <>
          <InputField
            name="date"
            label="Enrolment date"
            type="date"
            value={text(body, 'date') || today()}
            errors={errors}
            required
          />
          {protocol.stratification.factors.map((f) => {
            if (f.source === 'site') return null
            if (f.source === 'enrolment') {
              return (
                <SelectField
                  name={`factors.${f.id}`}
                  label={f.label}
                  options={(f.levels ?? []).map((l) => ({ value: l, label: l }))}
                  value={text(body, `factors.${f.id}`)}
                  placeholder="Choose…"
                  errors={errors}
                />
              )
            }
            return (
              <InputField
                name={`factors.${f.source.value}`}
                label={`${f.label}: ${f.source.value}`}
                value={text(body, `factors.${f.source.value}`)}
                hint={`A number; ${f.source.cuts.map((cut) => `below ${cut.below} is ${cut.level}`).join(', ')}, otherwise ${f.source.otherwise}.`}
                inputmode="decimal"
                cls="w-narrow"
                errors={errors}
                required
              />
            )
          })}
        </>
      ),
      run: (actor, s, body) => {
        const factors: Record<string, string | number> = {}
        for (const f of protocol.stratification.factors) {
          if (f.source === 'site') continue
          const key = f.source === 'enrolment' ? f.id : f.source.value
          const v = text(body, `factors.${key}`)
          if (v === '') continue
          factors[key] = f.source === 'enrolment' || !/^[+-]?\d+(\.\d+)?$/.test(v) ? v : Number(v)
        }
        return subjects.enrol(actor, s.id, { date: text(body, 'date'), factors })
      },
      message: () => 'Subject enrolled. Randomize when the baseline visit is done.',
    },
    {
      path: 'randomize',
      title: 'Randomize',
      confirm: 'normal',
      form: ({ subject, body, errors }) => (
        <>
          <p class="warning">
            Randomization cannot be undone. Check that the subject is {subject.screeningNumber} at site {subject.siteId}
            , consented, eligible and enrolled, and that the baseline assessments are complete.
          </p>
          <InputField
            name="date"
            label="Randomization date"
            type="date"
            value={text(body, 'date') || today()}
            errors={errors}
            required
          />
          <p>
            {protocol.arms.every((a) => a.blindedLabel === protocol.arms[0]?.blindedLabel) ? (
              <>
                Treatment is double-blind: you will see the label <strong>{protocol.arms[0]?.blindedLabel}</strong> and
                a preparation code, not the arm.
              </>
            ) : null}
          </p>
        </>
      ),
      run: (actor, s, body) => subjects.randomize(actor, s.id, { date: text(body, 'date') }),
      message: (_b, a) => `Randomized. ${allocationText(a)}`,
    },
    {
      path: 'next-period',
      title: 'Next period',
      confirm: 'normal',
      form: ({ subject, body, errors }) => {
        const next = nextPeriod(web, subject)
        return (
          <>
            <p class="warning">
              {subject.screeningNumber} moves into <strong>{next?.label ?? 'the next period'}</strong>.
              {next?.allocation
                ? ' Every subject goes through the same blinded allocation step; what each one receives stays hidden.'
                : ''}{' '}
              This cannot be undone.
            </p>
            <InputField
              name="date"
              label="Start date of the period"
              type="date"
              value={text(body, 'date') || today()}
              errors={errors}
              required
            />
          </>
        )
      },
      run: (actor, s, body) => subjects.enterNextPeriod(actor, s.id, { date: text(body, 'date') }),
      message: (_b, a) => `Period entered. ${allocationText(a)}`,
    },
    {
      path: 'withdraw',
      title: 'Withdraw',
      confirm: 'danger',
      form: ({ body, errors }) => (
        <>
          <p>The subject stays in the intention-to-treat population; data already entered are kept.</p>
          <InputField
            name="date"
            label="Date of withdrawal"
            type="date"
            value={text(body, 'date') || today()}
            errors={errors}
            required
          />
          <SelectField
            name="reason"
            label="Reason"
            options={protocol.disposition.withdrawalReasons.map((r) => ({ value: r, label: r }))}
            value={text(body, 'reason')}
            placeholder="Choose…"
            errors={errors}
          />
          <InputField name="details" label="Details" value={text(body, 'details')} errors={errors} cls="w-medium" />
        </>
      ),
      run: (actor, s, body) =>
        subjects.withdraw(actor, s.id, {
          date: text(body, 'date'),
          reason: text(body, 'reason'),
          ...(text(body, 'details') ? { details: text(body, 'details') } : {}),
        }),
      message: () => 'Subject withdrawn.',
    },
    {
      path: 'screen-failure',
      title: 'Screen failure',
      confirm: 'danger',
      form: ({ body, errors }) => (
        <>
          <InputField
            name="date"
            label="Date"
            type="date"
            value={text(body, 'date') || today()}
            errors={errors}
            required
          />
          <SelectField
            name="reason"
            label="Reason"
            options={protocol.disposition.screenFailureReasons.map((r) => ({ value: r, label: r }))}
            value={text(body, 'reason')}
            placeholder="Choose…"
            errors={errors}
          />
          <InputField name="details" label="Details" value={text(body, 'details')} errors={errors} cls="w-medium" />
        </>
      ),
      run: (actor, s, body) =>
        subjects.screenFail(actor, s.id, {
          date: text(body, 'date'),
          reason: text(body, 'reason'),
          ...(text(body, 'details') ? { details: text(body, 'details') } : {}),
        }),
      message: () => 'Screen failure recorded.',
    },
  ]

  for (const step of steps) {
    const render = (actor: Actor, subject: SubjectView, body: FormBody, problems: readonly Problem[]) => (
      <StepPage web={web} actor={actor} subject={subject} title={step.title} problems={problems} confirm={step.confirm}>
        <form method="post" action={`/subjects/${subject.id}/${step.path}`} novalidate>
          {step.form({ actor, subject, body, errors: field(problems) })}
          <div class="actions">
            <button type="submit" class={step.confirm === 'danger' ? 'button-danger' : undefined}>
              {step.confirm ? `Confirm: ${step.title.toLowerCase()}` : 'Save'}
            </button>
            <a href={`/subjects/${subject.id}`}>Cancel</a>
          </div>
        </form>
      </StepPage>
    )

    router.get(`/subjects/:id/${step.path}`, signedIn, async (c) => {
      const actor = actorOf(c)
      const s = await subjectOr(web, actor, c.req.param('id'))
      if (!s.ok) return page(c, <ErrorPage web={web} actor={actor} problems={s.problems} />, statusOf(s.problems))
      return page(c, render(actor, s.value, {}, []))
    })

    router.post(`/subjects/:id/${step.path}`, signedIn, async (c) => {
      const actor = actorOf(c)
      const s = await subjectOr(web, actor, c.req.param('id'))
      if (!s.ok) return page(c, <ErrorPage web={web} actor={actor} problems={s.problems} />, statusOf(s.problems))
      const body = await formBody(c)
      const r = await step.run(actor, s.value, body)
      if (r.ok) return done(c, `/subjects/${s.value.id}`, step.message(s.value, r.value))
      return page(c, render(actor, s.value, body, r.problems), statusOf(r.problems))
    })
  }
}

/** The period a subject would enter next (entered from its current period), if any. */
export function nextPeriod(web: Web, subject: SubjectView) {
  const periods = web.compiled.protocol.periods
  const index = periods.findIndex((p) => p.id === subject.currentPeriod)
  const next = index >= 0 ? periods[index + 1] : undefined
  return next && next.entry.who === 'continuing' && next.entry.from === subject.currentPeriod ? next : undefined
}
