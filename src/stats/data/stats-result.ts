/**
 * Expected failures of the statistics engine are values, as everywhere in TrialDesk: a literal `code`, a `path`
 * naming what is at fault (a column, a group, a formula position, a table cell) and a message that states the
 * rule. `stats` imports nothing of ours, so this mirrors `domain/result.ts` structurally; every code except
 * `degenerate` is also a domain `ProblemCode`.
 */

export const StatsProblemCode = {
  /** Malformed input: a formula that does not parse, a non-numeric value in a numeric column, a bad option. */
  Invalid: 'invalid',
  /** A column, file or level that was named but does not exist. */
  NotFound: 'not_found',
  /** A value outside the allowed range (a probability above 1, a negative count). */
  OutOfRange: 'out_of_range',
  /** A request the engine does not handle (e.g. a formula term it cannot expand). */
  Unsupported: 'unsupported',
  /** Well-formed input on which the method is not defined: an empty group, n = 1, all values tied, a zero row. */
  Degenerate: 'degenerate',
} as const
export type StatsProblemCode = (typeof StatsProblemCode)[keyof typeof StatsProblemCode]

export interface StatsProblem {
  readonly code: StatsProblemCode
  /** What is at fault: a file (`visits.csv`), `formula`, a group, a table cell (`table[1][0]`); empty for the whole input. */
  readonly path: string
  readonly message: string
}

export type StatsResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly StatsProblem[] }

/** Wraps a value as a successful result. */
export function statsOk<T>(value: T): StatsResult<T> {
  return { ok: true, value }
}

/**
 * A failed result with one problem.
 * @example statsFail('degenerate', 'group B', 'group B has no observations')
 */
export function statsFail<T = never>(code: StatsProblemCode, path: string, message: string): StatsResult<T> {
  return { ok: false, problems: [{ code, path, message }] }
}
