import { isUnblindedRole, type Instant, type Role } from '../domain/index.ts'

/**
 * Where the study stands for allocation and blinding:
 * - `setup`: the scheme is being prepared; nobody can be randomized.
 * - `live`: lists are sealed and loaded; subjects are randomized.
 * - `locked`: the database is locked; no allocation, still blinded; end-of-study unblinding becomes possible.
 * - `unblinded`: end-of-study unblinding done; every role may see allocations.
 */
export type StudyPhase =
  | { readonly status: 'setup' }
  | { readonly status: 'live' }
  | { readonly status: 'locked'; readonly lockedAt: Instant }
  | { readonly status: 'unblinded'; readonly lockedAt: Instant; readonly unblindedAt: Instant }

/** The blind holds in every phase before end-of-study unblinding. */
export function isBlindedPhase(phase: StudyPhase): boolean {
  return phase.status !== 'unblinded'
}

/**
 * Whether a role sees allocations in this phase: the unblinded roles, or everyone after end-of-study
 * unblinding. The domain's rule, the same as access's `seesAllocation`.
 */
export function roleSeesAllocation(role: Role, phase: StudyPhase): boolean {
  return isUnblindedRole(role) || !isBlindedPhase(phase)
}
