/**
 * The allocation service contract the data platform implements over SQLite and PostgreSQL (and
 * `InMemorySlotStore` here). The pure allocator decides nothing about concurrency; the store makes each call
 * atomic. Requirements on every implementation:
 *
 * 1. **Atomic take.** Within one transaction: read the subject's existing slot for the period; if none, read
 *    the stratum's next sequence, read that row of the sealed list, insert the allocation, and commit. Two
 *    concurrent requests in one stratum never get the same sequence and no sequence is skipped: N successful
 *    requests in a stratum hold sequences 1..N. (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: `SELECT … FOR UPDATE`
 *    on a per-(period, stratum) counter row, or SERIALIZABLE with retry; both backed by unique constraints on
 *    (period, subject) and (period, stratum, sequence).)
 * 2. **Idempotent per subject and period.** A subject asking again for the same period gets the same slot
 *    with `created: false` (a double-clicked "Randomize" or a retried request never consumes a second slot).
 *    Asking with a different stratum is a conflict, not a second slot.
 * 3. **Errors are values** (`SlotProblem`, with `reason`): list exhausted, subject allocated in another
 *    stratum, no list for the period/stratum, study not live, study locked. Nothing is written on failure.
 * 4. **Minimisation** runs the pure decision inside the same lock: the store reads the stratum's
 *    `MinimisationState` (subjects allocated so far and the sparse marginal counts of their factor levels),
 *    calls `decide` synchronously, stores the allocation with the subject's levels, and commits. The decision's
 *    `sequence` must equal `allocated + 1`.
 * 5. **Sealed at rest.** The list is loaded from its sealed form with the server's key; arms are never
 *    written in clear to a table a blinded reader can query, and the slot code never leaves the sealed list.
 */
import type { ArmId, Instant, PeriodId, Problem, Result, SubjectId } from '../domain/index.ts'
import type { MinimisationDecision, MinimisationState } from './minimisation.ts'
import type { FactorLevels, StratumKey } from './strata.ts'

export interface SlotRequest {
  readonly periodId: PeriodId
  readonly stratum: StratumKey
  readonly subjectId: SubjectId
  /** When the request is made; stored as the allocation time. */
  readonly at: Instant
}

export interface MinimisedSlotRequest extends SlotRequest {
  /** The subject's level of every marginal factor (`subjectLevels`). */
  readonly levels: FactorLevels
}

/** A synchronous, pure decision the store runs under its lock, e.g. `(s) => minimise(scheme, seed, stratum, s, levels)`. */
export type MinimisationDecider = (state: MinimisationState) => Result<MinimisationDecision>

/** One subject's allocation in one period: unblinded data, for the allocation service and unblinded roles only. */
export interface AllocatedSlot {
  readonly periodId: PeriodId
  readonly stratum: StratumKey
  readonly subjectId: SubjectId
  /** 1-based, consecutive within (period, stratum). */
  readonly sequence: number
  readonly arm: ArmId
  /** From the list row; null for simple randomization and minimisation. */
  readonly block: number | null
  readonly blockSize: number | null
  readonly allocatedAt: Instant
}

export interface SlotGrant {
  readonly slot: AllocatedSlot
  /** False when the subject already held this slot (an idempotent repeat): write no second audit event. */
  readonly created: boolean
}

export const SlotFailure = {
  ListExhausted: 'list_exhausted',
  AllocatedElsewhere: 'allocated_elsewhere',
  NoList: 'no_list',
  NotLive: 'study_not_live',
  Locked: 'study_locked',
  DecisionRejected: 'decision_rejected',
} as const
export type SlotFailure = (typeof SlotFailure)[keyof typeof SlotFailure]

/** A problem with a machine-readable `reason` for the allocation service to act on. */
export interface SlotProblem extends Problem {
  readonly reason: SlotFailure
}

export interface SlotStore {
  /** Takes the next slot of the (period, stratum) list for the subject, atomically and idempotently. */
  takeNextSlot(request: SlotRequest): Promise<Result<SlotGrant>>
  /** Allocates by minimisation under the same lock (see requirement 4). */
  takeMinimisedSlot(request: MinimisedSlotRequest, decide: MinimisationDecider): Promise<Result<SlotGrant>>
  /** The subject's slot in the period, if any. */
  findSlot(periodId: PeriodId, subjectId: SubjectId): Promise<AllocatedSlot | undefined>
}

/**
 * Checks a set of granted slots against requirement 1: per (period, stratum), sequences exactly 1..N with no
 * duplicate or gap, and no subject holding two slots in one period. Returns one line per violation (empty
 * when the set is sound). Shared by the in-memory test and the SQLite/PostgreSQL concurrency tests.
 */
export function slotSequenceViolations(slots: readonly AllocatedSlot[]): string[] {
  const violations: string[] = []
  const byStratum = new Map<string, number[]>()
  const subjects = new Set<string>()
  for (const slot of slots) {
    const key = `${slot.periodId}/${slot.stratum}`
    byStratum.set(key, [...(byStratum.get(key) ?? []), slot.sequence])
    const subjectKey = `${slot.periodId}/${slot.subjectId}`
    if (subjects.has(subjectKey)) violations.push(`${subjectKey}: subject holds two slots`)
    subjects.add(subjectKey)
  }
  for (const [key, sequences] of byStratum) {
    const sorted = [...sequences].sort((a, b) => a - b)
    sorted.forEach((sequence, i) => {
      if (sequence !== i + 1) violations.push(`${key}: expected sequence ${i + 1}, found ${sequence}`)
    })
  }
  return violations
}
