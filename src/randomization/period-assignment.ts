/**
 * Multi-stage allocation. Each period says who enters it and whether (and whom) it allocates. In the
 * reference trial the crossover period re-randomizes only placebo patients (`allocateFrom: [P]`); to keep the
 * blind, every continuing subject goes through the same visible allocation step and those not re-allocated
 * receive the matched preparation of `othersReceive` (placebo). The unblinded assignment says what really
 * happens; the blinded projection is the same for every subject of the period, whatever the arm.
 */
import {
  fail,
  ok,
  ProblemCode,
  type ArmId,
  type Period,
  type PeriodId,
  type ProtocolFile,
  type Result,
} from '../domain/index.ts'
import { commonBlindedLabel } from './scheme.ts'
import type { AllocatedSlot } from './slot-contract.ts'

/** What happens to a subject in a period. Unblinded: for the allocation service and unblinded roles only. */
export type PeriodAssignment =
  | {
      readonly kind: 'allocated'
      readonly periodId: PeriodId
      /** The arm before this period (null at the first randomization). */
      readonly previousArm: ArmId | null
      /** The arm from this period on. */
      readonly arm: ArmId
      /** The preparation given at the start of the period (null when the period has no dose). */
      readonly receives: ArmId | null
      readonly slot: AllocatedSlot
    }
  | {
      readonly kind: 'continues'
      readonly periodId: PeriodId
      readonly arm: ArmId
      /** E.g. the matched placebo preparation at the crossover for subjects not re-allocated. */
      readonly receives: ArmId | null
    }

/** Whether a subject on `currentArm` (null: not yet randomized) takes a slot of the period's list. */
export function takesSlot(period: Period, currentArm: ArmId | null): boolean {
  if (!period.allocation) return false
  return currentArm === null || period.allocateFrom === undefined || period.allocateFrom.includes(currentArm)
}

/**
 * The subject's assignment for `periodId`. `slot` is the slot the store granted when `takesSlot` is true, and
 * must be absent otherwise (a slot taken by a continuing subject would consume a re-randomization place).
 */
export function assignPeriod(
  protocol: ProtocolFile,
  periodId: string,
  currentArm: ArmId | null,
  slot?: AllocatedSlot,
): Result<PeriodAssignment> {
  const period = protocol.periods.find((p) => p.id === periodId)
  if (!period) return fail({ code: ProblemCode.NotFound, path: 'periodId', message: `unknown period "${periodId}"` })
  const id = period.id as PeriodId
  if (takesSlot(period, currentArm)) {
    if (!slot)
      return fail({
        code: ProblemCode.StateInvalid,
        path: 'slot',
        message: `period "${period.id}" allocates this subject: take a slot first`,
      })
    if (slot.periodId !== id)
      return fail({ code: ProblemCode.Invalid, path: 'slot', message: `slot belongs to period "${slot.periodId}"` })
    return ok({
      kind: 'allocated',
      periodId: id,
      previousArm: currentArm,
      arm: slot.arm,
      receives: period.dosing ? slot.arm : null,
      slot,
    })
  }
  if (slot)
    return fail({
      code: ProblemCode.StateInvalid,
      path: 'slot',
      message: `period "${period.id}" does not allocate this subject`,
    })
  if (currentArm === null) {
    return fail({
      code: ProblemCode.StateInvalid,
      path: 'currentArm',
      message: `the subject must be randomized before period "${period.id}"`,
    })
  }
  const receives = period.dosing ? ((period.allocation ? period.othersReceive : undefined) ?? currentArm) : null
  return ok({ kind: 'continues', periodId: id, arm: currentArm, receives: receives as ArmId | null })
}

/** What every blinded role sees of a subject's period: the same for every subject of the period. */
export interface BlindedPeriodStep {
  readonly periodId: PeriodId
  readonly label: string
  /** `allocation`: the period has an allocation step, which every entering subject goes through. */
  readonly step: 'allocation' | 'entry'
  readonly dosing: boolean
  /** The common blinded treatment label when the period gives a dose. */
  readonly treatmentLabel: string | null
  readonly message: string
}

/** Projects an assignment to its blinded step. Reads only the period, never the arm or the slot. */
export function blindPeriodAssignment(
  protocol: ProtocolFile,
  assignment: Pick<PeriodAssignment, 'periodId'>,
): BlindedPeriodStep {
  return blindedPeriodStep(protocol, assignment.periodId)
}

/** The blinded step of a period, built from the protocol alone. */
export function blindedPeriodStep(protocol: ProtocolFile, periodId: PeriodId): BlindedPeriodStep {
  const period = protocol.periods.find((p) => p.id === periodId)
  if (!period) throw new Error(`assignment for unknown period ${periodId}`)
  const label = commonBlindedLabel(protocol.arms)
  const treatmentLabel = period.dosing ? (label.ok ? label.value : 'Study treatment') : null
  const step = period.allocation ? 'allocation' : 'entry'
  const done = step === 'allocation' ? 'allocation step completed' : 'period entered'
  const message = period.dosing
    ? `${period.label}: ${done}. Prepare the study infusion under the subject's preparation code.`
    : `${period.label}: ${done}.`
  return { periodId, label: period.label, step, dosing: period.dosing, treatmentLabel, message }
}
