/**
 * Every page and action through `app.request()` (no network): forms post as a browser posts them, with the
 * session cookie and a same-origin Origin header, and the answers are read as HTML.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/index.ts'
import { Role } from '../domain/index.ts'
import { chromiumAvailable } from '../report/index.ts'
import { check, DIALECTS, eligibleAnswers, TEST_PASSWORD, type TestDatabase } from '../../test/support/index.ts'
import { createWebFixture, WebClient, type WebFixture } from '../../test/e2e/web-fixture.ts'
import { mountWeb } from './index.ts'
import { randomizedSubject, readyForPreparation } from '../../test/e2e/seed.ts'

let db: TestDatabase
let w: WebFixture
let coordinator: WebClient

beforeAll(async () => {
  const sqlite = DIALECTS.find((d) => d.name === 'sqlite')
  if (!sqlite) throw new Error('no SQLite dialect')
  db = await sqlite.open()
  w = await createWebFixture(db.store)
  coordinator = await w.signIn(Role.Coordinator)
})
afterAll(async () => db.dispose())

const ALSFRS = ['Q1', 'Q2', 'Q3', 'Q4', 'Q5A', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12']
const allFours = Object.fromEntries(ALSFRS.map((q) => [`items.${q}`, '4']))

/** The text of an element with this id (first match), tags stripped. */
function textOf(html: string, id: string): string {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</(?:span|dd|div|p|section)>`).exec(html)
  return (m?.[1] ?? '').replace(/<[^>]+>/g, '').trim()
}

/** Screens, consents, checks eligibility and enrols a subject through the pages; answers its id. */
async function enrolThroughPages(client: WebClient): Promise<string> {
  const screened = await client.post('/subjects', { siteId: 'MAL', screeningDate: '2026-01-12' })
  expect(screened.status).toBe(303)
  const id = screened.location?.split('/')[2] ?? ''
  expect((await client.post(`/subjects/${id}/consent`, { date: '2026-01-12', version: '1.0' })).status).toBe(303)
  const answers = Object.fromEntries(
    Object.entries(eligibleAnswers(w.fx.protocol)).map(([k, v]) => [`answers.${k}`, String(v)]),
  )
  expect((await client.post(`/subjects/${id}/eligibility`, answers)).status).toBe(303)
  expect(
    (
      await client.post(`/subjects/${id}/enrol`, {
        date: '2026-01-12',
        'factors.onset': 'bulbar',
        'factors.deltaFS': '0.4',
      })
    ).status,
  ).toBe(303)
  return id
}

describe('enrolment and randomization', () => {
  it('walks a subject from screening to randomization, each step on its own page', async () => {
    const id = await enrolThroughPages(coordinator)
    const subject = await coordinator.get(`/subjects/${id}`)
    expect(subject.text).toContain('Randomize…')
    const confirm = await coordinator.get(`/subjects/${id}/randomize`)
    expect(confirm.text).toContain('Randomization cannot be undone')
    expect(confirm.text).toContain('<strong>Study product</strong>')
    const done = await coordinator.follow(await coordinator.post(`/subjects/${id}/randomize`, { date: '2026-01-12' }))
    expect(done.text).toMatch(
      /<p class="flash" role="status">Randomized\. [^<]*treatment label “Study product”; preparation code PRP-[0-9A-F]{10}\.<\/p>/,
    )
    for (const arm of w.fx.protocol.protocol.arms) expect(done.text).not.toContain(arm.label)
  })

  it('reports a step’s problems next to its fields and keeps what was typed', async () => {
    const screened = await coordinator.post('/subjects', { siteId: 'MAL', screeningDate: '2026-01-12' })
    const id = screened.location?.split('/')[2] ?? ''
    const res = await coordinator.post(`/subjects/${id}/consent`, { date: '12/01/2026', version: '1.0' })
    expect(res.status).toBe(422)
    expect(res.text).toContain('<a href="#f-date">date: must be an ISO date such as 2026-01-31</a>')
    expect(res.text).toMatch(/<input type="date" id="f-date" name="date" value="12\/01\/2026" aria-invalid="true"/)
    const enrol = await coordinator.post(`/subjects/${id}/enrol`, { date: '2026-01-12' })
    expect(enrol.status).toBe(409)
    expect(enrol.text).toContain('consent is not recorded')
  })

  it('re-randomizes at month 6 behind a confirmation that names the protocol’s visit', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    const subject = await coordinator.get(`/subjects/${id}`)
    expect(subject.text).toContain(`href="/subjects/${id}/next-period">Month 6 and re-randomization…</a>`)
    const page = await coordinator.get(`/subjects/${id}/next-period`)
    expect(page.text).toContain('Every subject goes through the same blinded allocation step')
    const after = await coordinator.follow(
      await coordinator.post(`/subjects/${id}/next-period`, { date: '2026-07-14' }),
    )
    expect(after.text).toContain(
      'Blinded re-randomization of placebo patients (months 6–12): allocation step completed',
    )
  })
})

describe('dashboard and lists', () => {
  it('shows a site user their site only, the sponsor every site, with the recruitment charts', async () => {
    const mine = await coordinator.get('/dashboard')
    expect(mine.status).toBe(200)
    expect(mine.text).toContain('<a href="/subjects?site=MAL"')
    expect(mine.text).not.toContain('/subjects?site=COR')
    expect(mine.text).toMatch(
      /<svg role="img" aria-label="Subjects randomized against the enrolment target[^"]*"[^>]*><title>/,
    )
    expect(mine.text).toContain('id="recruitment-curve"')
    const sponsor = await (await w.signIn(Role.Sponsor)).get('/dashboard')
    for (const site of ['MAL', 'COR', 'SVM', 'SVR']) expect(sponsor.text).toContain(`/subjects?site=${site}`)
    expect(sponsor.text).toContain('All sites')
    expect(sponsor.text).not.toContain('<style>')
  })

  it('filters the subject list by screening number, status and period', async () => {
    const all = await coordinator.get('/subjects')
    expect(all.text).toMatch(/<p role="status">\d+ subjects<\/p>/)
    const one = await coordinator.get('/subjects?q=MAL-001')
    expect(one.text).toContain('<p role="status">1 subject</p>')
    const screening = await coordinator.get('/subjects?status=screening')
    expect(screening.text).not.toContain('>Randomized</span>')
    const crossover = await coordinator.get('/subjects?period=crossover')
    expect(crossover.text).toContain('<p role="status">1 subject</p>')
  })
})

describe('form entry', () => {
  let id = ''
  const url = () => `/subjects/${id}/visits/BL/forms/ALSFRS`

  beforeAll(async () => {
    id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
  })

  it('renders ALSFRS-R from the instrument: labelled radio groups 4…0 in fieldsets, and the score panel', async () => {
    const res = await coordinator.get(url())
    expect(res.status).toBe(200)
    expect(res.text.match(/<fieldset class="field" id="w-Q\d+[AB]?"/g)).toHaveLength(13)
    expect(res.text).toContain('<legend>1. Speech<span class="muted"> (required)</span></legend>')
    expect(res.text).toMatch(
      /<input type="radio" name="items.Q1" id="f-items-Q1" value="4"\/><span class="code">4<\/span><span>Normal speech<\/span>/,
    )
    expect(res.text).toContain('hx-post="' + url() + '/validate"')
    expect(textOf(res.text, 'score-total')).toBe('—')
  })

  it('validates as the user types: the live total once every item is answered, messages tied to the field', async () => {
    const live = await coordinator.post(`${url()}/validate`, { ...allFours, 'items.Q1': '3' }, { 'hx-request': 'true' })
    expect(live.status).toBe(200)
    expect(textOf(live.text, 'score-total')).toBe('47 points')
    expect(textOf(live.text, 'score-bulbar')).toBe('11 points')
    expect(live.text).toContain('12 of 12 items answered')
    const bad = await coordinator.post(
      `${url()}/validate`,
      { 'items.Q1': '7', 'items.Q5A': '4', 'items.Q5B': '4' },
      { 'hx-request': 'true' },
    )
    expect(textOf(bad.text, 'f-items-Q1-msg')).toMatch(/^must be one of 4, 3, 2, 1, 0/)
    expect(textOf(bad.text, 'form-messages')).toMatch(/Q5: answer exactly one of Q5A .* or Q5B .*, not both/)
    expect(bad.text).toContain('hx-swap-oob="true"')
  })

  it('shows and hides conditional items as answers change (only the fields whose condition flipped are swapped)', async () => {
    const conmed = `/subjects/${id}/visits/SCR/forms/CONMED`
    const page = await coordinator.get(conmed)
    expect(page.text).toMatch(/<div class="field" id="w-riluzole_start" hidden=""/)
    const yes = await coordinator.post(
      `${conmed}/validate`,
      { 'items.riluzole': 'true', '_shown.riluzole_start': '0', '_shown.riluzole_dose': '1' },
      { 'hx-request': 'true' },
    )
    expect(yes.text).toMatch(/<div class="field" id="w-riluzole_start" hx-swap-oob="true">/)
    expect(yes.text).not.toMatch(/id="w-riluzole_dose"/)
    const dose = await coordinator.post(
      `${conmed}/validate`,
      {
        'items.riluzole': 'true',
        'items.riluzole_dose': '50',
        '_shown.riluzole_start': '1',
        '_shown.riluzole_dose': '1',
      },
      { 'hx-request': 'true' },
    )
    expect(textOf(dose.text, 'f-items-riluzole_dose-warn')).toBe(
      'Saving will raise a query: 50 mg/day is not the expected 100 mg/day: please confirm',
    )
  })

  it('saves, then asks for a reason for a change and records it in the form’s audit history', async () => {
    const saved = await coordinator.follow(await coordinator.post(url(), allFours))
    expect(saved.text).toContain('ALSFRS-R saved (version 1). ALSFRS-R total: 48.')
    const edited = { ...allFours, 'items.Q1': '3' }
    const refused = await coordinator.post(url(), edited)
    expect(refused.status).toBe(422)
    expect(textOf(refused.text, 'f-reason-msg')).toBe('a reason is required to change data already entered')
    expect(refused.text).toContain('1. Speech: 4 · Normal speech → 3 · Noticeable speech disturbance')
    const live = await coordinator.post(`${url()}/validate`, edited, { 'hx-request': 'true' })
    expect(live.text).toContain('You changed 1 saved answer.')
    const ok = await coordinator.follow(await coordinator.post(url(), { ...edited, reason: 'Transcription error' }))
    expect(ok.text).toContain('ALSFRS-R saved (version 2). ALSFRS-R total: 47.')
    const formId = /href="\/forms\/([^/]+)\/history"/.exec(ok.text)?.[1] ?? ''
    const history = await coordinator.get(`/forms/${formId}/history`)
    expect(history.text).toContain(
      '<strong>Q1 · 1. Speech</strong>: 4 · Normal speech → 3 · Noticeable speech disturbance',
    )
    expect(history.text).toContain('<td>Transcription error</td>')
    const field = await coordinator.get(`/forms/${formId}/fields/Q1`)
    expect(field.text).toMatch(
      /<td class="num">2<\/td><td>3 · Noticeable speech disturbance<\/td><td>[^<]+<\/td><td>Transcription error<\/td>/,
    )
    const subject = await coordinator.get(`/subjects/${id}`)
    expect(subject.text).toContain('id="alsfrs-trajectory"')
  })

  it('shows values, not inputs, to a role that does not enter data', async () => {
    const monitor = await w.signIn(Role.Monitor)
    const res = await monitor.get(url())
    expect(res.text).not.toContain('<form id="entry"')
    expect(res.text).toContain('<span class="readonly-value">3 · Noticeable speech disturbance</span>')
  })
})

describe('review', () => {
  it('the monitor verifies, the investigator signs with the password, the data manager locks: the calendar shows each state', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    const saved = check(
      await w.fx.services.forms.save(w.fx.actors.coordinator, {
        subjectId: id,
        visitId: 'BL',
        formId: 'VITALS',
        values: { weight: 70, sbp: 120, dbp: 80, hr: 70, temp: 36.5 },
      }),
    )
    const url = `/subjects/${id}/visits/BL/forms/VITALS`
    const state = async () =>
      /Vital signs and weight <span class="badge fs-([a-z]+)"/.exec(
        (await coordinator.get(`/subjects/${id}/visits/BL`)).text,
      )?.[1]
    expect(await state()).toBe('complete')
    const monitor = await w.signIn(Role.Monitor)
    expect((await monitor.follow(await monitor.post(`/forms/${saved.form.id}/verify`, { back: url }))).text).toContain(
      'Source-data verification recorded.',
    )
    expect(await state()).toBe('verified')
    const investigator = await w.signIn(Role.Investigator)
    const refused = await investigator.follow(
      await investigator.post(`/forms/${saved.form.id}/sign`, { password: 'wrong password', back: url }),
    )
    expect(refused.text).toContain('Not done:')
    expect(
      (
        await investigator.follow(
          await investigator.post(`/forms/${saved.form.id}/sign`, { password: TEST_PASSWORD, back: url }),
        )
      ).text,
    ).toContain('Form signed.')
    expect(await state()).toBe('signed')
    const dm = await w.signIn(Role.DataManager)
    expect((await dm.follow(await dm.post(`/forms/${saved.form.id}/lock`, { back: url }))).text).toContain(
      'Form locked.',
    )
    expect(await state()).toBe('locked')
    expect((await coordinator.get(url)).text).not.toContain('<form id="entry"')
  })
})

describe('queries on a field', () => {
  it('the monitor raises on Q1, the coordinator answers on the field, the monitor closes', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    check(
      await w.fx.services.forms.save(w.fx.actors.coordinator, {
        subjectId: id,
        visitId: 'BL',
        formId: 'ALSFRS',
        values: Object.fromEntries(ALSFRS.map((q) => [q, 4])),
      }),
    )
    const url = `/subjects/${id}/visits/BL/forms/ALSFRS`
    const monitor = await w.signIn(Role.Monitor)
    const page = await monitor.get(url)
    const formId =
      /<form id="qr-Q1" method="post" action="\/queries"><input type="hidden" name="subjectId" value="[^"]+"\/><input type="hidden" name="formId" value="([^"]+)"/.exec(
        page.text,
      )?.[1]
    expect(formId).toBeDefined()
    const raised = await monitor.post('/queries', {
      subjectId: id,
      formId: formId ?? '',
      itemId: 'Q1',
      text: 'Source says 3',
      back: `${url}#w-Q1`,
    })
    expect(raised.location).toBe(`${url}#w-Q1`)
    const onField = await coordinator.get(url)
    expect(onField.text).toMatch(/<fieldset class="field" id="w-Q1"[\s\S]*?Source says 3[\s\S]*?<label for="qa-text-/)
    const queryId = /id="query-([^"]+)"/.exec(onField.text)?.[1] ?? ''
    expect(
      (await coordinator.post(`/queries/${queryId}/answer`, { text: 'Corrected from source', back: url })).status,
    ).toBe(303)
    const list = await monitor.get('/queries?status=answered')
    expect(list.text).toContain('Source says 3')
    expect(list.text).toContain('answer by coordinator: Corrected from source')
    const closed = await monitor.follow(
      await monitor.post(`/queries/${queryId}/close`, { back: '/queries?status=closed' }),
    )
    expect(closed.text).toContain('Query closed.')
    expect(closed.text).toContain('Source says 3')
  })

  it('refuses an action the role may not take, with the service’s message', async () => {
    const assessor = await w.signIn(Role.BlindedAssessor)
    const res = await assessor.follow(
      await assessor.post('/queries', { subjectId: 'x', text: 'hello', back: '/dashboard' }),
    )
    expect(res.text).toContain('The query was not changed: your role may not raise query')
  })
})

describe('adverse events', () => {
  it('reports a serious AE with the protocol’s AE form; the 24-hour clock runs until the sponsor acknowledges', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    const form = await coordinator.get(`/subjects/${id}/adverse-events/new`)
    expect(form.text).toContain('<label for="f-items-term">Adverse event (verbatim term)')
    expect(form.text).not.toContain('name="items.expectedness"')
    const missing = await coordinator.post(`/subjects/${id}/adverse-events`, { 'items.term': 'Pneumonia' })
    expect(missing.status).toBe(422)
    const reported = await coordinator.follow(
      await coordinator.post(`/subjects/${id}/adverse-events`, {
        'items.term': 'Pneumonia',
        'items.soc': 'Infections and infestations',
        'items.onset_date': '2026-01-12',
        'items.ongoing': 'true',
        'items.grade': '3',
        'items.serious': 'true',
        'items.seriousness': ['HOSPITALISATION'],
        'items.causality': 'UNLIKELY',
        'items.action': 'not-applicable',
        'items.outcome': 'recovering',
        awarenessAt: '2026-01-12T08:00',
      }),
    )
    expect(reported.text).toContain(
      'Serious adverse event AE 1 reported. The sponsor is notified; the report is due by 2026-01-13 08:00 UTC.',
    )
    expect(reported.text).toContain('report due in 24 h')
    const list = await coordinator.get('/adverse-events?awaiting=1')
    expect(list.text).toContain('Pneumonia')
    const sponsor = await w.signIn(Role.Sponsor)
    const aeId = /\/adverse-events\/([^/"]+)/.exec(reported.text.slice(reported.text.indexOf('<main')))?.[1] ?? ''
    const acknowledged = await sponsor.follow(await sponsor.post(`/adverse-events/${aeId}/acknowledge`))
    expect(acknowledged.text).toContain('SAE report acknowledged: the clock is stopped.')
    expect(acknowledged.text).toMatch(/<span class="badge st-done">reported 2026-01-12 08:00 UTC<\/span>/)
  })
})

describe('visits, audit, pharmacy and unblinding', () => {
  it('records a visit date and shows it done on the calendar', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    const res = await coordinator.follow(
      await coordinator.post(`/subjects/${id}/visits/INF1`, { done: 'yes', date: '2026-01-14' }),
    )
    expect(res.text).toContain('Visit recorded.')
    expect(res.text).toContain('<span class="badge st-done">Done</span>')
  })

  it('records the infusion after the bedside check, which dates the visits anchored on it', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    const lotId = await readyForPreparation(w.fx, w.fx.actors.coordinator, id)
    const prep = check(
      await w.fx.services.supply.prepareDose(w.fx.actors[Role.UnblindedPharmacist], id, {
        lotId,
        infusionDate: '2026-01-12',
      }),
    )
    const product = await coordinator.get(`/subjects/${id}/product`)
    expect(product.text).toContain(`<option value="${prep.preparationCode}">`)
    expect(product.text).not.toContain(prep.armLabel)
    const wrongLot = await coordinator.post(`/subjects/${id}/product/infusion`, {
      preparationCode: prep.preparationCode,
      lotId: 'LOT-NOT-THIS-ONE',
      date: '2026-01-12',
      startedAt: '2026-01-12T09:00',
      endedAt: '2026-01-12T09:30',
      volumeMl: '50',
      status: 'completed',
      reaction: 'false',
    })
    expect(wrongLot.status).toBeGreaterThanOrEqual(400)
    const recorded = await coordinator.follow(
      await coordinator.post(`/subjects/${id}/product/infusion`, {
        preparationCode: prep.preparationCode,
        lotId,
        date: '2026-01-12',
        startedAt: '2026-01-12T09:00',
        endedAt: '2026-01-12T09:30',
        volumeMl: '50',
        status: 'completed',
        reaction: 'false',
      }),
    )
    expect(recorded.text).toContain('Infusion recorded; the infusion form is filled from the preparation.')
    const form = await coordinator.get(`/subjects/${id}/visits/INF1/forms/INFUSION`)
    expect(form.text).toContain('It was filled on 2026-01-12 08:00 UTC.')
    expect(/Volume infused[\s\S]*?<span class="readonly-value">([^<]*)<\/span>/.exec(form.text)?.[1]).toBe('50 mL')
    expect(form.text).not.toContain('<form id="entry"')
    expect(form.text).not.toContain('Prescribed dose')
    expect(form.text).not.toContain('Share of the prescribed dose given')
    const statistician = await w.signIn(Role.Statistician)
    expect((await statistician.get(`/subjects/${id}/visits/INF1/forms/INFUSION`)).text).toContain(
      'Share of the prescribed dose given',
    )
    const subject = await coordinator.get(`/subjects/${id}`)
    expect(subject.text).toMatch(
      /Week 1 safety<\/a><\/h3><span class="badge st-upcoming">Upcoming<\/span><span class="visit-dates">Target 2026-01-19/,
    )
  })

  it('keeps the audit trail from the roles without it', async () => {
    const assessor = await w.signIn(Role.BlindedAssessor)
    expect((await assessor.get('/audit')).status).toBe(403)
    const nav = await assessor.get('/dashboard')
    expect(nav.text).not.toContain('href="/audit"')
    expect(nav.text).not.toContain('href="/adverse-events"')
  })

  it('lets the pharmacist compute and prepare the dose from the recorded weight', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    const lotId = await readyForPreparation(w.fx, w.fx.actors.coordinator, id, 80)
    const pharmacist = await w.signIn(Role.UnblindedPharmacist)
    const page = await pharmacist.get(`/pharmacy/${id}`)
    expect(page.text).toContain(`<option value="${lotId}">`)
    const done = await pharmacist.follow(
      await pharmacist.post(`/pharmacy/${id}/prepare`, { lotId, infusionDate: '2026-01-13' }),
    )
    const view = check(await w.fx.services.subjects.get(w.fx.actors[Role.Statistician], id))
    const arm = w.fx.protocol.protocol.arms.find(
      (a) =>
        !view.allocation?.blinded &&
        a.id === (view.allocation?.periods[0] as { assignment?: { arm: string } } | undefined)?.assignment?.arm,
    )
    expect(arm).toBeDefined()
    const expected = arm?.dose ? `Dose: ${(arm.dose.perKg * 80).toLocaleString('en-US')} cells` : 'Placebo preparation'
    expect(done.text).toContain(expected)
    expect(done.text).toContain(`<dt>Arm</dt><dd>${arm?.label ?? ''}</dd>`)
  })

  it('breaks the blind for the investigator only after the reason, the password and the confirmation', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    expect((await coordinator.get(`/subjects/${id}/unblind`)).status).toBe(403)
    const investigator = await w.signIn(Role.Investigator)
    const unconfirmed = await investigator.post(`/subjects/${id}/unblind`, {
      reason: 'Anaphylaxis, treating physician needs the product',
      password: TEST_PASSWORD,
    })
    expect(unconfirmed.status).toBe(422)
    const wrong = await investigator.post(`/subjects/${id}/unblind`, {
      reason: 'Anaphylaxis, treating physician needs the product',
      password: 'not the password',
      confirm: 'yes',
    })
    expect(wrong.status).toBeGreaterThanOrEqual(400)
    expect(wrong.text).toContain('The blind was not broken')
    const ok = await investigator.post(`/subjects/${id}/unblind`, {
      reason: 'Anaphylaxis, treating physician needs the product',
      password: TEST_PASSWORD,
      confirm: 'yes',
    })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('cache-control')).toBe('no-store')
    const view = check(await w.fx.services.subjects.get(w.fx.actors[Role.Statistician], id))
    const armLabel = view.allocation && !view.allocation.blinded ? view.allocation.periods[0]?.armLabel : undefined
    expect(ok.text).toContain(`<strong>Double-blind, placebo-controlled (months 0–6)</strong>: ${armLabel ?? '?'}`)
    const after = await investigator.get(`/subjects/${id}`)
    expect(after.text).toContain('The blind was broken for this subject in an emergency.')
    expect(after.text).not.toContain(armLabel ?? '?')
  })
})

describe('the INFUSION form', () => {
  it('guides site staff to the product page instead of a save that cannot succeed', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    const url = `/subjects/${id}/visits/INF1/forms/INFUSION`
    const form = await coordinator.get(url)
    expect(form.status).toBe(200)
    expect(form.text).not.toContain('<form id="entry"')
    expect(form.text).toContain(
      `<a class="button" href="/subjects/${id}/product">Record the infusion on the product page</a>`,
    )
    const posted = await coordinator.post(url, { 'items.volume_given_ml': '50', 'items.completed': 'true' })
    expect(posted.status).toBe(409)
    expect(posted.text).toContain('this form is filled by recording the infusion on the product page')
    const saved = check(await w.fx.services.forms.listForSubject(w.fx.actors.coordinator, id))
    expect(saved.filter((f) => f.formId === 'INFUSION')).toEqual([])
  })
})

describe('subject list', () => {
  it('shows each followed subject’s next visit with its target date and window', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    for (const visit of ['SCR', 'BL'])
      check(await w.fx.services.visits.record(w.fx.actors.coordinator, id, visit, { date: '2026-01-12' }))
    const number = check(await w.fx.services.subjects.get(w.fx.actors.coordinator, id)).screeningNumber
    const list = await coordinator.get(`/subjects?q=${number}`)
    expect(list.text).toContain('<th scope="col">Next visit</th>')
    // Randomized on 2026-01-12: the infusion visit is day 3 after randomization, window 3 days before to 4 after.
    expect(list.text).toContain(
      `<a href="/subjects/${id}/visits/INF1">Infusion</a> <span class="badge st-due">due</span><span class="next-visit-dates">2026-01-15 <span class="muted">(window 2026-01-12 to 2026-01-19)</span></span>`,
    )
  })
})

describe('notifications', () => {
  it('counts the unread in the header and marks them read', async () => {
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    check(
      await w.fx.services.unblinding.emergency(w.fx.actors.investigator, id, {
        reason: 'Severe allergic reaction, treating physician needs the product',
        password: TEST_PASSWORD,
      }),
    )
    const sponsor = await w.signIn(Role.Sponsor)
    const unread = check(await w.fx.services.reads.notifications(w.fx.actors.sponsor, { unreadOnly: true }))
    expect(unread.length).toBeGreaterThan(0)
    const before = await sponsor.get('/dashboard')
    expect(before.text).toContain(`aria-label="Notifications, ${unread.length} unread"`)
    const list = await sponsor.get('/notifications')
    const first = unread[0]
    if (!first) throw new Error('no notification')
    expect(list.text).toContain(`<form method="post" action="/notifications/${first.id}/read">`)
    const after = await sponsor.follow(await sponsor.post(`/notifications/${first.id}/read`))
    expect(after.text).toContain('Marked as read.')
    expect(after.text).toContain(
      unread.length === 1 ? 'aria-label="Notifications"' : `aria-label="Notifications, ${unread.length - 1} unread"`,
    )
    const all = await sponsor.follow(await sponsor.post('/notifications/read-all'))
    expect(all.text).toContain(`${unread.length - 1} notification`)
    expect(all.text).toContain('Nothing unread.')
  })
})

describe('administration', () => {
  it('creates an account with an initial password shown once, which then signs in', async () => {
    const admin = await w.signIn(Role.Admin)
    const list = await admin.get('/admin/users')
    expect(list.status).toBe(200)
    expect(list.text).toContain('<tr id="user-coordinator">')
    const missing = await admin.post('/admin/users', { username: 'j.doe', displayName: 'Jo Doe', role: 'monitor' })
    expect(missing.status).toBe(422)
    expect(missing.text).toContain('The account was not created')
    const created = await admin.post('/admin/users', {
      username: 'j.doe',
      displayName: 'Jo Doe',
      role: 'monitor',
      sites: ['MAL', 'COR'],
    })
    expect(created.status).toBe(200)
    expect(created.headers.get('cache-control')).toBe('no-store')
    const password = /<code class="onetime" id="onetime-password">([^<]+)<\/code>/.exec(created.text)?.[1] ?? ''
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
    expect(created.headers.getSetCookie().join(';')).not.toContain(password)
    expect(created.text).toContain('<tr id="user-j.doe">')
    expect(created.text).toMatch(/<tr id="user-j\.doe">[\s\S]*?<td>Monitor<\/td><td>MAL, COR<\/td>/)
    const again = await admin.get('/admin/users')
    expect(again.text).not.toContain(password)
    const jo = w.anonymous()
    expect((await jo.post('/login', { username: 'j.doe', password, next: '/' })).status).toBe(303)
    const audit = check(await w.fx.services.reads.auditTrail(w.fx.actors.admin, { kind: 'user.created', limit: 1 }))
    expect(audit.items[0]?.changes).toContainEqual({ field: 'username', old: null, new: 'j.doe' })
  })

  it('resets a password (shown once, the old one stops working), deactivates and reactivates an account', async () => {
    const admin = await w.signIn(Role.Admin)
    const created = await admin.post('/admin/users', {
      username: 'temp.user',
      displayName: 'Temporary',
      role: 'sponsor',
      sites: 'all',
    })
    const first = /id="onetime-password">([^<]+)</.exec(created.text)?.[1] ?? ''
    const userId = /action="\/admin\/users\/([^/]+)\/password"[^>]*>[\s\S]*?<\/tr>/.exec(
      created.text.slice(created.text.indexOf('<tr id="user-temp.user">')),
    )?.[1]
    expect(userId).toBeDefined()
    const noReason = await admin.follow(await admin.post(`/admin/users/${userId}/password`, { reason: '' }))
    expect(noReason.text).toContain('Password not reset: a reason is required')
    const reset = await admin.post(`/admin/users/${userId}/password`, { reason: 'Forgotten at the site visit' })
    const second = /id="onetime-password">([^<]+)</.exec(reset.text)?.[1] ?? ''
    expect(second).not.toBe(first)
    expect(reset.text).toContain('New password for temp.user')
    const login = (password: string) => w.anonymous().post('/login', { username: 'temp.user', password, next: '/' })
    expect((await login(first)).status).not.toBe(303)
    expect((await login(second)).status).toBe(303)
    const off = await admin.follow(await admin.post(`/admin/users/${userId}/deactivate`, { reason: 'Left the study' }))
    expect(off.text).toContain('Account temp.user deactivated; its sessions and API tokens are revoked.')
    expect(off.text).toMatch(/<tr id="user-temp\.user">[\s\S]*?inactive since 2026-01-12 08:00 UTC/)
    expect((await login(second)).status).not.toBe(303)
    // A deactivated account offers reactivation (with a reason) instead of reset and deactivation.
    const row = off.text.slice(off.text.indexOf('<tr id="user-temp.user">')).split('</tr>')[0] ?? ''
    expect(row).toContain(`action="/admin/users/${userId}/reactivate"`)
    expect(row).toContain('Reactivate temp.user')
    expect(row).not.toContain(`/admin/users/${userId}/password`)
    expect(row).not.toContain(`/admin/users/${userId}/deactivate`)
    const reasonless = await admin.follow(await admin.post(`/admin/users/${userId}/reactivate`, { reason: '' }))
    expect(reasonless.text).toContain('Not reactivated: a reason is required')
    const on = await admin.follow(
      await admin.post(`/admin/users/${userId}/reactivate`, { reason: 'Back on the study' }),
    )
    expect(on.text).toContain('Account temp.user reactivated; it signs in with its password.')
    expect(on.text).toMatch(/<tr id="user-temp\.user">[\s\S]*?<span class="badge st-done">active<\/span>/)
    expect((await login(second)).status).toBe(303)
    const again = await admin.follow(await admin.post(`/admin/users/${userId}/reactivate`, { reason: 'Twice' }))
    expect(again.text).toContain('Not reactivated: the account is already active')
    const audit = check(await w.fx.services.reads.auditTrail(w.fx.actors.admin, { kind: 'user.reactivated', limit: 1 }))
    expect([audit.items[0]?.entityId, audit.items[0]?.reason]).toEqual([userId, 'Back on the study'])
  })

  it('shows the study set-up: protocol hash, sites, live randomization with its fingerprints and never the list', async () => {
    const admin = await w.signIn(Role.Admin)
    const res = await admin.get('/admin/study')
    expect(res.status).toBe(200)
    const summary = check(await w.fx.services.study.summary(w.fx.actors.admin))
    expect(res.text).toContain(`<code class="hash">${w.fx.protocol.hash}</code>`)
    expect(Object.keys(summary.randomizationFingerprints).length).toBeGreaterThan(0)
    for (const fp of Object.values(summary.randomizationFingerprints))
      expect(res.text).toContain(`<code class="hash">${fp}</code>`)
    for (const site of ['MAL', 'COR', 'SVM', 'SVR']) expect(res.text).toContain(`<th scope="row">${site}</th>`)
    expect(res.text).toContain('Live since 2026-01-12 08:00 UTC.')
    expect(res.text).not.toContain('Go live')
    for (const arm of w.fx.protocol.protocol.arms) expect(res.text).not.toContain(arm.label)
    expect(res.text).not.toContain('sealed_list')
    const sponsor = await w.signIn(Role.Sponsor)
    expect((await sponsor.get('/admin/study')).status).toBe(403)
    expect((await sponsor.get('/admin/users')).status).toBe(403)
    expect((await sponsor.get('/dashboard')).text).not.toContain('href="/admin/users"')
  })
})

/** Audit records of the study extraction: one per report computed. */
async function extractions(): Promise<number> {
  const trail = check(
    await w.fx.services.reads.auditTrail(w.fx.actors[Role.Statistician], { kind: 'export.written', limit: 500 }),
  )
  return trail.items.length
}

describe('the report', () => {
  it('shows the sponsor the blinded report of the live study, with its data cut and downloads', async () => {
    const sponsor = await w.signIn(Role.Sponsor)
    const res = await sponsor.get('/report')
    expect(res.status).toBe(200)
    expect(res.text).toContain('<span class="badge badge-blinded">Blinded: arms pooled</span>')
    expect(textOf(res.text, 'data-cut')).toBe('2026-01-12 (live data: the database is open)')
    expect(res.text).toContain('<article class="report-doc" aria-label="The report">')
    expect(res.text).toContain('BLINDED report (arms pooled)')
    expect(res.text).toContain('id="fig-consort"')
    expect(res.text).not.toContain('<style')
    for (const arm of w.fx.protocol.protocol.arms) expect(res.text).not.toContain(arm.label)
    expect(res.text).toContain('href="/report/results.json"')
    const json = await sponsor.get('/report/results.json')
    expect(json.headers.get('content-type')).toBe('application/json')
    expect(json.headers.get('content-disposition')).toBe(
      'attachment; filename="ADMSC-ALS-report-blinded-2026-01-12.json"',
    )
    const results = JSON.parse(json.text) as {
      provenance: { blinded: boolean; dataCutDate: string }
      groups: unknown[]
    }
    expect(results.provenance).toMatchObject({ blinded: true, dataCutDate: '2026-01-12' })
    expect(results.groups).toHaveLength(1)
    const doc = await sponsor.get('/report/report.html')
    expect(doc.text).toMatch(/^<!doctype html>[\s\S]*<style>/)
    expect(doc.headers.get('content-disposition')).toContain('attachment;')
  })

  it('computes the report once per state of the data, for every blinded reader alike', async () => {
    const sponsor = await w.signIn(Role.Sponsor)
    const dm = await w.signIn(Role.DataManager)
    await sponsor.get('/report')
    const before = await extractions()
    const [a, b] = [await sponsor.get('/report'), await dm.get('/report')]
    expect(await extractions()).toBe(before)
    expect(b.text.slice(b.text.indexOf('<article'))).toBe(a.text.slice(a.text.indexOf('<article')))
    await randomizedSubject(w.fx, w.fx.actors.coordinator)
    const changed = await sponsor.get('/report')
    expect(await extractions()).toBe(before + 1)
    expect(changed.text.slice(changed.text.indexOf('<article'))).not.toBe(a.text.slice(a.text.indexOf('<article')))
  })

  it('shows the independent statistician the report by arm, with a warning not to share it', async () => {
    const statistician = await w.signIn(Role.Statistician)
    const res = await statistician.get('/report')
    expect(res.text).toContain('<span class="badge badge-unblinded">Unblinded: results by arm</span>')
    expect(res.text).toContain('do not share this report with blinded staff')
    expect(res.text).toContain('UNBLINDED report')
    for (const arm of w.fx.protocol.protocol.arms) expect(res.text).toContain(arm.label)
  })

  it('is refused to the roles without a report, and explained to the investigator', async () => {
    expect((await coordinator.get('/report')).status).toBe(403)
    expect((await coordinator.get('/report/results.json')).status).toBe(403)
    expect((await coordinator.get('/dashboard')).text).not.toContain('href="/report"')
    expect((await (await w.signIn(Role.UnblindedPharmacist)).get('/report')).status).toBe(403)
    const investigator = await (await w.signIn(Role.Investigator)).get('/report')
    expect(investigator.status).toBe(403)
    expect(investigator.text).toContain('computed from the study extraction, which your role may not take')
  })

  it('prints the PDF with Chromium, or says why there is none', async () => {
    const sponsor = await w.signIn(Role.Sponsor)
    if (chromiumAvailable()) {
      const pdf = await sponsor.get('/report/report.pdf')
      expect(pdf.status).toBe(200)
      expect(pdf.headers.get('content-type')).toBe('application/pdf')
      expect(pdf.text.startsWith('%PDF-')).toBe(true)
    }
    const app = createApp(w.deps)
    mountWeb(app, { ...w.deps, chromium: false })
    const client = new WebClient(app)
    await client.post('/login', { username: 'sponsor', password: TEST_PASSWORD, next: '/' })
    const page = await client.get('/report')
    expect(textOf(page.text, 'pdf-unavailable')).toBe('PDF not available: PDF printing is switched off on this server.')
    expect((await client.get('/report/report.pdf')).status).toBe(503)
  })
})

// Last: the lock freezes the database every test above writes to.
describe('database lock and end-of-study unblinding', () => {
  it('the data manager sees the readiness checklist, then locks with the password', async () => {
    const statistician = await w.signIn(Role.Statistician)
    expect(textOf((await statistician.get('/study-unblinding')).text, 'unblinding-status')).toMatch(
      /^The database is not locked yet/,
    )
    const id = await randomizedSubject(w.fx, w.fx.actors.coordinator)
    check(await w.fx.services.queries.raise(w.fx.actors.monitor, { subjectId: id, text: 'Consent date: please check' }))
    const dm = await w.signIn(Role.DataManager)
    const page = await dm.get('/database-lock')
    expect(page.status).toBe(200)
    const open = check(
      await w.fx.services.queries.list(w.fx.actors[Role.DataManager], { status: ['open', 'answered'] }),
    )
    expect(open.total).toBeGreaterThan(0)
    expect(page.text).toContain(
      `<li class="check check-open" id="check-queries"><span class="check-mark" aria-hidden="true">!</span><span><strong>${open.total}</strong> open or answered quer${open.total === 1 ? 'y' : 'ies'}`,
    )
    expect(page.text).toMatch(/<li class="check check-open" id="check-unsigned">/)
    expect(page.text).toContain('<h2 id="outstanding-title">Outstanding by subject</h2>')
    expect((await coordinator.get('/database-lock')).status).toBe(403)

    const reason = 'Last patient out; data review complete'
    const unconfirmed = await dm.post('/database-lock', { password: TEST_PASSWORD, reason })
    expect(unconfirmed.status).toBe(422)
    expect(unconfirmed.text).toContain(`>${reason}</textarea>`)
    const unexplained = await dm.post('/database-lock', { password: TEST_PASSWORD, confirm: 'yes', reason: ' ' })
    expect(unexplained.status).toBe(422)
    expect(unexplained.text).toContain('reason: a reason is required for this irreversible action')
    const wrong = await dm.post('/database-lock', { password: 'not the password', confirm: 'yes', reason })
    expect(wrong.status).toBe(401)
    expect(wrong.text).toContain('The database was not locked')
    expect(check(await w.fx.services.study.summary(w.fx.actors.admin)).databaseLockedAt).toBeNull()
    const locked = await dm.follow(await dm.post('/database-lock', { password: TEST_PASSWORD, confirm: 'yes', reason }))
    const summary = check(await w.fx.services.study.summary(w.fx.actors.admin))
    expect(summary.databaseLockHash).toMatch(/^[0-9a-f]{64}$/)
    expect(locked.text).toContain(`Database locked. Snapshot hash ${summary.databaseLockHash ?? ''}.`)
    expect(textOf(locked.text, 'snapshot-hash')).toBe(summary.databaseLockHash)
    expect(textOf(locked.text, 'lock-reason')).toBe(reason)
  })

  it('the statistician unblinds the study; the sponsor then sees the report by arm', async () => {
    const sponsor = await w.signIn(Role.Sponsor)
    const blinded = await sponsor.get('/report')
    expect(textOf(blinded.text, 'data-cut')).toBe('2026-01-12 (database locked 2026-01-12 08:00 UTC)')
    expect(blinded.text).toContain('Blinded: arms pooled')
    const statistician = await w.signIn(Role.Statistician)
    expect((await sponsor.get('/study-unblinding')).status).toBe(403)
    const confirm = await statistician.get('/study-unblinding')
    expect(textOf(confirm.text, 'lock-reason')).toBe('Last patient out; data review complete')
    const reason = 'Database locked; analysis plan v2.0 final'
    const unexplained = await statistician.post('/study-unblinding', { password: TEST_PASSWORD, confirm: 'yes' })
    expect(unexplained.status).toBe(422)
    expect(unexplained.text).toContain('reason: a reason is required for this irreversible action')
    const wrong = await statistician.post('/study-unblinding', {
      password: 'not the password',
      confirm: 'yes',
      reason,
    })
    expect(wrong.text).toContain('The study was not unblinded')
    expect(wrong.text).toContain(`>${reason}</textarea>`)
    const done = await statistician.post('/study-unblinding', { password: TEST_PASSWORD, confirm: 'yes', reason })
    expect(done.location).toBe('/report')
    expect((await statistician.follow(done)).text).toMatch(
      /<p class="flash" role="status">The study is unblinded \(2026-01-12 08:00 UTC\): the report is by arm\.<\/p>/,
    )
    expect(textOf((await statistician.get('/study-unblinding')).text, 'unblinding-reason')).toBe(reason)
    const report = await sponsor.get('/report')
    expect(report.text).toContain('Unblinded: results by arm')
    expect(report.text).toContain('Results are shown by randomized arm.')
    for (const arm of w.fx.protocol.protocol.arms) expect(report.text).toContain(arm.label)
    expect(report.text).toMatch(/aria-label="Notifications, \d+ unread"/)
    expect(report.text).toContain('>Study unblinded</span>')
    expect(blinded.text).toContain('>Blinded</span>')
  })
})
