import type { Clock, Instant } from '../domain/index.ts'

export type { Clock }

export const systemClock: Clock = { now: () => new Date().toISOString() as Instant }

/** A clock the caller moves by hand: tests, and the demo's simulated days. */
export class ManualClock implements Clock {
  #ms: number
  constructor(start: string | Date) {
    this.#ms = new Date(start).getTime()
  }
  now(): Instant {
    return new Date(this.#ms).toISOString() as Instant
  }
  set(to: string | Date): void {
    this.#ms = new Date(to).getTime()
  }
  advance(ms: number): void {
    this.#ms += ms
  }
}
