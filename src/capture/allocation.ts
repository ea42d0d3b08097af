import { z } from 'zod'
import type { Actor } from '../access/index.ts'
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
  minimise,
  subjectLevels,
  subjectStratum,
  takesSlot,
  unsealList,
  type PeriodAssignment,
  type RandomizationList,
  type SealedList,
  type SubjectAllocation,
} from '../randomization/index.ts'
import {
  DbSlotStore,
  insertSubjectPeriod,
  listRandomizationLists,
  listSubjectPeriods,
  PeriodAssignmentPayload,
  type Conn,
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
  for (const row of await listRandomizationLists(c)) {
    if (!row.sealed_list) continue
    const list = unsealList(JSON.parse(row.sealed_list) as SealedList, ctx.sealKey)
    if (!list.ok)
      throw new Error(`randomization list of ${row.period_id} cannot be opened: ${list.problems[0]?.message ?? ''}`)
    opened.set(row.period_id, list.value)
  }
  if (opened.size > 0) ctx.lists = opened
  return opened
}

export interface PeriodEntry {
  readonly assignment: PeriodAssignment
  readonly row: SubjectPeriodTable
  /** False when the subject had already entered the period (an idempotent repeat): nothing was written. */
  readonly created: boolean
}

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
    return ok({ assignment, row: existing, created: false })
  }
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
    const slots = new DbSlotStore(tx, { sealer: ctx.sealer, phase: state.phase, lists: await lists(ctx, tx) })
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
  return ok({ assignment: assignment.value, row: sealedRow, created: true })
}
