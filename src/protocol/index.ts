/**
 * Protocol semantics: loading and validating protocol files (every problem with its path), compiling them
 * into concrete forms and a visit timeline, the single validation path for entered form data, and the visit
 * calendar of a subject.
 *
 * - `loadProtocolFile(file)` / `parseProtocolText(text)` / `protocolFromData(raw)` → `Result<ProtocolVersion>`
 * - `validateProtocol(protocol)` → `Problem[]` (already applied by the loaders)
 * - `compileProtocol(version)` → `CompiledProtocol`; `findForm`, `visitForms`
 * - `validateFormEntry(form, values, context)` → `Result<FormEntry>` with normalised values, scores and queries
 * - `visitSchedule(compiled, anchors)` → `ScheduledVisit[]`; `visitStatus(visit, today, actualDate)`
 */
export * from './load-protocol.ts'
export { validateProtocol } from './validate-protocol.ts'
export {
  compileForm,
  formValues,
  isNumericItem,
  type CompiledForm,
  type CompiledItem,
  type FormInstrument,
  type FormValueDef,
} from './compile-form.ts'
export { compileProtocol, findForm, visitForms, type CompiledProtocol, type CompiledVisit } from './compile-protocol.ts'
export { SOFT_RANGE_CHECK, validateFormEntry, type EntryContext, type FormEntry, type Query } from './form-entry.ts'
export {
  anchorDate,
  visitSchedule,
  visitStatus,
  type ScheduleAnchors,
  type ScheduledVisit,
  type VisitStatus,
} from './visit-schedule.ts'
export { nominalAnchorDays, nominalStudyDay, periodOfAnchor, visitPeriod, type AnchorDays } from './visit-timeline.ts'
