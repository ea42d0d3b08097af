export { createRng, normalQuantileAS241 } from './rng.ts'
export type { Rng } from './rng.ts'
export {
  NaturalHistoryParams,
  ArmEffect,
  defaultNaturalHistory,
  noEffect,
  parseNaturalHistory,
  parseArmEffect,
  toCourse,
} from './params.ts'
export type { NaturalHistoryInput, ArmEffectInput, TreatmentSegment, TreatmentCourse } from './params.ts'
export { AdverseEventCatalogue, DEFAULT_ADVERSE_EVENTS, WHO_UMC } from './adverse-event-catalogue.ts'
export type {
  BackgroundTerm,
  ProcedureTerm,
  TerminalTerm,
  Causality,
  SeriousnessCriterion,
  AeDriver,
} from './adverse-event-catalogue.ts'
export { sampleBaseline, logDeltaFsMoments } from './baseline.ts'
export type { Baseline, OnsetRegion, OnsetSite, Sex, ElEscorial } from './baseline.ts'
export {
  simulateCourse,
  sampleProgression,
  diseaseClock,
  latentAlsfrs,
  latentFvc,
  VISIT_STATUS,
  VisitStatusCode,
} from './course.ts'
export type { Progression, DiseaseClock, LatentCourse, CourseOutcome, VisitStatus } from './course.ts'
export { simulateAlsfrsTotals } from './cohort.ts'
export type { AlsfrsTotalsCohort, CohortOptions } from './cohort.ts'
export { simulatePatient } from './patient.ts'
export type { PatientSchedule, PatientEvents, VisitRecord, SimulatedPatient, DropoutReason } from './patient.ts'
export { alsfrsAssessment, slotScores, sampleLossOrder } from './items.ts'
export type { AlsfrsAssessment, LossOrder } from './items.ts'
export { MUNIX_MUSCLES } from './measures.ts'
export type { NeuroAssessment, MasRating, EcasAssessment, MunixMuscle } from './measures.ts'
export type { SimulatedAdverseEvent, AeOrigin } from './adverse-events.ts'
export { DAYS_PER_MONTH } from './sampling.ts'
export { ALSFRS_SLOTS, ALSFRS_SUBSCORES, MAS_GRADES, MAS_SIDES, ECAS_DOMAINS } from './vocabulary.ts'
export type { AlsfrsSlot, AlsfrsItemId, AlsfrsSubscore, MasGrade, MasSide, EcasDomain } from './vocabulary.ts'
