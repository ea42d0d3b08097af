import { describe, expect, it } from 'vitest'
import {
  Role,
  ROLES,
  type ArmId,
  type Instant,
  type PeriodId,
  type SiteId,
  type SubjectId,
  type UserId,
} from '../domain/index.ts'
import { subjectAllocationView, type SubjectAllocation } from './blinded-view.ts'
import type { StratumKey } from './strata.ts'
import type { StudyPhase } from './study-phase.ts'
import { referenceProtocol } from './test-protocols.ts'
import {
  EMERGENCY_NOTIFY,
  flagEmergencyUnblinding,
  requestEmergencyUnblinding,
  requestEndOfStudyUnblinding,
  type UnblindingActor,
} from './unblinding.ts'

const { protocol } = referenceProtocol()
const AT = '2026-05-04T22:10:00.000Z' as Instant
const LOCKED = '2027-11-30T12:00:00.000Z' as Instant
const LIVE: StudyPhase = { status: 'live' }
const MAL_SITES: readonly SiteId[] = ['MAL' as SiteId]
const COR_SITES: readonly SiteId[] = ['COR' as SiteId]

function randomized(subjectId: string, arm: string, siteId = 'MAL'): SubjectAllocation {
  const slot = {
    periodId: 'double-blind' as PeriodId,
    stratum: `site=${siteId}` as StratumKey,
    subjectId: subjectId as SubjectId,
    sequence: 3,
    arm: arm as ArmId,
    block: 1,
    blockSize: 4,
    allocatedAt: AT,
  }
  return {
    subjectId: subjectId as SubjectId,
    siteId: siteId as SiteId,
    periods: [
      {
        at: AT,
        assignment: {
          kind: 'allocated',
          periodId: slot.periodId,
          previousArm: null,
          arm: slot.arm,
          receives: slot.arm,
          slot,
        },
      },
    ],
    emergencyUnblinding: null,
  }
}

const investigator: UnblindingActor = {
  userId: 'u-inv-mal' as UserId,
  role: Role.Investigator,
  sites: MAL_SITES,
}
const REASON = 'Anaphylaxis during infusion; treating physician needs the product content'

describe('emergency unblinding', () => {
  it('reveals the one patient to the requesting investigator, audits and notifies without the arm, flags the patient', () => {
    const record = randomized('MAL-003', 'D2')
    const r = requestEmergencyUnblinding(protocol, {
      actor: investigator,
      record,
      reason: `  ${REASON} `,
      at: AT,
      phase: LIVE,
    })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.disclosure.subjectId).toBe('MAL-003')
    expect(r.value.disclosure.periods[0]?.armLabel).toBe('AdMSC 2×10^6 cells/kg')
    expect(r.value.audit).toEqual({
      kind: 'unblinding.emergency',
      subjectId: 'MAL-003',
      siteId: 'MAL',
      actorId: 'u-inv-mal',
      role: 'investigator',
      reason: REASON,
      at: AT,
    })
    expect(r.value.notification.recipients).toEqual(EMERGENCY_NOTIFY)
    expect(EMERGENCY_NOTIFY).toEqual(['sponsor', 'independent-statistician'])
    const public_ = JSON.stringify([r.value.audit, r.value.notification])
    for (const arm of protocol.arms) expect(public_).not.toContain(arm.label)
    expect(public_).not.toMatch(/"arm"/)
    const flagged = flagEmergencyUnblinding(record, r.value)
    expect(flagged.emergencyUnblinding).toEqual({ at: AT, by: 'u-inv-mal' })
    // The flag is visible to blinded roles; the arm is not.
    const assessor = subjectAllocationView(protocol, flagged, Role.BlindedAssessor, LIVE)
    expect(assessor).toMatchObject({ blinded: true, emergencyUnblinded: true })
    expect(JSON.stringify(assessor)).not.toMatch(/"arm"|AdMSC 2×10\^6/)
  })

  it('gives the same public event for patients on different arms', () => {
    const event = (arm: string) => {
      const r = requestEmergencyUnblinding(protocol, {
        actor: investigator,
        record: randomized('MAL-003', arm),
        reason: REASON,
        at: AT,
        phase: LIVE,
      })
      return r.ok ? [r.value.audit, r.value.notification, r.value.flag] : r.problems
    }
    expect(event('P')).toEqual(event('D3'))
  })

  it('requires a reason, the investigator role, the patient own site, a randomized patient and a blinded study', () => {
    const record = randomized('MAL-003', 'P')
    const code = (input: Partial<Parameters<typeof requestEmergencyUnblinding>[1]>) => {
      const r = requestEmergencyUnblinding(protocol, {
        actor: investigator,
        record,
        reason: REASON,
        at: AT,
        phase: LIVE,
        ...input,
      })
      return r.ok ? 'ok' : r.problems[0]?.code
    }
    expect(code({ reason: '' })).toBe('reason_required')
    expect(code({ reason: 'urgent' })).toBe('reason_required')
    for (const role of ROLES.filter((r) => r !== Role.Investigator))
      expect(code({ actor: { ...investigator, role } })).toBe('forbidden')
    expect(code({ actor: { ...investigator, sites: COR_SITES } })).toBe('not_found')
    expect(code({ record: { ...record, periods: [] } })).toBe('state_invalid')
    expect(code({ phase: { status: 'unblinded', lockedAt: LOCKED, unblindedAt: LOCKED } })).toBe('state_invalid')
    expect(code({ phase: { status: 'locked', lockedAt: LOCKED } })).toBe('ok')
  })
})

describe('end-of-study unblinding', () => {
  const statistician: UnblindingActor = { userId: 'u-stat' as UserId, role: Role.Statistician, sites: 'all' }

  it('happens only after database lock, by the independent statistician', () => {
    const live = requestEndOfStudyUnblinding(protocol, { actor: statistician, phase: LIVE, at: AT })
    expect(live.ok || live.problems[0]).toMatchObject({
      code: 'state_invalid',
      message: 'the database must be locked before end-of-study unblinding',
    })
    const sponsor = requestEndOfStudyUnblinding(protocol, {
      actor: { ...statistician, role: Role.Sponsor },
      phase: { status: 'locked', lockedAt: LOCKED },
      at: AT,
    })
    expect(sponsor.ok || sponsor.problems[0]?.code).toBe('forbidden')
    const done = requestEndOfStudyUnblinding(protocol, {
      actor: statistician,
      phase: { status: 'locked', lockedAt: LOCKED },
      at: LOCKED,
    })
    expect(done.ok && done.value.phase).toEqual({ status: 'unblinded', lockedAt: LOCKED, unblindedAt: LOCKED })
    expect(done.ok && done.value.notification.recipients).toEqual(ROLES)
    if (!done.ok) return
    const again = requestEndOfStudyUnblinding(protocol, { actor: statistician, phase: done.value.phase, at: LOCKED })
    expect(again.ok || again.problems[0]?.code).toBe('conflict')
  })

  it('opens the allocation to every role afterwards, and to no blinded role before', () => {
    const record = randomized('COR-001', 'D1', 'COR')
    const unblinded: StudyPhase = { status: 'unblinded', lockedAt: LOCKED, unblindedAt: LOCKED }
    for (const role of ROLES) {
      expect(subjectAllocationView(protocol, record, role, unblinded).blinded).toBe(false)
      const before = subjectAllocationView(protocol, record, role, { status: 'locked', lockedAt: LOCKED })
      expect(before.blinded).toBe(role !== Role.UnblindedPharmacist && role !== Role.Statistician)
    }
  })
})
