/**
 * The dispatch table of the verifier: one checker per oracle method. The survival and mixed-model checkers live
 * beside the classical tests' (each written with its engine); a method missing here makes its cases FAIL with
 * "no checker for method".
 */
import { coxChecker, kmChecker, logrankChecker } from './check-survival.ts'
import { lmmChecker } from './check-lmm.ts'
import { testCheckers } from './check-tests.ts'
import type { OracleChecker } from './oracle-case.ts'

/** Checkers by method name. */
export const oracleCheckers: ReadonlyMap<string, OracleChecker> = new Map(
  [...testCheckers, kmChecker, logrankChecker, coxChecker, lmmChecker].map((c) => [c.method, c]),
)
