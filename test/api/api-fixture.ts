/**
 * The API over a real study (test/support's study fixture: reference protocol, one account per role, live),
 * driven through `app.request()` with no network, and a small cookie-carrying client per user.
 */
import { createApp, type ApiDeps, type App } from '../../src/api/index.ts'
import { createLogger, silentLogger } from '../../src/platform/index.ts'
import type { ProtocolVersion } from '../../src/protocol/index.ts'
import type { Store } from '../../src/store/index.ts'
import { createStudyFixture, seededBytes, TEST_PASSWORD, type StudyFixture } from '../support/index.ts'

export interface ApiResponse<T = unknown> {
  readonly status: number
  readonly body: T
  readonly headers: Headers
}

/** Error bodies as the API sends them. */
export interface ApiError {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string }
}

export interface RequestOptions {
  readonly headers?: Record<string, string>
  /** A raw body sent as is (malformed JSON, oversized bodies); otherwise `body` is JSON-encoded. */
  readonly raw?: string
}

/** A user agent with its own cookie jar. */
export class ApiClient {
  cookie: string | undefined
  bearer: string | undefined

  constructor(readonly app: App) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    // Like a browser on the app's own pages: unsafe requests carry the page's origin.
    const headers: Record<string, string> = {
      ...(method === 'GET' ? {} : { origin: 'http://localhost' }),
      ...options.headers,
    }
    if (this.cookie) headers['cookie'] = this.cookie
    if (this.bearer) headers['authorization'] = `Bearer ${this.bearer}`
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body))
    if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json'
    const res = await this.app.request(path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) })
    const setCookie = res.headers.get('set-cookie')
    if (setCookie) {
      const [pair] = setCookie.split(';')
      const [name, value] = (pair ?? '').split('=')
      this.cookie = value ? `${name}=${value}` : undefined
    }
    const text = await res.text()
    const type = res.headers.get('content-type') ?? ''
    return {
      status: res.status,
      body: (type.includes('json') && text ? JSON.parse(text) : text) as T,
      headers: res.headers,
    }
  }

  get<T = unknown>(path: string, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, undefined, options)
  }

  post<T = unknown>(path: string, body: unknown = {}, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, body, options)
  }
}

export interface ApiFixture {
  readonly fx: StudyFixture
  readonly app: App
  readonly deps: ApiDeps
  /** A fresh client signed in as the fixture's account of `role` (or another username). */
  signIn(username: string): Promise<ApiClient>
  anonymous(): ApiClient
}

/** `live: false` leaves randomization go-live to the test (through the API); `protocol` replaces the reference one. */
export async function createApiFixture(
  store: Store,
  overrides: Partial<ApiDeps> = {},
  options: { live?: boolean; protocol?: ProtocolVersion } = {},
): Promise<ApiFixture> {
  const fx = await createStudyFixture(store, {
    live: options.live ?? true,
    ...(options.protocol ? { protocol: options.protocol } : {}),
  })
  const deps: ApiDeps = {
    services: fx.services,
    protocol: fx.protocol,
    store,
    clock: fx.clock,
    log: process.env['TRIALDESK_TEST_LOG'] ? createLogger('debug') : silentLogger,
    sessions: { secureCookies: false, sessionIdleMinutes: 30, sessionAbsoluteHours: 12 },
    randomBytes: seededBytes('api-test'),
    // Generous limits: the suites sign in many times from one (test) address; throttling has its own test.
    throttle: {
      perAddress: { capacity: 100_000, refillSeconds: 1 },
      perUsername: { capacity: 1000, refillSeconds: 1 },
    },
    ...overrides,
  }
  const app = createApp(deps)
  return {
    fx,
    app,
    deps,
    async signIn(username) {
      const client = new ApiClient(app)
      const res = await client.post('/api/auth/login', { username: username.toLowerCase(), password: TEST_PASSWORD })
      if (res.status !== 200)
        throw new Error(`sign-in as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`)
      return client
    },
    anonymous: () => new ApiClient(app),
  }
}
