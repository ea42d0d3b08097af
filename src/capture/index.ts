/**
 * The application services of TrialDesk: every change to study data goes through `createServices(deps)`,
 * which checks permission (site scope included), validates input, does the work and its audit record in one
 * transaction, and answers a `Result`. Reads are filtered by site and projected by the blind.
 */
export { createServices, type Services } from './services.ts'
export type { CaptureDeps, PasswordHasher } from './context.ts'
export type { StudyService, StudySummary, SiteSummary, ProtocolVersionSummary } from './study-service.ts'
export {
  Password,
  Username,
  type UserService,
  type AuthService,
  type UserView,
  type LoginAccount,
  type SessionView,
  type CreateUserInput,
} from './user-service.ts'
export type { TokenService, ApiTokenView, NewTokenInput } from './token-service.ts'
export type {
  SubjectService,
  ScreenInput,
  ConsentInput,
  EligibilityInput,
  EnrolInput,
  DispositionInput,
} from './subject-service.ts'
export { SubjectStatus, type SubjectView, type EligibilityRecord } from './subject-view.ts'
export {
  RELEASE_VISIT,
  type SupplyService,
  type SupplyView,
  type PreparationView,
  type ExtractionInput,
  type ManufactureInput,
  type ReleaseInput,
  type PrepareInput,
  type InfusionInput,
} from './supply-service.ts'
export type {
  VisitService,
  VisitCalendar,
  CalendarVisit,
  FormStatus,
  MissingForm,
  RecordVisitInput,
} from './visit-service.ts'
export {
  UNSCHEDULED_VISIT,
  type FormService,
  type FormView,
  type FormVersionView,
  type FieldHistoryEntry,
  type SaveResult,
  type SaveFormInput,
  type Signoff,
} from './form-service.ts'
export {
  QueryStatus,
  type QueryService,
  type QueryView,
  type QueryMessageView,
  type QueryPage,
  type QueryListInput,
} from './query-service.ts'
export { DEFAULT_SIGNATURE_MEANING, type ReviewService, type SubjectReviewState } from './review-service.ts'
export {
  AE_VISIT,
  type AeService,
  type AdverseEventView,
  type SaeClock,
  type ReportAeInput,
  type FollowUpAeInput,
  type ExpectednessInput,
} from './ae-service.ts'
export type { UnblindingService } from './unblinding-service.ts'
export type {
  ReadModels,
  Dashboard,
  SiteDashboard,
  SubjectListItem,
  SubjectPage,
  SubjectListFilter,
  AuditTrailFilter,
  NotificationView,
  ExportRecordInput,
  ImportRecordInput,
} from './read-models.ts'
export type {
  StudyExtract,
  ExtractOptions,
  ExtractSubject,
  ExtractForm,
  ExtractFormVersion,
  ExtractSignoff,
  ExtractAdverseEvent,
  ExtractExtraction,
  ExtractLot,
  ExtractInfusion,
} from './extract-study.ts'
