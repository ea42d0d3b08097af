/**
 * Expected failures are values, in the manner of zod's issues: a literal `code`, a `path` into the input
 * and a human `message`. Only broken invariants throw.
 */

export const ProblemCode = {
  Invalid: 'invalid',
  Required: 'required',
  OutOfRange: 'out_of_range',
  UnknownField: 'unknown_field',
  NotFound: 'not_found',
  Conflict: 'conflict',
  Forbidden: 'forbidden',
  Unauthenticated: 'unauthenticated',
  Locked: 'locked',
  ReasonRequired: 'reason_required',
  StateInvalid: 'state_invalid',
  Blocked: 'blocked',
  TooLarge: 'too_large',
  RateLimited: 'rate_limited',
  Unsupported: 'unsupported',
  Io: 'io',
} as const
export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode]

export interface Problem {
  readonly code: ProblemCode
  /** Dotted path into the input that is at fault, e.g. `arms[2].ratio` or `items.Q5`. Empty when the whole input is. */
  readonly path: string
  readonly message: string
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly Problem[] }

export function ok<T>(value: T): Result<T> {
  return { ok: true, value }
}

export function fail<T = never>(problems: Problem | readonly Problem[]): Result<T> {
  return { ok: false, problems: Array.isArray(problems) ? problems : [problems as Problem] }
}

export function problem(code: ProblemCode, path: string, message: string): Problem {
  return { code, path, message }
}

/** Joins a path the way users read it: `arms[2].ratio`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

/** One line per problem: `path: message` (or just the message when the path is empty). */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n')
}
