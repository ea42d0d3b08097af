export type { OracleCase, OracleChecker, OracleTolerance } from './oracle-case.ts'
export { compareToExpected, type Comparison, type LeafMismatch } from './compare.ts'
export {
  formatOutcome,
  formatSummary,
  parseCase,
  runCase,
  runCaseDirectory,
  type CaseOutcome,
  type VerifyReport,
} from './run-cases.ts'
export { oracleCheckers } from './checkers.ts'
export { testCheckers } from './check-tests.ts'
