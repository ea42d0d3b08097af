/**
 * For every API route, how to make one valid call that succeeds: the state it needs (built through the
 * services, fast) and the request. The permission test calls each route as every role; the bad-input test
 * breaks each valid body field by field. A route without a scenario fails both tests.
 */
import { SYSTEM_ACTOR, type Actor } from '../../src/access/index.ts'
import { Role } from '../../src/domain/index.ts'
import type { ProtocolVersion } from '../../src/protocol/index.ts'
import { check, eligibleAnswers, referenceProtocol, TEST_PASSWORD } from '../support/index.ts'
import type { ApiClient } from './api-fixture.ts'
import { type ApiFixture } from './api-fixture.ts'

export interface PreparedCall {
  /** The concrete path (ids filled in), with a query string when any. */
  readonly path: string
  readonly body?: Record<string, unknown>
  /** Sign in as someone else than the role's fixture account (a throwaway account, a fresh session). */
  readonly client?: ApiClient
  /** The status a permitted role gets when it is not the route's success status (e.g. go-live once only). */
  readonly expect?: number
}

export type Prepare = (role: Role) => Promise<PreparedCall>

/** The reference protocol with room for a few hundred randomizations per site (the suites randomize many). */
export function roomyProtocol(): ProtocolVersion {
  return referenceProtocol((raw) => {
    ;(raw['study'] as { targetEnrolment: number }).targetEnrolment = 400
    for (const site of raw['sites'] as { targetEnrolment: number }[]) site.targetEnrolment = 100
  })
}

/** Builders of subjects in each state, at MAL (the fixture's site staff work at MAL). */
export class World {
  #counter = 0
  constructor(readonly f: ApiFixture) {}

  get fx() {
    return this.f.fx
  }
  get actors() {
    return this.f.fx.actors
  }
  get today(): string {
    return this.fx.clock.now().slice(0, 10)
  }

  async screened(site = 'MAL', actor: Actor = this.actors.coordinator): Promise<string> {
    return check(await this.fx.services.subjects.screen(actor, { siteId: site, screeningDate: this.today })).id
  }

  async consentedEligible(
    site = 'MAL',
    actor: Actor = site === 'COR' ? this.actors.coordinatorCOR : this.actors.coordinator,
  ): Promise<string> {
    const id = await this.screened(site, actor)
    const { subjects } = this.fx.services
    check(await subjects.recordConsent(actor, id, { date: this.today, version: '1.0' }))
    check(await subjects.recordEligibility(actor, id, { answers: eligibleAnswers(this.fx.protocol) }))
    return id
  }

  async enrolled(site = 'MAL'): Promise<string> {
    const actor = site === 'COR' ? this.actors.coordinatorCOR : this.actors.coordinator
    const id = await this.consentedEligible(site, actor)
    check(
      await this.fx.services.subjects.enrol(actor, id, {
        date: this.today,
        factors: { onset: 'spinal', deltaFS: 0.6 },
      }),
    )
    return id
  }

  async randomized(site = 'MAL'): Promise<string> {
    const actor = site === 'COR' ? this.actors.coordinatorCOR : this.actors.coordinator
    const id = await this.enrolled(site)
    check(await this.fx.services.subjects.randomize(actor, id, { date: this.today }))
    return id
  }

  /** A randomized subject moved on through every later period (ready to complete). */
  async inLastPeriod(): Promise<string> {
    const id = await this.randomized()
    for (const period of this.fx.protocol.protocol.periods.slice(1)) {
      void period
      check(await this.fx.services.subjects.enterNextPeriod(this.actors.coordinator, id, { date: this.today }))
    }
    return id
  }

  /** A screened subject with its screening vital signs saved; answers the form instance id. */
  async savedForm(subjectId?: string): Promise<string> {
    const id = subjectId ?? (await this.screened())
    const saved = check(
      await this.fx.services.forms.save(this.actors.coordinator, {
        subjectId: id,
        visitId: 'SCR',
        formId: 'VITALS',
        values: { weight: 71.5, sbp: 124, dbp: 78, hr: 72, temp: 36.6 },
      }),
    )
    return saved.form.id
  }

  async lockedForm(): Promise<string> {
    const formId = await this.savedForm()
    check(await this.fx.services.review.lockForm(this.actors['data-manager'], formId))
    return formId
  }

  async openQuery(): Promise<string> {
    const subjectId = await this.screened()
    return check(
      await this.fx.services.queries.raise(this.actors.monitor, {
        subjectId,
        text: 'please confirm the screening date',
      }),
    ).id
  }

  async closedQuery(): Promise<string> {
    const id = await this.openQuery()
    check(await this.fx.services.queries.close(this.actors.monitor, id, { text: 'confirmed on site' }))
    return id
  }

  /** Values of the protocol's AE form: a headache, or a pneumonia needing hospitalisation (an SAE). */
  aeValues(serious: boolean, changes: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      term: serious ? 'Pneumonia' : 'Headache',
      soc: serious ? 'Infections and infestations' : 'Nervous system disorders',
      onset_date: this.today,
      ongoing: true,
      grade: serious ? 3 : 1,
      serious,
      ...(serious ? { seriousness: ['HOSPITALISATION'] } : {}),
      causality: 'UNLIKELY',
      action: 'not-applicable',
      outcome: 'recovering',
      ...changes,
    }
  }

  async adverseEvent(serious = false): Promise<string> {
    const subjectId = await this.enrolled()
    return check(
      await this.fx.services.safety.report(this.actors.investigator, subjectId, { values: this.aeValues(serious) }),
    ).id
  }

  /** Extraction and a manufactured lot for the subject; `released` passes every release criterion. */
  async lot(subjectId: string, released: boolean): Promise<string> {
    const { supply } = this.fx.services
    const actor = this.actors.coordinator
    const extraction = check(
      await supply.recordExtraction(actor, subjectId, { date: this.today, tissueGrams: 80 }),
    ).extractions.at(-1)
    if (!extraction) throw new Error('no extraction recorded')
    const lotId = this.unique('LOT-')
    check(await supply.recordManufacture(actor, subjectId, { lotId, extractionId: extraction.id, date: this.today }))
    if (released) {
      const values = {
        viability: 92,
        cd_markers: 97,
        sterility: true,
        mycoplasma: true,
        endotoxin: 0.1,
        karyotype: true,
      }
      check(await supply.recordRelease(actor, lotId, { date: this.today, values }))
    }
    return lotId
  }

  /** A randomized subject with a released lot and a prepared dose; answers the subject, lot and preparation code. */
  async prepared(): Promise<{ subjectId: string; lotId: string; preparationCode: string }> {
    const subjectId = await this.randomized()
    const lotId = await this.lot(subjectId, true)
    const sheet = check(
      await this.fx.services.supply.prepareDose(this.actors['unblinded-pharmacist'], subjectId, {
        lotId,
        infusionDate: this.today,
        weightKg: 70,
        weightDate: this.today,
      }),
    )
    return { subjectId, lotId, preparationCode: sheet.preparationCode }
  }

  /** A new account (role, MAL for site roles) signed in on its own client. */
  async freshUser(role: Role): Promise<ApiClient> {
    const username = `u${++this.#counter}-${role}`.slice(0, 60)
    const siteRole =
      role !== Role.Admin && role !== Role.Sponsor && role !== Role.DataManager && role !== Role.Statistician
    check(
      await this.fx.services.users.create(SYSTEM_ACTOR, {
        username,
        displayName: username,
        role,
        sites: siteRole ? ['MAL'] : 'all',
        password: TEST_PASSWORD,
      }),
    )
    return this.f.signIn(username)
  }

  unique(prefix: string): string {
    return `${prefix}${++this.#counter}`
  }
}

/** `?blinded=false` for the role that may export with allocations. */
const unblindedFor = (role: Role): string => (role === Role.Statistician ? '?blinded=false' : '')

/**
 * The investigator holds report.blinded, but the live report is computed from the study extraction, which capture
 * grants on the export permissions only: the route refuses (403) before anything is extracted.
 */
const reportRefusal = (role: Role): { expect?: number } => (role === Role.Investigator ? { expect: 403 } : {})

/** `METHOD /api/path/{param}` → how to call it. */
export function scenarios(w: World): Record<string, Prepare> {
  const p = w.fx.protocol.protocol
  const today = () => w.today
  const subjectStep = (state: () => Promise<string>, step: string, body: () => Record<string, unknown>): Prepare => {
    return async () => ({ path: `/api/subjects/${await state()}/${step}`, body: body() })
  }
  return {
    'POST /api/auth/login': () =>
      Promise.resolve({ path: '/api/auth/login', body: { username: 'monitor', password: TEST_PASSWORD } }),
    'POST /api/auth/logout': async (role) => ({ path: '/api/auth/logout', client: await w.freshUser(role) }),
    'GET /api/auth/me': () => Promise.resolve({ path: '/api/auth/me' }),
    'POST /api/auth/password': async (role) => ({
      path: '/api/auth/password',
      body: { currentPassword: TEST_PASSWORD, newPassword: 'another long passphrase' },
      client: await w.freshUser(role),
    }),
    'POST /api/auth/tokens': () => Promise.resolve({ path: '/api/auth/tokens', body: { label: 'script', days: 30 } }),
    'GET /api/auth/tokens': () => Promise.resolve({ path: '/api/auth/tokens' }),
    'POST /api/auth/tokens/{tokenId}/revoke': async (role) => {
      const client = await w.freshUser(role)
      const issued = await client.post<{ info: { id: string } }>('/api/auth/tokens', { label: 'to revoke' })
      return { path: `/api/auth/tokens/${issued.body.info.id}/revoke`, body: {}, client }
    },

    'GET /api/users': () => Promise.resolve({ path: '/api/users' }),
    'POST /api/users': () =>
      Promise.resolve({
        path: '/api/users',
        body: {
          username: w.unique('new.user'),
          displayName: 'New User',
          role: 'monitor',
          sites: ['MAL'],
          password: TEST_PASSWORD,
        },
      }),
    'POST /api/users/{userId}/deactivate': async () => {
      const user = check(
        await w.fx.services.users.create(SYSTEM_ACTOR, {
          username: w.unique('leaver'),
          displayName: 'Leaver',
          role: 'monitor',
          sites: ['MAL'],
          password: TEST_PASSWORD,
        }),
      )
      return { path: `/api/users/${user.id}/deactivate`, body: { reason: 'left the study team' } }
    },
    'POST /api/users/{userId}/reactivate': async () => {
      const user = check(
        await w.fx.services.users.create(SYSTEM_ACTOR, {
          username: w.unique('returner'),
          displayName: 'Returner',
          role: 'monitor',
          sites: ['MAL'],
          password: TEST_PASSWORD,
        }),
      )
      check(await w.fx.services.users.deactivate(SYSTEM_ACTOR, user.id, { reason: 'on leave' }))
      return { path: `/api/users/${user.id}/reactivate`, body: { reason: 'back from leave' } }
    },
    'POST /api/users/{userId}/password': async () => {
      const user = check(
        await w.fx.services.users.create(SYSTEM_ACTOR, {
          username: w.unique('forgetful'),
          displayName: 'Forgetful',
          role: 'monitor',
          sites: ['MAL'],
          password: TEST_PASSWORD,
        }),
      )
      return {
        path: `/api/users/${user.id}/password`,
        body: { password: 'a new long passphrase', reason: 'reset on request' },
      }
    },

    'GET /api/study': () => Promise.resolve({ path: '/api/study' }),
    'GET /api/study/protocol': () => Promise.resolve({ path: '/api/study/protocol' }),
    // The fixture is live already: go-live answers a conflict to the one role allowed to ask.
    'POST /api/study/go-live': () => Promise.resolve({ path: '/api/study/go-live', body: {}, expect: 409 }),

    'POST /api/subjects': () =>
      Promise.resolve({ path: '/api/subjects', body: { siteId: 'MAL', screeningDate: today() } }),
    'GET /api/subjects/{subjectId}': async () => ({ path: `/api/subjects/${await w.screened()}` }),
    'POST /api/subjects/{subjectId}/consent': subjectStep(
      () => w.screened(),
      'consent',
      () => ({ date: today(), version: '1.0' }),
    ),
    'POST /api/subjects/{subjectId}/eligibility': subjectStep(
      () => w.screened(),
      'eligibility',
      () => ({ answers: eligibleAnswers(w.fx.protocol) }),
    ),
    'POST /api/subjects/{subjectId}/screen-failure': subjectStep(
      () => w.screened(),
      'screen-failure',
      () => ({
        date: today(),
        reason: p.disposition.screenFailureReasons[0],
      }),
    ),
    'POST /api/subjects/{subjectId}/enrol': subjectStep(
      () => w.consentedEligible(),
      'enrol',
      () => ({
        date: today(),
        factors: { onset: 'bulbar', deltaFS: 0.3 },
      }),
    ),
    'POST /api/subjects/{subjectId}/randomize': subjectStep(
      () => w.enrolled(),
      'randomize',
      () => ({ date: today() }),
    ),
    'POST /api/subjects/{subjectId}/next-period': subjectStep(
      () => w.randomized(),
      'next-period',
      () => ({ date: today() }),
    ),
    'POST /api/subjects/{subjectId}/withdraw': subjectStep(
      () => w.enrolled(),
      'withdraw',
      () => ({
        date: today(),
        reason: p.disposition.withdrawalReasons[0],
      }),
    ),
    'POST /api/subjects/{subjectId}/complete': subjectStep(
      () => w.inLastPeriod(),
      'complete',
      () => ({ date: today() }),
    ),
    'POST /api/subjects/{subjectId}/death': subjectStep(
      () => w.enrolled(),
      'death',
      () => ({ date: today(), cause: 'respiratory failure' }),
    ),
    'POST /api/subjects/{subjectId}/events': subjectStep(
      () => w.randomized(),
      'events',
      () => ({ kind: 'tracheostomy', date: today() }),
    ),

    'GET /api/subjects': () => Promise.resolve({ path: '/api/subjects?status=screening&status=enrolled&limit=5' }),
    'GET /api/study/dashboard': () => Promise.resolve({ path: `/api/study/dashboard?today=${today()}` }),
    'GET /api/notifications': () => Promise.resolve({ path: '/api/notifications?unreadOnly=true' }),
    'POST /api/notifications/{notificationId}/read': async (role) => {
      // Emergency unblinding notifies the sponsor and the statistician; other roles have nothing to mark.
      if (role !== Role.Sponsor && role !== Role.Statistician)
        return { path: '/api/notifications/none/read', body: {}, expect: 404 }
      check(
        await w.fx.services.unblinding.emergency(w.actors.investigator, await w.randomized(), {
          reason: 'anaphylaxis: treating physician needs the arm',
          password: TEST_PASSWORD,
        }),
      )
      const unread = check(await w.fx.services.reads.notifications(w.actors[role], { unreadOnly: true }))
      return { path: `/api/notifications/${unread[0]?.id ?? 'none'}/read`, body: {} }
    },
    'GET /api/exports/study': () => Promise.resolve({ path: '/api/exports/study' }),
    'GET /api/exports/redcap-dictionary': () => Promise.resolve({ path: '/api/exports/redcap-dictionary' }),
    'GET /api/exports/analysis/{dataset}': () => Promise.resolve({ path: '/api/exports/analysis/adsl?format=csv' }),
    // The one role that may export with allocations asks for them; the others take the default (blinded).
    'GET /api/exports/odm': (role) =>
      Promise.resolve({
        path: `/api/exports/odm?withAudit=true&fileType=snapshot${role === Role.Statistician ? '&blinded=false' : ''}`,
      }),
    'GET /api/exports/sdtm': (role) => Promise.resolve({ path: `/api/exports/sdtm${unblindedFor(role)}` }),
    'GET /api/exports/r': (role) => Promise.resolve({ path: `/api/exports/r${unblindedFor(role)}` }),
    'GET /api/exports/redcap-data': (role) =>
      Promise.resolve({ path: `/api/exports/redcap-data${unblindedFor(role)}` }),
    'GET /api/report/results.json': (role) =>
      Promise.resolve({ path: '/api/report/results.json', ...reportRefusal(role) }),
    'GET /api/report/html': (role) => Promise.resolve({ path: '/api/report/html', ...reportRefusal(role) }),

    'GET /api/subjects/{subjectId}/calendar': async () => ({
      path: `/api/subjects/${await w.randomized()}/calendar?today=${today()}`,
    }),
    'POST /api/subjects/{subjectId}/visits/{visitId}': async () => ({
      path: `/api/subjects/${await w.screened()}/visits/SCR`,
      body: { date: today() },
    }),
    'GET /api/visits/missing-forms': () => Promise.resolve({ path: '/api/visits/missing-forms?siteId=MAL' }),

    'POST /api/forms': async () => ({
      path: '/api/forms',
      body: {
        subjectId: await w.screened(),
        visitId: 'SCR',
        formId: 'VITALS',
        values: { weight: 68.2, sbp: 118, dbp: 76, hr: 70, temp: 36.8 },
      },
    }),
    'GET /api/forms/{formId}': async () => ({ path: `/api/forms/${await w.savedForm()}` }),
    'GET /api/forms/{formId}/history': async () => ({ path: `/api/forms/${await w.savedForm()}/history` }),
    'GET /api/forms/{formId}/items/{itemId}/history': async () => ({
      path: `/api/forms/${await w.savedForm()}/items/weight/history`,
    }),
    'POST /api/forms/{formId}/delete': async () => ({
      path: `/api/forms/${await w.savedForm()}/delete`,
      body: { reason: 'entered for the wrong patient' },
    }),
    'GET /api/subjects/{subjectId}/forms': async () => {
      const subjectId = await w.screened()
      await w.savedForm(subjectId)
      return { path: `/api/subjects/${subjectId}/forms` }
    },
    'POST /api/forms/{formId}/verify': async () => ({ path: `/api/forms/${await w.savedForm()}/verify`, body: {} }),
    'POST /api/forms/{formId}/sign': async () => ({
      path: `/api/forms/${await w.savedForm()}/sign`,
      body: { password: TEST_PASSWORD },
    }),
    'POST /api/forms/{formId}/lock': async () => ({ path: `/api/forms/${await w.savedForm()}/lock`, body: {} }),
    'POST /api/forms/{formId}/unlock': async () => ({
      path: `/api/forms/${await w.lockedForm()}/unlock`,
      body: { reason: 'correction after source review' },
    }),
    'POST /api/subjects/{subjectId}/sign': async () => ({
      path: `/api/subjects/${await w.randomized()}/sign`,
      body: { password: TEST_PASSWORD },
    }),
    'POST /api/subjects/{subjectId}/lock': async () => ({
      path: `/api/subjects/${await w.randomized()}/lock`,
      body: {},
    }),
    // Locking the database would end the suite: the permitted role gets as far as the password check.
    'POST /api/study/lock': () =>
      Promise.resolve({
        path: '/api/study/lock',
        body: { reason: 'final analysis', password: 'not my password' },
        expect: 401,
      }),

    'POST /api/queries': async () => ({
      path: '/api/queries',
      body: { subjectId: await w.screened(), text: 'date of birth missing in source' },
    }),
    'GET /api/queries': () => Promise.resolve({ path: '/api/queries?status=open&limit=5' }),
    'POST /api/queries/{queryId}/answer': async () => ({
      path: `/api/queries/${await w.openQuery()}/answer`,
      body: { text: 'corrected in source' },
    }),
    'POST /api/queries/{queryId}/close': async () => ({ path: `/api/queries/${await w.openQuery()}/close`, body: {} }),
    'POST /api/queries/{queryId}/reopen': async () => ({
      path: `/api/queries/${await w.closedQuery()}/reopen`,
      body: { text: 'still inconsistent' },
    }),

    'POST /api/subjects/{subjectId}/adverse-events': async () => ({
      path: `/api/subjects/${await w.enrolled()}/adverse-events`,
      body: {
        values: w.aeValues(false, {
          term: 'Procedural pain',
          soc: 'Injury, poisoning and procedural complications',
          causality: 'PROBABLE',
        }),
      },
    }),
    'GET /api/subjects/{subjectId}/adverse-events': async () => ({
      path: `/api/subjects/${await w.enrolled()}/adverse-events`,
    }),
    'GET /api/adverse-events': () => Promise.resolve({ path: '/api/adverse-events?serious=true&status=ongoing' }),
    'GET /api/adverse-events/{aeId}': async () => ({ path: `/api/adverse-events/${await w.adverseEvent()}` }),
    'POST /api/adverse-events/{aeId}/follow-up': async () => ({
      path: `/api/adverse-events/${await w.adverseEvent()}/follow-up`,
      body: {
        values: w.aeValues(false, { ongoing: false, resolution_date: today(), outcome: 'recovered' }),
        reason: 'resolved at the week-1 visit',
      },
    }),
    'POST /api/adverse-events/{aeId}/expectedness': async () => ({
      path: `/api/adverse-events/${await w.adverseEvent(true)}/expectedness`,
      body: { expected: false },
    }),
    'POST /api/adverse-events/{aeId}/acknowledge': async () => ({
      path: `/api/adverse-events/${await w.adverseEvent(true)}/acknowledge`,
      body: {},
    }),

    'GET /api/subjects/{subjectId}/supply': async () => ({
      path: `/api/subjects/${(await w.prepared()).subjectId}/supply`,
    }),
    'POST /api/subjects/{subjectId}/extraction': async () => ({
      path: `/api/subjects/${await w.screened()}/extraction`,
      body: { date: today(), tissueGrams: 75 },
    }),
    'POST /api/subjects/{subjectId}/lots': async () => {
      const subjectId = await w.screened()
      const view = check(
        await w.fx.services.supply.recordExtraction(w.actors.coordinator, subjectId, {
          date: today(),
          tissueGrams: 75,
        }),
      )
      return {
        path: `/api/subjects/${subjectId}/lots`,
        body: { lotId: w.unique('LOT-'), extractionId: view.extractions[0]?.id, date: today() },
      }
    },
    'POST /api/lots/{lotId}/release': async () => ({
      path: `/api/lots/${await w.lot(await w.screened(), false)}/release`,
      body: {
        date: today(),
        values: { viability: 91, cd_markers: 95, sterility: true, mycoplasma: true, endotoxin: 0.2, karyotype: true },
      },
    }),
    'POST /api/subjects/{subjectId}/preparation': async () => {
      const subjectId = await w.randomized()
      const lotId = await w.lot(subjectId, true)
      return {
        path: `/api/subjects/${subjectId}/preparation`,
        body: { lotId, infusionDate: today(), weightKg: 72, weightDate: today() },
      }
    },
    'POST /api/subjects/{subjectId}/infusion': async () => {
      const { subjectId, lotId, preparationCode } = await w.prepared()
      return {
        path: `/api/subjects/${subjectId}/infusion`,
        body: {
          preparationCode,
          lotId,
          date: today(),
          startedAt: `${today()}T10:00:00.000Z`,
          endedAt: `${today()}T10:30:00.000Z`,
          volumeMl: 50,
          status: 'completed',
        },
      }
    },

    'POST /api/subjects/{subjectId}/unblind': async () => ({
      path: `/api/subjects/${await w.randomized()}/unblind`,
      body: { reason: 'severe reaction: the treating physician needs the arm', password: TEST_PASSWORD },
    }),
    // End-of-study unblinding waits for database lock: the permitted role passes the password check, then 409.
    'POST /api/study/unblind': () =>
      Promise.resolve({
        path: '/api/study/unblind',
        body: { reason: 'SAP final', password: TEST_PASSWORD },
        expect: 409,
      }),

    'GET /api/audit': () => Promise.resolve({ path: '/api/audit?limit=5' }),
    'GET /api/audit/verify': () => Promise.resolve({ path: '/api/audit/verify' }),
  }
}

/** `POST /api/subjects/{subjectId}` for a route's metadata. */
export function routeKey(route: { method: string; path: string }): string {
  return `${route.method.toUpperCase()} ${route.path}`
}
