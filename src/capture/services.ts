import type { Actor } from '../access/index.ts'
import type { Result } from '../domain/index.ts'
import { joinTransaction } from '../store/index.ts'
import { aeService, type AeService } from './ae-service.ts'
import { createContext, type CaptureDeps, type Ctx } from './context.ts'
import { extractStudy, snapshotHash, type ExtractOptions, type StudyExtract } from './extract-study.ts'
import { formCatalogue, formService, type FormCatalogue, type FormService } from './form-service.ts'
import { queryService, type QueryService } from './query-service.ts'
import { readModels, type ReadModels } from './read-models.ts'
import { reviewService, type ReviewService } from './review-service.ts'
import { studyService, type StudyService } from './study-service.ts'
import { subjectService, type SubjectService } from './subject-service.ts'
import { supplyService, type SupplyService } from './supply-service.ts'
import { tokenService, type TokenService } from './token-service.ts'
import { unblindingService, type UnblindingService } from './unblinding-service.ts'
import { authService, userService, type AuthService, type UserService } from './user-service.ts'
import { visitService, type VisitService } from './visit-service.ts'

/** The application services: the only way data changes. Each method takes the acting user first. */
export interface Services {
  readonly study: StudyService
  readonly users: UserService
  readonly auth: AuthService
  /** Personal API tokens (database, audited). */
  readonly tokens: TokenService
  readonly subjects: SubjectService
  readonly supply: SupplyService
  readonly visits: VisitService
  readonly forms: FormService
  readonly queries: QueryService
  readonly review: ReviewService
  readonly safety: AeService
  readonly unblinding: UnblindingService
  readonly reads: ReadModels
  /**
   * The full study as plain data for analysis and exporters, blinded or unblinded per the actor (audited as an
   * export). `history` adds every saved version of each form instance.
   */
  extractStudy(actor: Actor, options?: ExtractOptions): Promise<Result<StudyExtract>>
  /**
   * Runs several service calls as ONE all-or-nothing transaction: `work` gets services bound to the open
   * transaction and everything commits only when it answers ok (a failed Result or a throw rolls back all of
   * it). Inside, each call runs in a savepoint, so a call that fails leaves nothing of its own behind even when
   * `work` carries on. Calls must run one after the other, and nothing slow (password hashing) may run inside.
   */
  inTransaction<T>(work: (services: Services) => Promise<Result<T>>): Promise<Result<T>>
}

/** Builds the services over one store and one protocol version (compiled once, here). No globals. */
export function createServices(deps: CaptureDeps): Services {
  const ctx = createContext(deps)
  return servicesOver(ctx, formCatalogue(ctx))
}

function servicesOver(ctx: Ctx, catalogue: FormCatalogue): Services {
  return {
    study: studyService(ctx),
    users: userService(ctx),
    auth: authService(ctx),
    tokens: tokenService(ctx),
    subjects: subjectService(ctx),
    supply: supplyService(ctx, catalogue),
    visits: visitService(ctx),
    forms: formService(ctx, catalogue),
    queries: queryService(ctx),
    review: reviewService(ctx, catalogue, (c) => snapshotHash(ctx, catalogue, c)),
    safety: aeService(ctx, catalogue),
    unblinding: unblindingService(ctx),
    reads: readModels(ctx),
    extractStudy: (actor, options) => extractStudy(ctx, catalogue, actor, options),
    inTransaction: (work) =>
      ctx.store.write((tx) => work(servicesOver({ ...ctx, store: joinTransaction(ctx.store, tx) }, catalogue))),
  }
}
