/**
 * Result vocabulary shared by the survival functions. `stats` imports nothing of ours, so these types repeat the
 * shape of the domain's `Result`/`Problem` (a literal `code`, a `path`, a `message`): a survival result can be
 * handed to code that expects a domain `Result` without conversion.
 */

/** Codes of input errors; a subset of both the domain's `ProblemCode` and the stats engine's `StatsProblemCode`. */
export type SurvivalProblemCode = 'invalid' | 'out_of_range'

/** One input error: which argument (and element) is at fault, and why. */
export interface SurvivalProblem {
  readonly code: SurvivalProblemCode
  /** Argument path, e.g. `time[12]`, `covariates.age[3]`, `tau`. */
  readonly path: string
  readonly message: string
}

/** Either the computed value or the input errors that prevented it (expected failures are values, never throws). */
export type SurvivalResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly SurvivalProblem[] }

/** Conditions that do not stop the computation but that a reader of the result must know about. */
export const SurvivalWarningCode = {
  /** No events at all (in the data or in a stratum): curves stay at 1, tests have nothing to test. */
  NoEvents: 'no_events',
  /** A requested group level has no rows; it is dropped, as R drops unused factor levels. */
  EmptyGroup: 'empty_group',
  /** Fewer than two groups have expected events > 0: the log-rank test has 0 degrees of freedom. */
  NothingToCompare: 'nothing_to_compare',
  /** Newton-Raphson ran out of iterations (R: "Ran out of iterations and did not converge"). */
  NotConverged: 'not_converged',
  /** The partial likelihood converged while a coefficient was still drifting (R: "coefficient may be infinite"). */
  InfiniteCoefficient: 'infinite_coefficient',
  /** A covariate is a linear combination of others (or constant): its coefficient is not estimable (R: NA). */
  Aliased: 'aliased',
  /** No pair of subjects is comparable, so Harrell's C is undefined. */
  NoComparablePairs: 'no_comparable_pairs',
} as const
export type SurvivalWarningCode = (typeof SurvivalWarningCode)[keyof typeof SurvivalWarningCode]

export interface SurvivalWarning {
  readonly code: SurvivalWarningCode
  readonly message: string
  /** Terms or group levels the warning is about, when it is about some of them. */
  readonly subjects?: readonly string[]
}

/** A group or stratum value as given by the caller (a factor level). */
export type GroupValue = string | number

/** Event indicator: 1/true = event, 0/false = censored. */
export type EventValue = number | boolean

/** Two-sided confidence interval; `null` where R reports NA (not computable). */
export interface Interval {
  readonly estimate: number | null
  readonly lower: number | null
  readonly upper: number | null
}

/** A test statistic with its chi-square degrees of freedom and upper-tail p-value. */
export interface ChiSquareTest {
  readonly statistic: number
  readonly df: number
  readonly pValue: number
}
