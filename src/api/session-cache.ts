import type { SessionView } from '../capture/index.ts'

/**
 * Sessions read from the database, trusted for a few seconds so that a client's burst of requests reads its
 * session once. Correctness first: whoever ends a session on this server calls `forget()` (the auth kit does,
 * after sign-in, sign-out, a password change and every request that may end sessions), after which every session
 * is read again; a session past its expiry is never served from memory. `trustMs` therefore bounds only
 * revocations made elsewhere (another server on the same database, the CLI).
 */
export class SessionCache {
  readonly #kept = new Map<string, { session: SessionView; trustedUntilMs: number }>()
  /** Bumped by `forget()`: a read that started before it must not keep what it read. */
  #generation = 0

  constructor(
    readonly trustMs: number,
    readonly maxKept: number = 10_000,
  ) {}

  /** The open session with this id hash: from memory when read lately and not expired, else through `read`. */
  async find(
    idHash: string,
    nowMs: number,
    read: (idHash: string) => Promise<SessionView | undefined>,
  ): Promise<SessionView | undefined> {
    const hit = this.#kept.get(idHash)
    if (hit && nowMs < hit.trustedUntilMs && nowMs < Date.parse(hit.session.expiresAt)) return hit.session
    const generation = this.#generation
    const session = await read(idHash)
    if (!session) this.#kept.delete(idHash)
    // Ended while it was being read (`forget()` ran meanwhile): what was read may be the session just ended.
    else if (generation === this.#generation) {
      if (this.#kept.size >= this.maxKept) this.#kept.clear()
      this.#kept.set(idHash, { session, trustedUntilMs: nowMs + this.trustMs })
    }
    return session
  }

  /** Records activity written back to the database (the sliding idle expiry). */
  touched(idHash: string, lastSeenAt: string, expiresAt: string): void {
    const hit = this.#kept.get(idHash)
    if (hit) this.#kept.set(idHash, { ...hit, session: { ...hit.session, lastSeenAt, expiresAt } })
  }

  /** Drops every kept session: the next request of each is checked against the database. */
  forget(): void {
    this.#generation++
    this.#kept.clear()
  }
}
