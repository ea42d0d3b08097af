import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SYSTEM_ACTOR } from '../../src/access/index.ts'
import { createApp, type App } from '../../src/api/index.ts'
import { TEST_PASSWORD, check, describeEachDialect } from '../support/index.ts'
import { ApiClient, createApiFixture, type ApiError, type ApiFixture } from './api-fixture.ts'

interface Session {
  user: { username: string; role: string; sites: string[] | 'all' }
  via: string
  expiresAt: string | null
}

async function auditKinds(f: ApiFixture): Promise<string[]> {
  const rows = await f.deps.store.db.selectFrom('audit_log').select(['kind', 'seq']).orderBy('seq').execute()
  return rows.map((r) => r.kind)
}

describeEachDialect('api: sign-in, sessions, tokens', ({ store }) => {
  let f: ApiFixture

  it('signs in with an HttpOnly SameSite=Strict cookie, audits it, and answers who is signed in', async () => {
    f = await createApiFixture(store())
    const client = f.anonymous()
    const before = (await auditKinds(f)).length
    const res = await client.post<Session>('/api/auth/login', { username: 'coordinator', password: TEST_PASSWORD })
    expect(res.status).toBe(200)
    expect(res.body.user).toMatchObject({ username: 'coordinator', role: 'coordinator', sites: ['MAL'] })
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{43};/)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    expect(cookie).toContain('Path=/')
    expect(cookie).not.toContain('Secure')
    expect((await auditKinds(f)).slice(before)).toEqual(['auth.login'])
    const me = await client.get<Session>('/api/auth/me')
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ user: { username: 'coordinator' }, via: 'session' })
  })

  it('answers 401 without a session, and one message for a wrong password or an unknown user (both audited)', async () => {
    expect((await f.anonymous().get<ApiError>('/api/auth/me')).status).toBe(401)
    expect((await f.anonymous().get<ApiError>('/api/study')).body.error.code).toBe('unauthenticated')
    const before = (await auditKinds(f)).length
    const wrong = await f
      .anonymous()
      .post<ApiError>('/api/auth/login', { username: 'monitor', password: 'not the password' })
    const unknown = await f
      .anonymous()
      .post<ApiError>('/api/auth/login', { username: 'nobody', password: 'not the password' })
    expect([wrong.status, unknown.status]).toEqual([401, 401])
    expect(wrong.body).toEqual(unknown.body)
    expect((await auditKinds(f)).slice(before)).toEqual(['auth.login_failed', 'auth.login_failed'])
  })

  it('signs out: the cookie no longer works and the logout is audited', async () => {
    const client = await f.signIn('monitor')
    expect((await client.post('/api/auth/logout')).status).toBe(200)
    expect((await auditKinds(f)).at(-1)).toBe('auth.logout')
    expect(client.cookie).toBeUndefined()
    // Replaying the old cookie is refused too.
    const replay = await f.signIn('monitor')
    const old = replay.cookie
    await replay.post('/api/auth/logout')
    replay.cookie = old
    expect((await replay.get('/api/auth/me')).status).toBe(401)
  })

  it('ends a session after 30 idle minutes, and activity keeps it alive up to the absolute 12 h', async () => {
    const client = await f.signIn('sponsor')
    f.fx.clock.advance(29 * 60_000)
    expect((await client.get('/api/auth/me')).status).toBe(200)
    f.fx.clock.advance(29 * 60_000)
    expect((await client.get('/api/auth/me')).status).toBe(200)
    f.fx.clock.advance(31 * 60_000)
    const idle = await client.get<ApiError>('/api/auth/me')
    expect(idle.status).toBe(401)
    expect((await auditKinds(f)).at(-1)).toBe('auth.logout')

    const busy = await f.signIn('sponsor')
    for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
      f.fx.clock.advance(20 * 60_000)
      expect((await busy.get('/api/auth/me')).status, `after ${minutes + 20} min`).toBe(200)
    }
    f.fx.clock.advance(25 * 60_000)
    expect((await busy.get('/api/auth/me')).status).toBe(401)
  })

  it('changes one’s own password with the old one re-entered; other sessions end', async () => {
    const elsewhere = await f.signIn('data-manager')
    const client = await f.signIn('data-manager')
    const wrong = await client.post<ApiError>('/api/auth/password', {
      currentPassword: 'wrong password!',
      newPassword: 'a brand new passphrase',
    })
    expect([wrong.status, wrong.body.error.field]).toEqual([401, 'currentPassword'])
    const short = await client.post<ApiError>('/api/auth/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'short',
    })
    expect([short.status, short.body.error.field, short.body.error.code]).toEqual([422, 'newPassword', 'out_of_range'])
    const changed = await client.post('/api/auth/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'a brand new passphrase',
    })
    expect(changed.status).toBe(200)
    expect((await client.get('/api/auth/me')).status).toBe(200)
    expect((await elsewhere.get('/api/auth/me')).status).toBe(401)
    expect(
      (await f.anonymous().post('/api/auth/login', { username: 'data-manager', password: TEST_PASSWORD })).status,
    ).toBe(401)
    expect(
      (await f.anonymous().post('/api/auth/login', { username: 'data-manager', password: 'a brand new passphrase' }))
        .status,
    ).toBe(200)
  })

  it('refuses a cross-site form post (CSRF) but not a same-origin one', async () => {
    const client = await f.signIn('coordinator')
    const crossSite = await client.request<ApiError>('POST', '/api/auth/logout', undefined, {
      raw: 'x=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    })
    expect(crossSite.status).toBe(403)
    expect(crossSite.body.error.code).toBe('forbidden')
    expect((await client.get('/api/auth/me')).status).toBe(200)
    const sameOrigin = await client.request('POST', '/api/auth/logout', undefined, {
      raw: 'x=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
    })
    expect(sameOrigin.status).toBe(200)
  })

  it('issues personal API tokens: bearer calls act as the owner (narrowed to the token’s sites), revocable', async () => {
    const owner = await f.signIn('monitor')
    const outside = await owner.post<ApiError>('/api/auth/tokens', { label: 'too wide', sites: ['COR'] })
    expect([outside.status, outside.body.error.field]).toEqual([422, 'sites[0]'])
    const issued = await owner.post<{ token: string; info: { id: string } }>('/api/auth/tokens', { label: 'scripts' })
    expect(issued.status).toBe(201)
    const bot = f.anonymous()
    bot.bearer = issued.body.token
    const me = await bot.get<Session>('/api/auth/me')
    expect(me.body).toMatchObject({ user: { username: 'monitor', sites: ['MAL'] }, via: 'token' })
    // No cookie, no CSRF check: a form-encoded post from elsewhere is fine for a bearer client.
    expect((await bot.get('/api/study')).status).toBe(200)
    expect((await owner.post(`/api/auth/tokens/${issued.body.info.id}/revoke`)).status).toBe(200)
    expect((await bot.get('/api/study')).status).toBe(401)
    bot.bearer = 'td_not-a-token'
    expect((await bot.get('/api/study')).status).toBe(401)
  })
})

describeEachDialect(
  'api: tokens kept in the database, audited, ended by revocation, expiry or deactivation',
  ({ store }) => {
    let f: ApiFixture
    const secrets: Record<string, string> = {}
    const ids: Record<string, string> = {}

    /** A bearer client for `secret` on `app`. */
    const bearer = (app: App, secret: string): ApiClient => Object.assign(new ApiClient(app), { bearer: secret })

    it('keeps working after a restart (a new app on the same database); revoked or expired tokens get 401', async () => {
      f = await createApiFixture(store())
      const owner = await f.signIn('monitor')
      for (const [label, days] of [
        ['short', 1],
        ['kept', 90],
        ['revoked', 90],
      ] as const) {
        const issued = await owner.post<{ token: string; info: { id: string } }>('/api/auth/tokens', { label, days })
        expect(issued.status).toBe(201)
        secrets[label] = issued.body.token
        ids[label] = issued.body.info.id
      }
      const restarted = createApp({ ...f.deps })
      for (const label of ['short', 'kept', 'revoked']) {
        const me = await bearer(restarted, secrets[label] ?? '').get<Session>('/api/auth/me')
        expect([me.status, me.body.via, me.body.user.username], label).toEqual([200, 'token', 'monitor'])
      }
      const ownerAgain = Object.assign(new ApiClient(restarted), { cookie: owner.cookie })
      expect((await ownerAgain.post(`/api/auth/tokens/${ids['revoked']}/revoke`)).status).toBe(200)
      const twice = await ownerAgain.post<ApiError>(`/api/auth/tokens/${ids['revoked']}/revoke`)
      expect([twice.status, twice.body.error.code]).toEqual([409, 'conflict'])
      expect((await bearer(restarted, secrets['revoked'] ?? '').get('/api/study')).status).toBe(401)
      f.fx.clock.advance(86_400_000)
      expect((await bearer(restarted, secrets['short'] ?? '').get('/api/study')).status).toBe(401)
      expect((await bearer(f.app, secrets['kept'] ?? '').get('/api/study')).status).toBe(200)
      const listed = await bearer(f.app, secrets['kept'] ?? '').get<{ items: { label: string; revokedAt: unknown }[] }>(
        '/api/auth/tokens',
      )
      expect(listed.body.items.map((t) => [t.label, t.revokedAt !== null])).toEqual([
        ['revoked', true],
        ['kept', false],
        ['short', false],
      ])
    })

    it('audits creation and revocation without the secret or its hash', async () => {
      const rows = await f.deps.store.db
        .selectFrom('audit_log')
        .selectAll()
        .where('entity_type', '=', 'api_token')
        .orderBy('seq')
        .execute()
      expect(rows.map((r) => [r.kind, r.username, r.entity_id])).toEqual([
        ['auth.token_created', 'monitor', ids['short']],
        ['auth.token_created', 'monitor', ids['kept']],
        ['auth.token_created', 'monitor', ids['revoked']],
        ['auth.token_revoked', 'monitor', ids['revoked']],
      ])
      const everything = JSON.stringify(await f.deps.store.db.selectFrom('audit_log').selectAll().execute())
      for (const secret of Object.values(secrets)) {
        expect(everything).not.toContain(secret)
        expect(everything).not.toContain(createHash('sha256').update(secret).digest('hex'))
      }
    })

    it('refuses the token of a deactivated user, and reactivation (audited) does not revive it', async () => {
      const admin = await f.signIn('admin')
      const users = await admin.get<{ items: { id: string; username: string }[] }>('/api/users')
      const monitorId = users.body.items.find((u) => u.username === 'monitor')?.id ?? ''
      const active = await admin.post<ApiError>(`/api/users/${monitorId}/reactivate`, { reason: 'never left' })
      expect([active.status, active.body.error.message]).toEqual([409, 'the account is already active'])
      expect((await admin.post(`/api/users/${monitorId}/deactivate`, { reason: 'left the study' })).status).toBe(200)
      expect((await bearer(f.app, secrets['kept'] ?? '').get('/api/study')).status).toBe(401)
      const noReason = await admin.post<ApiError>(`/api/users/${monitorId}/reactivate`, {})
      expect([noReason.status, noReason.body.error.field]).toEqual([422, 'reason'])
      const back = await admin.post<{ active: boolean }>(`/api/users/${monitorId}/reactivate`, { reason: 'rejoined' })
      expect([back.status, back.body.active]).toEqual([200, true])
      expect((await auditKinds(f)).slice(-1)).toEqual(['user.reactivated'])
      expect((await bearer(f.app, secrets['kept'] ?? '').get('/api/study')).status).toBe(401)
      expect((await (await f.signIn('monitor')).get('/api/study')).status).toBe(200)
    })
  },
)

describeEachDialect('api: a session ended on this server stops working at once', ({ store }) => {
  let f: ApiFixture
  let admin: ApiClient

  /** A new monitor account, signed in, whose session has been read (and is kept) by a first request. */
  async function signedInUser(): Promise<{ id: string; client: ApiClient }> {
    const user = check(
      await f.fx.services.users.create(SYSTEM_ACTOR, {
        username: `leaver-${Math.random().toString(36).slice(2, 8)}`,
        displayName: 'Leaver',
        role: 'monitor',
        sites: ['MAL'],
        password: TEST_PASSWORD,
      }),
    )
    const client = await f.signIn(user.username)
    expect((await client.get('/api/auth/me')).status).toBe(200)
    return { id: user.id, client }
  }

  it('through the API: account deactivation and password reset', async () => {
    f = await createApiFixture(store())
    admin = await f.signIn('admin')
    const leaver = await signedInUser()
    const deactivated = await admin.post(`/api/users/${leaver.id}/deactivate`, { reason: 'left the team' })
    expect(deactivated.status).toBe(200)
    expect((await leaver.client.get('/api/auth/me')).status).toBe(401)
    const forgetful = await signedInUser()
    const reset = await admin.post(`/api/users/${forgetful.id}/password`, {
      password: 'a fresh passphrase',
      reason: 'reset on request',
    })
    expect(reset.status).toBe(200)
    expect((await forgetful.client.get('/api/auth/me')).status).toBe(401)
  })

  it('through a page that calls the services itself (any request outside the API that may change state)', async () => {
    const leaver = await signedInUser()
    check(await f.fx.services.users.deactivate(SYSTEM_ACTOR, leaver.id, { reason: 'left the team' }))
    const page = await admin.request('POST', '/admin/users/x/deactivate', undefined, {
      raw: 'reason=left',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(page.status).toBe(404)
    expect((await leaver.client.get('/api/auth/me')).status).toBe(401)
  })

  it('elsewhere (another server, the CLI): within the few seconds a session read is trusted', async () => {
    const leaver = await signedInUser()
    check(await f.fx.services.users.deactivate(SYSTEM_ACTOR, leaver.id, { reason: 'left the team' }))
    // Nothing on this server ended it: the session read a moment ago is still trusted...
    expect((await leaver.client.get('/api/auth/me')).status).toBe(200)
    f.fx.clock.advance(5_000)
    // ... for five seconds at most.
    expect((await leaver.client.get('/api/auth/me')).status).toBe(401)
  })
})

describe('api: sign-in throttling and secure cookies', () => {
  it('throttles per username with 429 + Retry-After, audits the refusals, and refills with time', async () => {
    const { DIALECTS } = await import('../support/index.ts')
    const sqlite = DIALECTS.find((d) => d.name === 'sqlite')
    if (!sqlite) throw new Error('no sqlite dialect')
    const db = await sqlite.open()
    try {
      const f = await createApiFixture(db.store, {
        throttle: { perUsername: { capacity: 3, refillSeconds: 60 }, perAddress: { capacity: 1000, refillSeconds: 1 } },
        sessions: { secureCookies: true, sessionIdleMinutes: 30, sessionAbsoluteHours: 12 },
      })
      const attempt = (password: string) =>
        f.anonymous().post<ApiError>('/api/auth/login', { username: 'investigator', password })
      for (let i = 0; i < 3; i++) expect((await attempt('wrong password')).status).toBe(401)
      const limited = await attempt(TEST_PASSWORD)
      expect(limited.status).toBe(429)
      expect(limited.body.error.code).toBe('rate_limited')
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
      const last = await db.store.db
        .selectFrom('audit_log')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow()
      expect([last.kind, last.reason]).toEqual(['auth.login_failed', 'sign-in: too many attempts'])
      // Another user is not affected.
      expect(
        (await f.anonymous().post('/api/auth/login', { username: 'monitor', password: TEST_PASSWORD })).status,
      ).toBe(200)
      f.fx.clock.advance(61_000)
      const ok = await attempt(TEST_PASSWORD)
      expect(ok.status).toBe(200)
      // HTTPS deployments: the __Host- prefix with Secure.
      expect(ok.headers.get('set-cookie')).toMatch(/^__Host-sid=.*; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
    } finally {
      await db.dispose()
    }
  })
})
