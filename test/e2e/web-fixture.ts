/**
 * The web app over a real study for tests: the reference protocol set up and live on a fresh database, one
 * account per role (test/support's study fixture), the API app with the pages mounted. `WebClient` is a small
 * browser stand-in for `app.request()` tests: a cookie jar, form posts with a same-origin `Origin` header (as a
 * browser sends, so CSRF protection passes), redirects not followed.
 */
import { createApp, type ApiDeps, type App } from '../../src/api/index.ts'
import { createLogger, silentLogger } from '../../src/platform/index.ts'
import type { Store } from '../../src/store/index.ts'
import { mountWeb, type Web } from '../../src/web/index.ts'
import { createStudyFixture, seededBytes, TEST_PASSWORD, type StudyFixture } from '../support/index.ts'

export const ORIGIN = 'http://localhost'

export interface WebResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly location: string | null
}

export class WebClient {
  private cookies = new Map<string, string>()

  constructor(readonly app: App) {}

  private cookieHeader(): string | undefined {
    return this.cookies.size === 0 ? undefined : [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async request(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<WebResponse> {
    const headers: Record<string, string> = { ...init.headers }
    const cookie = this.cookieHeader()
    if (cookie) headers['cookie'] = cookie
    const res = await this.app.request(path, {
      method,
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
    })
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = attrs.some((a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a))
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location') }
  }

  get(path: string, headers?: Record<string, string>): Promise<WebResponse> {
    return this.request('GET', path, headers ? { headers } : {})
  }

  /** A form post as a browser sends it; arrays repeat the name (checkboxes). */
  post(
    path: string,
    fields: Record<string, string | readonly string[]> = {},
    headers: Record<string, string> = {},
  ): Promise<WebResponse> {
    const body = new URLSearchParams()
    for (const [k, v] of Object.entries(fields)) for (const x of typeof v === 'string' ? [v] : v) body.append(k, x)
    return this.request('POST', path, {
      body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...headers },
    })
  }

  /** Follows a 303 from a post with a GET, as a browser does. */
  async follow(res: WebResponse): Promise<WebResponse> {
    if (res.status !== 303 && res.status !== 302) return res
    if (!res.location) throw new Error('redirect without Location')
    return this.get(res.location)
  }
}

export interface WebFixture {
  readonly fx: StudyFixture
  readonly app: App
  readonly web: Web
  readonly deps: ApiDeps
  /** A client signed in through the sign-in page as the fixture's user (role name, or e.g. `coordinatorCOR`). */
  signIn(username: string): Promise<WebClient>
  anonymous(): WebClient
}

/**
 * The web app over a fresh study on `store`: `start` is the manual clock's first instant, `live: false` leaves
 * randomization to go live later (e.g. through the administrator's study page), `chromium` is passed to the pages.
 */
export async function createWebFixture(
  store: Store,
  options: { start?: string; live?: boolean; chromium?: string | false } = {},
): Promise<WebFixture> {
  const fx = await createStudyFixture(store, {
    ...(options.start ? { start: options.start } : {}),
    ...(options.live === false ? { live: false } : {}),
  })
  const deps: ApiDeps = {
    services: fx.services,
    protocol: fx.protocol,
    store,
    clock: fx.clock,
    log: process.env['TRIALDESK_TEST_LOG'] ? createLogger('debug') : silentLogger,
    sessions: { secureCookies: false, sessionIdleMinutes: 30, sessionAbsoluteHours: 12 },
    randomBytes: seededBytes('web-test'),
    throttle: {
      perAddress: { capacity: 100_000, refillSeconds: 1 },
      perUsername: { capacity: 1000, refillSeconds: 1 },
    },
  }
  const app = createApp(deps)
  const web = mountWeb(app, options.chromium === undefined ? deps : { ...deps, chromium: options.chromium })
  return {
    fx,
    app,
    web,
    deps,
    async signIn(username) {
      const client = new WebClient(app)
      const res = await client.post('/login', { username: username.toLowerCase(), password: TEST_PASSWORD, next: '/' })
      if (res.status !== 303) throw new Error(`sign-in as ${username} failed: ${res.status}`)
      return client
    },
    anonymous: () => new WebClient(app),
  }
}
