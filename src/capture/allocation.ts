import { z } from 'zod'
import type { Actor } from '../access/index.ts'
import { AuditKind, type AuditEntry } from '../audit/index.ts'
import {
  fail,
  ok,
  ProblemCode,
  type ArmId,
  type Instant,
  type IsoDate,
  type Result,
  type SiteId,
  type SubjectId,
  type UserId,
} from '../domain/index.ts'
import {
  assignPeriod,
  compileScheme,
  extendList,
  minimise,
  sealList,
  SlotFailure,
  subjectLevels,
  subjectStratum,
  takesSlot,
  unsealList,
  type AllocationScheme,
  type PeriodAssignment,
  type RandomizationList,
  type SealedList,
  type SlotProblem,
  type StratumKey,
  type SubjectAllocation,
} from '../randomization/index.ts'
import {
  DbSlotStore,
  findRandomizationListForUpdate,
  insertSubjectPeriod,
  listRandomizationLists,
  listSubjectPeriods,
  PeriodAssignmentPayload,
  randomizationCounters,
  updateRandomizationList,
  type Conn,
  type RandomizationListTable,
  type SubjectPeriodTable,
  type SubjectTable,
} from '../store/index.ts'
import type { Ctx, StudyState } from './context.ts'

const FactorValues = z.record(z.string(), z.union([z.string(), z.number()]))

/** The subject's recorded stratification inputs (`onset`, `deltaFS`, ...). */
export function subjectFactorValues(subject: SubjectTable): Readonly<Record<string, string | number>> {
  return subject.factors ? FactorValues.parse(JSON.parse(subject.factors)) : {}
}

export const periodContext = (row: Pick<SubjectPeriodTable, 'id'>): string => `subject_period:${row.id}`

/** Opens a subject's period entries (unblinded data: callers project before anything leaves the service). */
export function openPeriods(
  ctx: Ctx,
  rows: readonly SubjectPeriodTable[],
): { row: SubjectPeriodTable; assignment: PeriodAssignment }[] {
  return rows.map((row) => ({
    row,
    assignment: ctx.sealer.open(PeriodAssignmentPayload, row.sealed, periodContext(row)),
  }))
}

/** The randomization module's record of a subject's allocation history, from the database. */
export function allocationRecord(
  ctx: Ctx,
  subject: SubjectTable,
  rows: readonly SubjectPeriodTable[],
): SubjectAllocation {
  return {
    subjectId: subject.id as SubjectId,
    siteId: subject.site_id as SiteId,
    periods: openPeriods(ctx, rows).map(({ row, assignment }) => ({ at: row.entered_at as Instant, assignment })),
    emergencyUnblinding:
      subject.emergency_unblinded_at && subject.emergency_unblinded_by
        ? { at: subject.emergency_unblinded_at as Instant, by: subject.emergency_unblinded_by as UserId }
        : null,
  }
}

export async function loadAllocationRecord(ctx: Ctx, c: Conn, subject: SubjectTable): Promise<SubjectAllocation> {
  return allocationRecord(ctx, subject, await listSubjectPeriods(c, subject.id))
}

/** The arm a subject is on now (null before randomization). */
export function currentArm(record: SubjectAllocation): ArmId | null {
  return record.periods.at(-1)?.assignment.arm ?? null
}

/** The period's seed (drawn at go-live), for minimisation decisions. */
async function sealedSeed(ctx: Ctx, c: Conn, periodId: string): Promise<string> {
  const row = (await listRandomizationLists(c)).find((l) => l.period_id === periodId)
  if (!row) throw new Error(`no randomization seed for period ${periodId}`)
  return ctx.sealer.open(z.string(), row.seed_sealed, `randomization_seed:${periodId}`)
}

async function lists(ctx: Ctx, c: Conn): Promise<ReadonlyMap<string, RandomizationList>> {
  if (ctx.lists) return ctx.lists
  const opened = new Map<string, RandomizationList>()
  for (const row of await listRandomizationLists(c)) if (row.sealed_list) opened.set(row.period_id, openList(ctx, row))
  if (opened.size > 0) ctx.lists = opened
  return opened
}

export interface PeriodEntry {
  readonly assignment: PeriodAssignment
  readonly row: SubjectPeriodTable
  /** False when the subject had already entered the period (an idempotent repeat): nothing was written. */
  readonly created: boolean
  /** Audit records of what the entry did besides the assignment (a randomization list extended for it). */
  readonly entries: readonly AuditEntry[]
}

/**
 * Extends the stratum's list when the slot store reports it exhausted, inside the allocating transaction (the
 * stratum's counter row is locked). The list row is locked next and read afresh: when another writer has
 * extended it meanwhile, that list is used (and cached, being committed); otherwise the stratum is regenerated
 * from the sealed seed to `targetEnrolment` more slots (a longer list starts with the shorter one, so every slot
 * already allocated keeps its arm), sealed and stored with its new fingerprint, and audited. The extension is
 * not cached before it commits: the next allocation reads it back from the database.
 */
async function extendExhaustedList(
  ctx: Ctx,
  tx: Conn,
  scheme: AllocationScheme,
  stratum: string,
): Promise<Result<{ list: RandomizationList; entries: AuditEntry[] }>> {
  const periodId = scheme.periodId
  const row = await findRandomizationListForUpdate(tx, periodId)
  if (!row?.sealed_list) throw new Error(`no randomization list for ${periodId}`)
  const current = openList(ctx, row)
  const counter = (await randomizationCounters(tx)).find((c) => c.period_id === periodId && c.stratum === stratum)
  const have = current.slots.filter((slot) => slot.stratum === stratum).length
  if (have > (counter?.allocated ?? 0)) {
    ctx.lists = new Map([...(ctx.lists ?? []), [periodId, current]])
    return ok({ list: current, entries: [] })
  }
  const seed = ctx.sealer.open(z.string(), row.seed_sealed, `randomization_seed:${periodId}`)
  const extended = extendList(scheme, current, seed, stratum as StratumKey, have + ctx.protocol.study.targetEnrolment)
  if (!extended.ok) return extended
  const envelope = sealList(extended.value, ctx.sealKey, ctx.randomBytes(12))
  await updateRandomizationList(tx, row.id, {
    sealed_list: JSON.stringify(envelope),
    fingerprint: envelope.fingerprint,
  })
  const slots = extended.value.slots.filter((slot) => slot.stratum === stratum).length
  return ok({
    list: extended.value,
    entries: [
      {
        kind: AuditKind.RandomizationListExtended,
        entityType: 'randomization_list',
        entityId: row.id,
        changes: [
          { field: 'period', old: null, new: periodId },
          { field: 'stratum', old: null, new: stratum },
          { field: 'slots', old: have, new: slots },
          { field: 'fingerprint', old: row.fingerprint, new: envelope.fingerprint },
        ],
      },
    ],
  })
}

function openList(ctx: Ctx, row: RandomizationListTable): RandomizationList {
  const list = unsealList(JSON.parse(row.sealed_list) as SealedList, ctx.sealKey)
  if (!list.ok)
    throw new Error(`randomization list of ${row.period_id} cannot be opened: ${list.problems[0]?.message ?? ''}`)
  return list.value
}

const exhausted = (r: Result<unknown>): boolean =>
  !r.ok && r.problems.some((p) => (p as Partial<SlotProblem>).reason === SlotFailure.ListExhausted)

/**
 * Enters a subject into `periodId` inside the caller's transaction: takes a slot through the SlotStore when
 * the period allocates this subject (stratum from the protocol's factors), otherwise assigns what the
 * protocol gives the others (e.g. the matched placebo), and stores the assignment sealed.
 */
export async function enterPeriod(
  ctx: Ctx,
  tx: Conn,
  state: StudyState,
  actor: Actor,
  subject: SubjectTable,
  periodId: string,
  startDate: IsoDate,
  at: Instant,
): Promise<Result<PeriodEntry>> {
  const rows = await listSubjectPeriods(tx, subject.id)
  const existing = rows.find((r) => r.period_id === periodId)
  if (existing) {
    const assignment = ctx.sealer.open(PeriodAssignmentPayload, existing.sealed, periodContext(existing))
    return ok({ assignment, row: existing, created: false, entries: [] })
  }
  const entries: AuditEntry[] = []
  const record = allocationRecord(ctx, subject, rows)
  const arm = currentArm(record)
  const period = ctx.protocol.periods.find((p) => p.id === periodId)
  if (!period) return fail({ code: ProblemCode.NotFound, path: 'periodId', message: `unknown period "${periodId}"` })
  let slot
  if (takesSlot(period, arm)) {
    const scheme = compileScheme(ctx.version, period.id)
    if (!scheme.ok) return scheme
    const stratum = subjectStratum(ctx.protocol, scheme.value, {
      siteId: subject.site_id,
      values: subjectFactorValues(subject),
    })
    if (!stratum.ok) return stratum
    const slotStore = (opened: ReadonlyMap<string, RandomizationList>) =>
      new DbSlotStore(tx, { sealer: ctx.sealer, phase: state.phase, lists: opened })
    const slots = slotStore(await lists(ctx, tx))
    const request = { periodId: scheme.value.periodId, stratum: stratum.value, subjectId: subject.id as SubjectId, at }
    let grant
    if (scheme.value.allocation.method === 'minimisation') {
      const subjectValues = { siteId: subject.site_id, values: subjectFactorValues(subject) }
      const levels = subjectLevels(ctx.protocol, scheme.value.marginalFactors, subjectValues)
      if (!levels.ok) return levels
      const seed = await sealedSeed(ctx, tx, period.id)
      grant = await slots.takeMinimisedSlot({ ...request, levels: levels.value }, (s) =>
        minimise(scheme.value, seed, stratum.value, s, levels.value),
      )
    } else {
      grant = await slots.takeNextSlot(request)
      if (exhausted(grant)) {
        const grown = await extendExhaustedList(ctx, tx, scheme.value, stratum.value)
        if (!grown.ok) return grown
        entries.push(...grown.value.entries)
        const opened = new Map([...(await lists(ctx, tx)), [period.id, grown.value.list]])
        grant = await slotStore(opened).takeNextSlot(request)
      }
    }
    if (!grant.ok) return grant
    slot = grant.value.slot
  } else if (state.phase.status !== 'live') {
    return fail({ code: ProblemCode.StateInvalid, path: '', message: 'the study is not live' })
  }
  const assignment = assignPeriod(ctx.protocol, period.id, arm, slot)
  if (!assignment.ok) return assignment
  const row: SubjectPeriodTable = {
    id: ctx.newId(),
    subject_id: subject.id,
    period_id: period.id,
    start_date: startDate,
    entered_at: at,
    entered_by: actor.userId,
    sealed: '',
  }
  const sealedRow = { ...row, sealed: ctx.sealer.seal(assignment.value, periodContext(row)) }
  await insertSubjectPeriod(tx, sealedRow)
  return ok({ assignment: assignment.value, row: sealedRow, created: true, entries })
}
