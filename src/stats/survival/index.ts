/**
 * Survival analysis with R `survival` 3.5's conventions: Kaplan-Meier curves, restricted mean survival time,
 * log-rank and weighted log-rank tests, Cox proportional hazards and its proportional-hazards test.
 */
export type {
  ChiSquareTest,
  EventValue,
  GroupValue,
  Interval,
  SurvivalProblem,
  SurvivalProblemCode,
  SurvivalResult,
  SurvivalWarning,
} from './survival-types.ts'
export { SurvivalWarningCode } from './survival-types.ts'
export type { ConfType, CurveQuantiles, KaplanMeierCurve, KaplanMeierFit, KaplanMeierOptions } from './kaplan-meier.ts'
export { kaplanMeier, survivalLimits } from './kaplan-meier.ts'
export { curveQuantiles, tableMedian } from './curve-quantiles.ts'
export type { RmstEstimate } from './rmst.ts'
export { rmst } from './rmst.ts'
export type { LogRankOptions, LogRankResult, LogRankWeighting } from './log-rank.ts'
export { logRank } from './log-rank.ts'
export type { CoxData } from './cox-data.ts'
export type { CoxCoefficient, CoxFit, CoxOptions, CoxTies } from './cox-ph.ts'
export { coxph } from './cox-ph.ts'
export type { Concordance } from './concordance.ts'
export type { CoxZphOptions, CoxZphResult, CoxZphTest, ZphTransform } from './cox-zph.ts'
export { coxZph } from './cox-zph.ts'
