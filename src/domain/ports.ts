import type { Instant } from './ids.ts'

/** The only source of "now". Services receive it in their deps; tests and the demo pass a controlled one. */
export interface Clock {
  now(): Instant
}

/** Makes new unique ids (time-ordered in production, sequential in tests). */
export type IdFactory = () => string
