/**
 * The investigational product of one subject as site staff see it: the tissue extraction, the lots made from it
 * and their release, the preparations under their codes (the blinded view: the same label, container and volume
 * for every arm), and the infusions. Site staff record the extraction, the lot, its release results and the
 * infusion after the bedside checks. The pharmacy page reuses the lot-tracking part.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { Child } from 'hono/jsx'
import { Action, can, type Actor } from '../access/index.ts'
import type { AppEnv } from '../api/index.ts'
import type { SubjectView, SupplyView } from '../capture/index.ts'
import type { Problem } from '../domain/index.ts'
import { InputField, SelectField, YesNo } from './enrolment-pages.tsx'
import { Layout } from './layout.tsx'
import { PreparationSheetView } from './pharmacy-pages.tsx'
import { ErrorPage } from './subject-parts.tsx'
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

export function LotList(props: { supply: SupplyView }) {
  const s = props.supply
  if (s.lots.length === 0) return <p class="muted">No lot manufactured yet.</p>
  return (
    <ul class="lots" aria-label="Product lots">
      {s.lots.map((l) => (
        <li>
          <strong>{l.id}</strong>, made {l.manufacturedOn}
          <br />
          {l.release ? (
            <span class={`badge ${l.release.status === 'passed' ? 'st-done' : 'st-missed'}`}>
              {l.release.status === 'passed' ? 'released' : 'failed release'} {l.release.date}
            </span>
          ) : (
            <span class="badge st-due">awaiting release</span>
          )}
          {l.release?.expiresOn ? <span class="muted"> expires {l.release.expiresOn}</span> : null}
          {l.release?.failures.map((f) => (
            <div class="muted">
              {f.label}: {f.reason}
            </div>
          ))}
        </li>
      ))}
    </ul>
  )
}

/** Lot tracking and its record forms (extraction, lot, release results), posting under `base`. */
export function SupplyRecording(props: {
  web: Web
  actor: Actor
  subject: SubjectView
  supply: SupplyView
  body: FormBody
  problems: readonly Problem[]
  /** Which form the problems belong to (it is shown open). */
  form: string | null
  base: string
}) {
  const { web, actor, subject: s, supply } = props
  const errors = byField(props.problems)
  const product = web.compiled.protocol.product
  const pending = supply.lots.filter((l) => l.release === null)
  const sufficient = supply.extractions.filter((e) => e.sufficient)
  const problemsFor = (form: string) => (props.form === form ? props.problems : [])
  const section = (id: string, title: string, children: Child) => (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  )
  return (
    <>
      {section(
        'lots',
        'Lot tracking',
        <>
          <ul>
            {supply.extractions.map((e) => (
              <li>
                Tissue extracted {e.date}: {e.tissueGrams} g{' '}
                {e.sufficient ? '(sufficient)' : <strong>(insufficient)</strong>}
              </li>
            ))}
          </ul>
          <LotList supply={supply} />
        </>,
      )}
      {can(actor, Action.SupplyRecord, { siteId: s.siteId }) &&
        section(
          'record',
          'Record',
          <>
            <details open={props.form === 'extraction'}>
              <summary>Tissue extraction</summary>
              <form method="post" action={`${props.base}/extraction`} novalidate>
                <ErrorSummary problems={problemsFor('extraction')} />
                <InputField
                  name="date"
                  label="Date"
                  type="date"
                  value={text(props.body, 'date') || todayOf(web.deps.clock.now())}
                  errors={errors}
                />
                <InputField
                  name="tissueGrams"
                  label={`Adipose tissue (g; at least ${product?.minimumTissueGrams ?? '—'} g needed)`}
                  inputmode="decimal"
                  cls="w-narrow"
                  value={text(props.body, 'tissueGrams')}
                  errors={errors}
                />
                <button type="submit">Record extraction</button>
              </form>
            </details>
            {sufficient.length > 0 && (
              <details open={props.form === 'manufacture'}>
                <summary>Lot manufactured</summary>
                <form method="post" action={`${props.base}/manufacture`} novalidate>
                  <ErrorSummary problems={problemsFor('manufacture')} />
                  <InputField
                    name="lotId"
                    label="Lot number"
                    cls="w-medium"
                    value={text(props.body, 'lotId')}
                    errors={errors}
                  />
                  <SelectField
                    name="extractionId"
                    label="From the extraction of"
                    options={sufficient.map((e) => ({ value: e.id, label: `${e.date} (${e.tissueGrams} g)` }))}
                    value={text(props.body, 'extractionId')}
                    errors={errors}
                  />
                  <InputField
                    name="date"
                    label="Date of manufacture"
                    type="date"
                    value={text(props.body, 'date') || todayOf(web.deps.clock.now())}
                    errors={errors}
                  />
                  <button type="submit">Record lot</button>
                </form>
              </details>
            )}
            {pending.map((l) => (
              <details open={props.form === `release-${l.id}`}>
                <summary>Release results of lot {l.id}</summary>
                <form method="post" action={`${props.base}/release/${encodeURIComponent(l.id)}`} novalidate>
                  <ErrorSummary problems={problemsFor(`release-${l.id}`)} />
                  <InputField
                    name="date"
                    label="Date of the release decision"
                    type="date"
                    value={text(props.body, 'date') || todayOf(web.deps.clock.now())}
                    errors={errors}
                  />
                  {(product?.releaseCriteria ?? []).map((cr) =>
                    cr.range ? (
                      <InputField
                        name={`values.${cr.id}`}
                        label={`${cr.label} (${cr.range.min ?? '…'} to ${cr.range.max ?? '…'})`}
                        inputmode="decimal"
                        cls="w-narrow"
                        value={text(props.body, `values.${cr.id}`)}
                        errors={errors}
                      />
                    ) : (
                      <YesNo
                        name={`values.${cr.id}`}
                        legend={cr.label}
                        value={
                          text(props.body, `values.${cr.id}`) === ''
                            ? undefined
                            : text(props.body, `values.${cr.id}`) === 'true'
                        }
                        errors={errors}
                        yes="Pass"
                        no="Fail"
                      />
                    ),
                  )}
                  <button type="submit">Record release results</button>
                </form>
              </details>
            ))}
          </>,
        )}
    </>
  )
}

const num = (body: FormBody, key: string): number => {
  const v = text(body, key)
  return /^[+-]?\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN
}

type Show = (c: Context<AppEnv>, body: FormBody, problems: readonly Problem[], form: string) => Promise<Response>

/** The record actions under `prefix` (`/pharmacy/:id` or `/subjects/:id/product`); problems re-render the page. */
export function registerSupplyRecording(
  router: WebRouter,
  web: Web,
  prefix: string,
  guard: MiddlewareHandler<AppEnv>,
  show: Show,
): void {
  const { supply } = web.deps.services
  const back = (c: Context<AppEnv>): string => prefix.replace(':id', c.req.param('id') ?? '')

  router.post(`${prefix}/extraction`, signedIn, guard, async (c) => {
    const body = await formBody(c)
    const r = await supply.recordExtraction(actorOf(c), c.req.param('id') ?? '', {
      date: text(body, 'date'),
      tissueGrams: num(body, 'tissueGrams'),
    })
    return r.ok ? done(c, back(c), 'Extraction recorded.') : show(c, body, r.problems, 'extraction')
  })

  router.post(`${prefix}/manufacture`, signedIn, guard, async (c) => {
    const body = await formBody(c)
    const r = await supply.recordManufacture(actorOf(c), c.req.param('id') ?? '', {
      lotId: text(body, 'lotId'),
      extractionId: text(body, 'extractionId'),
      date: text(body, 'date'),
    })
    return r.ok ? done(c, back(c), `Lot ${text(body, 'lotId')} recorded.`) : show(c, body, r.problems, 'manufacture')
  })

  router.post(`${prefix}/release/:lot`, signedIn, guard, async (c) => {
    const body = await formBody(c)
    const lot = c.req.param('lot') ?? ''
    const values: Record<string, number | boolean> = {}
    for (const cr of web.compiled.protocol.product?.releaseCriteria ?? []) {
      const v = text(body, `values.${cr.id}`)
      if (v === '') continue
      values[cr.id] = cr.range ? num(body, `values.${cr.id}`) : v === 'true'
    }
    const r = await supply.recordRelease(actorOf(c), lot, { date: text(body, 'date'), values })
    if (!r.ok) return show(c, body, r.problems, `release-${lot}`)
    const status = r.value.lots.find((l) => l.id === lot)?.release?.status
    return done(
      c,
      back(c),
      `Release results recorded: lot ${lot} ${status === 'passed' ? 'released' : 'failed release'}.`,
    )
  })
}

/** `YYYY-MM-DDTHH:MM` (a datetime-local input, UTC as labelled) → an ISO instant without milliseconds. */
function instant(v: string): string {
  return v === '' ? '' : `${v.length === 16 ? `${v}:00` : v}Z`
}

function ProductPage(props: {
  web: Web
  actor: Actor
  subject: SubjectView
  supply: SupplyView
  body: FormBody
  problems: readonly Problem[]
  form: string | null
  flash: string | null
}) {
  const { web, actor, subject: s, supply } = props
  const errors = byField(props.problems)
  const open = supply.preparations.filter((p) => p.infusedOn === null)
  const today = todayOf(web.deps.clock.now())
  return (
    <Layout web={web} actor={actor} title={`Product · ${s.screeningNumber}`} nav="subjects" flash={props.flash}>
      <p>
        <a href={`/subjects/${s.id}`}>← Subject {s.screeningNumber}</a>
      </p>
      <h1>Investigational product: {s.screeningNumber}</h1>
      <div class="layout-side">
        <div>
          <h2>Preparations</h2>
          {supply.preparations.length === 0 ? (
            <p class="muted">None prepared yet.</p>
          ) : (
            supply.preparations.map((p) => <PreparationSheetView prep={p} web={web} />)
          )}
          <h2>Infusions</h2>
          {supply.infusions.length === 0 ? (
            <p class="muted">None recorded.</p>
          ) : (
            <ul>
              {supply.infusions.map((i) => (
                <li>
                  {i.date}: {i.preparationCode}, {i.volumeMl} mL, {i.status}
                  {i.notes ? ` (${i.notes})` : ''}
                </li>
              ))}
            </ul>
          )}
          {open.length > 0 && can(actor, Action.InfusionRecord, { siteId: s.siteId }) && (
            <section class="card" aria-labelledby="infusion-title">
              <h2 id="infusion-title">Record the infusion</h2>
              <p class="muted">
                Check at the bedside that the bag's preparation code and lot number match this subject before you start.
              </p>
              <ErrorSummary problems={props.form === 'infusion' ? props.problems : []} />
              <form method="post" action={`/subjects/${s.id}/product/infusion`} novalidate>
                <SelectField
                  name="preparationCode"
                  label="Preparation code on the bag"
                  options={open.map((p) => ({ value: p.preparationCode, label: p.preparationCode }))}
                  value={text(props.body, 'preparationCode')}
                  errors={errors}
                />
                <InputField
                  name="lotId"
                  label="Lot number on the bag (scan or type)"
                  cls="w-medium"
                  value={text(props.body, 'lotId')}
                  errors={errors}
                />
                <InputField
                  name="date"
                  label="Date"
                  type="date"
                  value={text(props.body, 'date') || today}
                  errors={errors}
                />
                <div class="grid-2">
                  <InputField
                    name="startedAt"
                    label="Started (UTC)"
                    type="datetime-local"
                    value={text(props.body, 'startedAt')}
                    errors={errors}
                  />
                  <InputField
                    name="endedAt"
                    label="Ended (UTC)"
                    type="datetime-local"
                    value={text(props.body, 'endedAt')}
                    errors={errors}
                  />
                </div>
                <InputField
                  name="volumeMl"
                  label="Volume infused (mL)"
                  inputmode="decimal"
                  cls="w-narrow"
                  value={text(props.body, 'volumeMl')}
                  errors={errors}
                />
                <SelectField
                  name="status"
                  label="Outcome"
                  options={[
                    { value: 'completed', label: 'Completed' },
                    { value: 'interrupted', label: 'Interrupted' },
                  ]}
                  value={text(props.body, 'status') || 'completed'}
                  errors={errors}
                />
                <InputField
                  name="notes"
                  label="Notes (why an interrupted infusion stopped)"
                  cls="w-medium"
                  value={text(props.body, 'notes')}
                  errors={errors}
                />
                <YesNo
                  name="reaction"
                  legend="Infusion reaction"
                  value={text(props.body, 'reaction') === '' ? undefined : text(props.body, 'reaction') === 'true'}
                  errors={errors}
                />
                <InputField
                  name="reactionDetails"
                  label="Reaction details (also report it as an adverse event)"
                  cls="w-medium"
                  value={text(props.body, 'reactionDetails')}
                  errors={errors}
                />
                <p class="muted">
                  Recording the infusion also fills the visit's infusion form, with the dose from the sealed
                  preparation.
                </p>
                <button type="submit">Record infusion</button>
              </form>
            </section>
          )}
        </div>
        <div>
          <SupplyRecording
            web={web}
            actor={actor}
            subject={s}
            supply={supply}
            body={props.body}
            problems={props.problems}
            form={props.form}
            base={`/subjects/${s.id}/product`}
          />
        </div>
      </div>
    </Layout>
  )
}

export function registerProductPages(router: WebRouter, web: Web): void {
  const { services } = web.deps

  const show = async (
    c: Context<AppEnv>,
    body: FormBody,
    problems: readonly Problem[],
    form: string | null,
    flash: string | null,
  ): Promise<Response> => {
    const actor = actorOf(c)
    const id = c.req.param('id') ?? ''
    const subject = await services.subjects.get(actor, id)
    const supply = subject.ok ? await services.supply.view(actor, id) : subject
    if (!subject.ok || !supply.ok) {
      const failed = !subject.ok ? subject.problems : !supply.ok ? supply.problems : []
      return page(c, <ErrorPage web={web} actor={actor} problems={failed} />, statusOf(failed))
    }
    return page(
      c,
      <ProductPage
        web={web}
        actor={actor}
        subject={subject.value}
        supply={supply.value}
        body={body}
        problems={problems}
        form={form}
        flash={flash}
      />,
      problems.length > 0 ? statusOf(problems) : 200,
    )
  }
  const any: MiddlewareHandler<AppEnv> = (_c, next) => next()

  router.get('/subjects/:id/product', signedIn, (c) => show(c, {}, [], null, takeFlash(c)))
  registerSupplyRecording(router, web, '/subjects/:id/product', any, (c, body, problems, form) =>
    show(c, body, problems, form, null),
  )

  router.post('/subjects/:id/product/infusion', signedIn, async (c) => {
    const body = await formBody(c)
    const id = c.req.param('id')
    const notes = text(body, 'notes')
    const ended = instant(text(body, 'endedAt'))
    const r = await services.supply.recordInfusion(actorOf(c), id, {
      preparationCode: text(body, 'preparationCode'),
      lotId: text(body, 'lotId'),
      date: text(body, 'date'),
      startedAt: instant(text(body, 'startedAt')),
      endedAt: ended,
      volumeMl: num(body, 'volumeMl'),
      status: text(body, 'status') === 'interrupted' ? 'interrupted' : 'completed',
      ...(notes ? { notes } : {}),
      reaction: text(body, 'reaction') === 'true',
      ...(text(body, 'reaction') === 'true' && text(body, 'reactionDetails')
        ? { reactionDetails: text(body, 'reactionDetails') }
        : {}),
    })
    return r.ok
      ? done(c, `/subjects/${id}/product`, 'Infusion recorded; the infusion form is filled from the preparation.')
      : show(c, body, r.problems, 'infusion', null)
  })
}
