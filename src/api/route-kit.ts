import { createRoute, type OpenAPIHono, type RouteConfig, type z } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { authorize, type Action, type Actor } from '../access/index.ts'
import { ProblemCode, type Result } from '../domain/index.ts'
import type { ApiDeps, AppEnv } from './app-env.ts'
import { ErrorBody, problemResponse } from './problem-response.ts'

/**
 * Who may call a route: an `Action` of the permission matrix (checked here for the role, then again by the
 * service with the object's site), any signed-in user (`signed-in`), or anyone (`public`).
 */
export type RouteAccess = Action | 'signed-in' | 'public'

type Method = 'get' | 'post'

/** One API route: method, path (OpenAPI style, `{subjectId}`), access, schemas. */
export interface RouteSpec<
  A extends RouteAccess = RouteAccess,
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  readonly method: Method
  readonly path: `/api/${string}`
  readonly access: A
  readonly summary: string
  readonly description?: string
  readonly tag: string
  readonly params?: P
  readonly query?: Q
  readonly body?: B
  readonly response: R
  /** Success status (default 200). */
  readonly status?: 200 | 201
  /** Media type of the success body when it is not JSON (the handler then answers a Response itself). */
  readonly produces?: string
}

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T

/** What a handler receives: the parsed inputs and the actor (always present unless the route is public). */
export interface RouteInput<A extends RouteAccess, P, Q, B> {
  readonly actor: A extends 'public' ? Actor | undefined : Actor
  readonly params: P
  readonly query: Q
  readonly body: B
  readonly c: Context<AppEnv>
}

/**
 * A handler answers a Result whose value matches the response schema (checked by the compiler), or a
 * Response of its own (e.g. a file).
 */
export type RouteHandler<A extends RouteAccess, P, Q, B, R> = (
  input: RouteInput<A, P, Q, B>,
) => Promise<Result<DeepReadonly<R>> | Response>

/** `T` without `undefined` in its optional properties (zod's optional output has it; exact optional inputs refuse it). */
export type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>
}

/** Drops properties whose value is `undefined`, so a parsed body can be passed to a service's exact input type. */
export function compact<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Compact<T>
}

/**
 * Renames the problem paths of a failed Result to the request's field names, e.g. the form validator's
 * `items.weight` to the body's `values.weight`.
 */
export function renamePaths<T>(result: Result<T>, from: string, to: string): Result<T> {
  if (result.ok) return result
  const rename = (path: string) =>
    path === from || path.startsWith(`${from}.`) || path.startsWith(`${from}[`) ? to + path.slice(from.length) : path
  return { ok: false, problems: result.problems.map((p) => ({ ...p, path: rename(p.path) })) }
}

/** Route metadata kept beside the app, read by the permission test and the OpenAPI document (`x-access`). */
export interface RouteInfo {
  readonly method: Method
  readonly path: string
  readonly access: RouteAccess
  readonly hasBody: boolean
  /** Whether the route takes query parameters (then unknown ones are refused). */
  readonly hasQuery: boolean
  /** The success status. */
  readonly status: 200 | 201
}

/** The statuses every route may answer besides its success, all with the one error body. */
const ERROR_STATUSES = {
  400: 'malformed request (e.g. malformed JSON)',
  401: 'not signed in',
  403: 'the role may not do this',
  404: 'not found (or outside the user’s sites)',
  409: 'conflicts with the current state',
  413: 'request body too large',
  415: 'unsupported content type',
  422: 'invalid input: the field is named',
  423: 'locked',
  429: 'too many attempts',
} as const

const errorResponses = Object.fromEntries(
  Object.entries(ERROR_STATUSES).map(([status, description]) => [
    status,
    { description, content: { 'application/json': { schema: ErrorBody } } },
  ]),
)

/** The guard every route runs before its input is validated: signed in, then the role's permission. */
function guard(access: RouteAccess): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (access === 'public') return next()
    // `c.get`, not `c.var`: the latter copies every variable into a new object on each read.
    const actor = c.get('actor')
    if (!actor) {
      return problemResponse(c, [{ code: ProblemCode.Unauthenticated, path: '', message: 'sign in first' }])
    }
    if (access !== 'signed-in') {
      const allowed = authorize(actor, access)
      if (!allowed.ok) return problemResponse(c, allowed.problems)
    }
    return next()
  }
}

/** Registers routes on the app, keeping their metadata; each feature's routes file receives one. */
export class RouteRegistrar {
  readonly routes: RouteInfo[] = []

  constructor(
    readonly app: OpenAPIHono<AppEnv>,
    readonly deps: ApiDeps,
  ) {}

  add<A extends RouteAccess, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
    spec: RouteSpec<A, P, Q, B, R>,
    handler: RouteHandler<A, z.output<P>, z.output<Q>, z.output<B>, z.input<R>>,
  ): void {
    const status = spec.status ?? 200
    const config = createRoute({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      'x-access': spec.access,
      middleware: [guard(spec.access)],
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        ...(spec.body ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
      } as unknown as RouteConfig['request'],
      responses: {
        [status]: {
          description: 'success',
          content: { [spec.produces ?? 'application/json']: { schema: spec.response } },
        },
        ...errorResponses,
      },
    } as RouteConfig)
    this.routes.push({
      method: spec.method,
      path: spec.path,
      access: spec.access,
      hasBody: spec.body !== undefined,
      hasQuery: spec.query !== undefined,
      status,
    })
    this.app.openapi(config, (async (c: Context<AppEnv>) => {
      const valid = (c.req.valid as (target: string) => unknown).bind(c.req)
      const result = await handler({
        actor: c.get('actor') as RouteInput<A, unknown, unknown, unknown>['actor'],
        params: (spec.params ? valid('param') : {}) as z.output<P>,
        query: (spec.query ? valid('query') : {}) as z.output<Q>,
        body: (spec.body ? valid('json') : {}) as z.output<B>,
        c,
      })
      if (result instanceof Response) return result
      return result.ok ? c.json(result.value as object, status) : problemResponse(c, result.problems)
    }) as never)
  }
}
