/**
 * Adverse events: the study-wide log (filters for serious, awaiting report, ongoing, site) with the SAE 24-hour
 * clock, the report form for a subject and the follow-up form, both generated from the protocol's AE form with
 * the same inline validation as every eCRF, each event's page with its versions, and the sponsor's
 * expectedness assessment and SAE acknowledgement (which stops the clock).
 */
import type { Child } from 'hono/jsx'
import { Action, can, type Actor } from '../access/index.ts'
import type { AdverseEventView, FormVersionView, SaeClock, SubjectView } from '../capture/index.ts'
import type { Problem, SiteId } from '../domain/index.ts'
import type { CompiledForm } from '../protocol/index.ts'
import { InputField, SelectField } from './enrolment-pages.tsx'
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
} from './form-entry.tsx'
import { displayValue, Field, type RawValues } from './form-fields.tsx'
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
  signedIn,
  statusOf,
  takeFlash,
  text,
  type FormBody,
} from './web-kit.ts'

/**
 * Items of the AE instrument that carry the sponsor's assessment: set through the sponsor's own form on the
 * event page, so site staff neither see them as theirs to fill nor erase them on a follow-up.
 */
const SPONSOR_ITEMS: ReadonlySet<string> = new Set(['sponsor_causality', 'expectedness'])

/** The SAE clock in words: hours left, hours overdue, or when the report was acknowledged. */
export function SaeClockBadge(props: { sae: SaeClock | null }) {
  const s = props.sae
  if (!s) return null
  if (s.acknowledgedAt) {
    return (
      <span
        class={`badge ${s.overdue ? 'sae-overdue' : 'st-done'}`}
      >{`reported ${formatInstant(s.acknowledgedAt)}${s.overdue ? ' (late)' : ''}`}</span>
    )
  }
  const h = s.hoursRemaining ?? 0
  return (
    <span class={`badge ${s.overdue ? 'sae-overdue' : 'sae-due'}`}>
      {s.overdue ? `report overdue by ${-h} h` : `report due in ${h} h (by ${formatInstant(s.dueAt)})`}
    </span>
  )
}

function AeTable(props: { items: readonly AdverseEventView[]; numbers: ReadonlyMap<string, string> }) {
  return (
    <div class="table-wrap">
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">AE</th>
            <th scope="col">Term</th>
            <th scope="col">Onset</th>
            <th scope="col" class="num">
              Grade
            </th>
            <th scope="col">Serious</th>
            <th scope="col">Related</th>
            <th scope="col">Status</th>
            <th scope="col">SAE 24-hour clock</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((ae) => (
            <tr>
              <td>
                <a href={`/subjects/${ae.subjectId}`}>{props.numbers.get(ae.subjectId) ?? 'subject'}</a>
              </td>
              <th scope="row">
                <a href={`/adverse-events/${ae.id}`}>AE {ae.aeNumber}</a>
              </th>
              <td>{ae.term}</td>
              <td>{ae.onsetDate}</td>
              <td class="num">{ae.grade ?? '—'}</td>
              <td>{ae.classification.serious ? <strong>yes</strong> : 'no'}</td>
              <td>{ae.classification.related ? 'yes' : 'no'}</td>
              <td>{ae.status}</td>
              <td>
                <SaeClockBadge sae={ae.sae} />{' '}
                {ae.classification.susar ? <span class="badge st-missed">SUSAR</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The AE form: protocol items (the sponsor's excepted), live validation, the awareness time, a reason on follow-up. */
function AeForm(props: {
  web: Web
  form: CompiledForm
  action: string
  values: RawValues
  saved: RawValues | null
  body: FormBody
  problems: readonly Problem[]
  submit: string
  cancel: string
}) {
  const { form } = props
  const errors = byField(props.problems)
  const live = checkEntry(form, props.values, { mode: 'draft', hiddenItems: SPONSOR_ITEMS })
  const itemPaths = new Set(form.items.map((i) => `items.${i.id}`))
  const formLevel = props.problems
    .filter((p) => !itemPaths.has(p.path) && p.path !== 'reason' && p.path !== 'awarenessAt')
    .map((p) => p.message)
  const reasonErrors = errors.get('reason')
  return (
    <div class="entry">
      <form
        id="entry"
        method="post"
        action={props.action}
        novalidate
        hx-post={`${props.action}/validate`}
        hx-trigger="input delay:350ms, change"
        hx-sync="this:replace"
        hx-swap="none"
      >
        <FormMessages messages={formLevel} />
        {form.items
          .filter((i) => !SPONSOR_ITEMS.has(i.id))
          .map((item) => (
            <Field
              form={form}
              item={item}
              value={props.values[item.id]}
              compare={props.saved !== null}
              saved={props.saved?.[item.id]}
              messages={errors.get(`items.${item.id}`) ?? live.itemMessages.get(item.id)}
              warnings={live.warnings.get(item.id)}
              shown={live.shown.has(item.id)}
              editable
            />
          ))}
        <InputField
          name="awarenessAt"
          label="When the site became aware of this information (UTC)"
          type="datetime-local"
          value={text(props.body, 'awarenessAt') || props.web.deps.clock.now().slice(0, 16)}
          hint={`For a serious event the sponsor must have the report within ${props.web.compiled.protocol.safety.saeReportingHours} hours of this time.`}
          errors={errors}
        />
        {props.saved !== null && (
          <div class={`field${reasonErrors ? ' field-invalid' : ''}`}>
            <ChangeSummary changes={changedItems(form, props.values, props.saved, SPONSOR_ITEMS)} />
            <label for={fieldId('reason')}>Reason for the follow-up or correction</label>
            <textarea
              id={fieldId('reason')}
              name="reason"
              rows={2}
              aria-describedby={`change-summary ${messageId('reason')}`}
            >
              {text(props.body, 'reason')}
            </textarea>
            <FieldMessage path="reason" messages={reasonErrors} />
          </div>
        )}
        <div class="actions">
          <button type="submit">{props.submit}</button>
          <a href={props.cancel}>Cancel</a>
        </div>
      </form>
      <aside class="entry-side" aria-label="Progress">
        <ScorePanel form={form} check={live} />
      </aside>
    </div>
  )
}

/** `YYYY-MM-DDTHH:MM` from a datetime-local input (taken as UTC, as the label says) → an ISO instant. */
function awarenessOf(body: FormBody): string | undefined {
  const v = text(body, 'awarenessAt')
  if (!v) return undefined
  return `${v.length === 16 ? `${v}:00` : v}Z`
}

function Frame(props: { web: Web; actor: Actor; title: string; flash?: string | null; children?: Child }) {
  return (
    <Layout web={props.web} actor={props.actor} title={props.title} nav="aes" flash={props.flash}>
      {props.children}
    </Layout>
  )
}

export function registerAePages(router: WebRouter, web: Web): void {
  const { services } = web.deps
  const aeForm = web.compiled.forms.find((f) => f.instrument?.id === 'AE')

  router.get('/adverse-events', signedIn, async (c) => {
    const actor = actorOf(c)
    const q = (k: string): string => c.req.query(k) ?? ''
    const serious = q('serious') === '1'
    const awaiting = q('awaiting') === '1'
    const status =
      q('status') === 'ongoing' || q('status') === 'resolved' ? (q('status') as 'ongoing' | 'resolved') : undefined
    const list = await services.safety.list(actor, {
      ...(serious ? { serious: true } : {}),
      ...(awaiting ? { awaitingReport: true } : {}),
      ...(status ? { status } : {}),
      ...(q('site') ? { siteId: q('site') } : {}),
    })
    if (!list.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={list.problems} />, statusOf(list.problems))
    const ids = [...new Set(list.value.map((a) => a.subjectId))]
    const subjects = await Promise.all(ids.map((id) => services.subjects.get(actor, id)))
    const numbers = new Map(
      subjects.flatMap((s) => (s.ok ? [[s.value.id as string, s.value.screeningNumber] as const] : [])),
    )
    return page(
      c,
      <Frame web={web} actor={actor} title="Adverse events" flash={takeFlash(c)}>
        <h1>Adverse events</h1>
        <form method="get" action="/adverse-events" class="filters card">
          <label class="choice">
            <input type="checkbox" name="serious" value="1" checked={serious} /> <span>Serious only</span>
          </label>
          <label class="choice">
            <input type="checkbox" name="awaiting" value="1" checked={awaiting} /> <span>SAEs awaiting report</span>
          </label>
          <div class="field">
            <label for="f-status">Status</label>
            <select id="f-status" name="status">
              <option value="">Any</option>
              <option value="ongoing" selected={status === 'ongoing'}>
                Ongoing
              </option>
              <option value="resolved" selected={status === 'resolved'}>
                Resolved
              </option>
            </select>
          </div>
          <button type="submit">Filter</button>
        </form>
        <p role="status">
          {list.value.length} adverse event{list.value.length === 1 ? '' : 's'}
        </p>
        {list.value.length > 0 && <AeTable items={list.value} numbers={numbers} />}
      </Frame>,
    )
  })

  // ---- reporting a new event

  const reportPage = (
    actor: Actor,
    s: SubjectView,
    form: CompiledForm,
    body: FormBody,
    problems: readonly Problem[],
  ) => (
    <Frame web={web} actor={actor} title={`Report an adverse event · ${s.screeningNumber}`}>
      <p>
        <a href={`/subjects/${s.id}`}>← Subject {s.screeningNumber}</a>
      </p>
      <h1>Report an adverse event: {s.screeningNumber}</h1>
      <ErrorSummary problems={problems} title="The adverse event was not reported" />
      <AeForm
        web={web}
        form={form}
        action={`/subjects/${s.id}/adverse-events`}
        values={postedValues(form, body)}
        saved={null}
        body={body}
        problems={problems}
        submit="Report adverse event"
        cancel={`/subjects/${s.id}`}
      />
    </Frame>
  )

  async function subjectFor(actor: Actor, id: string) {
    if (!aeForm)
      return {
        ok: false as const,
        problems: [{ code: 'unsupported' as const, path: '', message: 'the protocol has no adverse-event form' }],
      }
    const s = await services.subjects.get(actor, id)
    if (!s.ok) return s
    if (!can(actor, Action.AeReport, { siteId: s.value.siteId }))
      return {
        ok: false as const,
        problems: [{ code: 'forbidden' as const, path: '', message: 'your role may not report adverse events' }],
      }
    return { ok: true as const, value: { s: s.value, form: aeForm } }
  }

  router.get('/subjects/:id/adverse-events/new', signedIn, async (c) => {
    const actor = actorOf(c)
    const d = await subjectFor(actor, c.req.param('id'))
    if (!d.ok) return page(c, <ErrorPage web={web} actor={actor} problems={d.problems} />, statusOf(d.problems))
    return page(c, reportPage(actor, d.value.s, d.value.form, {}, []))
  })

  router.post('/subjects/:id/adverse-events/validate', signedIn, async (c) => {
    if (!aeForm) return html(c, '')
    const body = await formBody(c)
    return html(
      c,
      <LiveFragments
        form={aeForm}
        values={postedValues(aeForm, body)}
        reported={reportedVisibility(aeForm, body)}
        saved={null}
        options={{ mode: 'draft', hiddenItems: SPONSOR_ITEMS }}
      />,
    )
  })

  router.post('/subjects/:id/adverse-events', signedIn, async (c) => {
    const actor = actorOf(c)
    const d = await subjectFor(actor, c.req.param('id'))
    if (!d.ok) return page(c, <ErrorPage web={web} actor={actor} problems={d.problems} />, statusOf(d.problems))
    const body = await formBody(c)
    const checked = checkEntry(d.value.form, postedValues(d.value.form, body), {
      mode: 'final',
      hiddenItems: SPONSOR_ITEMS,
    })
    const awarenessAt = awarenessOf(body)
    const r = await services.safety.report(actor, d.value.s.id, {
      values: checked.values,
      ...(awarenessAt ? { awarenessAt } : {}),
    })
    if (!r.ok) return page(c, reportPage(actor, d.value.s, d.value.form, body, r.problems), statusOf(r.problems))
    const message = r.value.sae
      ? `Serious adverse event AE ${r.value.aeNumber} reported. The sponsor is notified; the report is due by ${formatInstant(r.value.sae.dueAt)}.`
      : `Adverse event AE ${r.value.aeNumber} reported.`
    return done(c, `/adverse-events/${r.value.id}`, message)
  })

  // ---- one event: details, follow-up, sponsor assessment

  async function loadAe(actor: Actor, id: string) {
    const ae = await services.safety.get(actor, id)
    if (!ae.ok) return ae
    const subject = await services.subjects.get(actor, ae.value.subjectId)
    return { ok: true as const, value: { ae: ae.value, subject: subject.ok ? subject.value : null } }
  }

  const detailPage = (
    actor: Actor,
    ae: AdverseEventView & { readonly versions: readonly FormVersionView[] },
    subject: SubjectView | null,
    body: FormBody | null,
    problems: readonly Problem[],
    flash: string | null,
  ) => {
    const site = { siteId: ae.siteId as SiteId }
    const saved = rawValues(ae.values)
    const values = body
      ? postedValues(aeForm as CompiledForm, body)
      : Object.fromEntries(Object.entries(saved).filter(([k]) => !SPONSOR_ITEMS.has(k)))
    return (
      <Frame web={web} actor={actor} title={`AE ${ae.aeNumber} · ${subject?.screeningNumber ?? ''}`} flash={flash}>
        <p>
          <a href="/adverse-events">← All adverse events</a>
          {subject ? (
            <>
              {' '}
              · <a href={`/subjects/${subject.id}`}>Subject {subject.screeningNumber}</a>
            </>
          ) : null}
        </p>
        <div class="subject-head">
          <h1>
            AE {ae.aeNumber}: {ae.term}
          </h1>
          {ae.classification.serious ? <span class="badge st-missed">serious</span> : null}
          {ae.classification.susar ? <span class="badge st-missed">SUSAR</span> : null}
          <SaeClockBadge sae={ae.sae} />
        </div>
        <div class="grid-2">
          <dl class="facts card">
            {(aeForm?.items ?? [])
              .filter((i) => ae.values[i.id] !== undefined)
              .map((i) => (
                <>
                  <dt>{i.label}</dt>
                  <dd>{displayValue(i, ae.values[i.id])}</dd>
                </>
              ))}
            <dt>Related (counted)</dt>
            <dd>{ae.classification.related ? 'yes' : 'no'}</dd>
            <dt>Expected</dt>
            <dd>{ae.classification.expected ? 'yes' : 'no'}</dd>
            {ae.sae && (
              <>
                <dt>Site aware</dt>
                <dd>{formatInstant(ae.sae.awarenessAt)}</dd>
                <dt>Report due</dt>
                <dd>{formatInstant(ae.sae.dueAt)}</dd>
              </>
            )}
          </dl>
          {can(actor, Action.AeAssessExpectedness, site) && (
            <section class="card" aria-labelledby="sponsor-title">
              <h2 id="sponsor-title">Sponsor</h2>
              {ae.sae && !ae.sae.acknowledgedAt && (
                <form method="post" action={`/adverse-events/${ae.id}/acknowledge`} class="actions">
                  <button type="submit">Acknowledge receipt of the SAE report</button>
                </form>
              )}
              <form method="post" action={`/adverse-events/${ae.id}/expectedness`}>
                <SelectField
                  name="expected"
                  label="Expectedness against the reference safety information"
                  options={[
                    { value: 'true', label: 'Expected' },
                    { value: 'false', label: 'Unexpected' },
                  ]}
                  value={
                    ae.values['expectedness'] === undefined ? '' : String(ae.values['expectedness'] === 'expected')
                  }
                  placeholder="Choose…"
                  errors={new Map()}
                />
                <SelectField
                  name="sponsorCausality"
                  label="Sponsor causality (may upgrade the investigator's, never downgrade)"
                  options={(aeForm?.items.find((i) => i.id === 'sponsor_causality')?.options ?? []).map((o) => ({
                    value: String(o.code),
                    label: o.label,
                  }))}
                  value={typeof ae.values['sponsor_causality'] === 'string' ? ae.values['sponsor_causality'] : ''}
                  placeholder="As the investigator"
                  errors={new Map()}
                />
                <button type="submit">Save assessment</button>
              </form>
            </section>
          )}
        </div>
        {aeForm && can(actor, Action.AeReport, site) && (
          <section aria-labelledby="followup-title">
            <h2 id="followup-title">Follow-up</h2>
            <ErrorSummary problems={problems} title="The follow-up was not saved" />
            <AeForm
              web={web}
              form={aeForm}
              action={`/adverse-events/${ae.id}`}
              values={values}
              saved={saved}
              body={body ?? {}}
              problems={problems}
              submit="Save follow-up"
              cancel={`/adverse-events/${ae.id}`}
            />
          </section>
        )}
        <h2>Versions</h2>
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col" class="num">
                  Version
                </th>
                <th scope="col">Saved</th>
                <th scope="col">Role</th>
                <th scope="col">Reason</th>
                <th scope="col">Grade</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {ae.versions.map((v) => (
                <tr>
                  <td class="num">{v.version}</td>
                  <td>{formatInstant(v.savedAt)}</td>
                  <td>{v.savedRole}</td>
                  <td>{v.reason ?? '—'}</td>
                  <td>{String(v.values['grade'] ?? '—')}</td>
                  <td>{String(v.values['outcome'] ?? '—')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Frame>
    )
  }

  router.get('/adverse-events/:id', signedIn, async (c) => {
    const actor = actorOf(c)
    const d = await loadAe(actor, c.req.param('id'))
    if (!d.ok) return page(c, <ErrorPage web={web} actor={actor} problems={d.problems} />, statusOf(d.problems))
    return page(c, detailPage(actor, d.value.ae, d.value.subject, null, [], takeFlash(c)))
  })

  router.post('/adverse-events/:id/validate', signedIn, async (c) => {
    const actor = actorOf(c)
    const d = await loadAe(actor, c.req.param('id'))
    if (!aeForm || !d.ok) return html(c, '')
    const body = await formBody(c)
    return html(
      c,
      <LiveFragments
        form={aeForm}
        values={postedValues(aeForm, body)}
        reported={reportedVisibility(aeForm, body)}
        saved={rawValues(d.value.ae.values)}
        options={{ mode: 'draft', hiddenItems: SPONSOR_ITEMS }}
      />,
    )
  })

  router.post('/adverse-events/:id', signedIn, async (c) => {
    const actor = actorOf(c)
    const id = c.req.param('id')
    const d = await loadAe(actor, id)
    if (!aeForm || !d.ok)
      return page(
        c,
        <ErrorPage web={web} actor={actor} problems={d.ok ? [] : d.problems} />,
        d.ok ? 404 : statusOf(d.problems),
      )
    const body = await formBody(c)
    const checked = checkEntry(aeForm, postedValues(aeForm, body), { mode: 'final', hiddenItems: SPONSOR_ITEMS })
    // The sponsor's items keep their values: the site's follow-up never erases the sponsor's assessment.
    const sponsor = Object.fromEntries(Object.entries(d.value.ae.values).filter(([k]) => SPONSOR_ITEMS.has(k)))
    const awarenessAt = awarenessOf(body)
    const r = await services.safety.followUp(actor, id, {
      values: { ...checked.values, ...sponsor },
      reason: text(body, 'reason'),
      ...(awarenessAt ? { awarenessAt } : {}),
    })
    if (r.ok) return done(c, `/adverse-events/${id}`, `Follow-up saved (version ${r.value.version}).`)
    return page(c, detailPage(actor, d.value.ae, d.value.subject, body, r.problems, null), statusOf(r.problems))
  })

  router.post('/adverse-events/:id/acknowledge', signedIn, async (c) => {
    const id = c.req.param('id')
    const r = await services.safety.acknowledge(actorOf(c), id)
    return done(
      c,
      `/adverse-events/${id}`,
      r.ok ? 'SAE report acknowledged: the clock is stopped.' : r.problems.map((p) => p.message).join('; '),
    )
  })

  router.post('/adverse-events/:id/expectedness', signedIn, async (c) => {
    const id = c.req.param('id')
    const body = await formBody(c)
    const expected = text(body, 'expected')
    const causality = text(body, 'sponsorCausality')
    if (expected !== 'true' && expected !== 'false')
      return done(c, `/adverse-events/${id}`, 'Choose expected or unexpected.')
    const r = await services.safety.assessExpectedness(actorOf(c), id, {
      expected: expected === 'true',
      ...(causality ? { sponsorCausality: causality } : {}),
    })
    return done(
      c,
      `/adverse-events/${id}`,
      r.ok
        ? `Assessment saved${r.value.classification.susar ? ': this is a SUSAR' : ''}.`
        : r.problems.map((p) => p.message).join('; '),
    )
  })
}
