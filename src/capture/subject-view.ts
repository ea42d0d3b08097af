import { z } from 'zod'
import type { Actor } from '../access/index.ts'
import type { IsoDate, SiteId, SubjectId } from '../domain/index.ts'
import {
  subjectAllocationView,
  type BlindedSubjectAllocation,
  type StudyPhase,
  type UnblindedSubjectAllocation,
} from '../randomization/index.ts'
import type { ClinicalEventTable, SubjectPeriodTable, SubjectTable } from '../store/index.ts'
import { allocationRecord, subjectFactorValues } from './allocation.ts'
import type { Ctx } from './context.ts'

export const SubjectStatus = {
  Screening: 'screening',
  ScreenFailed: 'screen-failed',
  Enrolled: 'enrolled',
  Randomized: 'randomized',
  Withdrawn: 'withdrawn',
  Completed: 'completed',
  Died: 'died',
} as const
export type SubjectStatus = (typeof SubjectStatus)[keyof typeof SubjectStatus]

export const EligibilityRecord = z.object({
  answers: z.record(z.string(), z.boolean()),
  eligible: z.boolean(),
  /** Criteria that made the subject ineligible (inclusion not met, exclusion present). */
  failed: z.array(z.string()),
})
export type EligibilityRecord = z.infer<typeof EligibilityRecord>

/**
 * A subject as every reader may see it. `allocation` is the randomization module's projection: blinded (no
 * arm, no re-allocation detail; the same for every subject of a period) unless the reader sees allocations.
 */
export interface SubjectView {
  readonly id: SubjectId
  readonly siteId: SiteId
  readonly screeningNumber: string
  readonly status: SubjectStatus
  readonly protocolVersionId: string
  readonly screeningDate: IsoDate
  readonly consent: { readonly date: IsoDate; readonly version: string } | null
  readonly eligibility: EligibilityRecord | null
  readonly enrolmentDate: IsoDate | null
  /** Stratification inputs recorded at enrolment. */
  readonly factors: Readonly<Record<string, string | number>>
  /** The first period's stratum (made of factor levels, never of an arm). */
  readonly stratum: string | null
  readonly randomizationDate: IsoDate | null
  readonly currentPeriod: string | null
  readonly periodStarts: Readonly<Record<string, IsoDate>>
  readonly allocation: BlindedSubjectAllocation | UnblindedSubjectAllocation | null
  readonly end: { readonly date: IsoDate; readonly reason: string } | null
  readonly deathDate: IsoDate | null
  readonly events: readonly { readonly kind: string; readonly date: IsoDate }[]
  readonly emergencyUnblinded: boolean
  readonly signed: { readonly at: string; readonly by: string } | null
  readonly locked: { readonly at: string; readonly by: string } | null
}

/** Projects a subject for `actor` in the study's current phase. */
export function subjectView(
  ctx: Ctx,
  actor: Actor,
  phase: StudyPhase,
  s: SubjectTable,
  periods: readonly SubjectPeriodTable[],
  events: readonly ClinicalEventTable[],
): SubjectView {
  const record = allocationRecord(ctx, s, periods)
  return {
    id: s.id as SubjectId,
    siteId: s.site_id as SiteId,
    screeningNumber: s.screening_number,
    status: s.status as SubjectStatus,
    protocolVersionId: s.protocol_version_id,
    screeningDate: s.screening_date as IsoDate,
    consent:
      s.consent_date && s.consent_version ? { date: s.consent_date as IsoDate, version: s.consent_version } : null,
    eligibility: s.eligibility ? EligibilityRecord.parse(JSON.parse(s.eligibility)) : null,
    enrolmentDate: s.enrolment_date as IsoDate | null,
    factors: subjectFactorValues(s),
    stratum: s.stratum,
    randomizationDate: s.randomization_date as IsoDate | null,
    currentPeriod: s.current_period,
    periodStarts: Object.fromEntries(periods.map((p) => [p.period_id, p.start_date as IsoDate])),
    allocation: record.periods.length > 0 ? subjectAllocationView(ctx.protocol, record, actor.role, phase) : null,
    end: s.end_date && s.end_reason ? { date: s.end_date as IsoDate, reason: s.end_reason } : null,
    deathDate: s.death_date as IsoDate | null,
    events: events.filter((e) => e.subject_id === s.id).map((e) => ({ kind: e.kind, date: e.event_date as IsoDate })),
    emergencyUnblinded: s.emergency_unblinded_at !== null,
    signed: s.signed_at && s.signed_by ? { at: s.signed_at, by: s.signed_by } : null,
    locked: s.locked_at && s.locked_by ? { at: s.locked_at, by: s.locked_by } : null,
  }
}
