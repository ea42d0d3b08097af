/**
 * Randomization, blinding and treatment supply: pure functions over the protocol and explicit seeds, plus the
 * `SlotStore` contract the data platform implements atomically.
 */
export { createStream, deriveKey, GENERATOR_ID, streamFor, type RandomStream } from './drbg.ts'
export {
  enumerateStrata,
  factorLevels,
  SINGLE_STRATUM,
  stratumKey,
  stratumLevels,
  subjectLevels,
  type FactorLevels,
  type StratumKey,
  type SubjectFactors,
} from './strata.ts'
export {
  commonBlindedLabel,
  compileScheme,
  defaultStage,
  schemeWithAllocation,
  subjectStratum,
  type AllocationScheme,
} from './scheme.ts'
export {
  auditList,
  extendList,
  fingerprintCsv,
  fingerprintList,
  generateList,
  generateStratum,
  LIST_COLUMNS,
  LIST_FORMAT,
  listOf,
  listToCsv,
  MAX_SLOTS_PER_STRATUM,
  parseListCsv,
  verifyCsv,
  verifyList,
  type GenerateOptions,
  type ListSlot,
  type RandomizationList,
} from './randomization-list.ts'
export { SEALED_FORMAT, sealList, unsealList, type SealedList } from './list-seal.ts'
export {
  addToCounts,
  marginalImbalance,
  minimisationPreference,
  minimise,
  type MarginalCounts,
  type MinimisationDecision,
  type MinimisationPreference,
  type MinimisationRule,
  type MinimisationState,
} from './minimisation.ts'
export {
  alternativeAllocations,
  balanceReport,
  convergenceCredit,
  defaultSimulatedSubjects,
  describeAllocation,
  simulateScheme,
  type BlockBalance,
  type ListBalance,
  type SchemeSimulation,
  type SimulationOptions,
  type Spread,
  type StratumBalance,
} from './randomization-report.ts'
export { isBlindedPhase, roleSeesAllocation, type StudyPhase } from './study-phase.ts'
export {
  SlotFailure,
  slotSequenceViolations,
  type AllocatedSlot,
  type MinimisationDecider,
  type MinimisedSlotRequest,
  type SlotGrant,
  type SlotProblem,
  type SlotRequest,
  type SlotStore,
} from './slot-contract.ts'
export { InMemorySlotStore, type InMemorySlotStoreOptions } from './in-memory-slot-store.ts'
export {
  assignPeriod,
  blindedPeriodStep,
  blindPeriodAssignment,
  takesSlot,
  type BlindedPeriodStep,
  type PeriodAssignment,
} from './period-assignment.ts'
export { computeDose, PLAUSIBLE_WEIGHT_KG, roundToStep, type DoseComputation, type DoseRequest } from './dosing.ts'
export {
  blindedPreparationView,
  preparationCode,
  preparationSheet,
  preparationViewFor,
  type BlindedPreparation,
  type PreparationSheet,
} from './preparation.ts'
export {
  checkLotForUse,
  evaluateRelease,
  newSupplyChain,
  recordExtraction,
  recordInfusion,
  recordManufacture,
  recordPreparation,
  recordRelease,
  type Extraction,
  type Lot,
  type Preparation,
  type ReleaseFailure,
  type ReleaseResult,
  type ReleaseValues,
  type SupplyChain,
} from './supply-chain.ts'
export {
  blindSubjectAllocation,
  subjectAllocationView,
  unblindSubjectAllocation,
  type BlindedPeriodView,
  type BlindedSubjectAllocation,
  type SubjectAllocation,
  type UnblindedPeriodView,
  type UnblindedSubjectAllocation,
} from './blinded-view.ts'
export {
  EMERGENCY_NOTIFY,
  flagEmergencyUnblinding,
  MIN_REASON_LENGTH,
  requestEmergencyUnblinding,
  requestEndOfStudyUnblinding,
  type EmergencyUnblinding,
  type EndOfStudyUnblinding,
  type UnblindingActor,
  type UnblindingNotification,
} from './unblinding.ts'
