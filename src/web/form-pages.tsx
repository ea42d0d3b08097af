/**
 * Form entry for one form at one visit of a subject, generated from the compiled protocol form:
 *
 * - GET shows the form (inputs for roles that enter data, values for the others) with the live score panel,
 *   each field's query thread and history link;
 * - `/validate` is the htmx round trip while typing: the protocol's `validateFormEntry` in draft mode, answered
 *   as out-of-band swaps of each field's message, the scores, the changes since the saved version, and the
 *   fields whose display condition flipped (nothing else is replaced, so focus and caret stay put);
 * - POST saves through the form service (final validation, a new version, a reason after the first save);
 *   its problems come back next to the fields.
 *
 * Items that reveal the allocation (`unblindedOnly`) are neither rendered for nor accepted from a blinded user;
 * their saved values are carried over on the server when such a user saves the form.
 */
import type { Context } from 'hono'
import type { Child } from 'hono/jsx'
import type { AppEnv } from '../api/index.ts'
import { Action, can, seesAllocation, type Actor, type StudyBlindState } from '../access/index.ts'
import { DEFAULT_SIGNATURE_MEANING, type FormView, type QueryView, type SubjectView } from '../capture/index.ts'
import type { IsoDate, Problem } from '../domain/index.ts'
import type { CompiledForm } from '../protocol/index.ts'
import {
  ChangeSummary,
  changedItems,
  checkEntry,
  FormMessages,
  LiveFragments,
  postedValues,
  rawValues,
  reportedVisibility,
  ScorePanel,
  type EntryCheck,
} from './form-entry.tsx'
import { Field, SideGrid, sidePairs, wrapperId, type RawValues } from './form-fields.tsx'
import { Layout } from './layout.tsx'
import { ErrorPage } from './subject-parts.tsx'
import { ErrorSummary, FieldMessage, fieldId, messageId } from './ui.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import {
  actorOf,
  byField,
  done,
  formatInstant,
  formBody,
  html,
  page,
  safeNext,
  signedIn,
  statusOf,
  studyBlind,
  takeFlash,
  text,
} from './web-kit.ts'

/** Items a reader may not see: allocation-revealing ones for a blinded reader. */
export function hiddenItemsFor(form: CompiledForm, actor: Actor, blind: StudyBlindState): Set<string> {
  return seesAllocation(actor, blind) ? new Set() : new Set(form.items.filter((i) => i.unblindedOnly).map((i) => i.id))
}

interface EntryData {
  readonly subject: SubjectView
  readonly form: CompiledForm
  readonly visit: { readonly id: string; readonly label: string; readonly actualDate: string | null }
  readonly instance: FormView | undefined
  readonly queries: readonly QueryView[]
  readonly hidden: ReadonlySet<string>
  /**
   * Required items hidden from this reader (the INFUSION form's doses for blinded staff): the reader cannot save
   * the form, which another step fills (the infusion record, from the sealed preparation).
   */
  readonly unsavable: readonly string[]
  readonly editable: boolean
  readonly onsetDate: IsoDate | undefined
}

const entryUrl = (subjectId: string, visitId: string, formId: string): string =>
  `/subjects/${subjectId}/visits/${visitId}/forms/${formId}`

/** Loads what a form page needs, or the problems (unknown subject, form not collected at the visit). */
async function loadEntry(
  web: Web,
  actor: Actor,
  subjectId: string,
  visitId: string,
  formId: string,
): Promise<{ ok: true; value: EntryData } | { ok: false; problems: readonly Problem[] }> {
  const { services } = web.deps
  const subject = await services.subjects.get(actor, subjectId)
  if (!subject.ok) return subject
  const form = web.compiled.forms.find((f) => f.id === formId)
  const visit = web.compiled.visits.find((v) => v.id === visitId)
  const unscheduled = /^UNS-[1-9][0-9]{0,3}$/.test(visitId) && web.compiled.protocol.unscheduledForms.includes(formId)
  if (!form || (!unscheduled && !visit?.forms.includes(formId))) {
    return {
      ok: false,
      problems: [{ code: 'not_found', path: 'formId', message: `form ${formId} is not collected at visit ${visitId}` }],
    }
  }
  const [forms, calendar, blind] = await Promise.all([
    services.forms.listForSubject(actor, subjectId),
    services.visits.calendar(actor, subjectId),
    studyBlind(web, actor),
  ])
  const all = forms.ok ? forms.value : []
  const instance = all.find((f) => f.visitId === visitId && f.formId === formId && f.instance === 1)
  const queries =
    instance && can(actor, Action.FormView)
      ? await services.queries.list(actor, { subjectId, formId: instance.id, limit: 500 })
      : null
  const actualDate = calendar.ok ? (calendar.value.visits.find((v) => v.visitId === visitId)?.actualDate ?? null) : null
  const onset = all.map((f) => f.values['onset_date']).find((v): v is string => typeof v === 'string')
  const hidden = hiddenItemsFor(form, actor, blind)
  const unsavable = form.items.filter((i) => i.required && hidden.has(i.id)).map((i) => i.id)
  const editable =
    can(actor, Action.FormEnter, { siteId: subject.value.siteId }) &&
    unsavable.length === 0 &&
    !instance?.locked &&
    !subject.value.locked &&
    subject.value.status !== 'screen-failed'
  return {
    ok: true,
    value: {
      subject: subject.value,
      form,
      visit: { id: visitId, label: visit?.label ?? `Unscheduled visit ${visitId.slice(4)}`, actualDate },
      instance: instance?.status === 'deleted' ? undefined : instance,
      queries: queries?.ok ? queries.value.items : [],
      hidden,
      unsavable,
      editable,
      onsetDate: onset as IsoDate | undefined,
    },
  }
}

/** The saved answers a reader may see, as input strings. */
function savedRaw(d: EntryData): RawValues {
  if (!d.instance) return {}
  const visible = Object.fromEntries(Object.entries(d.instance.values).filter(([k]) => !d.hidden.has(k)))
  return rawValues(visible)
}

function check(d: EntryData, values: RawValues, mode: 'draft' | 'final'): EntryCheck {
  return checkEntry(d.form, values, {
    mode,
    onsetDate: d.onsetDate,
    assessmentDate: (d.visit.actualDate ?? undefined) as IsoDate | undefined,
    hiddenItems: d.hidden,
  })
}

/** A field's query thread and the controls for this role (forms placed outside the entry form, bound by `form=`). */
function FieldTools(props: { actor: Actor; d: EntryData; itemId: string | null }) {
  const { actor, d, itemId } = props
  const site = { siteId: d.subject.siteId }
  const queries = d.queries.filter((q) => q.itemId === itemId)
  const history = d.instance && itemId ? `/forms/${d.instance.id}/fields/${itemId}` : null
  const canRaise = d.instance !== undefined && can(actor, Action.QueryRaise, site)
  const key = itemId ?? 'form'
  return (
    <>
      {queries.map((q) => (
        <div class="thread" id={`query-${q.id}`}>
          <strong>
            Query <span class={`badge q-${q.status}`}>{q.status}</span>
          </strong>
          <ol>
            {q.messages.map((m) => (
              <li>
                {m.action} by {m.username} ({m.role}), {formatInstant(m.at)}: {m.text || '—'}
              </li>
            ))}
          </ol>
          {q.status === 'open' && can(actor, Action.QueryAnswer, site) && (
            <div class="field">
              <label for={`qa-text-${q.id}`}>Your answer</label>
              <textarea id={`qa-text-${q.id}`} name="text" form={`qa-${q.id}`} rows={2}></textarea>
              <button type="submit" form={`qa-${q.id}`} class="button-small">
                Answer query
              </button>
            </div>
          )}
          {q.status !== 'closed' && can(actor, Action.QueryClose, site) && (
            <button type="submit" form={`qc-${q.id}`} class="button-small button-secondary">
              Close query
            </button>
          )}
          {q.status !== 'open' && can(actor, Action.QueryClose, site) && (
            <details>
              <summary>Reopen</summary>
              <label for={`qo-text-${q.id}`}>Why it needs another look</label>
              <textarea id={`qo-text-${q.id}`} name="text" form={`qo-${q.id}`} rows={2}></textarea>
              <button type="submit" form={`qo-${q.id}`} class="button-small">
                Reopen query
              </button>
            </details>
          )}
        </div>
      ))}
      <div class="field-tools">
        {history && <a href={history}>History of this field</a>}
        {canRaise && (
          <details>
            <summary>Raise a query{itemId ? ' on this field' : ' on the form'}</summary>
            <label for={`qr-text-${key}`}>Query text</label>
            <textarea id={`qr-text-${key}`} name="text" form={`qr-${key}`} rows={2}></textarea>
            <button type="submit" form={`qr-${key}`} class="button-small">
              Raise query
            </button>
          </details>
        )}
      </div>
    </>
  )
}

/** The query forms the field tools submit (outside the entry form: forms cannot nest). */
function QueryForms(props: { d: EntryData; back: string }) {
  const { d } = props
  if (!d.instance) return null
  const items = [null, ...d.form.items.map((i) => i.id)]
  return (
    <div hidden>
      {d.queries.map((q) => (
        <>
          <form id={`qa-${q.id}`} method="post" action={`/queries/${q.id}/answer`}>
            <input type="hidden" name="back" value={`${props.back}#query-${q.id}`} />
          </form>
          <form id={`qc-${q.id}`} method="post" action={`/queries/${q.id}/close`}>
            <input type="hidden" name="back" value={`${props.back}#query-${q.id}`} />
          </form>
          <form id={`qo-${q.id}`} method="post" action={`/queries/${q.id}/reopen`}>
            <input type="hidden" name="back" value={`${props.back}#query-${q.id}`} />
          </form>
        </>
      ))}
      {items.map((itemId) => (
        <form id={`qr-${itemId ?? 'form'}`} method="post" action="/queries">
          <input type="hidden" name="subjectId" value={d.subject.id} />
          <input type="hidden" name="formId" value={d.instance?.id ?? ''} />
          {itemId && <input type="hidden" name="itemId" value={itemId} />}
          <input type="hidden" name="back" value={`${props.back}${itemId ? `#${wrapperId(itemId)}` : ''}`} />
        </form>
      ))}
    </div>
  )
}

/** Source-data verification (monitor), the investigator's signature (password re-entered) and the lock (data manager). */
function ReviewCard(props: { actor: Actor; d: EntryData; back: string }) {
  const { actor, d } = props
  const f = d.instance
  if (!f) return null
  const site = { siteId: d.subject.siteId }
  const verify = can(actor, Action.FormVerify, site) && !f.locked && !f.verified?.current
  const sign = can(actor, Action.FormSign, site) && !f.locked && !f.signed?.current
  const lock = can(actor, Action.FormLock, site)
  if (!verify && !sign && !lock) return null
  return (
    <section class="card" aria-labelledby="review-title">
      <h2 id="review-title">Review</h2>
      {verify && (
        <form method="post" action={`/forms/${f.id}/verify`}>
          <input type="hidden" name="back" value={props.back} />
          <button type="submit">Mark source-data verified (version {f.version})</button>
        </form>
      )}
      {sign && (
        <form method="post" action={`/forms/${f.id}/sign`}>
          <input type="hidden" name="back" value={props.back} />
          <p class="hint" id="sign-meaning">
            {DEFAULT_SIGNATURE_MEANING}
          </p>
          <div class="field">
            <label for="f-sign-password">Your password (electronic signature)</label>
            <input
              type="password"
              id="f-sign-password"
              name="password"
              autocomplete="current-password"
              aria-describedby="sign-meaning"
              class="w-medium"
            />
          </div>
          <button type="submit">Sign version {f.version}</button>
        </form>
      )}
      {lock &&
        (f.locked ? (
          <form method="post" action={`/forms/${f.id}/unlock`}>
            <input type="hidden" name="back" value={props.back} />
            <div class="field">
              <label for="f-unlock-reason">Reason to unlock</label>
              <input type="text" id="f-unlock-reason" name="reason" class="w-medium" />
            </div>
            <button type="submit" class="button-secondary">
              Unlock form
            </button>
          </form>
        ) : (
          <form method="post" action={`/forms/${f.id}/lock`}>
            <input type="hidden" name="back" value={props.back} />
            <button type="submit" class="button-secondary">
              Lock form
            </button>
          </form>
        ))}
    </section>
  )
}

/** The INFUSION form's instrument: filled by the infusion record on the product page. */
const INFUSION_INSTRUMENT = 'INFUSION'

/** Why this reader cannot save the form, and where its data come from instead. */
function FilledElsewhere(props: { actor: Actor; d: EntryData }) {
  const { actor, d } = props
  const product = `/subjects/${d.subject.id}/product`
  if (d.form.instrument?.id === INFUSION_INSTRUMENT) {
    return (
      <div class="note" id="filled-elsewhere">
        <p>
          This form is filled when the infusion is recorded on the subject's product page, after the bedside check of
          the preparation code and lot: the start and end, the volume and any reaction you record there, and the
          prescribed and given dose from the sealed preparation, which only unblinded staff see.
        </p>
        {d.instance ? (
          <p>
            It was filled on {formatInstant(d.instance.savedAt)}. It cannot be corrected from this page, because a save
            would need the dose items hidden from you: raise a query on the form for the data manager instead.
          </p>
        ) : can(actor, Action.InfusionRecord, { siteId: d.subject.siteId }) ? (
          <p>
            <a class="button" href={product}>
              Record the infusion on the product page
            </a>
          </p>
        ) : (
          <p>
            <a href={product}>The subject's product page</a> shows the preparations and infusions.
          </p>
        )}
      </div>
    )
  }
  return (
    <p class="note" id="filled-elsewhere">
      This form has required items that only unblinded staff see ({d.unsavable.join(', ')}), so your role cannot save
      it.
    </p>
  )
}

function VersionLine(props: { instance: FormView | undefined }) {
  const f = props.instance
  if (!f) return <p class="muted">Not entered yet.</p>
  return (
    <p>
      Version {f.version}, saved {formatInstant(f.savedAt)} ({f.savedRole}){f.reason ? `, reason: ${f.reason}` : ''}.{' '}
      {f.verified && (
        <span class={`badge ${f.verified.current ? 'fs-verified' : ''}`}>
          {f.verified.current ? 'verified' : `verified v${f.verified.version}`}
        </span>
      )}{' '}
      {f.signed && (
        <span class={`badge ${f.signed.current ? 'fs-signed' : ''}`}>
          {f.signed.current ? 'signed' : `signed v${f.signed.version}`}
        </span>
      )}{' '}
      {f.locked && <span class="badge fs-locked">locked</span>}
    </p>
  )
}

function EntryPage(props: {
  web: Web
  actor: Actor
  d: EntryData
  values: RawValues
  problems: readonly Problem[]
  reason: string
  flash: string | null
}) {
  const { web, actor, d } = props
  const url = entryUrl(d.subject.id, d.visit.id, d.form.id)
  const saved = savedRaw(d)
  const live = check(d, props.values, 'draft')
  const finalProblems = byField(props.problems)
  const messagesOf = (id: string): readonly string[] | undefined =>
    finalProblems.get(`items.${id}`) ?? live.itemMessages.get(id)
  const itemPaths = new Set(d.form.items.map((i) => `items.${i.id}`))
  const formLevel = [
    ...props.problems
      .filter((p) => !itemPaths.has(p.path) && p.path !== 'reason')
      .map((p) => (p.path ? `${p.path.replace(/^items\./, '')}: ${p.message}` : p.message)),
    ...(props.problems.length === 0 ? live.formMessages : []),
  ]
  const changes = d.instance ? changedItems(d.form, props.values, saved, d.hidden) : []
  const pairs = sidePairs(d.form.items.filter((i) => !d.hidden.has(i.id)))
  const paired = new Set(pairs.flatMap((p) => [p.left.id, p.right.id]))
  const grid = (
    <SideGrid
      caption={`${d.form.label}: each muscle group, left and right`}
      pairs={pairs}
      editable={d.editable}
      cell={(item) => ({
        value: props.values[item.id],
        messages: messagesOf(item.id),
        warnings: live.warnings.get(item.id),
        changed:
          d.instance !== undefined &&
          JSON.stringify(props.values[item.id] ?? '') !== JSON.stringify(saved[item.id] ?? ''),
        tools: d.queries.some((q) => q.itemId === item.id) ? <FieldTools actor={actor} d={d} itemId={item.id} /> : null,
      })}
    />
  )
  const fields: Child[] = d.form.items
    .filter((item) => !d.hidden.has(item.id) && (!paired.has(item.id) || item.id === pairs[0]?.left.id))
    .map((item) =>
      paired.has(item.id) ? (
        grid
      ) : (
        <Field
          form={d.form}
          item={item}
          value={props.values[item.id]}
          compare={d.instance !== undefined}
          saved={saved[item.id]}
          messages={messagesOf(item.id)}
          warnings={live.warnings.get(item.id)}
          shown={live.shown.has(item.id)}
          editable={d.editable}
          tools={<FieldTools actor={actor} d={d} itemId={item.id} />}
        />
      ),
    )
  const reasonErrors = finalProblems.get('reason')
  return (
    <Layout
      web={web}
      actor={actor}
      title={`${d.form.label} · ${d.subject.screeningNumber} · ${d.visit.label}`}
      nav="subjects"
      flash={props.flash}
    >
      <p>
        <a href={`/subjects/${d.subject.id}`}>← Subject {d.subject.screeningNumber}</a> ·{' '}
        <a href={`/subjects/${d.subject.id}/visits/${d.visit.id}`}>{d.visit.label}</a>
      </p>
      <h1>
        {d.form.label}: {d.subject.screeningNumber}, {d.visit.label}
      </h1>
      <p class="muted">
        Visit date {d.visit.actualDate ?? 'not recorded yet'}
        {d.form.instrument?.reference ? ` · ${d.form.instrument.reference}` : ''}
      </p>
      <VersionLine instance={d.instance} />
      {d.instance && can(actor, Action.AuditView, { siteId: d.subject.siteId }) && (
        <p>
          <a href={`/forms/${d.instance.id}/history`}>Audit history of this form</a>
        </p>
      )}
      {d.unsavable.length > 0 && can(actor, Action.FormEnter, { siteId: d.subject.siteId }) ? (
        <FilledElsewhere actor={actor} d={d} />
      ) : (
        d.hidden.size > 0 && (
          <p class="note">
            {d.hidden.size} item{d.hidden.size === 1 ? '' : 's'} of this form would reveal the treatment allocation and{' '}
            {d.hidden.size === 1 ? 'is' : 'are'} entered and seen by unblinded staff only.
          </p>
        )
      )}
      <ErrorSummary problems={props.problems} title="The form was not saved" />
      <div class="entry">
        <div>
          {d.editable ? (
            <form
              id="entry"
              method="post"
              action={url}
              novalidate
              hx-post={`${url}/validate`}
              hx-trigger="input delay:350ms, change"
              hx-sync="this:replace"
              hx-swap="none"
            >
              <FormMessages messages={formLevel} />
              {fields}
              {d.instance && (
                <div class={`field${reasonErrors ? ' field-invalid' : ''}`}>
                  <ChangeSummary changes={changes} />
                  <label for={fieldId('reason')}>Reason for change</label>
                  <span class="hint" id={`${fieldId('reason')}-hint`}>
                    Required when you change saved data (for example “transcription error”, “source document
                    corrected”).
                  </span>
                  <textarea
                    id={fieldId('reason')}
                    name="reason"
                    rows={2}
                    aria-describedby={`${fieldId('reason')}-hint change-summary ${messageId('reason')}`}
                    aria-invalid={reasonErrors ? 'true' : undefined}
                  >
                    {props.reason}
                  </textarea>
                  <FieldMessage path="reason" messages={reasonErrors} />
                </div>
              )}
              <div class="actions">
                <button type="submit">{d.instance ? 'Save changes' : 'Save form'}</button>
                <a href={`/subjects/${d.subject.id}`}>Back to the subject</a>
              </div>
            </form>
          ) : (
            <div>
              <FormMessages messages={[]} />
              {d.instance ? fields : null}
            </div>
          )}
          <FieldTools actor={actor} d={d} itemId={null} />
          <QueryForms d={d} back={url} />
        </div>
        <aside class="entry-side" aria-label="Scores and progress">
          <ScorePanel form={d.form} check={live} />
          <ReviewCard actor={actor} d={d} back={url} />
        </aside>
      </div>
    </Layout>
  )
}

export function registerFormPages(router: WebRouter, web: Web): void {
  const path = '/subjects/:id/visits/:visit/forms/:form'
  const { review } = web.deps.services

  for (const [action, message] of [
    ['verify', 'Source-data verification recorded.'],
    ['sign', 'Form signed.'],
    ['lock', 'Form locked.'],
    ['unlock', 'Form unlocked.'],
  ] as const) {
    router.post(`/forms/:id/${action}`, signedIn, async (c) => {
      const actor = actorOf(c)
      const id = c.req.param('id')
      const body = await formBody(c)
      const password = typeof body['password'] === 'string' ? body['password'] : ''
      const r =
        action === 'verify'
          ? await review.verifyForm(actor, id)
          : action === 'sign'
            ? await review.signForm(actor, id, { password })
            : action === 'lock'
              ? await review.lockForm(actor, id)
              : await review.unlockForm(actor, id, { reason: text(body, 'reason') })
      return done(
        c,
        safeNext(text(body, 'back')),
        r.ok ? message : `Not done: ${r.problems.map((p) => p.message).join('; ')}`,
      )
    })
  }

  const load = (c: Context<AppEnv>) =>
    loadEntry(web, actorOf(c), c.req.param('id') ?? '', c.req.param('visit') ?? '', c.req.param('form') ?? '')

  router.get(path, signedIn, async (c) => {
    const actor = actorOf(c)
    const d = await load(c)
    if (!d.ok) return page(c, <ErrorPage web={web} actor={actor} problems={d.problems} />, statusOf(d.problems))
    return page(
      c,
      <EntryPage
        web={web}
        actor={actor}
        d={d.value}
        values={savedRaw(d.value)}
        problems={[]}
        reason=""
        flash={takeFlash(c)}
      />,
    )
  })

  router.post(`${path}/validate`, signedIn, async (c) => {
    const actor = actorOf(c)
    const d = await load(c)
    if (!d.ok) return html(c, '', 200)
    const body = await formBody(c)
    const entry = d.value
    return html(
      c,
      <LiveFragments
        form={entry.form}
        values={postedValues(entry.form, body)}
        reported={reportedVisibility(entry.form, body)}
        saved={entry.instance ? savedRaw(entry) : null}
        options={{
          mode: 'draft',
          onsetDate: entry.onsetDate,
          assessmentDate: (entry.visit.actualDate ?? undefined) as IsoDate | undefined,
          hiddenItems: entry.hidden,
        }}
        toolsFor={(itemId) => <FieldTools actor={actor} d={entry} itemId={itemId} />}
      />,
    )
  })

  router.post(path, signedIn, async (c) => {
    const actor = actorOf(c)
    const d = await load(c)
    if (!d.ok) return page(c, <ErrorPage web={web} actor={actor} problems={d.problems} />, statusOf(d.problems))
    const entry = d.value
    const body = await formBody(c)
    const posted = postedValues(entry.form, body)
    if (entry.unsavable.length > 0) {
      const problems: Problem[] = [
        {
          code: 'state_invalid',
          path: '',
          message:
            entry.form.instrument?.id === INFUSION_INSTRUMENT
              ? 'this form is filled by recording the infusion on the product page'
              : `your role cannot save this form: it needs items only unblinded staff see (${entry.unsavable.join(', ')})`,
        },
      ]
      return page(
        c,
        <EntryPage web={web} actor={actor} d={entry} values={posted} problems={problems} reason="" flash={null} />,
        409,
      )
    }
    const checked = check(entry, posted, 'final')
    // Items this user cannot see keep their saved values: a blinded user's save never erases them.
    const carried = Object.fromEntries(
      Object.entries(entry.instance?.values ?? {}).filter(([k]) => entry.hidden.has(k)),
    )
    const reason = text(body, 'reason')
    const saved = await web.deps.services.forms.save(actor, {
      subjectId: entry.subject.id,
      visitId: entry.visit.id,
      formId: entry.form.id,
      instance: 1,
      values: { ...checked.values, ...carried },
      ...(reason ? { reason } : {}),
    })
    if (!saved.ok) {
      return page(
        c,
        <EntryPage
          web={web}
          actor={actor}
          d={entry}
          values={posted}
          problems={saved.problems}
          reason={reason}
          flash={null}
        />,
        statusOf(saved.problems),
      )
    }
    const main = entry.form.scores[0]
    const score =
      main && saved.value.form.derived[main.id] !== null && saved.value.form.derived[main.id] !== undefined
        ? ` ${main.label}: ${String(saved.value.form.derived[main.id])}.`
        : ''
    const raised = saved.value.queriesRaised.length
    const queries =
      raised > 0 ? ` ${raised} automatic quer${raised === 1 ? 'y was' : 'ies were'} raised for review.` : ''
    return done(
      c,
      entryUrl(entry.subject.id, entry.visit.id, entry.form.id),
      `${entry.form.label} saved (version ${saved.value.form.version}).${score}${queries}`,
    )
  })
}
