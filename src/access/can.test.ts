import { describe, expect, it } from 'vitest'
import { ROLES, Role, UNBLINDED_ROLES, type SiteId, type UserId } from '../domain/index.ts'
import { Action, ACTIONS, authorize, can, seesAllocation, type Actor } from './index.ts'

const actor = (role: Role, sites: readonly string[] | 'all' = ['MAL']): Actor => ({
  userId: `u-${role}` as UserId,
  username: role,
  role,
  sites: sites === 'all' ? 'all' : (sites as SiteId[]),
})
const MAL = 'MAL' as SiteId
const COR = 'COR' as SiteId

describe('permission matrix', () => {
  it('only unblinded roles may view allocations', () => {
    for (const role of ROLES) {
      expect(can(actor(role, 'all'), Action.AllocationView), role).toBe(UNBLINDED_ROLES.has(role))
    }
  })

  it('whoever sees allocations never enters or verifies clinical outcomes', () => {
    for (const role of ROLES) {
      const a = actor(role, 'all')
      if (can(a, Action.AllocationView)) {
        expect([can(a, Action.FormEnter), can(a, Action.FormVerify), can(a, Action.FormSign)], role).toEqual([
          false,
          false,
          false,
        ])
      }
    }
  })

  it('only the investigator signs and breaks the blind for a patient', () => {
    const signers = ROLES.filter((r) => can(actor(r, 'all'), Action.FormSign))
    const breakers = ROLES.filter((r) => can(actor(r, 'all'), Action.UnblindEmergency))
    expect(signers).toEqual([Role.Investigator])
    expect(breakers).toEqual([Role.Investigator])
  })

  it('the administrator manages users but reads no clinical data', () => {
    const admin = actor(Role.Admin, 'all')
    expect(can(admin, Action.UserManage)).toBe(true)
    for (const a of [Action.SubjectView, Action.FormView, Action.AeView, Action.AllocationView])
      expect(can(admin, a)).toBe(false)
  })

  it('every action is granted to at least one role', () => {
    for (const a of ACTIONS)
      expect(
        ROLES.some((r) => can(actor(r, 'all'), a)),
        a,
      ).toBe(true)
  })
})

describe('site scope', () => {
  it('site staff act only on their own sites', () => {
    const coordinator = actor(Role.Coordinator, ['MAL'])
    expect(can(coordinator, Action.FormEnter, { siteId: MAL })).toBe(true)
    expect(can(coordinator, Action.FormEnter, { siteId: COR })).toBe(false)
  })

  it('another site’s object answers not_found, a missing permission forbidden', () => {
    const coordinator = actor(Role.Coordinator, ['MAL'])
    const other = authorize(coordinator, Action.SubjectView, { siteId: COR })
    expect(other.ok ? null : other.problems[0]?.code).toBe('not_found')
    const forbidden = authorize(coordinator, Action.DatabaseLock)
    expect(forbidden.ok ? null : forbidden.problems[0]?.code).toBe('forbidden')
  })

  it('study-wide roles cover every site', () => {
    expect(can(actor(Role.DataManager, 'all'), Action.QueryRaise, { siteId: COR })).toBe(true)
  })
})

describe('blinding', () => {
  it('allocation reaches only unblinded roles until end-of-study unblinding', () => {
    for (const role of ROLES) {
      expect(seesAllocation(actor(role), { status: 'blinded' })).toBe(UNBLINDED_ROLES.has(role))
      expect(seesAllocation(actor(role), { status: 'unblinded', at: '2030-01-01T00:00:00.000Z' })).toBe(true)
    }
  })
})
