/**
 * Vocabulary of the linear mixed-model engine. `stats` imports nothing of ours, so the result types repeat the shape
 * of the domain's `Result`/`Problem` (a literal `code`, a `path`, a `message`): an LMM result can be handed to code
 * that expects a domain `Result` without conversion.
 */

/** Codes of input errors; a subset of the domain's `ProblemCode` (and of the stats engine's problem codes). */
export type LmmProblemCode = 'invalid' | 'not_found' | 'out_of_range' | 'unsupported'

/** One reason the model could not be fitted or a follow-up computation could not be made. */
export interface LmmProblem {
  readonly code: LmmProblemCode
  /** Which argument is at fault, e.g. `spec.fixed[1]`, `data.columns.arm[12]`, `options.by`. */
  readonly path: string
  readonly message: string
}

/** Either the computed value or the problems that prevented it (expected failures are values, never throws). */
export type LmmResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly LmmProblem[] }

/** Conditions that do not stop the fit but that a reader of the result must know about. */
export const LmmWarningCode = {
  /** A variance parameter sits on the boundary (lme4's `isSingular`): a variance is 0 or a correlation is ±1. */
  Singular: 'singular',
  /** The optimizer stopped before its convergence test was met. */
  NotConverged: 'not_converged',
  /** The Hessian of the deviance in (theta, sigma) is not positive definite (lmerTest's warning); df use its pseudo-inverse. */
  HessianNotPositive: 'hessian_not_positive',
  /**
   * The Hessian of the profiled deviance in theta has eigenvalue ratio < 1e-6 (lme4's "Model is nearly unidentifiable:
   * large eigenvalue ratio - Rescale variables?"): estimates carry few reliable digits; centre or rescale covariates.
   */
  NearlyUnidentifiable: 'nearly_unidentifiable',
  /** Fewer than 5 levels of the grouping factor: the variance of the random effects is poorly estimated (lme4 warns too). */
  FewGroups: 'few_groups',
  /** Rows dropped because a used column had a missing value (R's `na.omit`). */
  RowsDropped: 'rows_dropped',
} as const
export type LmmWarningCode = (typeof LmmWarningCode)[keyof typeof LmmWarningCode]

export interface LmmWarning {
  readonly code: LmmWarningCode
  readonly message: string
}

/** One cell of a data column: numbers for covariates, strings (or booleans) for factors, `null`/NaN for missing. */
export type LmmCell = number | string | boolean | null | undefined

/** Column-oriented data, as in the oracle's `input.columns` (typed arrays welcome for numeric columns). */
export interface LmmData {
  readonly columns: Readonly<Record<string, ArrayLike<LmmCell>>>
}

/** The random-effects part: `(1 | group)` without `slope`, `(slope | group)` with it (correlated intercept and slope). */
export interface LmmRandomSpec {
  readonly group: string
  readonly slope?: string
}

/**
 * A model `response ~ fixed + (slope | group)`.
 *
 * `fixed` lists R-style terms: a column name (`'t'`, `'arm'`), an interaction (`'t:arm'`) or a crossing (`'t*arm'`,
 * expanded to `t + arm + t:arm`). An empty list is the intercept-only model. Terms are ordered by degree as R does, and
 * factors are coded with treatment contrasts (first level = reference) following R's rule for interactions whose
 * margins are absent.
 */
export interface LmmSpec {
  readonly response: string
  readonly fixed: readonly string[]
  /** Default true (R's implicit `1`). */
  readonly intercept?: boolean
  readonly random: LmmRandomSpec
  /** Default true (lme4's default). */
  readonly reml?: boolean
  /**
   * Levels of factor columns in R's order; the first is the reference. String or boolean columns not listed get
   * their levels sorted (booleans: FALSE, TRUE); a numeric column listed here is treated as a factor.
   */
  readonly factorLevels?: Readonly<Record<string, readonly string[]>>
  readonly control?: LmmControl
}

export interface LmmControl {
  /** Newton iterations allowed (default 200). */
  readonly maxIterations?: number
  /** Starting theta (lme4's parameterisation); default: a method-of-moments estimate, else lme4's start (1 on the diagonal, 0 off it). */
  readonly startTheta?: readonly number[]
}

/** How a model-matrix column is made: the product of its parts (a numeric column, or the indicator of one factor level). */
export type LmmColumnPart =
  | { readonly kind: 'numeric'; readonly variable: string }
  | { readonly kind: 'level'; readonly variable: string; readonly level: string }

/** A variable of the fixed part, as seen in the data the model used (after dropping rows with missing values). */
export type LmmVariable =
  | { readonly kind: 'numeric'; readonly name: string; readonly mean: number }
  | { readonly kind: 'factor'; readonly name: string; readonly levels: readonly string[] }

/** Enough of the design to build reference grids (marginal slopes) and name coefficients. */
export interface LmmDesignInfo {
  /** R's term labels in model order, e.g. `['t', 'arm', 't:arm']` (the intercept is not a term). */
  readonly terms: readonly string[]
  /** For each coefficient, the index of its term in `terms`, or -1 for the intercept. */
  readonly columnTerm: readonly number[]
  readonly columns: readonly { readonly name: string; readonly parts: readonly LmmColumnPart[] }[]
  readonly variables: readonly LmmVariable[]
}

/** A coefficient table as `summary()` of an lmerTest fit prints it (Satterthwaite df). */
export interface LmmFixedEffects {
  readonly terms: readonly string[]
  readonly estimate: readonly number[]
  readonly se: readonly number[]
  readonly t: readonly number[]
  readonly df: readonly number[]
  readonly p: readonly number[]
}

export interface LmmRandomEffects {
  readonly group: string
  readonly nLevels: number
  /** `['(Intercept)']` or `['(Intercept)', slope]`. */
  readonly terms: readonly string[]
  /** G = sigma^2 Lambda Lambda'. */
  readonly covariance: readonly (readonly number[])[]
  readonly variance: readonly number[]
  readonly sd: readonly number[]
  /** Correlation matrix of the random effects (NaN-free: a zero variance gives correlation 0 off the diagonal). */
  readonly correlation: readonly (readonly number[])[]
}

/** Conditional modes (BLUPs) of the random effects, one array per random term, levels in output order. */
export interface LmmConditionalModes {
  readonly group: string
  readonly levels: readonly string[]
  /** `values[j][i]` = random term j of level i. */
  readonly values: readonly (readonly number[])[]
}

/**
 * What Satterthwaite's approximation needs, as lmerTest stores it: the asymptotic covariance of the variance
 * parameters (theta, sigma) = 2 H^-1 (H the Hessian of the deviance) and the derivatives of vcov(beta) with respect
 * to each of them.
 */
export interface LmmSatterthwaiteParts {
  readonly vcovVarpar: readonly (readonly number[])[]
  /** `jacobian[k]` = d vcov(beta) / d varpar_k, varpar = (theta..., sigma). */
  readonly jacobian: readonly (readonly (readonly number[])[])[]
}

/** A fitted model: what `summary()`, `VarCorr()`, `logLik()`, `ranef()` of an lmerTest fit report. */
export interface LmmFit {
  readonly reml: boolean
  readonly nObs: number
  readonly response: string
  readonly fixed: LmmFixedEffects
  readonly vcov: readonly (readonly number[])[]
  readonly random: LmmRandomEffects
  readonly residualVariance: number
  readonly residualSd: number
  /** REML log-likelihood for REML fits, ML log-likelihood for ML fits. */
  readonly logLik: number
  /** Fixed effects + variance parameters + residual variance. */
  readonly nParams: number
  readonly aic: number
  readonly bic: number
  /** -2 REML log-likelihood (REML fits), else null. */
  readonly remlCriterion: number | null
  /** -2 ML log-likelihood (ML fits), else null. */
  readonly devianceMl: number | null
  /** lme4's theta: the relative Cholesky factor of G / sigma^2, lower triangle column-wise. */
  readonly theta: readonly number[]
  readonly ranef: LmmConditionalModes
  readonly singular: boolean
  readonly converged: boolean
  readonly iterations: number
  readonly warnings: readonly LmmWarning[]
  readonly design: LmmDesignInfo
  readonly satterthwaite: LmmSatterthwaiteParts
}

/** A linear contrast L'beta with Satterthwaite df, as `lmerTest::contest1D(..., confint = TRUE)`. */
export interface LmmContrastResult {
  readonly estimate: number
  readonly se: number
  readonly df: number
  readonly t: number
  readonly p: number
  readonly lower: number
  readonly upper: number
  readonly confLevel: number
}

/** A joint Wald F test with Satterthwaite denominator df, as `lmerTest::contestMD` / `anova(fit, type = 3)`. */
export interface LmmFTestResult {
  readonly term: string
  readonly numDf: number
  readonly denDf: number
  readonly F: number
  readonly p: number
}

/** Likelihood-ratio test of nested ML fits, as `anova(reduced, full)`. */
export interface LmmLrTestResult {
  readonly logLikFull: number
  readonly logLikReduced: number
  readonly statistic: number
  readonly df: number
  readonly p: number
}
