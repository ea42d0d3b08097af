/**
 * Login throttling: token buckets in memory, one per username and one per client address, so that neither
 * guessing one account's password nor spraying many accounts from one address goes fast. A bucket holds
 * `capacity` attempts and refills one every `refillSeconds`. Memory is bounded: the oldest buckets are
 * dropped beyond `maxKeys` (a dropped bucket starts full again, which only helps a real user).
 */
export interface ThrottleRule {
  readonly capacity: number
  readonly refillSeconds: number
}

export interface LoginThrottleOptions {
  /** Failed attempts per username (default 5, then one per minute). */
  readonly perUsername?: ThrottleRule
  /** Attempts per client address (default 30, then one every 6 s). */
  readonly perAddress?: ThrottleRule
  readonly maxKeys?: number
}

export type ThrottleDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number }

interface Bucket {
  tokens: number
  atMs: number
}

class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>()
  constructor(
    readonly rule: ThrottleRule,
    readonly maxKeys: number,
  ) {}

  /** The bucket refilled to `nowMs` (not stored). */
  #peek(key: string, nowMs: number): Bucket {
    const b = this.#buckets.get(key)
    if (!b) return { tokens: this.rule.capacity, atMs: nowMs }
    const refilled = Math.floor((nowMs - b.atMs) / 1000 / this.rule.refillSeconds)
    if (refilled <= 0) return b
    const tokens = Math.min(this.rule.capacity, b.tokens + refilled)
    return { tokens, atMs: tokens === this.rule.capacity ? nowMs : b.atMs + refilled * this.rule.refillSeconds * 1000 }
  }

  check(key: string, nowMs: number): ThrottleDecision {
    const b = this.#peek(key, nowMs)
    if (b.tokens > 0) return { allowed: true }
    const waitMs = b.atMs + this.rule.refillSeconds * 1000 - nowMs
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) }
  }

  take(key: string, nowMs: number): void {
    const b = this.#peek(key, nowMs)
    this.#buckets.delete(key)
    this.#buckets.set(key, { tokens: Math.max(0, b.tokens - 1), atMs: b.atMs })
    if (this.#buckets.size > this.maxKeys) {
      const oldest = this.#buckets.keys().next().value
      if (oldest !== undefined) this.#buckets.delete(oldest)
    }
  }
}

export class LoginThrottle {
  readonly #users: TokenBuckets
  readonly #addresses: TokenBuckets

  constructor(options: LoginThrottleOptions = {}) {
    const maxKeys = options.maxKeys ?? 10_000
    this.#users = new TokenBuckets(options.perUsername ?? { capacity: 5, refillSeconds: 60 }, maxKeys)
    this.#addresses = new TokenBuckets(options.perAddress ?? { capacity: 30, refillSeconds: 6 }, maxKeys)
  }

  /** Whether an attempt for `username` from `address` may be tried now; the longer wait when both are empty. */
  check(username: string, address: string, nowMs: number): ThrottleDecision {
    const decisions = [this.#users.check(username.toLowerCase(), nowMs), this.#addresses.check(address, nowMs)]
    const waits = decisions.flatMap((d) => (d.allowed ? [] : [d.retryAfterSeconds]))
    return waits.length === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(...waits) }
  }

  /** Counts an attempt: every attempt against the address, failed ones against the username too. */
  record(username: string, address: string, nowMs: number, succeeded: boolean): void {
    this.#addresses.take(address, nowMs)
    if (!succeeded) this.#users.take(username.toLowerCase(), nowMs)
  }
}
