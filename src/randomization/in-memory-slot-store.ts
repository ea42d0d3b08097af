import { fail, ok, ProblemCode, type PeriodId, type Result, type SubjectId } from '../domain/index.ts'
import { addToCounts, type MarginalCounts } from './minimisation.ts'
import type { ListSlot, RandomizationList } from './randomization-list.ts'
import type {
  AllocatedSlot,
  MinimisationDecider,
  MinimisedSlotRequest,
  SlotFailure,
  SlotGrant,
  SlotProblem,
  SlotRequest,
  SlotStore,
} from './slot-contract.ts'
import type { StudyPhase } from './study-phase.ts'

export interface InMemorySlotStoreOptions {
  /** Unsealed lists, one per stage that uses a list. */
  readonly lists?: readonly RandomizationList[]
  readonly phase?: StudyPhase
  /**
   * Awaited between reading and writing inside the critical section, standing in for a database round trip
   * (tests pass random delays so that a store without the lock would hand out duplicate slots).
   */
  readonly io?: () => Promise<void>
}

/**
 * The `SlotStore` contract in memory: the reference implementation for tests, the demo and simulations.
 * Atomicity comes from one promise-chain mutex per store: each call runs its read–decide–write alone, even
 * across the `io` awaits.
 */
export class InMemorySlotStore implements SlotStore {
  private readonly lists = new Map<string, readonly ListSlot[]>()
  private readonly slots = new Map<string, AllocatedSlot>()
  private readonly taken = new Map<string, number>()
  private readonly minimised = new Map<string, MarginalCounts>()
  private phase: StudyPhase
  private readonly io: () => Promise<void>
  private tail: Promise<unknown> = Promise.resolve()

  constructor(options: InMemorySlotStoreOptions = {}) {
    this.phase = options.phase ?? { status: 'live' }
    this.io = options.io ?? (() => Promise.resolve())
    for (const list of options.lists ?? []) {
      for (const stratum of list.strata) {
        this.lists.set(
          `${list.periodId}/${stratum}`,
          list.slots.filter((s) => s.stratum === stratum),
        )
      }
    }
  }

  /** Moves the study to another phase (go-live, database lock, end-of-study unblinding). */
  setPhase(phase: StudyPhase): void {
    this.phase = phase
  }

  takeNextSlot(request: SlotRequest): Promise<Result<SlotGrant>> {
    return this.exclusive(async () => {
      const existing = this.precheck(request)
      if (existing) return existing
      const list = this.lists.get(`${request.periodId}/${request.stratum}`)
      if (!list) {
        const message = `no randomization list for ${request.periodId}, stratum ${request.stratum}`
        return refuse('no_list', ProblemCode.NotFound, 'stratum', message)
      }
      const sequence = (this.taken.get(`${request.periodId}/${request.stratum}`) ?? 0) + 1
      await this.io()
      const row = list[sequence - 1]
      if (!row) {
        const message = `randomization list exhausted for ${request.periodId}, stratum ${request.stratum} (${list.length} slots): extend the list`
        return refuse('list_exhausted', ProblemCode.Conflict, 'stratum', message)
      }
      await this.io()
      return ok({ slot: this.record(request, sequence, row.arm, row.block, row.blockSize), created: true })
    })
  }

  takeMinimisedSlot(request: MinimisedSlotRequest, decide: MinimisationDecider): Promise<Result<SlotGrant>> {
    return this.exclusive(async () => {
      const existing = this.precheck(request)
      if (existing) return existing
      const key = `${request.periodId}/${request.stratum}`
      const allocated = this.taken.get(key) ?? 0
      const counts = this.minimised.get(key) ?? {}
      await this.io()
      const decision = decide({ allocated, counts })
      if (!decision.ok) return decision
      if (decision.value.sequence !== allocated + 1) {
        return refuse(
          'decision_rejected',
          ProblemCode.Conflict,
          'sequence',
          `decision for sequence ${decision.value.sequence}, expected ${allocated + 1}`,
        )
      }
      await this.io()
      this.minimised.set(key, addToCounts(counts, request.levels, decision.value.arm))
      return ok({ slot: this.record(request, allocated + 1, decision.value.arm, null, null), created: true })
    })
  }

  findSlot(periodId: PeriodId, subjectId: SubjectId): Promise<AllocatedSlot | undefined> {
    return Promise.resolve(this.slots.get(`${periodId}/${subjectId}`))
  }

  /** Every slot granted so far (for tests and the demo). */
  allSlots(): readonly AllocatedSlot[] {
    return [...this.slots.values()]
  }

  /** Refuses outside the live phase; returns the subject's existing slot (idempotent repeat) if any. */
  private precheck(request: SlotRequest): Result<SlotGrant> | undefined {
    if (this.phase.status === 'setup') {
      return refuse(
        'study_not_live',
        ProblemCode.StateInvalid,
        '',
        'the study is not live: randomization opens at go-live',
      )
    }
    if (this.phase.status !== 'live') {
      return refuse('study_locked', ProblemCode.Locked, '', 'the database is locked: no further randomization')
    }
    const slot = this.slots.get(`${request.periodId}/${request.subjectId}`)
    if (!slot) return undefined
    if (slot.stratum !== request.stratum) {
      const message = `subject ${request.subjectId} is already allocated for ${request.periodId} in stratum ${slot.stratum}`
      return refuse('allocated_elsewhere', ProblemCode.Conflict, 'subjectId', message)
    }
    return ok({ slot, created: false })
  }

  private record(
    request: SlotRequest,
    sequence: number,
    arm: AllocatedSlot['arm'],
    block: number | null,
    blockSize: number | null,
  ): AllocatedSlot {
    const slot: AllocatedSlot = {
      periodId: request.periodId,
      stratum: request.stratum,
      subjectId: request.subjectId,
      sequence,
      arm,
      block,
      blockSize,
      allocatedAt: request.at,
    }
    this.slots.set(`${request.periodId}/${request.subjectId}`, slot)
    this.taken.set(`${request.periodId}/${request.stratum}`, sequence)
    return slot
  }

  /** Runs `task` after every earlier task has finished: the store's single lock. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task)
    this.tail = run.catch(() => undefined)
    return run
  }
}

function refuse(reason: SlotFailure, code: SlotProblem['code'], path: string, message: string): Result<never> {
  const problem: SlotProblem = { code, path, message, reason }
  return fail(problem)
}
