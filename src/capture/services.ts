import type { Actor } from '../access/index.ts'
import type { Result } from '../domain/index.ts'
import { aeService, type AeService } from './ae-service.ts'
import { createContext, type CaptureDeps } from './context.ts'
import { extractStudy, snapshotHash, type StudyExtract } from './extract-study.ts'
import { formCatalogue, formService, type FormService } from './form-service.ts'
import { queryService, type QueryService } from './query-service.ts'
import { readModels, type ReadModels } from './read-models.ts'
import { reviewService, type ReviewService } from './review-service.ts'
import { studyService, type StudyService } from './study-service.ts'
import { subjectService, type SubjectService } from './subject-service.ts'
import { supplyService, type SupplyService } from './supply-service.ts'
import { unblindingService, type UnblindingService } from './unblinding-service.ts'
import { authService, userService, type AuthService, type UserService } from './user-service.ts'
import { visitService, type VisitService } from './visit-service.ts'

/** The application services: the only way data changes. Each method takes the acting user first. */
export interface Services {
  readonly study: StudyService
  readonly users: UserService
  readonly auth: AuthService
  readonly subjects: SubjectService
  readonly supply: SupplyService
  readonly visits: VisitService
  readonly forms: FormService
  readonly queries: QueryService
  readonly review: ReviewService
  readonly safety: AeService
  readonly unblinding: UnblindingService
  readonly reads: ReadModels
  /** The full study as plain data for analysis, blinded or unblinded per the actor (audited as an export). */
  extractStudy(actor: Actor): Promise<Result<StudyExtract>>
}

/** Builds the services over one store and one protocol version (compiled once, here). No globals. */
export function createServices(deps: CaptureDeps): Services {
  const ctx = createContext(deps)
  const catalogue = formCatalogue(ctx)
  return {
    study: studyService(ctx),
    users: userService(ctx),
    auth: authService(ctx),
    subjects: subjectService(ctx),
    supply: supplyService(ctx, catalogue),
    visits: visitService(ctx),
    forms: formService(ctx, catalogue),
    queries: queryService(ctx),
    review: reviewService(ctx, catalogue, (c) => snapshotHash(ctx, catalogue, c)),
    safety: aeService(ctx, catalogue),
    unblinding: unblindingService(ctx),
    reads: readModels(ctx),
    extractStudy: (actor) => extractStudy(ctx, catalogue, actor),
  }
}
