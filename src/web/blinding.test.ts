/**
 * The blind in the browser: for every blinded role, every page type about a subject renders the same HTML
 * (ids, screening numbers, preparation codes, lot numbers and times masked) whichever arm the subject is on,
 * and nothing that names an arm, its dose or its content appears. Subjects of all four arms are given the same
 * data: the same visit, forms, query, adverse event, product lot and prepared dose, and the month-6 blinded
 * re-randomization. The unblinded pharmacy is unreachable for blinded roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Role, type Role as RoleT } from '../domain/index.ts'
import { check, DIALECTS, type TestDatabase } from '../../test/support/index.ts'
import { createWebFixture, type WebClient, type WebFixture } from '../../test/e2e/web-fixture.ts'
import { randomizedSubject, readyForPreparation } from '../../test/e2e/seed.ts'

let db: TestDatabase
let w: WebFixture
/** One subject per arm id, each with its AE, form instance and lot. */
const byArm = new Map<string, { subjectId: string; aeId: string; formId: string; lotId: string }>()

const BLINDED_ROLES: readonly RoleT[] = [
  Role.Coordinator,
  Role.Investigator,
  Role.BlindedAssessor,
  Role.Monitor,
  Role.Sponsor,
  Role.DataManager,
]

beforeAll(async () => {
  const sqlite = DIALECTS.find((d) => d.name === 'sqlite')
  if (!sqlite) throw new Error('no SQLite dialect')
  db = await sqlite.open()
  w = await createWebFixture(db.store)
  const { services } = w.fx
  const { coordinator, monitor } = w.fx.actors
  const pharmacist = w.fx.actors[Role.UnblindedPharmacist]
  const statistician = w.fx.actors[Role.Statistician]
  // A full block at one site holds every arm (block sizes 4 and 8, ratio 1:1:1:1).
  const ids: string[] = []
  for (let i = 0; i < 8; i++) ids.push(await randomizedSubject(w.fx, coordinator))
  for (const id of ids) {
    const view = check(await services.subjects.get(statistician, id))
    const arm = view.allocation && !view.allocation.blinded ? view.allocation.periods[0]?.assignment.arm : undefined
    if (arm && !byArm.has(arm)) byArm.set(arm, { subjectId: id, aeId: '', formId: '', lotId: '' })
  }
  for (const [arm, s] of byArm) {
    const lotId = await readyForPreparation(w.fx, coordinator, s.subjectId)
    const today = w.fx.clock.now().slice(0, 10)
    check(await services.supply.prepareDose(pharmacist, s.subjectId, { lotId, infusionDate: today }))
    const values = Object.fromEntries(
      ['Q1', 'Q2', 'Q3', 'Q4', 'Q5A', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12'].map((q) => [q, 3]),
    )
    const saved = check(
      await services.forms.save(coordinator, { subjectId: s.subjectId, visitId: 'BL', formId: 'ALSFRS', values }),
    )
    check(
      await services.queries.raise(monitor, {
        subjectId: s.subjectId,
        formId: saved.form.id,
        itemId: 'Q1',
        text: 'Please confirm speech rating',
      }),
    )
    const ae = check(
      await services.safety.report(coordinator, s.subjectId, {
        values: {
          term: 'Headache',
          soc: 'Nervous system disorders',
          onset_date: today,
          ongoing: true,
          grade: 1,
          serious: false,
          causality: 'POSSIBLE',
          action: 'not-applicable',
          outcome: 'recovering',
        },
      }),
    )
    check(await services.subjects.enterNextPeriod(coordinator, s.subjectId, { date: today }))
    byArm.set(arm, { subjectId: s.subjectId, aeId: ae.id, formId: saved.form.id, lotId })
  }
})
afterAll(async () => db.dispose())

/** Masks what legitimately differs between subjects: ids, numbers, codes and times. */
function masked(html: string, s: { subjectId: string; lotId: string }): string {
  return html
    .replaceAll(s.subjectId, '<subject>')
    .replaceAll(s.lotId, '<lot>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    .replace(/MAL-\d{3}/g, '<number>')
    .replace(/PRP-[0-9A-F]{10}/g, '<preparation>')
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{3})?Z)?( UTC)?/g, '<time>')
}

/** Every page type about one subject, as a blinded user reaches them. */
function pagesOf(s: { subjectId: string; aeId: string; formId: string }): readonly string[] {
  const base = `/subjects/${s.subjectId}`
  return [
    base,
    `${base}/visits/BL`,
    `${base}/visits/BL/forms/ALSFRS`,
    `${base}/visits/BL/forms/VITALS`,
    `${base}/visits/INF1/forms/INFUSION`,
    `${base}/visits/INF2/forms/INFUSION`,
    `${base}/randomize`,
    `${base}/next-period`,
    `${base}/product`,
    `/adverse-events/${s.aeId}`,
    `/forms/${s.formId}/history`,
    `/forms/${s.formId}/fields/Q1`,
    `/audit?subjectId=${s.subjectId}`,
    `/pharmacy/${s.subjectId}`,
  ]
}

/** What would reveal an arm: its labels, the product's per-kg doses, the placebo content, the sheet's words. */
function revealing(): RegExp[] {
  const p = w.fx.protocol.protocol
  const words = [
    ...p.arms.map((a) => a.label),
    p.dosing?.placeboContent ?? '',
    'cells/kg',
    'armLabel',
    'lotUse',
    'Placebo preparation',
    'Dose:',
  ]
  const doses = p.arms
    .flatMap((a) => (a.dose ? [Math.round((a.dose.perKg * 72.4) / 1e5) * 1e5] : []))
    .map((n) => n.toLocaleString('en-US'))
  return [...words, ...doses].filter((x) => x !== '').map((x) => new RegExp(x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
}

describe('blinded roles see the same pages whatever the arm', () => {
  it('has a subject on every arm', () => {
    expect([...byArm.keys()].sort()).toEqual(w.fx.protocol.protocol.arms.map((a) => a.id).sort())
  })

  for (const role of BLINDED_ROLES) {
    it(`${role}: identical HTML across arms, and no arm, dose or content anywhere`, async () => {
      const client: WebClient = await w.signIn(role)
      const rendered = new Map<string, string[]>()
      for (const [arm, s] of byArm) {
        const htmls: string[] = []
        for (const path of pagesOf(s)) {
          const res = await client.get(path)
          expect(res.status, `${role} ${path}`).not.toBe(500)
          htmls.push(
            `${path.replace(s.subjectId, '<subject>').replace(s.aeId, '<ae>').replace(s.formId, '<form>')} ${res.status}\n${masked(res.text, s)}`,
          )
          for (const pattern of revealing())
            expect(res.text, `${role} sees ${String(pattern)} on ${path}`).not.toMatch(pattern)
        }
        rendered.set(arm, htmls)
      }
      const [first, ...others] = [...rendered.values()]
      for (const other of others) expect(other).toEqual(first)
    })
  }

  it('the unblinded pharmacy is not found for every blinded role', async () => {
    const s = [...byArm.values()][0]
    if (!s) throw new Error('no subject')
    for (const role of BLINDED_ROLES) {
      const client = await w.signIn(role)
      expect((await client.get('/pharmacy')).status, role).toBe(404)
      expect((await client.get(`/pharmacy/${s.subjectId}`)).status, role).toBe(404)
      const prepare = await client.post(`/pharmacy/${s.subjectId}/prepare`, {
        lotId: s.lotId,
        infusionDate: '2026-01-12',
      })
      expect(prepare.status, role).toBe(404)
    }
  })

  it('renders real pages (not error pages) for a blinded user', async () => {
    const s = [...byArm.values()][0]
    if (!s) throw new Error('no subject')
    const client = await w.signIn(Role.Coordinator)
    const [subject, form, ae, history, audit] = await Promise.all(
      [
        `/subjects/${s.subjectId}`,
        `/subjects/${s.subjectId}/visits/BL/forms/ALSFRS`,
        `/adverse-events/${s.aeId}`,
        `/forms/${s.formId}/history`,
        `/audit?subjectId=${s.subjectId}`,
      ].map((p) => client.get(p)),
    )
    expect([subject?.status, form?.status, ae?.status, history?.status, audit?.status]).toEqual([
      200, 200, 200, 200, 200,
    ])
    expect(subject?.text).toContain('Study product')
    expect(subject?.text).toMatch(/preparation code PRP-[0-9A-F]{10}/)
    expect(form?.text).toContain('Please confirm speech rating')
    expect(history?.text).toContain('ALSFRS-R total (computed)')
    expect(audit?.text).toContain('[blinded]')
  })

  it("a control: the unblinded pharmacist's pages differ by arm, and name the arm and the dose (the checks above can fail)", async () => {
    const client = await w.signIn(Role.UnblindedPharmacist)
    const seen = new Set<string>()
    const pages = new Set<string>()
    for (const s of byArm.values()) {
      const res = await client.get(`/pharmacy/${s.subjectId}`)
      for (const arm of w.fx.protocol.protocol.arms) if (res.text.includes(arm.label)) seen.add(arm.id)
      pages.add(masked(res.text, s))
    }
    expect([...seen].sort()).toEqual(w.fx.protocol.protocol.arms.map((a) => a.id).sort())
    expect(pages.size).toBe(byArm.size)
  })
})

describe('the report is the same for blinded readers whatever the allocation', () => {
  interface Study {
    readonly db: TestDatabase
    readonly w: WebFixture
    readonly ids: readonly string[]
  }
  /** Two studies with the same subjects and data, randomized from different lists. */
  const studies: Study[] = []
  const both = (): readonly [Study, Study] => {
    const [a, b] = studies
    if (!a || !b) throw new Error('the two studies are not set up')
    return [a, b]
  }
  const REPORT_READERS: readonly RoleT[] = [Role.Sponsor, Role.DataManager, Role.Investigator]

  beforeAll(async () => {
    const sqlite = DIALECTS.find((d) => d.name === 'sqlite')
    if (!sqlite) throw new Error('no SQLite dialect')
    for (const k of [0, 1]) {
      const sdb = await sqlite.open()
      const sw = await createWebFixture(sdb.store, { live: false, chromium: false })
      // The second study draws one more id before go-live, so its randomization seed (from the same seeded
      // source) and hence its lists differ.
      if (k === 1)
        check(
          await sw.fx.services.users.create(sw.fx.actors.admin, {
            username: 'extra',
            displayName: 'Extra',
            role: Role.Monitor,
            sites: ['MAL'],
            password: 'correct horse battery staple',
          }),
        )
      const admin = await sw.signIn(Role.Admin)
      const live = await admin.follow(await admin.post('/admin/study/go-live', { confirm: 'yes' }))
      expect(live.text).toContain('Randomization is live.')
      const ids: string[] = []
      for (let i = 0; i < 8; i++) {
        const id = await randomizedSubject(sw.fx, sw.fx.actors.coordinator)
        const values = Object.fromEntries(
          ['Q1', 'Q2', 'Q3', 'Q4', 'Q5A', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12'].map((q, j) => [q, (i + j) % 5]),
        )
        check(
          await sw.fx.services.forms.save(sw.fx.actors.coordinator, {
            subjectId: id,
            visitId: 'BL',
            formId: 'ALSFRS',
            values,
          }),
        )
        ids.push(id)
      }
      studies.push({ db: sdb, w: sw, ids })
    }
  })
  afterAll(async () => {
    for (const s of studies) await s.db.dispose()
  })

  /**
   * Masks ids, hashes and times (which differ between the two databases for reasons other than the arms), and
   * Observable Plot's clip-path ids (numbered by a counter that runs across every chart the process draws).
   */
  function maskedReport(html: string): string {
    return html
      .replace(/plot-clip-\d+/g, 'plot-clip')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
      .replace(/\b[0-9a-f]{64}\b|\b[0-9a-f]{12}\b/g, '<hash>')
      .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{3})?Z)?( UTC)?/g, '<time>')
  }

  /** Equal texts; a failure shows where they part (a whole report is too long for a readable diff). */
  function expectSameText(a: string, b: string, what: string): void {
    let at = 0
    while (at < a.length && a[at] === b[at]) at++
    const around = (t: string) => t.slice(Math.max(0, at - 100), at + 100)
    expect(at === a.length && a.length === b.length, `${what}: …${around(a)}… ≠ …${around(b)}…`).toBe(true)
  }

  async function reportOf(study: Study, role: RoleT): Promise<{ status: number; text: string }> {
    return (await study.w.signIn(role)).get('/report')
  }

  it('the two studies allocate the same subjects differently (a control)', async () => {
    const armsOf = async (s: Study) =>
      Promise.all(
        s.ids.map(async (id) => {
          const view = check(await s.w.fx.services.subjects.get(s.w.fx.actors[Role.Statistician], id))
          return view.allocation && !view.allocation.blinded ? view.allocation.periods[0]?.assignment.arm : undefined
        }),
      )
    const [a, b] = [await armsOf(both()[0]), await armsOf(both()[1])]
    expect(a.every((x) => x !== undefined)).toBe(true)
    expect(a).not.toEqual(b)
  })

  for (const role of REPORT_READERS) {
    it(`${role}: the same report page in both studies, naming no arm, dose or content`, async () => {
      const [a, b] = [await reportOf(both()[0], role), await reportOf(both()[1], role)]
      expect(a.status).toBe(b.status)
      expectSameText(maskedReport(a.text), maskedReport(b.text), role)
      for (const pattern of revealing()) expect(a.text, `${role} sees ${String(pattern)}`).not.toMatch(pattern)
    })
  }

  it('a control: the statistician’s report differs between the studies and names the arms', async () => {
    const [a, b] = [await reportOf(both()[0], Role.Statistician), await reportOf(both()[1], Role.Statistician)]
    expect(maskedReport(a.text)).not.toEqual(maskedReport(b.text))
    for (const arm of w.fx.protocol.protocol.arms) expect(a.text).toContain(arm.label)
  })
})
