export { fitLmm } from './fit-lmm.ts'
export { lmmContrast, lmmFTest } from './satterthwaite.ts'
export type { LmmHypothesis } from './satterthwaite.ts'
export { emmeansSlopes, slopeContrasts } from './marginal-slopes.ts'
export type { LmmSlope, LmmSlopeContrast, SlopeOptions } from './marginal-slopes.ts'
export { lrTest } from './lr-test.ts'
export { LmmWarningCode } from './lmm-types.ts'
export type {
  LmmCell,
  LmmColumnPart,
  LmmConditionalModes,
  LmmContrastResult,
  LmmControl,
  LmmData,
  LmmDesignInfo,
  LmmFit,
  LmmFixedEffects,
  LmmFTestResult,
  LmmLrTestResult,
  LmmProblem,
  LmmProblemCode,
  LmmRandomEffects,
  LmmRandomSpec,
  LmmResult,
  LmmSatterthwaiteParts,
  LmmSpec,
  LmmVariable,
  LmmWarning,
} from './lmm-types.ts'
