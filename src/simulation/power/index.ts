/**
 * Simulation-based power and design of the next trial: scenarios (design × n × effect) from a protocol, whole
 * trials simulated with the natural-history model and analysed by the protocol's primary mixed-model slope
 * comparison, power and type-I error with Monte-Carlo error, closed-form reference power, and a power-curve chart.
 */
export { adjustPValues, type MultiplicityMethod } from './multiplicity.ts'
export {
  noncentralTCdf,
  slopeComparisonPower,
  slopeComparisonSampleSize,
  type SlopeComparisonInput,
  type SlopeComparisonPower,
} from './closed-form.ts'
export {
  describeDesign,
  designFromProtocol,
  designGrid,
  type DesignGrid,
  type DesignOptions,
  type Enrichment,
  type EnrichmentOption,
  type GaussianModel,
  type NaturalHistoryModel,
  type PowerDesign,
  type TrajectoryModel,
  type TrajectoryModelKind,
} from './design.ts'
export {
  NULL_EFFECT,
  parseEffectSpecs,
  resolveEffect,
  type ArmValues,
  type EffectSpec,
  type ResolvedEffect,
} from './effect-spec.ts'
export { armSequence, armSizes, powerScenarios, type PowerScenario } from './scenario.ts'
export {
  analyseTrial,
  contrastArms,
  runReplicate,
  simulateTrial,
  type ReplicateOutcome,
  type ReplicateStatus,
  type SimulatedTrial,
  type TrialAnalysis,
} from './trial-replicate.ts'
export {
  addOutcome,
  emptyTally,
  mergeTally,
  summariseScenario,
  wilsonInterval,
  type ContrastSummary,
  type ScenarioSummary,
  type ScenarioTally,
} from './tally.ts'
export {
  batchSize,
  inProcessExecutor,
  runPowerBatch,
  runPowerStudy,
  type PowerExecutor,
  type PowerPlan,
  type PowerProgress,
  type PowerRunOptions,
  type PowerStudyResult,
  type PowerTask,
} from './run-power.ts'
export { createPowerPool, type PowerPoolOptions } from './power-pool.ts'
export { powerCurveSvg, powerReportHtml, type PowerPageMeta } from './power-curve.ts'
export { sampleSizeForPower, type SampleSizeEstimate } from './sample-size.ts'
