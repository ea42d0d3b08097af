import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gunzipSync } from 'node:zlib'
import { DIALECTS, TEST_PASSWORD, type TestDatabase } from '../../test/support/index.ts'
import { createWebFixture, WebClient, type WebFixture } from '../../test/e2e/web-fixture.ts'

let db: TestDatabase
let w: WebFixture

beforeAll(async () => {
  db = await (
    DIALECTS[0] ??
    (() => {
      throw new Error('no sqlite dialect')
    })()
  ).open()
  w = await createWebFixture(db.store)
})
afterAll(async () => db.dispose())

describe('sign-in', () => {
  it('sends anonymous visitors to the sign-in page, remembering where they were going', async () => {
    const res = await w.anonymous().get('/dashboard?site=MAL')
    expect(res.status).toBe(303)
    expect(res.location).toBe('/login?next=%2Fdashboard%3Fsite%3DMAL')
  })

  it('serves a labelled sign-in form under the strict CSP, with htmx as a file and no inline script', async () => {
    const res = await w.anonymous().get('/login')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(res.text).toMatch(/<label for="f-username">Username<\/label>/)
    expect(res.text).toMatch(/<input type="password" id="f-password"/)
    expect(res.text).toContain(`src="${w.web.assets.htmx.url}"`)
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(res.text).not.toMatch(/\son[a-z]+="/)
    expect(res.text).toContain('&quot;allowEval&quot;:false')
  })

  it('refuses a wrong password with one message and keeps the username', async () => {
    const res = await w.anonymous().post('/login', { username: 'coordinator', password: 'wrong password!!', next: '/' })
    expect(res.status).toBe(401)
    expect(res.text).toContain('invalid username or password')
    expect(res.text).toContain('value="coordinator"')
  })

  it('refuses a cross-site sign-in post (CSRF)', async () => {
    const res = await w
      .anonymous()
      .post('/login', { username: 'coordinator', password: TEST_PASSWORD }, { origin: 'http://evil.example' })
    expect(res.status).toBe(403)
  })

  it('signs in, returns to the page asked for, shows user, role and site on the page, and signs out', async () => {
    const client = new WebClient(w.app)
    const res = await client.post('/login', {
      username: 'coordinator',
      password: TEST_PASSWORD,
      next: '/account/password',
    })
    expect(res.status).toBe(303)
    expect(res.location).toBe('/account/password')
    const account = await client.get('/account/password')
    expect(account.status).toBe(200)
    expect(account.text).toContain('<span class="user-name">coordinator</span>')
    expect(account.text).toContain('Study coordinator')
    expect(account.text).toContain('MAL · Hospital Regional Universitario de Málaga')
    expect(account.headers.get('cache-control')).toBe('no-store')
    const out = await client.follow(await client.post('/logout'))
    expect(out.text).toContain('You are signed out.')
    expect((await client.get('/account/password')).status).toBe(303)
  })

  it('never redirects off-site after sign-in', async () => {
    const client = new WebClient(w.app)
    const res = await client.post('/login', { username: 'monitor', password: TEST_PASSWORD, next: '//evil.example/x' })
    expect(res.location).toBe('/')
  })
})

describe('password change', () => {
  it('asks for the new password twice and reports a mismatch on the field', async () => {
    const client = await w.signIn('sponsor')
    const res = await client.post('/account/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'a new long passphrase',
      confirmPassword: 'another one entirely',
    })
    expect(res.status).toBe(422)
    expect(res.text).toContain('does not match the new password')
    expect(res.text).toMatch(/aria-describedby="[^"]*f-confirmPassword-msg"/)
  })

  it('changes the password: the old one stops working, the new one signs in', async () => {
    const client = await w.signIn('data-manager')
    const wrong = await client.post('/account/password', {
      currentPassword: 'not my password',
      newPassword: 'a new long passphrase',
      confirmPassword: 'a new long passphrase',
    })
    expect(wrong.status).toBeGreaterThanOrEqual(400)
    expect(wrong.text).toMatch(/<span class="message" id="f-currentPassword-msg" aria-live="polite">[^<]+<\/span>/)
    const ok = await client.post('/account/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'a new long passphrase',
      confirmPassword: 'a new long passphrase',
    })
    expect(ok.status).toBe(303)
    expect((await client.follow(ok)).status).not.toBe(500)
    const old = await w.anonymous().post('/login', { username: 'data-manager', password: TEST_PASSWORD })
    expect(old.status).toBe(401)
    const fresh = await w.anonymous().post('/login', { username: 'data-manager', password: 'a new long passphrase' })
    expect(fresh.status).toBe(303)
  })
})

describe('static assets', () => {
  it('serves htmx with an immutable cache, gzipped on request', async () => {
    const res = await w.app.request(w.web.assets.htmx.url, { headers: { 'accept-encoding': 'gzip, br' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toContain('immutable')
    expect(res.headers.get('content-encoding')).toBe('gzip')
    const js = gunzipSync(Buffer.from(await res.arrayBuffer())).toString('utf8')
    expect(js).toContain('htmx')
    expect(w.web.assets.htmx.url).toMatch(/^\/static\/htmx-2\.0\.11\.[0-9a-f]{12}\.min\.js$/)
  })
})
