import { createContext, type CaptureDeps } from './context.ts'
import { studyService, type StudyService } from './study-service.ts'
import { subjectService, type SubjectService } from './subject-service.ts'
import { authService, userService, type AuthService, type UserService } from './user-service.ts'

/** The application services: the only way data changes. Each method takes the acting user first. */
export interface Services {
  readonly study: StudyService
  readonly users: UserService
  readonly auth: AuthService
  readonly subjects: SubjectService
}

/** Builds the services over one store and one protocol version (compiled once, here). */
export function createServices(deps: CaptureDeps): Services {
  const ctx = createContext(deps)
  return {
    study: studyService(ctx),
    users: userService(ctx),
    auth: authService(ctx),
    subjects: subjectService(ctx),
  }
}
