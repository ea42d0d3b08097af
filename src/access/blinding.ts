import { isUnblindedRole } from '../domain/index.ts'
import type { Actor } from './actor.ts'

/** Where the study stands on the blind: blinded until end-of-study unblinding (after database lock). */
export type StudyBlindState = { readonly status: 'blinded' } | { readonly status: 'unblinded'; readonly at: string }

/**
 * Whether allocation detail (arm, dose, product lot content, anything that differs by arm) may reach this
 * actor. Only the unblinded roles see it while the study is blinded. An investigator who breaks the blind
 * for one patient learns that patient's arm from the unblinding event itself, not through later views.
 */
export function seesAllocation(actor: Actor, blind: StudyBlindState): boolean {
  return blind.status === 'unblinded' || isUnblindedRole(actor.role)
}

/** Branded view types: code holding a `BlindedView` cannot read the arm because the type has none. */
export type Blinded<T, K extends keyof T> = Omit<T, K> & { readonly blinded: true }
