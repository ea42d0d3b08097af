/**
 * A subject's allocation history and the two ways to look at it. Blinded roles get `BlindedSubjectAllocation`,
 * a type with no arm, slot, stratum of a re-allocation or anything else that differs by arm; the unblinded
 * roles (unblinded pharmacist, independent statistician) and, after end-of-study unblinding, everyone get
 * `UnblindedSubjectAllocation`. The rule is the domain's (`isUnblindedRole`), the same as access's
 * `seesAllocation`.
 */
import {
  type Instant,
  type PeriodId,
  type ProtocolFile,
  type Role,
  type SiteId,
  type SubjectId,
  type UserId,
} from '../domain/index.ts'
import { blindedPeriodStep, type BlindedPeriodStep, type PeriodAssignment } from './period-assignment.ts'
import { preparationCode } from './preparation.ts'
import { roleSeesAllocation, type StudyPhase } from './study-phase.ts'

/** The stored record: unblinded, read only through the projections below. */
export interface SubjectAllocation {
  readonly subjectId: SubjectId
  readonly siteId: SiteId
  /** One entry per period the subject has entered, in order. */
  readonly periods: readonly { readonly at: Instant; readonly assignment: PeriodAssignment }[]
  /** Set by an emergency unblinding: the patient is flagged, the arm stays hidden from blinded roles. */
  readonly emergencyUnblinding: { readonly at: Instant; readonly by: UserId } | null
}

export interface BlindedPeriodView extends BlindedPeriodStep {
  readonly at: Instant
  /** The preparation code when the period gives a dose (same rule for every arm). */
  readonly preparationCode: string | null
}

export interface BlindedSubjectAllocation {
  readonly blinded: true
  readonly subjectId: SubjectId
  readonly siteId: SiteId
  readonly periods: readonly BlindedPeriodView[]
  readonly emergencyUnblinded: boolean
}

export interface UnblindedPeriodView extends BlindedPeriodView {
  readonly assignment: PeriodAssignment
  readonly armLabel: string
  /** Label of what the subject receives in the period, e.g. `Placebo` at the crossover for an active patient. */
  readonly receivesLabel: string | null
}

export interface UnblindedSubjectAllocation {
  readonly blinded: false
  readonly subjectId: SubjectId
  readonly siteId: SiteId
  readonly periods: readonly UnblindedPeriodView[]
  readonly emergencyUnblinding: SubjectAllocation['emergencyUnblinding']
}

/** The view a role gets of a subject's allocation: blinded by default. */
export function subjectAllocationView(
  protocol: ProtocolFile,
  record: SubjectAllocation,
  role: Role,
  phase: StudyPhase,
): BlindedSubjectAllocation | UnblindedSubjectAllocation {
  return roleSeesAllocation(role, phase)
    ? unblindSubjectAllocation(protocol, record)
    : blindSubjectAllocation(protocol, record)
}

/** The blinded projection: built from the period, the time, the subject and site, never from the assignment's arms. */
export function blindSubjectAllocation(protocol: ProtocolFile, record: SubjectAllocation): BlindedSubjectAllocation {
  return {
    blinded: true,
    subjectId: record.subjectId,
    siteId: record.siteId,
    periods: record.periods.map(({ at, assignment }) =>
      blindedPeriodView(protocol, record.subjectId, assignment.periodId, at),
    ),
    emergencyUnblinded: record.emergencyUnblinding !== null,
  }
}

/** The unblinded view: the blinded fields plus the real assignment and its labels. */
export function unblindSubjectAllocation(
  protocol: ProtocolFile,
  record: SubjectAllocation,
): UnblindedSubjectAllocation {
  const armLabel = (id: string | null): string | null =>
    id === null ? null : (protocol.arms.find((a) => a.id === id)?.label ?? id)
  return {
    blinded: false,
    subjectId: record.subjectId,
    siteId: record.siteId,
    periods: record.periods.map(({ at, assignment }) => ({
      ...blindedPeriodView(protocol, record.subjectId, assignment.periodId, at),
      assignment,
      armLabel: armLabel(assignment.arm) ?? assignment.arm,
      receivesLabel: armLabel(assignment.receives),
    })),
    emergencyUnblinding: record.emergencyUnblinding,
  }
}

function blindedPeriodView(
  protocol: ProtocolFile,
  subjectId: SubjectId,
  periodId: PeriodId,
  at: Instant,
): BlindedPeriodView {
  const step = blindedPeriodStep(protocol, periodId)
  return { ...step, at, preparationCode: step.dosing ? preparationCode(protocol.study.id, subjectId, periodId) : null }
}
