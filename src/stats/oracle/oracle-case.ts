/**
 * The reference-case format of `shared/oracle/README.md` (a copy lives in `test/fixtures/oracle/`):
 * one JSON file per case with the input data, the options, R's results and the tolerance.
 */
export interface OracleTolerance {
  readonly rel?: number
  readonly abs?: number
  /** Overrides `rel`/`abs` for the named key and everything under it. */
  readonly per_key?: Readonly<Record<string, { readonly rel?: number; readonly abs?: number }>>
}

export interface OracleCase {
  readonly schema_version: number
  readonly id: string
  readonly method: string
  readonly dataset?: string
  readonly description?: string
  readonly r_call?: string
  readonly options: Readonly<Record<string, unknown>>
  readonly input: Readonly<Record<string, unknown>>
  readonly expected: Readonly<Record<string, unknown>>
  readonly tolerance: OracleTolerance
}

/**
 * A method's checker computes, from the case's input and options, an object whose keys mirror
 * `expected` (same nesting, same array layout). The verifier then compares every numeric leaf.
 * Keys listed in `informational` are compared when present but not required (R labels them "for information").
 */
export interface OracleChecker {
  readonly method: string
  readonly informational?: readonly string[]
  compute(c: OracleCase): unknown
}
