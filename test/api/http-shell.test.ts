/**
 * The HTTP shell on a real socket (the Node adapter, as `trialdesk serve` runs it): the security headers reach
 * every kind of response (a route's answer, an error, an unknown path, a response hono's middleware made
 * itself), the API's answers are `no-store`, and the body limit holds for a declared length (refused unread)
 * and for a chunked body (counted as it streams).
 */
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/store/index.ts'
import { TEST_PASSWORD } from '../support/index.ts'
import { createApiFixture } from './api-fixture.ts'

const SECURITY_HEADERS = {
  'content-security-policy': /^default-src 'self'; script-src 'self'; style-src 'self'; .*frame-ancestors 'none'$/,
  'x-content-type-options': /^nosniff$/,
  'x-frame-options': /^SAMEORIGIN$/,
  'referrer-policy': /^same-origin$/,
  'strict-transport-security': /^max-age=15552000; includeSubDomains$/,
  'cross-origin-resource-policy': /^same-origin$/,
}

describe('api: the HTTP shell on a real socket', () => {
  let store: Store
  let base: string
  let close: () => Promise<void>
  let cookie: string

  beforeAll(async () => {
    store = await openStore(':memory:')
    const migrated = await store.migrate()
    if (!migrated.ok) throw new Error('migration failed')
    const f = await createApiFixture(store, { maxBodyBytes: 4096 })
    await new Promise<void>((ready) => {
      const server = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
        base = `http://127.0.0.1:${info.port}`
        close = () => new Promise((closed) => server.close(() => closed()))
        ready()
      })
    })
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ username: 'monitor', password: TEST_PASSWORD }),
    })
    expect(login.status).toBe(200)
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  })
  afterAll(async () => {
    await close()
    await store.close()
  })

  it('puts the security headers on every kind of response, and no-store on the API’s', async () => {
    const cases: [string, RequestInit, number, boolean][] = [
      ['/api/auth/me', { headers: { cookie } }, 200, true],
      ['/api/auth/me', {}, 401, true],
      ['/api/no-such-endpoint', {}, 404, true],
      ['/no-such-page', {}, 404, false],
      // Refused by hono's CSRF middleware outside the API: a response it made itself, not through the context.
      ['/no-such-page', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }, 403, false],
    ]
    for (const [path, init, status, api] of cases) {
      const res = await fetch(`${base}${path}`, init)
      await res.arrayBuffer()
      const where = `${init.method ?? 'GET'} ${path}`
      expect(res.status, where).toBe(status)
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), where).toMatch(value)
      expect(res.headers.get('cache-control'), where).toBe(api ? 'no-store' : null)
    }
  })

  it('refuses a body over the limit by its declared length, and a chunked one as it streams', async () => {
    const headers = { 'content-type': 'application/json', origin: base, cookie }
    const big = JSON.stringify({ text: 'x'.repeat(5000) })
    const declared = await fetch(`${base}/api/queries`, { method: 'POST', headers, body: big })
    expect([declared.status, ((await declared.json()) as { error: { code: string } }).error.code]).toEqual([
      413,
      'too_large',
    ])
    const chunked = (body: string): RequestInit & { duplex: 'half' } => ({
      method: 'POST',
      headers,
      duplex: 'half',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(body))
          controller.close()
        },
      }),
    })
    const streamed = await fetch(`${base}/api/queries`, chunked(big))
    expect(streamed.status).toBe(413)
    // Under the limit, a chunked body is read and validated like any other (here: the subject is missing).
    const small = await fetch(`${base}/api/queries`, chunked(JSON.stringify({ text: 'short' })))
    expect([small.status, ((await small.json()) as { error: { field: string } }).error.field]).toEqual([
      422,
      'subjectId',
    ])
  })
})
