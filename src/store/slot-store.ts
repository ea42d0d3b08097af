import {
  addToCounts,
  type AllocatedSlot,
  type ListSlot,
  type MinimisationDecider,
  type MinimisedSlotRequest,
  type RandomizationList,
  type SlotFailure,
  type SlotGrant,
  type SlotProblem,
  type SlotRequest,
  type SlotStore,
  type StudyPhase,
} from '../randomization/index.ts'
import { fail, ok, ProblemCode, type PeriodId, type Result, type SubjectId } from '../domain/index.ts'
import { AllocatedSlotPayload, MarginalCountsPayload } from './sealed-payloads.ts'
import type { Sealer } from './sealer.ts'
import { forUpdate, type Conn } from './store.ts'

export interface DbSlotStoreOptions {
  readonly sealer: Sealer
  /** The study's phase, read in the same transaction. */
  readonly phase: StudyPhase
  /** The unsealed list of each period that has one (opened once by the caller and cached). */
  readonly lists: ReadonlyMap<string, RandomizationList>
}

/**
 * The randomization module's `SlotStore` contract on the database, bound to the caller's open transaction so
 * that the slot, the subject's new state and the audit record commit together (the "commit" of the contract
 * is the caller's). Atomicity: SQLite's write lock (BEGIN IMMEDIATE) or, on PostgreSQL, `FOR UPDATE` on the
 * (period, stratum) counter row; the primary key (period, stratum, sequence) and the unique (period, subject
 * token) back it up. Slots hold the subject as a keyed token and the slot itself sealed.
 */
export class DbSlotStore implements SlotStore {
  constructor(
    private readonly tx: Conn,
    private readonly options: DbSlotStoreOptions,
  ) {}

  async takeNextSlot(request: SlotRequest): Promise<Result<SlotGrant>> {
    const list = this.options.lists.get(request.periodId)
    // The counter lock first, then the idempotency check: a repeat racing the first request sees its slot.
    const counter = await this.lockCounter(request)
    const pre = await this.precheck(request)
    if (pre) return pre
    if (!list || !counter) return noList(request)
    const sequence = counter.allocated + 1
    const row = stratumSlots(list, request.stratum)[sequence - 1]
    if (!row) {
      const message = `randomization list exhausted for ${request.periodId}, stratum ${request.stratum}: extend the list`
      return refuse('list_exhausted', ProblemCode.Conflict, 'stratum', message)
    }
    const slot = slotOf(request, sequence, row.arm, row.block, row.blockSize)
    await this.record(slot, null)
    return ok({ slot, created: true })
  }

  async takeMinimisedSlot(request: MinimisedSlotRequest, decide: MinimisationDecider): Promise<Result<SlotGrant>> {
    const counter = await this.lockCounter(request)
    const pre = await this.precheck(request)
    if (pre) return pre
    if (!counter) return noList(request)
    const context = counterContext(request.periodId, request.stratum)
    const counts = counter.sealed_state
      ? this.options.sealer.open(MarginalCountsPayload, counter.sealed_state, context)
      : {}
    const decision = decide({ allocated: counter.allocated, counts })
    if (!decision.ok) return decision
    if (decision.value.sequence !== counter.allocated + 1) {
      const message = `decision for sequence ${decision.value.sequence}, expected ${counter.allocated + 1}`
      return refuse('decision_rejected', ProblemCode.Conflict, 'sequence', message)
    }
    const slot = slotOf(request, decision.value.sequence, decision.value.arm, null, null)
    await this.record(slot, this.options.sealer.seal(addToCounts(counts, request.levels, slot.arm), context))
    return ok({ slot, created: true })
  }

  async findSlot(periodId: PeriodId, subjectId: SubjectId): Promise<AllocatedSlot | undefined> {
    const row = await this.tx.db
      .selectFrom('randomization_slot')
      .select(['stratum', 'sequence', 'sealed'])
      .where('period_id', '=', periodId)
      .where('subject_token', '=', this.token(periodId, subjectId))
      .executeTakeFirst()
    if (!row) return undefined
    return this.options.sealer.open(AllocatedSlotPayload, row.sealed, slotContext(periodId, row.stratum, row.sequence))
  }

  /** Refuses outside the live phase; returns the subject's existing slot (idempotent repeat) if any. */
  private async precheck(request: SlotRequest): Promise<Result<SlotGrant> | undefined> {
    const phase = this.options.phase
    if (phase.status === 'setup') {
      return refuse(
        'study_not_live',
        ProblemCode.StateInvalid,
        '',
        'the study is not live: randomization opens at go-live',
      )
    }
    if (phase.status !== 'live') {
      return refuse('study_locked', ProblemCode.Locked, '', 'the database is locked: no further randomization')
    }
    const slot = await this.findSlot(request.periodId, request.subjectId)
    if (!slot) return undefined
    if (slot.stratum !== request.stratum) {
      const message = `subject ${request.subjectId} is already allocated for ${request.periodId} in stratum ${slot.stratum}`
      return refuse('allocated_elsewhere', ProblemCode.Conflict, 'subjectId', message)
    }
    return ok({ slot, created: false })
  }

  private lockCounter(request: SlotRequest) {
    return forUpdate(
      this.tx,
      this.tx.db
        .selectFrom('randomization_counter')
        .select(['allocated', 'sealed_state'])
        .where('period_id', '=', request.periodId)
        .where('stratum', '=', request.stratum),
    ).executeTakeFirst()
  }

  private async record(slot: AllocatedSlot, sealedState: string | null): Promise<void> {
    await this.tx.db
      .insertInto('randomization_slot')
      .values({
        period_id: slot.periodId,
        stratum: slot.stratum,
        sequence: slot.sequence,
        subject_token: this.token(slot.periodId, slot.subjectId),
        sealed: this.options.sealer.seal(slot, slotContext(slot.periodId, slot.stratum, slot.sequence)),
      })
      .execute()
    await this.tx.db
      .updateTable('randomization_counter')
      .set(
        sealedState === null ? { allocated: slot.sequence } : { allocated: slot.sequence, sealed_state: sealedState },
      )
      .where('period_id', '=', slot.periodId)
      .where('stratum', '=', slot.stratum)
      .execute()
  }

  /** Keyed by period too, so a subject's tokens in two periods cannot be linked. */
  private token(periodId: string, subjectId: string): string {
    return this.options.sealer.token(`slot|${periodId}|${subjectId}`)
  }
}

const slotContext = (periodId: string, stratum: string, sequence: number): string =>
  `randomization_slot:${periodId}:${stratum}:${sequence}`
const counterContext = (periodId: string, stratum: string): string => `randomization_counter:${periodId}:${stratum}`

function slotOf(
  request: SlotRequest,
  sequence: number,
  arm: AllocatedSlot['arm'],
  block: number | null,
  blockSize: number | null,
): AllocatedSlot {
  return {
    periodId: request.periodId,
    stratum: request.stratum,
    subjectId: request.subjectId,
    sequence,
    arm,
    block,
    blockSize,
    allocatedAt: request.at,
  }
}

const byStratum = new WeakMap<RandomizationList, Map<string, ListSlot[]>>()

/** The list's rows of one stratum in sequence order (indexed once per list). */
function stratumSlots(list: RandomizationList, stratum: string): readonly ListSlot[] {
  let index = byStratum.get(list)
  if (!index) {
    index = new Map()
    for (const slot of list.slots) {
      const slots = index.get(slot.stratum) ?? []
      slots.push(slot)
      index.set(slot.stratum, slots)
    }
    for (const slots of index.values()) slots.sort((a, b) => a.sequence - b.sequence)
    byStratum.set(list, index)
  }
  return index.get(stratum) ?? []
}

function noList(request: SlotRequest): Result<never> {
  const message = `no randomization list for ${request.periodId}, stratum ${request.stratum}`
  return refuse('no_list', ProblemCode.NotFound, 'stratum', message)
}

function refuse(reason: SlotFailure, code: SlotProblem['code'], path: string, message: string): Result<never> {
  const problem: SlotProblem = { code, path, message, reason }
  return fail(problem)
}
