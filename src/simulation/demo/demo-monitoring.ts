/**
 * Oversight as the study team practises it: the monitor visits each site every eight weeks and verifies the
 * source data of the forms entered since (every primary-endpoint, spirometry, extraction and demographic form;
 * a sample of the others), raising a query where the eCRF differs from the source; the site answers (correcting
 * the entry) and the monitor closes the query; the investigator signs the verified primary-endpoint forms;
 * automatic queries from soft ranges are confirmed by the site; the sponsor acknowledges every serious adverse
 * event and assesses its expectedness. At the data cut a close-out visit clears every site before the lock.
 */
import type { AdverseEventView } from '../../capture/index.ts'
import type { Rng } from '../model/index.ts'
import { collectorOf, type SiteTeam } from './demo-team.ts'
import { deskOf, instantOf, moveTo, must, pass, saveForm, type DemoWorld, type FormToVerify } from './demo-world.ts'

/** Days between monitoring visits, and from a site's first screening to its first visit [assumption]. */
export const MONITORING = { intervalDays: 56, firstAfterDays: 28, sampleShare: 0.15, clarificationShare: 0.01 } as const

/** Instruments verified in full: the primary endpoint and what eligibility and the product depend on. */
const FULL_SDV = new Set(['ALSFRS-R', 'SPIROMETRY', 'EXTRACTION'])

export interface SavedForm extends FormToVerify {
  readonly siteId: string
  readonly autoQueries: number
}

/** Puts a saved form on its site's verification list; automatic queries are confirmed by the site in a few days. */
export function registerSaved(world: DemoWorld, saved: SavedForm): void {
  const { siteId, autoQueries, ...form } = saved
  deskOf(world, siteId).toVerify.push(form)
  if (autoQueries > 0) {
    const r = streamFor(world, saved.formInstanceId)
    const now = today(world)
    world.agenda.add({ day: now + 1 + r.int(3), minute: 600 + 10 * r.int(30) }, () =>
      confirmAutoQueries(world, siteId, saved.subjectId, saved.formInstanceId),
    )
  }
}

/** The site confirms the values behind automatic queries (they are correct as entered). */
async function confirmAutoQueries(
  world: DemoWorld,
  siteId: string,
  subjectId: string,
  formInstanceId: string,
): Promise<void> {
  const staff = siteTeam(world, siteId)
  const open = must(
    await world.services.queries.list(staff.coordinator, { subjectId, formId: formInstanceId, status: ['open'] }),
    'listing queries',
  )
  for (const q of open.items.filter((x) => x.origin === 'auto')) {
    pass(world, 4)
    must(
      await world.services.queries.answer(staff.coordinator, q.id, {
        text: 'Checked against the source document: correct as entered.',
      }),
      'answering a query',
    )
    world.tally.counts.queriesAnswered++
  }
}

/** Plans every site's monitoring visits from a month after its first screening until the data cut. */
export function planMonitoring(world: DemoWorld, firstScreening: ReadonlyMap<string, number>): void {
  for (const [siteId, first] of firstScreening) {
    for (let day = first + MONITORING.firstAfterDays; day <= world.cutDay; day += MONITORING.intervalDays) {
      world.agenda.add({ day, minute: 570 }, () => monitoringVisit(world, siteId, false))
    }
  }
}

/**
 * A monitoring visit: source data verification, queries for discrepancies, closing answered queries, and the
 * investigator's signatures that afternoon. At the close-out visit (`final`) the site corrects at once and every
 * open query is resolved, so the database can be locked.
 */
export async function monitoringVisit(world: DemoWorld, siteId: string, final: boolean): Promise<void> {
  const desk = deskOf(world, siteId)
  const staff = siteTeam(world, siteId)
  const { services, tally } = world
  if (final) await resolveOpenQueries(world, siteId)
  const waiting = desk.toVerify.splice(0)
  for (const f of waiting) {
    if (f.error) {
      if (!f.error.queryRaised) {
        pass(world, 5)
        const label = f.form.items.find((i) => i.id === f.error?.itemId)?.label ?? f.error.itemId
        const query = must(
          await services.queries.raise(staff.monitor, {
            subjectId: f.subjectId,
            formId: f.formInstanceId,
            itemId: f.error.itemId,
            text: `${label}: the source document shows a different value. Please check and correct.`,
          }),
          'raising a query',
        )
        tally.counts.queriesRaised++
        f.error.queryRaised = true
        const r = streamFor(world, query.id)
        if (final) await correct(world, siteId, f, query.id)
        else
          world.agenda.add({ day: today(world) + 1 + r.int(6), minute: 600 + 10 * r.int(36) }, () =>
            correct(world, siteId, f, query.id),
          )
      }
      if (f.error) {
        desk.toVerify.push(f)
        continue
      }
    }
    const r = streamFor(world, f.formInstanceId)
    const instrument = f.form.instrument?.id ?? ''
    const full = FULL_SDV.has(instrument) || f.form.items.some((i) => i.id === 'onset_date')
    if (!full && r.next() >= MONITORING.sampleShare) continue
    pass(world, 2)
    must(await services.review.verifyForm(staff.monitor, f.formInstanceId), 'source data verification')
    tally.counts.formsVerified++
    if (instrument === 'ALSFRS-R') desk.toSign.push(f.formInstanceId)
    if (!final && instrument === 'VITALS' && r.fork('clarify').next() < MONITORING.clarificationShare) {
      const query = must(
        await services.queries.raise(staff.monitor, {
          subjectId: f.subjectId,
          formId: f.formInstanceId,
          itemId: 'sbp',
          text: 'Please confirm the blood pressure against the nursing chart.',
        }),
        'raising a query',
      )
      tally.counts.queriesRaised++
      const q = streamFor(world, query.id)
      world.agenda.add({ day: today(world) + 1 + q.int(5), minute: 660 + 10 * q.int(30) }, async () => {
        must(
          await services.queries.answer(staff.coordinator, query.id, {
            text: 'Confirmed: the value matches the nursing chart.',
          }),
          'answering a query',
        )
        tally.counts.queriesAnswered++
      })
    }
  }
  // Answered queries are reviewed and closed (an automatic query may already have closed itself when a
  // correction made its check pass).
  const answered = must(
    await services.queries.list(staff.monitor, { siteId, status: ['answered'], limit: 500 }),
    'listing queries',
  )
  for (const q of answered.items) {
    pass(world, 2)
    must(await services.queries.close(staff.monitor, q.id, { text: 'Resolved.' }), 'closing a query')
    tally.counts.queriesClosed++
  }
  if (final) await signForms(world, siteId)
  else if (desk.toSign.length > 0) world.agenda.add({ day: today(world), minute: 900 }, () => signForms(world, siteId))
}

/** The site corrects a transcription error as the source shows, and answers the query. */
async function correct(world: DemoWorld, siteId: string, f: FormToVerify, queryId: string): Promise<void> {
  const error = f.error
  if (!error) return
  const staff = siteTeam(world, siteId)
  const actor = collectorOf(staff, f.form.instrument?.id)
  await saveForm(world, actor, {
    subjectId: f.subjectId,
    siteId,
    visitId: f.visitId,
    form: f.form,
    values: error.correct,
    reason: 'Transcription error corrected against the source document (monitor query)',
  })
  pass(world, 2)
  must(
    await world.services.queries.answer(actor, queryId, { text: 'Corrected as per the source document.' }),
    'answering a query',
  )
  world.tally.counts.queriesAnswered++
  f.error = null
}

/** The investigator signs the verified primary-endpoint forms (re-entering the password for each signature). */
async function signForms(world: DemoWorld, siteId: string): Promise<void> {
  const desk = deskOf(world, siteId)
  const investigator = siteTeam(world, siteId).investigator
  const password = world.team.password(investigator)
  for (const id of desk.toSign.splice(0)) {
    pass(world, 1)
    must(await world.services.review.signForm(investigator, id, { password }), 'signing a form')
    world.tally.counts.formsSigned++
  }
}

/** Every query still open or answered at a site is answered by the site and closed by the monitor. */
async function resolveOpenQueries(world: DemoWorld, siteId: string): Promise<void> {
  const staff = siteTeam(world, siteId)
  const desk = deskOf(world, siteId)
  const pending = new Map(desk.toVerify.filter((f) => f.error?.queryRaised).map((f) => [f.formInstanceId, f]))
  // One at a time: a correction can close the automatic queries of its form.
  for (;;) {
    const page = must(
      await world.services.queries.list(staff.monitor, { siteId, status: ['open'], limit: 1 }),
      'listing queries',
    )
    const q = page.items[0]
    if (!q) break
    const f = q.formId && q.origin === 'manual' ? pending.get(q.formId) : undefined
    if (f?.error) await correct(world, siteId, f, q.id)
    else {
      pass(world, 3)
      must(
        await world.services.queries.answer(staff.coordinator, q.id, {
          text: 'Checked against the source document: correct as entered.',
        }),
        'answering a query',
      )
      world.tally.counts.queriesAnswered++
    }
  }
}

/** The close-out: every site cleared of open queries and unverified forms, every form due signed. */
export async function closeOutSites(world: DemoWorld, day: number): Promise<void> {
  for (const siteId of world.desks.keys()) {
    moveTo(world, day, 540)
    await monitoringVisit(world, siteId, true)
  }
}

/**
 * The sponsor's safety desk acknowledges a serious adverse event within hours of the report (stopping the
 * 24-hour clock) and, the next working day, assesses its expectedness against the reference safety information.
 */
export function acknowledgeLater(world: DemoWorld, sae: AdverseEventView, r: Rng): void {
  const reportedAt = Date.parse(world.clock.now())
  const startMs = Date.parse(instantOf(world, 0, 0))
  // The safety desk reads the notification within a few hours; a report that arrived late stays late.
  const ackMinute = Math.round((reportedAt - startMs) / 60_000) + 20 + r.int(280)
  world.agenda.add({ day: 0, minute: ackMinute }, async () => {
    const ack = must(await world.services.safety.acknowledge(world.team.sponsor, sae.id), 'acknowledging an SAE')
    world.tally.counts.saesAcknowledged++
    if (ack.sae?.overdue) world.tally.counts.saesLate++
  })
  world.agenda.add({ day: 0, minute: ackMinute + 1440 }, async () => {
    must(
      await world.services.safety.assessExpectedness(world.team.sponsor, sae.id, {
        expected: sae.classification.expected,
      }),
      'assessing expectedness',
    )
  })
}

function siteTeam(world: DemoWorld, siteId: string): SiteTeam {
  const staff = world.team.sites.get(siteId)
  if (!staff) throw new Error(`demo: no team at site ${siteId}`)
  return staff
}

/** The current study day of the clock. */
function today(world: DemoWorld): number {
  return Math.floor((Date.parse(world.clock.now()) - Date.parse(instantOf(world, 0, 0))) / 86_400_000)
}

/** A stream for decisions about one record (a form, a query), named by its id so that it never shifts. */
function streamFor(world: DemoWorld, id: string): Rng {
  return world.oversight.fork(id)
}
