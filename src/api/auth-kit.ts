import { createHash, randomBytes as cryptoRandomBytes } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { Actor } from '../access/index.ts'
import type { ApiTokenView, Services } from '../capture/index.ts'
import { fail, ok, ProblemCode, type Clock, type Result } from '../domain/index.ts'
import type { AppEnv, SessionSettings } from './app-env.ts'
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.ts'
import { SessionCache } from './session-cache.ts'

/** What a successful sign-in (or a look at one's own session) answers. */
export interface SessionInfo {
  readonly user: {
    readonly id: string
    readonly username: string
    readonly role: string
    readonly sites: readonly string[] | 'all'
  }
  readonly via: 'session' | 'token'
  /** When the session ends without activity (sessions only). */
  readonly expiresAt: string | null
}

export interface IssuedToken {
  /** The secret, shown once: only its hash is kept. */
  readonly token: string
  readonly record: ApiTokenView
}

/**
 * Sign-in, sessions and API tokens, shared by the JSON API and the web pages (both read `c.var.auth`):
 *
 * - sessions are server-side rows (capture's AuthService) keyed by the SHA-256 of a 32-byte random id kept
 *   in an HttpOnly, SameSite=Strict cookie; idle timeout slides with activity, capped by the absolute timeout;
 * - sign-in is throttled per username and per client address (429 with Retry-After), every failure audited;
 * - personal API tokens are bearer secrets acting as their owner, narrowed to some sites; `services.tokens` keeps
 *   only their SHA-256 in the database and audits their creation and revocation.
 */
export interface AuthKit {
  readonly cookieName: string
  /** Resolves the actor of every request (cookie or bearer token) into `c.var`. */
  readonly middleware: MiddlewareHandler<AppEnv>
  login(c: Context<AppEnv>, input: { username: string; password: string }): Promise<Result<SessionInfo>>
  logout(c: Context<AppEnv>): Promise<Result<true>>
  /** The current user's own password change: the old password re-entered; a fresh session replaces the old ones. */
  changePassword(
    c: Context<AppEnv>,
    input: { currentPassword: string; newPassword: string },
  ): Promise<Result<SessionInfo>>
  /** Password re-entry for signatures and unblinding (21 CFR 11.200), throttled like sign-in. */
  reauthenticate(c: Context<AppEnv>, password: string): Promise<Result<true>>
  /**
   * Runs a service call that re-authenticates itself (signatures, database lock, unblinding) under the same
   * throttle: refused with 429 when the user has failed too often, a wrong password counted as a failure.
   */
  withReauthentication<T>(c: Context<AppEnv>, attempt: () => Promise<Result<T>>): Promise<Result<T>>
  sessionInfo(c: Context<AppEnv>): SessionInfo | undefined
  issueToken(
    actor: Actor,
    input: { label: string; sites?: readonly string[] | 'all' | undefined; days: number },
  ): Promise<Result<IssuedToken>>
  listTokens(actor: Actor): Promise<readonly ApiTokenView[]>
  revokeToken(actor: Actor, id: string): Promise<Result<ApiTokenView>>
}

export interface AuthKitDeps {
  readonly services: Services
  readonly clock: Clock
  readonly sessions: SessionSettings
  readonly throttle?: LoginThrottleOptions | undefined
  readonly randomBytes?: ((n: number) => Buffer) | undefined
}

/** Activity is written back at most this often (the idle timeout is in minutes). */
const TOUCH_EVERY_MS = 60_000

/**
 * How long a session read from the database is trusted without reading it again. Sessions ended on this server
 * stop working at once (see `endsSessions`); this bounds revocations made by another server or the CLI.
 */
const SESSION_TRUST_MS = 5_000

/** API paths under which a request may end sessions (sign-out, password changes, account administration). */
const SESSION_ENDING_API = ['/api/auth/', '/api/users']

/**
 * Whether a request may end sessions, so that the kept ones must be read again after it: every unsafe request
 * outside the API (the web pages call the services directly) and those API routes that end sessions.
 */
function endsSessions(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false
  return !path.startsWith('/api/') || SESSION_ENDING_API.some((prefix) => path.startsWith(prefix))
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')

/** The client's address as the socket reports it (`unknown` under `app.request` in tests). */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return env?.incoming?.socket?.remoteAddress ?? 'unknown'
}

export function createAuthKit(deps: AuthKitDeps): AuthKit {
  const { services, clock } = deps
  const settings = deps.sessions
  const { tokens } = services
  const throttle = new LoginThrottle(deps.throttle)
  const random = deps.randomBytes ?? cryptoRandomBytes
  const cookieName = settings.secureCookies ? '__Host-sid' : 'sid'
  const idleMs = settings.sessionIdleMinutes * 60_000
  const absoluteMs = settings.sessionAbsoluteHours * 3_600_000
  const nowMs = (): number => new Date(clock.now()).getTime()
  const infos = new WeakMap<Request, SessionInfo>()
  const kept = new SessionCache(SESSION_TRUST_MS)

  const expiry = (createdMs: number, atMs: number): string =>
    new Date(Math.min(atMs + idleMs, createdMs + absoluteMs)).toISOString()

  const userOf = (actor: Actor): SessionInfo['user'] => ({
    id: actor.userId,
    username: actor.username,
    role: actor.role,
    sites: actor.sites,
  })

  function setSessionCookie(c: Context, id: string): void {
    setCookie(c, cookieName, id, { httpOnly: true, sameSite: 'Strict', path: '/', secure: settings.secureCookies })
  }

  function clearSessionCookie(c: Context): void {
    deleteCookie(c, cookieName, { path: '/', secure: settings.secureCookies })
  }

  async function openSession(c: Context<AppEnv>, actor: Actor): Promise<Result<SessionInfo>> {
    const id = random(32).toString('base64url')
    const now = nowMs()
    const userAgent = c.req.header('user-agent')?.slice(0, 200)
    const started = await services.auth.startSession(actor, {
      idHash: sha256(id),
      expiresAt: expiry(now, now),
      ...(userAgent ? { userAgent } : {}),
    })
    if (!started.ok) return started
    setSessionCookie(c, id)
    return ok({ user: userOf(actor), via: 'session', expiresAt: started.value.expiresAt })
  }

  /** Throttle check; a refused attempt is audited as a failed sign-in and answered 429 with Retry-After. */
  async function throttled(c: Context, username: string, what: string): Promise<Result<true>> {
    const decision = throttle.check(username, clientAddress(c), nowMs())
    if (decision.allowed) return ok(true)
    await services.auth.recordFailedLogin({ username, reason: `${what}: too many attempts` })
    c.header('Retry-After', String(decision.retryAfterSeconds))
    return fail({
      code: ProblemCode.RateLimited,
      path: '',
      message: `too many attempts: try again in ${decision.retryAfterSeconds} s`,
    })
  }

  async function fromToken(header: string): Promise<{ actor: Actor } | undefined> {
    const actor = await tokens.authenticate(sha256(header.slice('bearer '.length).trim()))
    return actor && { actor }
  }

  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    c.set('auth', kit)
    c.set('actor', undefined)
    c.set('via', undefined)
    c.set('sessionHash', undefined)
    try {
      await identify(c)
      await next()
    } finally {
      if (endsSessions(c.req.method, c.req.path)) kept.forget()
    }
  }

  /** Sets the request's actor from its bearer token or session cookie, when valid. */
  async function identify(c: Context<AppEnv>): Promise<void> {
    const authorization = c.req.header('authorization')
    if (authorization !== undefined) {
      const found = /^bearer /i.test(authorization) ? await fromToken(authorization) : undefined
      if (found) {
        c.set('actor', found.actor)
        c.set('via', 'token')
        infos.set(c.req.raw, { user: userOf(found.actor), via: 'token', expiresAt: null })
      }
      return
    }
    const id = getCookie(c, cookieName)
    if (!id) return
    const hash = sha256(id)
    const now = nowMs()
    const session = await kept.find(hash, now, (h) => services.auth.findSession(h))
    if (session) {
      let expiresAt = session.expiresAt
      if (now - Date.parse(session.lastSeenAt) >= TOUCH_EVERY_MS) {
        expiresAt = expiry(Date.parse(session.createdAt), now)
        await services.auth.touchSession(hash, expiresAt)
        kept.touched(hash, new Date(now).toISOString(), expiresAt)
      }
      c.set('actor', session.actor)
      c.set('via', 'session')
      c.set('sessionHash', hash)
      infos.set(c.req.raw, { user: userOf(session.actor), via: 'session', expiresAt })
    } else {
      // Expired (idle or absolute) or revoked: close it in the audit trail if it was still open, drop the cookie.
      await services.auth.endSession(hash, 'timeout')
      clearSessionCookie(c)
    }
  }

  const kit: AuthKit = {
    cookieName,
    middleware,

    async login(c, input) {
      const allowed = await throttled(c, input.username, 'sign-in')
      if (!allowed.ok) return allowed
      const checked = await services.auth.checkCredentials(input)
      throttle.record(input.username, clientAddress(c), nowMs(), checked.ok)
      if (!checked.ok) return checked
      const previous = c.get('sessionHash')
      if (previous) {
        await services.auth.endSession(previous, 'logout')
        kept.forget()
      }
      return openSession(c, checked.value)
    },

    async logout(c) {
      const hash = c.get('sessionHash')
      clearSessionCookie(c)
      if (!hash) return fail({ code: ProblemCode.Unauthenticated, path: '', message: 'not signed in with a session' })
      const ended = await services.auth.endSession(hash, 'logout')
      kept.forget()
      return ended
    },

    async changePassword(c, input) {
      const actor = c.var.actor
      if (!actor || c.var.via !== 'session') {
        return fail({ code: ProblemCode.Unauthenticated, path: '', message: 'sign in with your password to change it' })
      }
      const confirmed = await kit.reauthenticate(c, input.currentPassword)
      if (!confirmed.ok) return fail(confirmed.problems.map((p) => ({ ...p, path: p.path && 'currentPassword' })))
      if (input.newPassword === input.currentPassword) {
        return fail({
          code: ProblemCode.Invalid,
          path: 'newPassword',
          message: 'must differ from the current password',
        })
      }
      const changed = await services.users.setPassword(actor, actor.userId, {
        password: input.newPassword,
        reason: 'changed by the user',
      })
      if (!changed.ok)
        return fail(changed.problems.map((p) => ({ ...p, path: p.path === 'password' ? 'newPassword' : p.path })))
      // Every session of the user was revoked with the change; this browser continues on a fresh one.
      kept.forget()
      return openSession(c, actor)
    },

    async reauthenticate(c, password) {
      const actor = c.var.actor
      if (!actor) return fail({ code: ProblemCode.Unauthenticated, path: '', message: 'sign in first' })
      const allowed = await throttled(c, actor.username, 're-authentication')
      if (!allowed.ok) return allowed
      const valid = await services.auth.verifyPassword(actor, password)
      throttle.record(actor.username, clientAddress(c), nowMs(), valid)
      if (valid) return ok(true)
      await services.auth.recordFailedLogin({ username: actor.username, reason: 're-authentication: wrong password' })
      return fail({ code: ProblemCode.Unauthenticated, path: 'password', message: 'the password is not correct' })
    },

    async withReauthentication(c, attempt) {
      const actor = c.var.actor
      if (!actor) return fail({ code: ProblemCode.Unauthenticated, path: '', message: 'sign in first' })
      const allowed = await throttled(c, actor.username, 're-authentication')
      if (!allowed.ok) return allowed
      const result = await attempt()
      const wrongPassword =
        !result.ok && result.problems.some((p) => p.code === ProblemCode.Unauthenticated && p.path === 'password')
      throttle.record(actor.username, clientAddress(c), nowMs(), !wrongPassword)
      return result
    },

    sessionInfo: (c) => infos.get(c.req.raw),

    async issueToken(actor, input) {
      const secret = `td_${random(32).toString('base64url')}`
      const created = await tokens.create(actor, { ...input, hash: sha256(secret) })
      return created.ok ? ok({ token: secret, record: created.value }) : created
    },

    listTokens: (actor) => tokens.list(actor),

    revokeToken: (actor, id) => tokens.revoke(actor, id),
  }
  return kit
}
