/**
 * Unblinding rules, as pure functions returning the event data the store audits.
 *
 * Emergency unblinding (ICH E6(R2) 4.7: the code is broken only as the protocol allows, and the investigator
 * documents and explains any premature unblinding to the sponsor): the investigator responsible for the
 * patient may break the blind for that one patient when knowing the treatment changes clinical management.
 * A reason is required; the event is audited and the sponsor and independent statistician are notified; the
 * patient is flagged. The arm goes to the requesting investigator only (`disclosure`): the audit entry and
 * the notification carry no arm, since the audit trail and the sponsor stay blinded. Other patients are never
 * revealed.
 *
 * End-of-study unblinding: only after database lock, by the independent statistician (the role access
 * grants `unblind.study`); afterwards every role sees allocations.
 */
import {
  fail,
  ok,
  ProblemCode,
  Role,
  ROLES,
  type Instant,
  type ProtocolFile,
  type Result,
  type SiteId,
  type SubjectId,
  type UserId,
} from '../domain/index.ts'
import { unblindSubjectAllocation, type SubjectAllocation, type UnblindedSubjectAllocation } from './blinded-view.ts'
import type { StudyPhase } from './study-phase.ts'

/** A reason shorter than this is refused: "emergency" alone does not tell the auditor why. */
export const MIN_REASON_LENGTH = 10

/** Who is asking; structurally the same as access's `Actor`. */
export interface UnblindingActor {
  readonly userId: UserId
  readonly role: Role
  readonly sites: readonly SiteId[] | 'all'
}

export interface UnblindingNotification {
  readonly recipients: readonly Role[]
  readonly subject: string
  /** Never contains an arm. */
  readonly body: string
}

export interface EmergencyUnblinding {
  /** For the audit trail: who, when, which patient, why; no arm. */
  readonly audit: {
    readonly kind: 'unblinding.emergency'
    readonly subjectId: SubjectId
    readonly siteId: SiteId
    readonly actorId: UserId
    readonly role: Role
    readonly reason: string
    readonly at: Instant
  }
  /** To store on the subject's record. */
  readonly flag: NonNullable<SubjectAllocation['emergencyUnblinding']>
  /** Shown once to the requesting investigator: this patient's allocation only. */
  readonly disclosure: UnblindedSubjectAllocation
  readonly notification: UnblindingNotification
}

/** Roles notified of an emergency unblinding. */
export const EMERGENCY_NOTIFY: readonly Role[] = [Role.Sponsor, Role.Statistician]

/** Checks an emergency unblinding request for one patient and returns the event to audit. */
export function requestEmergencyUnblinding(
  protocol: ProtocolFile,
  input: {
    readonly actor: UnblindingActor
    readonly record: SubjectAllocation
    readonly reason: string
    readonly at: Instant
    readonly phase: StudyPhase
  },
): Result<EmergencyUnblinding> {
  const { actor, record, at, phase } = input
  if (actor.role !== Role.Investigator) {
    return fail({
      code: ProblemCode.Forbidden,
      path: '',
      message: 'only the investigator responsible for the patient may break the blind in an emergency',
    })
  }
  // Another site's patient answers not_found, as access does, so it cannot even be confirmed to exist.
  if (actor.sites !== 'all' && !actor.sites.includes(record.siteId)) {
    return fail({ code: ProblemCode.NotFound, path: 'subjectId', message: 'not found' })
  }
  if (phase.status === 'unblinded') {
    return fail({ code: ProblemCode.StateInvalid, path: '', message: 'the study is already unblinded' })
  }
  if (record.periods.length === 0) {
    return fail({
      code: ProblemCode.StateInvalid,
      path: 'subjectId',
      message: `subject ${record.subjectId} is not randomized: there is nothing to unblind`,
    })
  }
  const reason = input.reason.trim()
  if (reason.length < MIN_REASON_LENGTH) {
    return fail({
      code: ProblemCode.ReasonRequired,
      path: 'reason',
      message: `give the clinical reason for unblinding (at least ${MIN_REASON_LENGTH} characters)`,
    })
  }
  const flag = { at, by: actor.userId }
  return ok({
    audit: {
      kind: 'unblinding.emergency',
      subjectId: record.subjectId,
      siteId: record.siteId,
      actorId: actor.userId,
      role: actor.role,
      reason,
      at,
    },
    flag,
    disclosure: unblindSubjectAllocation(protocol, { ...record, emergencyUnblinding: flag }),
    notification: {
      recipients: EMERGENCY_NOTIFY,
      subject: `${protocol.study.id}: emergency unblinding of subject ${record.subjectId}`,
      body:
        `The investigator (${actor.userId}) broke the blind for subject ${record.subjectId} at site ${record.siteId} on ${at}. ` +
        `Reason: ${reason}. The treatment is recorded in the unblinded allocation record.`,
    },
  })
}

/** Returns the record flagged by an emergency unblinding. */
export function flagEmergencyUnblinding(record: SubjectAllocation, event: EmergencyUnblinding): SubjectAllocation {
  return { ...record, emergencyUnblinding: event.flag }
}

export interface EndOfStudyUnblinding {
  readonly audit: {
    readonly kind: 'unblinding.end-of-study'
    readonly actorId: UserId
    readonly role: Role
    readonly lockedAt: Instant
    readonly at: Instant
  }
  /** The study's phase from now on. */
  readonly phase: StudyPhase
  readonly notification: UnblindingNotification
}

/** Checks an end-of-study unblinding: the independent statistician, after database lock only. */
export function requestEndOfStudyUnblinding(
  protocol: ProtocolFile,
  input: { readonly actor: UnblindingActor; readonly phase: StudyPhase; readonly at: Instant },
): Result<EndOfStudyUnblinding> {
  const { actor, phase, at } = input
  if (actor.role !== Role.Statistician) {
    return fail({
      code: ProblemCode.Forbidden,
      path: '',
      message: 'only the independent statistician may unblind the study',
    })
  }
  if (phase.status === 'unblinded')
    return fail({ code: ProblemCode.Conflict, path: '', message: 'the study is already unblinded' })
  if (phase.status !== 'locked') {
    return fail({
      code: ProblemCode.StateInvalid,
      path: '',
      message: 'the database must be locked before end-of-study unblinding',
    })
  }
  return ok({
    audit: { kind: 'unblinding.end-of-study', actorId: actor.userId, role: actor.role, lockedAt: phase.lockedAt, at },
    phase: { status: 'unblinded', lockedAt: phase.lockedAt, unblindedAt: at },
    notification: {
      recipients: ROLES,
      subject: `${protocol.study.id}: study unblinded`,
      body: `The database was locked on ${phase.lockedAt}; the study was unblinded on ${at}. Allocations are now visible to every role.`,
    },
  })
}
