import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ProblemCode } from '../domain/index.ts'
import type { ApiDeps, AppEnv } from './app-env.ts'
import { registerAeRoutes } from './ae-routes.ts'
import { registerAuditRoutes } from './audit-routes.ts'
import { createAuthKit } from './auth-kit.ts'
import { registerAuthRoutes } from './auth-routes.ts'
import { registerExportRoutes } from './export-routes.ts'
import { registerFormRoutes } from './form-routes.ts'
import { errorResponse } from './problem-response.ts'
import { registerQueryRoutes } from './query-routes.ts'
import { registerReadRoutes } from './read-routes.ts'
import { registerReportRoutes } from './report-routes.ts'
import { RouteRegistrar, type RouteInfo } from './route-kit.ts'
import { registerStudyRoutes } from './study-routes.ts'
import { registerSubjectRoutes } from './subject-routes.ts'
import { registerSupplyRoutes } from './supply-routes.ts'
import { registerUnblindingRoutes } from './unblinding-routes.ts'
import { registerUserRoutes } from './user-routes.ts'
import { validationHook } from './validation-hook.ts'
import { registerVisitRoutes } from './visit-routes.ts'

export type App = OpenAPIHono<AppEnv>

const DEFAULT_MAX_BODY_BYTES = 256 * 1024

/** Route metadata per app, for tests and tools (the same facts are in the OpenAPI document as `x-access`). */
const ROUTES = new WeakMap<App, readonly RouteInfo[]>()

/** Every API route of an app built by `createApp`, with the access each declares. */
export function apiRoutes(app: App): readonly RouteInfo[] {
  return ROUTES.get(app) ?? []
}

/**
 * Content-Security-Policy for the API and the web pages: same-origin only, no inline script or style (htmx is
 * served as a file), no framing, forms post only to this origin.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** The security headers of every response: hono's `secureHeaders` defaults, a same-origin referrer and the CSP. */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', CSP],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'same-origin'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
]

/**
 * Sets the security headers (and `Cache-Control: no-store` under `/api/`) before the handler runs, so that they
 * travel with the response the handler makes through the context. Setting them afterwards, as hono's
 * `secureHeaders` does, turns the server's lightweight response into a full web-stream Response on every
 * request (several times the CPU of a small JSON answer). A handler's own `c.header` still wins.
 */
const responseHeaders: MiddlewareHandler = async (c, next) => {
  const api = c.req.path.startsWith('/api/')
  for (const [name, value] of SECURITY_HEADERS) c.header(name, value)
  if (api) c.header('Cache-Control', 'no-store')
  await next()
  // A Response made outside the context (e.g. an HTTPException's own) has none of them yet: the slow path, rarely.
  if (!c.res.headers.has('content-security-policy')) {
    for (const [name, value] of SECURITY_HEADERS) c.header(name, value)
    if (api) c.header('Cache-Control', 'no-store')
  }
}

/**
 * Refuses bodies over `maxBytes` (413). A declared Content-Length is checked without touching the body; only a
 * chunked body is counted as it streams (hono's `bodyLimit`, which makes a full web Request to do so).
 */
function bodyLimitOf(maxBytes: number): MiddlewareHandler {
  const tooLarge = (c: Context): Response =>
    errorResponse(c, 413, ProblemCode.TooLarge, `the request body exceeds ${Math.round(maxBytes / 1024)} kB`)
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge })
  return (c, next) => {
    const declared = c.req.header('content-length')
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined)
      return Number.parseInt(declared, 10) > maxBytes ? Promise.resolve(tooLarge(c)) : next()
    return c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : streamed(c, next)
  }
}

/**
 * The HTTP application: security headers, body limit, the session middleware (which sets `c.var.actor` for
 * every request), CSRF protection for cookie-authenticated requests, the JSON API under `/api` with its
 * OpenAPI document at `/api/openapi.json`, one error handler. The web pages mount on the returned app
 * (`app.route('/', web)`) and reuse `c.var.actor` and `c.var.auth`.
 */
export function createApp(deps: ApiDeps): App {
  const app: App = new OpenAPIHono<AppEnv>({ defaultHook: validationHook as never })
  const auth = createAuthKit(deps)

  app.use('*', requestLog(deps))
  app.use('*', responseHeaders)
  app.use('*', bodyLimitOf(deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES))
  // Cookies ride along on cross-site requests, so cookie-authenticated (and anonymous: sign-in) unsafe requests
  // must come from our own origin. A bearer token is never sent by a browser on its own: no CSRF check needed.
  const sameOrigin = csrf()
  const csrfUnlessBearer: MiddlewareHandler = (c, next) =>
    c.req.header('authorization') === undefined ? sameOrigin(c, next) : next()
  app.use('*', csrfUnlessBearer)
  app.use('*', auth.middleware)

  const registrar = new RouteRegistrar(app, deps)
  registerAuthRoutes(registrar)
  registerUserRoutes(registrar)
  registerStudyRoutes(registrar)
  registerSubjectRoutes(registrar)
  registerReadRoutes(registrar)
  registerExportRoutes(registrar)
  registerReportRoutes(registrar)
  registerVisitRoutes(registrar)
  registerFormRoutes(registrar)
  registerQueryRoutes(registrar)
  registerAeRoutes(registrar)
  registerSupplyRoutes(registrar)
  registerUnblindingRoutes(registrar)
  registerAuditRoutes(registrar)
  ROUTES.set(app, registrar.routes)

  // Generated once, at the first request (every route is registered by then), then served from memory.
  let openApiDocument: unknown
  app.get('/api/openapi.json', (c) => {
    openApiDocument ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'TrialDesk API',
        version: '1',
        description:
          'Randomized, blinded, multicentre trials. Errors are `{error: {code, message, field?}}`. Sign in with ' +
          '`POST /api/auth/login` (session cookie) or send a personal token as `Authorization: Bearer …`.',
      },
    })
    return c.json(openApiDocument)
  })

  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? errorResponse(c, 404, ProblemCode.NotFound, `no endpoint ${c.req.method} ${c.req.path}`)
      : c.text('Not found', 404),
  )
  app.onError((err, c) => onError(err, c, deps))
  return app
}

/** Statuses an HTTPException may carry from hono's own middleware, with the code of our error body. */
const HTTP_EXCEPTION_CODES: Readonly<Record<number, string>> = {
  400: ProblemCode.Invalid,
  403: ProblemCode.Forbidden,
  413: ProblemCode.TooLarge,
  415: ProblemCode.Unsupported,
}

/**
 * The one error handler. An HTTPException (malformed JSON, CSRF refusal, unsupported media type) keeps its
 * status, in the API's error shape; anything else is a bug: logged in full, answered with a generic 500 that
 * says nothing about the data (a blinded reader must learn nothing from an error either).
 */
function onError(err: Error, c: Context<AppEnv>, deps: ApiDeps): Response {
  if (err instanceof HTTPException) {
    if (!c.req.path.startsWith('/api/')) return err.getResponse()
    const status: ContentfulStatusCode = err.status
    const message =
      status === 403
        ? 'cross-site request refused'
        : status === 415
          ? 'send the body as application/json'
          : err.message || 'bad request'
    return errorResponse(
      c,
      status,
      HTTP_EXCEPTION_CODES[status] ?? 'http_error',
      message.replace(/^Malformed JSON/, 'malformed JSON'),
    )
  }
  deps.log.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error')
  return errorResponse(c, 500, 'internal', 'internal error')
}

/**
 * One log line per request at debug level, errors (5xx) at error level: status and time, never the body. At the
 * usual info level a successful request logs nothing and builds nothing to log.
 */
function requestLog(deps: ApiDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now()
    await next()
    const status = c.res.status
    if (status < 500 && !deps.log.isLevelEnabled('debug')) return
    const line = {
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    }
    if (status >= 500) deps.log.error(line, 'request failed')
    else deps.log.debug(line, 'request')
  }
}
