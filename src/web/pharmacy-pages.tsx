/**
 * The unblinded pharmacy: only for roles that prepare doses (the unblinded pharmacist); every other role gets a
 * 404, so a blinded user cannot even learn the pages exist. The work list shows each subject's lots and
 * preparations; the subject's page shows lot tracking (extraction, manufacture, release results against the
 * protocol's criteria), the preparation sheets with the computed dose, and the form to prepare the next dose.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { Child } from 'hono/jsx'
import { Action, can, type Actor } from '../access/index.ts'
import type { AppEnv } from '../api/index.ts'
import type { PreparationView, SubjectListItem, SubjectView, SupplyView } from '../capture/index.ts'
import type { Problem } from '../domain/index.ts'
import { InputField, SelectField } from './enrolment-pages.tsx'
import { Layout } from './layout.tsx'
import { ErrorPage } from './subject-parts.tsx'
import { ErrorSummary } from './ui.tsx'
import { registerSupplyRecording, SupplyRecording } from './product-pages.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import {
  actorOf,
  byField,
  done,
  formatInstant,
  formBody,
  page,
  signedIn,
  statusOf,
  takeFlash,
  text,
  todayOf,
  type FormBody,
} from './web-kit.ts'

/** Pharmacy pages exist only for roles that prepare doses: anyone else is answered as if there were nothing. */
export function pharmacyOnly(web: Web): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = actorOf(c)
    if (!can(actor, Action.DosePrepare)) return page(c, <ErrorPage web={web} actor={actor} status={404} />, 404)
    return next()
  }
}

const number = (n: number): string =>
  Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',')

/** One preparation sheet: the computed dose with every step of the computation, for the pharmacist to check. */
export function PreparationSheetView(props: { prep: PreparationView; web: Web }) {
  const p = props.prep
  const period = props.web.compiled.protocol.periods.find((x) => x.id === p.periodId)?.label ?? p.periodId
  if (p.blinded) {
    return (
      <section class="card">
        <h3>
          {p.preparationCode} · {period}
        </h3>
        <p>
          {p.productLabel}: {p.volumeMl} mL {p.vehicle}, {p.container}, over {p.infusionMinutes} min.
        </p>
      </section>
    )
  }
  const d = p.dose
  return (
    <section class="card confirm" aria-label={`Preparation ${p.preparationCode}`}>
      <h3>
        {p.preparationCode} · {period}
      </h3>
      <p class="dose" id={`dose-${p.preparationCode}`}>
        {d.armType === 'placebo' ? 'Placebo preparation' : `Dose: ${number(d.total)} ${d.unit}`}
      </p>
      <dl class="facts">
        <dt>Arm</dt>
        <dd>{p.armLabel}</dd>
        <dt>Content</dt>
        <dd>{p.content}</dd>
        <dt>Weight</dt>
        <dd>
          {d.weightKg} kg, {d.weightAgeDays} day{d.weightAgeDays === 1 ? '' : 's'} old
          {d.weightCapped ? ` (capped at ${d.weightUsedKg} kg)` : ''}
        </dd>
        {d.armType !== 'placebo' && (
          <>
            <dt>Computation</dt>
            <dd>
              {number(d.perKg)} {d.unit}/kg × {d.weightUsedKg} kg = {number(d.calculated)}; rounded {d.rounding.mode} to{' '}
              {number(d.rounding.step)} = {number(d.rounded)}
              {d.totalCapped ? `; capped at ${number(d.total)}` : ''}
            </dd>
            <dt>Concentration</dt>
            <dd>
              {number(d.concentrationPerMl)} {d.unit}/mL in {d.volumeMl} mL
            </dd>
          </>
        )}
        <dt>Lot</dt>
        <dd>
          {p.lotId} ({p.lotUse})
        </dd>
        <dt>Label</dt>
        <dd>
          {p.label}; {p.container}; infuse over {p.infusionMinutes} min
        </dd>
        <dt>Prepared</dt>
        <dd>{formatInstant(p.preparedAt)}</dd>
        <dt>Infused</dt>
        <dd>{p.infusedOn ?? 'not yet'}</dd>
      </dl>
    </section>
  )
}

function SubjectPharmacy(props: {
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
  const released = supply.lots.filter((l) => l.release?.status === 'passed')
  const problemsFor = (form: string) => (props.form === form ? props.problems : [])
  const period = web.compiled.protocol.periods.find((p) => p.id === s.currentPeriod)
  const prepared = supply.preparations.some((p) => p.periodId === s.currentPeriod)
  const section = (id: string, title: string, children: Child) => (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  )
  return (
    <Layout web={web} actor={actor} title={`Pharmacy · ${s.screeningNumber}`} nav="pharmacy" flash={props.flash}>
      <p>
        <a href="/pharmacy">← Pharmacy work list</a>
      </p>
      <h1>Pharmacy: {s.screeningNumber}</h1>
      <p class="warning">Unblinded information. Do not share it with site staff, assessors or the sponsor.</p>
      <div class="layout-side">
        <div>
          {section(
            'prepare',
            `Prepare the dose${period ? `: ${period.label}` : ''}`,
            s.status !== 'randomized' || !period?.dosing ? (
              <p class="muted">No dose to prepare: the subject is not in a treatment period that gives one.</p>
            ) : prepared ? (
              <p>The dose of this period is prepared (below).</p>
            ) : (
              <form method="post" action={`/pharmacy/${s.id}/prepare`} novalidate>
                <ErrorSummary problems={problemsFor('prepare')} />
                <SelectField
                  name="lotId"
                  label="Released lot"
                  options={released.map((l) => ({
                    value: l.id,
                    label: `${l.id} (expires ${l.release?.expiresOn ?? '—'})`,
                  }))}
                  value={text(props.body, 'lotId')}
                  placeholder="Choose…"
                  errors={errors}
                />
                <InputField
                  name="infusionDate"
                  label="Planned infusion date"
                  type="date"
                  value={text(props.body, 'infusionDate') || todayOf(web.deps.clock.now())}
                  errors={errors}
                  required
                />
                <InputField
                  name="weightKg"
                  label="Weight today (kg)"
                  inputmode="decimal"
                  cls="w-narrow"
                  value={text(props.body, 'weightKg')}
                  hint="Leave empty to use the latest weight recorded on the vital signs form."
                  errors={errors}
                />
                <button type="submit">Compute dose and prepare</button>
              </form>
            ),
          )}
          <h2>Preparations</h2>
          {supply.preparations.length === 0 ? (
            <p class="muted">None yet.</p>
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
                </li>
              ))}
            </ul>
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
            base={`/pharmacy/${s.id}`}
          />
        </div>
      </div>
    </Layout>
  )
}

export function registerPharmacyPages(router: WebRouter, web: Web): void {
  const { services } = web.deps
  const only = pharmacyOnly(web)

  router.get('/pharmacy', signedIn, only, async (c) => {
    const actor = actorOf(c)
    const list = await services.reads.subjects(actor, { limit: 500 })
    const subjects: readonly SubjectListItem[] = list.ok
      ? list.value.items.filter((s) => s.status === 'randomized' || s.status === 'enrolled')
      : []
    const supplies = await Promise.all(
      subjects.map(async (s) => ({ s, supply: await services.supply.view(actor, s.id) })),
    )
    return page(
      c,
      <Layout web={web} actor={actor} title="Pharmacy" nav="pharmacy" flash={takeFlash(c)}>
        <h1>Pharmacy work list</h1>
        <p class="warning">Unblinded view. Allocation details on these pages are for the pharmacy only.</p>
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Current period</th>
                <th scope="col">Lots</th>
                <th scope="col">Preparations</th>
              </tr>
            </thead>
            <tbody>
              {supplies.map(({ s, supply }) => {
                const v = supply.ok ? supply.value : null
                const period = web.compiled.protocol.periods.find((p) => p.id === s.currentPeriod)
                const needs =
                  s.status === 'randomized' &&
                  period?.dosing &&
                  !v?.preparations.some((p) => p.periodId === s.currentPeriod)
                return (
                  <tr>
                    <th scope="row">
                      <a href={`/pharmacy/${s.id}`}>{s.screeningNumber}</a>
                    </th>
                    <td>{s.status}</td>
                    <td>
                      {period?.label.split(' (')[0] ?? '—'}{' '}
                      {needs ? <span class="badge st-due">dose to prepare</span> : null}
                    </td>
                    <td>
                      {v
                        ? v.lots
                            .map((l) => `${l.id} (${l.release ? l.release.status : 'awaiting release'})`)
                            .join(', ') || '—'
                        : '—'}
                    </td>
                    <td>{v ? v.preparations.map((p) => p.preparationCode).join(', ') || '—' : '—'}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </Layout>,
    )
  })

  async function load(actor: Actor, id: string) {
    const subject = await services.subjects.get(actor, id)
    if (!subject.ok) return subject
    const supply = await services.supply.view(actor, id)
    if (!supply.ok) return supply
    return { ok: true as const, value: { subject: subject.value, supply: supply.value } }
  }

  const show = async (
    c: Context<AppEnv>,
    body: FormBody,
    problems: readonly Problem[],
    form: string | null,
    flash: string | null,
  ): Promise<Response> => {
    const actor = actorOf(c)
    const d = await load(actor, c.req.param('id') ?? '')
    if (!d.ok) return page(c, <ErrorPage web={web} actor={actor} problems={d.problems} />, statusOf(d.problems))
    return page(
      c,
      <SubjectPharmacy
        web={web}
        actor={actor}
        subject={d.value.subject}
        supply={d.value.supply}
        body={body}
        problems={problems}
        form={form}
        flash={flash}
      />,
      problems.length > 0 ? statusOf(problems) : 200,
    )
  }

  router.get('/pharmacy/:id', signedIn, only, (c) => show(c, {}, [], null, takeFlash(c)))

  const num = (body: FormBody, key: string): number => {
    const v = text(body, key)
    return /^[+-]?\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN
  }

  router.post('/pharmacy/:id/prepare', signedIn, only, async (c) => {
    const body = await formBody(c)
    const id = c.req.param('id')
    const weight = text(body, 'weightKg')
    const r = await services.supply.prepareDose(actorOf(c), id, {
      lotId: text(body, 'lotId'),
      infusionDate: text(body, 'infusionDate'),
      ...(weight ? { weightKg: num(body, 'weightKg'), weightDate: todayOf(web.deps.clock.now()) } : {}),
    })
    if (!r.ok) return show(c, body, r.problems, 'prepare', null)
    return done(c, `/pharmacy/${id}`, `Preparation ${r.value.preparationCode} recorded: ${r.value.content}.`)
  })

  registerSupplyRecording(router, web, '/pharmacy/:id', only, (c, body, problems, form) =>
    show(c, body, problems, form, null),
  )
}
