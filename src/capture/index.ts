/**
 * The application services of TrialDesk: every change to study data goes through `createServices(deps)`,
 * which checks permission (site scope included), validates input, does the work and its audit record in one
 * transaction, and answers a `Result`. Reads are filtered by site and projected by the blind.
 */
export { createServices, type Services } from './services.ts'
export type { CaptureDeps, PasswordHasher } from './context.ts'
export type { StudyService, StudySummary, SiteSummary, ProtocolVersionSummary } from './study-service.ts'
export type { UserService, AuthService, UserView, LoginAccount, SessionView, CreateUserInput } from './user-service.ts'
export type {
  SubjectService,
  ScreenInput,
  ConsentInput,
  EligibilityInput,
  EnrolInput,
  DispositionInput,
} from './subject-service.ts'
export { SubjectStatus, type SubjectView, type EligibilityRecord } from './subject-view.ts'
