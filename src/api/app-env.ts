import type { Actor } from '../access/index.ts'
import type { Services } from '../capture/index.ts'
import type { Clock } from '../domain/index.ts'
import type { Logger } from '../platform/index.ts'
import type { ProtocolVersion } from '../protocol/index.ts'
import type { Store } from '../store/index.ts'
import type { AuthKit } from './auth-kit.ts'
import type { LoginThrottleOptions } from './login-throttle.ts'

/** Session and cookie settings (from the config). */
export interface SessionSettings {
  /** Secure cookies with the `__Host-` prefix (HTTPS); plain `sid` on http://localhost, where browsers refuse Secure. */
  readonly secureCookies: boolean
  readonly sessionIdleMinutes: number
  readonly sessionAbsoluteHours: number
}

/** Everything the HTTP app needs, built once by the composition root (no globals). */
export interface ApiDeps {
  readonly services: Services
  /** The protocol version the services capture on (served read-only at `/api/study/protocol`). */
  readonly protocol: ProtocolVersion
  /** For `audit verify` (recomputing the chain); every read and change of study data goes through the services. */
  readonly store: Store
  readonly clock: Clock
  readonly log: Logger
  readonly sessions: SessionSettings
  readonly throttle?: LoginThrottleOptions
  /** Largest accepted request body, in bytes (default 256 kB). */
  readonly maxBodyBytes?: number
  readonly randomBytes?: (n: number) => Buffer
  /** Stamped on exports and reports (default: this package's version). */
  readonly softwareVersion?: string
}

/** How the request proved who it is. */
export type AuthVia = 'session' | 'token'

/** Per-request variables, shared by the API routes and the web pages mounted on the same app. */
export interface AppVariables {
  readonly auth: AuthKit
  /** The signed-in user, when there is one (set by the session middleware for every request). */
  readonly actor: Actor | undefined
  readonly via: AuthVia | undefined
  /** SHA-256 of the session id when signed in with a cookie. */
  readonly sessionHash: string | undefined
}

export interface AppEnv {
  Variables: AppVariables
}
