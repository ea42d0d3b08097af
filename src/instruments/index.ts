/**
 * Clinical instruments and their scoring: pure functions over plain data, with `data/instruments.json` as the
 * source of truth for ALSFRS-R, King's/MiToS staging, MAS, ECAS and the safety code lists, plus TrialDesk's
 * built-in templates (VITALS, NEUROPHYS, SPIROMETRY, EXTRACTION, MANUFACTURING, INFUSION, CONMED, AE).
 *
 * - Definitions: `instrumentData()`, `codeList(id)`, `listInstruments()`, `resolveInstrument(id, options)`.
 * - Scoring: `scoreAlsfrsR`, `computeAlsfrsR`, `kingsStage`, `mitosStage`, `deltaFS`, `scoreMas`, `scoreEcas`,
 *   `scoreInstrument(id, json)` for untyped input, `computeInstrumentScores` for checked form values.
 * - Building blocks of form validation: `normaliseItemValue`, `evaluateCondition`, `parseFormula`/
 *   `evaluateFormula`, `compileDerived`/`computeDerived`.
 * - Safety: `classifyAdverseEvent` (serious / related / expected / SUSAR).
 */
export {
  CodeListId,
  codeList,
  INSTRUMENTS_FILE,
  InstrumentData,
  instrumentData,
  InstrumentId,
  instrumentSpec,
  parseInstrumentData,
  type ClinicianRating,
  type CodeList,
  type CodeListCode,
  type CognitiveScreen,
  type DerivedStaging,
  type InstrumentSpec,
  type Questionnaire,
  type QuestionnaireItem,
  type ScoreSpec,
} from './instrument-data.ts'
export {
  conditionComparisons,
  conditionReferences,
  describeCondition,
  evaluateCondition,
  isAnswered,
  RuleCondition,
  SubjectEvent,
  type ConditionValues,
} from './condition.ts'
export {
  evaluateFormula,
  formulaReferences,
  parseFormula,
  roundHalfAwayFromZero,
  type Formula,
  type FormulaFunction,
} from './formula.ts'
export { compileDerived, computeDerived, type CompiledDerived } from './derived-values.ts'
export {
  isBlank,
  normaliseItemValue,
  rangeMessage,
  type FormValues,
  type ItemValue,
  type NormalisedValue,
} from './item-value.ts'
export { addDays, DAYS_PER_MONTH, daysBetween, epochDay, isIsoDate } from './iso-date.ts'
export {
  alsfrsRSlotProblems,
  alsfrsRSlots,
  alsfrsRSpec,
  computeAlsfrsR,
  deltaFS,
  scoreAlsfrsR,
  type AlsfrsRContext,
  type AlsfrsRInput,
  type AlsfrsRScore,
  type AlsfrsRValues,
} from './alsfrs-r.ts'
export { deriveStage, kingsStage, mitosStage, NOT_STAGEABLE } from './als-staging.ts'
export { masItemId, masOrdinal, masSpec, scoreMas, type MasSummary } from './mas.ts'
export { ecasCutoffProblems, ecasSpec, scoreEcas, type EcasScore } from './ecas.ts'
export { InstrumentTemplate, instrumentTemplate, instrumentTemplates } from './templates.ts'
export {
  computeInstrumentScores,
  instrumentCrossCheck,
  listInstruments,
  resolveInstrument,
  scoreResolvedInstrument,
  withCodeListOptions,
  type DerivedValue,
  type InstrumentKind,
  type InstrumentOptions,
  type InstrumentSummary,
  type ResolvedInstrument,
  type ScoreContext,
  type ScoreDef,
} from './library.ts'
export { scoreInstrument, type InstrumentScoreReport } from './score-input.ts'
export {
  adverseEventFromForm,
  classifyAdverseEvent,
  isExpectedTerm,
  type AdverseEventAssessment,
  type AdverseEventClassification,
  type AdverseEventSettings,
} from './adverse-event.ts'
