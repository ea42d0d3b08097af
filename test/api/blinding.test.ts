/**
 * Blinding through HTTP: four patients, one per arm (D1, D2, D3, placebo), go through the same life in lockstep
 * (same days, same data) up to and through the month-6 re-randomization. Then every GET endpoint, and the error
 * paths of write endpoints, are called as every blinded role for each of them; once identifiers are masked
 * the answers (status and body) are identical. So is every answer blinded staff got along the way. The
 * unblinded roles do see the difference (the negative control: the test can tell arms apart when they leak).
 */
import { isDeepStrictEqual } from 'node:util'
import { expect, it } from 'vitest'
import { apiRoutes } from '../../src/api/index.ts'
import { Role, UNBLINDED_ROLES } from '../../src/domain/index.ts'
import { describeEachDialect, TEST_PASSWORD } from '../support/index.ts'
import { createApiFixture, type ApiClient, type ApiFixture, type ApiResponse } from './api-fixture.ts'
import { Journey, LONG_SESSIONS, signInTeam, type Patient } from './patient-journey.ts'
import { roomyProtocol, routeKey } from './route-scenarios.ts'

const BLINDED_ROLES = Object.values(Role).filter((r) => !UNBLINDED_ROLES.has(r))

/** Who did each journey step: everything but dose preparation is done by blinded staff. */
const UNBLINDED_STEPS = /^prepare /

/**
 * GET routes that are not about one patient (nothing to compare across arms) — each with the reason. Every
 * other GET route is called per patient below; the test fails when a new GET route is in neither list.
 */
const STUDY_WIDE: Record<string, string> = {
  'GET /api/auth/me': 'the signed-in user',
  'GET /api/auth/tokens': 'the user’s tokens',
  'GET /api/users': 'accounts',
  'GET /api/study': 'study summary (no subject data)',
  'GET /api/study/protocol': 'the protocol',
  'GET /api/study/dashboard': 'site counts; the arms are equal in size by design, compared below as a whole',
  'GET /api/notifications': 'role notifications',
  'GET /api/visits/missing-forms': 'site work list; compared per patient through the calendar',
  'GET /api/exports/redcap-dictionary': 'the protocol’s forms',
  'GET /api/exports/analysis/{dataset}':
    'study-wide datasets: the four patients’ ADSL rows are compared in their own test',
  'GET /api/audit/verify': 'chain check',
  'GET /api/exports/odm': 'study-wide files: each patient’s part is compared in the exports test below',
  'GET /api/exports/sdtm': 'study-wide files: each patient’s part is compared in the exports test below',
  'GET /api/exports/r': 'study-wide files: each patient’s part is compared in the exports test below',
  'GET /api/exports/redcap-data': 'study-wide files: each patient’s part is compared in the exports test below',
  'GET /api/report/results.json': 'study-wide results: checked for arm-level splits in the report test below',
  'GET /api/report/html': 'study-wide report: checked for arm-level splits in the report test below',
}

/** The interop exports, each with the query that asks for the most detail (audit trail, every version). */
const EXPORTS = [
  '/api/exports/odm?withAudit=true&fileType=transactional',
  '/api/exports/sdtm',
  '/api/exports/r',
  '/api/exports/redcap-data',
] as const

/** An export's files by name: the ODM document, or a JSON bundle's files. */
function exportFiles(res: ApiResponse): Record<string, string> {
  expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(200)
  return typeof res.body === 'string'
    ? { 'study.xml': res.body }
    : (res.body as { files: Record<string, string> }).files
}

/**
 * What an export says about one patient: the ODM SubjectData element, or the lines of each file that name the
 * patient (by id or screening number).
 */
function patientPart(files: Record<string, string>, keys: readonly string[]): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(files).map(([name, content]) => [
      name,
      name === 'study.xml'
        ? [...content.matchAll(/<SubjectData\b[^>]*SubjectKey="([^"]*)"[\s\S]*?<\/SubjectData>/g)]
            .filter((m) => keys.includes(m[1] ?? ''))
            .map((m) => m[0])
        : content.split('\n').filter((line) => keys.some((k) => line.includes(k))),
    ]),
  )
}

/** Every group key of a results document (`groups`, and every `byGroup`/`groups` list nested anywhere). */
function groupKeys(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) groupKeys(v, into)
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if ((k === 'groups' || k === 'byGroup') && Array.isArray(v))
        for (const g of v) if (typeof (g as { key?: unknown }).key === 'string') into.add((g as { key: string }).key)
      groupKeys(v, into)
    }
  }
  return into
}

/** Replaces what legitimately differs between patients: ids, numbers, codes, audit positions. */
function mask(value: unknown, patients: readonly Patient[]): unknown {
  let text = JSON.stringify(value)
  for (const p of patients) {
    const ids = [p.id, p.extractionId, p.aeId, p.queryId, ...Object.values(p.forms)]
    for (const id of ids.filter((x) => x.length > 0)) text = text.split(id).join('<id>')
  }
  text = text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/MAL-\d{3}/g, '<number>')
    .replace(/LOT-\d{3}/g, '<lot>')
    .replace(/PRP-[0-9A-F]{10}/g, '<preparation>')
    .replace(/"(seq|nextBeforeSeq)":\d+/g, '"$1":0')
  return JSON.parse(text)
}

describeEachDialect('api: blinded roles cannot tell arms apart', ({ store }) => {
  let f: ApiFixture
  let journey: Journey
  let patients: Patient[] = []
  let everyone: Patient[] = []
  const answers = new Map<string, ApiResponse[]>()
  const clients = new Map<Role, ApiClient>()
  const screeningNumbers = new Map<string, string>()

  it('takes one patient of each arm through the same life, in lockstep, past the re-randomization', async () => {
    f = await createApiFixture(store(), { sessions: LONG_SESSIONS }, { protocol: roomyProtocol() })
    const team = await signInTeam(f)
    journey = new Journey(f, team, (step, _p, res) => {
      answers.set(step, [...(answers.get(step) ?? []), res])
    })
    // The first permuted block at a site holds every arm: eight patients randomized on the same day cover them.
    everyone = await journey.enrolPatients(8)
    await journey.randomize(everyone)
    const arms = await journey.arms(everyone)
    patients = ['D1', 'D2', 'D3', 'P'].map((arm) => {
      const p = everyone[arms.indexOf(arm)]
      if (!p) throw new Error(`no patient on ${arm} among ${arms.join(',')}`)
      return p
    })
    const randomizedOn = journey.today
    await journey.doubleBlind(patients, randomizedOn)
    await journey.crossover(patients)
    const after = await journey.arms(patients)
    expect(after.slice(0, 3)).toEqual(['D1', 'D2', 'D3'])
    expect(['D1', 'D2', 'D3']).toContain(after[3])
    for (const role of Object.values(Role)) clients.set(role, await f.signIn(role))
    for (const p of everyone) {
      const res = await team.coordinator.get<{ screeningNumber: string }>(`/api/subjects/${p.id}`)
      screeningNumbers.set(p.id, res.body.screeningNumber)
    }
  })

  it('gave blinded staff the same answer at every step, whatever the arm', () => {
    const differing: string[] = []
    for (const [step, responses] of answers) {
      if (UNBLINDED_STEPS.test(step)) continue
      const masked = responses.map((r) => mask({ status: r.status, body: r.body }, everyone))
      if (!masked.every((m) => isDeepStrictEqual(m, masked[0])))
        differing.push(
          `${step}: ${JSON.stringify(masked.find((m) => !isDeepStrictEqual(m, masked[0])))} vs ${JSON.stringify(masked[0])}`,
        )
    }
    expect(differing).toEqual([])
    expect(answers.size).toBeGreaterThan(20)
  })

  it('answers every GET endpoint identically across arms for every blinded role', async () => {
    const routes = apiRoutes(f.app).filter((r) => r.method === 'get')
    const uncovered: string[] = []
    const differing: string[] = []
    let compared = 0
    let answered = 0
    for (const route of routes) {
      const key = routeKey(route)
      if (key in STUDY_WIDE) continue
      const pathFor = (p: Patient): string | null => {
        const filled = route.path
          .replace('{subjectId}', p.id)
          .replace('{formId}', p.forms['M1'] ?? '')
          .replace('{itemId}', 'sbp')
          .replace('{aeId}', p.aeId)
        if (filled.includes('{')) return null
        if (route.path === '/api/subjects')
          return `${filled}?search=${encodeURIComponent(screeningNumbers.get(p.id) ?? '')}`
        if (route.path === '/api/queries' || route.path === '/api/adverse-events') return `${filled}?subjectId=${p.id}`
        if (route.path === '/api/audit') return `${filled}?subjectId=${p.id}&limit=500`
        if (route.path === '/api/exports/study') return filled
        return route.path.includes('{') ? filled : null
      }
      if (patients.some((p) => pathFor(p) === null)) {
        uncovered.push(key)
        continue
      }
      for (const role of BLINDED_ROLES) {
        const client = clients.get(role)
        if (!client) throw new Error(`no client for ${role}`)
        const seen: unknown[] = []
        for (const p of patients) {
          const res = await client.get(pathFor(p) ?? '')
          if (res.status === 200) answered++
          const body = route.path === '/api/exports/study' ? patientRows(res.body, p.id) : res.body
          seen.push(mask({ status: res.status, body }, everyone))
        }
        compared++
        if (!seen.every((s) => isDeepStrictEqual(s, seen[0])))
          differing.push(`${key} as ${role}: ${JSON.stringify(seen.map((s) => JSON.stringify(s).length))}`)
      }
    }
    expect(uncovered).toEqual([])
    expect(differing).toEqual([])
    expect(compared).toBeGreaterThanOrEqual(14 * BLINDED_ROLES.length)
    // Most comparisons are of real content, not of refusals.
    expect(answered).toBeGreaterThan((compared * patients.length) / 2)
  })

  it('answers the error paths of write endpoints identically across arms', async () => {
    const coordinator = clients.get(Role.Coordinator)
    const investigator = clients.get(Role.Investigator)
    const assessor = clients.get(Role.BlindedAssessor)
    if (!coordinator || !investigator || !assessor) throw new Error('clients missing')
    const today = journey.today
    const calls: [string, ApiClient, (p: Patient) => [string, unknown]][] = [
      ['randomize again', coordinator, (p) => [`/api/subjects/${p.id}/randomize`, { date: today }]],
      ['complete before the last period', coordinator, (p) => [`/api/subjects/${p.id}/complete`, { date: today }]],
      [
        'prepare as coordinator',
        coordinator,
        (p) => [`/api/subjects/${p.id}/preparation`, { lotId: p.lotId, infusionDate: today }],
      ],
      [
        'infuse an unknown preparation',
        investigator,
        (p) => [
          `/api/subjects/${p.id}/infusion`,
          {
            preparationCode: 'PRP-0000000000',
            lotId: p.lotId,
            date: today,
            startedAt: `${today}T09:00:00.000Z`,
            endedAt: `${today}T09:30:00.000Z`,
            volumeMl: 50,
            status: 'completed',
          },
        ],
      ],
      [
        'infuse the period’s dose again',
        investigator,
        (p) => [
          `/api/subjects/${p.id}/infusion`,
          {
            preparationCode: p.preparationCodes.at(-1),
            lotId: p.lotId,
            date: today,
            startedAt: `${today}T09:00:00.000Z`,
            endedAt: `${today}T09:30:00.000Z`,
            volumeMl: 50,
            status: 'completed',
          },
        ],
      ],
      [
        'unblind with a wrong password',
        investigator,
        (p) => [`/api/subjects/${p.id}/unblind`, { reason: 'testing', password: 'not my password' }],
      ],
      [
        'unblind as coordinator',
        coordinator,
        (p) => [`/api/subjects/${p.id}/unblind`, { reason: 'testing', password: TEST_PASSWORD }],
      ],
      [
        'out-of-range vital signs',
        assessor,
        (p) => [
          '/api/forms',
          {
            subjectId: p.id,
            visitId: 'M7',
            formId: 'VITALS',
            values: { weight: 900, sbp: 120, dbp: 80, hr: 70, temp: 36.6 },
            reason: 'x',
          },
        ],
      ],
      [
        'correction without a reason',
        coordinator,
        (p) => [
          '/api/forms',
          {
            subjectId: p.id,
            visitId: 'M7',
            formId: 'VITALS',
            values: { weight: 69.4, sbp: 120, dbp: 80, hr: 70, temp: 36.6 },
          },
        ],
      ],
      [
        'extraction twice',
        coordinator,
        (p) => [`/api/subjects/${p.id}/lots`, { lotId: p.lotId, extractionId: p.extractionId, date: today }],
      ],
    ]
    const differing: string[] = []
    for (const [label, client, make] of calls) {
      const seen: unknown[] = []
      for (const p of patients) {
        const [path, body] = make(p)
        const res = await client.post(path, body)
        // Randomizing again answers the same view (nothing written); every other call is refused.
        if (label !== 'randomize again')
          expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400)
        seen.push(mask({ status: res.status, body: res.body }, everyone))
      }
      if (!seen.every((s) => isDeepStrictEqual(s, seen[0]))) differing.push(`${label}: ${JSON.stringify(seen)}`)
    }
    expect(differing).toEqual([])
  })

  it('gives blinded roles analysis datasets whose rows for the four patients are the same (unblinded: not)', async () => {
    const rowsOf = async (client: ApiClient) => {
      const res = await client.get<{ subject: string }[]>('/api/exports/analysis/adsl?format=json')
      expect(res.status).toBe(200)
      return patients.map((p) =>
        mask(
          res.body.find((r) => r.subject === p.id || r.subject === screeningNumbers.get(p.id)),
          everyone,
        ),
      )
    }
    for (const role of [Role.Sponsor, Role.DataManager]) {
      const client = clients.get(role)
      if (!client) throw new Error(`no client for ${role}`)
      const rows = await rowsOf(client)
      expect(rows[0], role).toBeDefined()
      expect(new Set(rows.map((r) => JSON.stringify(r))).size, role).toBe(1)
    }
    const statistician = clients.get(Role.Statistician)
    if (!statistician) throw new Error('no statistician')
    expect(new Set((await rowsOf(statistician)).map((r) => JSON.stringify(r))).size).toBeGreaterThan(1)
  })

  it('gives blinded exports in which the four patients look the same, with no arm anywhere (unblinded: not)', async () => {
    const statistician = clients.get(Role.Statistician)
    const dataManager = clients.get(Role.DataManager)
    const sponsor = clients.get(Role.Sponsor)
    if (!statistician || !dataManager || !sponsor) throw new Error('clients missing')
    const armLabels = f.fx.protocol.protocol.arms.map((a) => a.label)
    const keysOf = (p: Patient) => [p.id, screeningNumbers.get(p.id) ?? p.id]
    const parts = (files: Record<string, string>) =>
      patients.map((p) => JSON.stringify(mask(patientPart(files, keysOf(p)), everyone)))
    for (const path of EXPORTS) {
      const blindedFiles = exportFiles(await dataManager.get(path))
      const all = Object.values(blindedFiles).join('\n')
      expect(
        armLabels.filter((label) => all.includes(label)),
        path,
      ).toEqual([])
      const seen = parts(blindedFiles)
      expect(seen[0], path).toMatch(/MAL|<id>|<number>/)
      expect(new Set(seen).size, `${path}: ${seen.join(' | ').slice(0, 400)}`).toBe(1)
      // The sponsor, and the statistician asking for the blinded projection, get the very same files.
      expect(exportFiles(await sponsor.get(path)), path).toEqual(blindedFiles)
      expect(exportFiles(await statistician.get(path)), path).toEqual(blindedFiles)
      // Negative control: with allocations, the arms are there and the patients differ.
      const unblinded = exportFiles(await statistician.get(`${path}${path.includes('?') ? '&' : '?'}blinded=false`))
      if (path.includes('redcap')) continue // the REDCap project carries no allocation form
      expect(
        armLabels.some((label) => Object.values(unblinded).join('\n').includes(label)),
        path,
      ).toBe(true)
      expect(new Set(parts(unblinded)).size, path).toBeGreaterThan(1)
    }
  })

  it('gives blinded readers the report with every arm pooled, the same whoever computes it (unblinded: by arm)', async () => {
    const armLabels = f.fx.protocol.protocol.arms.map((a) => a.label)
    const armIds = new Set(f.fx.protocol.protocol.arms.map((a) => a.id))
    const texts: string[] = []
    // A fresh sign-in moves the audit head, so that each reader's report is computed from their own extraction.
    for (const role of [Role.Sponsor, Role.DataManager]) {
      const client = await f.signIn(role)
      const json = await client.get<{ provenance: { blinded: boolean } }>('/api/report/results.json')
      expect(json.status, role).toBe(200)
      expect(json.body.provenance.blinded, role).toBe(true)
      expect(
        [...groupKeys(json.body)].filter((k) => armIds.has(k)),
        role,
      ).toEqual([])
      const html = await client.get<string>('/api/report/html')
      expect(html.status, role).toBe(200)
      for (const text of [JSON.stringify(json.body), html.body])
        expect(
          armLabels.filter((label) => text.includes(label)),
          role,
        ).toEqual([])
      texts.push(JSON.stringify(json.body))
    }
    expect(new Set(texts).size).toBe(1)
    // Negative control: the statistician's report is by arm, and the test would see it.
    const unblinded = await (
      await f.signIn(Role.Statistician)
    ).get<{ provenance: { blinded: boolean } }>('/api/report/results.json')
    expect(unblinded.body.provenance.blinded).toBe(false)
    expect([...groupKeys(unblinded.body)].filter((k) => armIds.has(k)).sort()).toEqual([...armIds].sort())
    expect(armLabels.some((label) => JSON.stringify(unblinded.body).includes(label))).toBe(true)
  })

  it('lets the unblinded roles see the difference (negative control)', async () => {
    for (const role of [Role.Statistician, Role.UnblindedPharmacist]) {
      const client = clients.get(role)
      if (!client) throw new Error(`no client for ${role}`)
      const seen: unknown[] = []
      for (const p of patients) seen.push(mask((await client.get(`/api/subjects/${p.id}`)).body, everyone))
      expect(new Set(seen.map((s) => JSON.stringify(s))).size, role).toBe(patients.length)
    }
    const prepared = answers.get('prepare INF1') ?? []
    expect(new Set(prepared.map((r) => JSON.stringify(mask(r.body, everyone)))).size).toBe(patients.length)
  })
})

/** The patient's rows of a study extract (the rest of the study is the same for every patient). */
function patientRows(extract: unknown, subjectId: string): unknown {
  const e = extract as Record<string, unknown>
  const mine = (rows: unknown) =>
    Array.isArray(rows)
      ? rows.filter((r: { subjectId?: string; id?: string }) => r.subjectId === subjectId || r.id === subjectId)
      : rows
  return {
    blinded: e['blinded'],
    subjects: mine(e['subjects']),
    visits: mine(e['visits']),
    forms: mine(e['forms']),
    adverseEvents: mine(e['adverseEvents']),
    infusions: mine(e['infusions']),
  }
}
