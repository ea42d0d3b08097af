/**
 * For every API route, how to make one valid call that succeeds: the state it needs (built through the
 * services, fast) and the request. The permission test calls each route as every role; the bad-input test
 * breaks each valid body field by field. A route without a scenario fails both tests.
 */
import { SYSTEM_ACTOR, type Actor } from '../../src/access/index.ts'
import { Role } from '../../src/domain/index.ts'
import { check, eligibleAnswers, TEST_PASSWORD } from '../support/index.ts'
import type { ApiClient} from './api-fixture.ts';
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

    'GET /api/audit': () => Promise.resolve({ path: '/api/audit?limit=5' }),
    'GET /api/audit/verify': () => Promise.resolve({ path: '/api/audit/verify' }),
  }
}

/** `POST /api/subjects/{subjectId}` for a route's metadata. */
export function routeKey(route: { method: string; path: string }): string {
  return `${route.method.toUpperCase()} ${route.path}`
}
