import { createHash } from 'node:crypto'
import { expect, it } from 'vitest'
import {
  check,
  createStudyFixture,
  describeEachDialect,
  TEST_PASSWORD,
  type StudyFixture,
} from '../../test/support/index.ts'

const hashId = (id: string) => createHash('sha256').update(id).digest('hex')

describeEachDialect('users, logins and sessions', ({ store }) => {
  let fx: StudyFixture

  it('creates users with a role and sites, refuses duplicates and unknown sites; only admins manage users', async () => {
    fx = await createStudyFixture(store(), { live: false })
    const { admin } = fx.actors
    const user = check(
      await fx.services.users.create(admin, {
        username: 'ana.monitor',
        displayName: 'Ana',
        role: 'monitor',
        sites: ['MAL', 'COR'],
        password: 'a long enough password',
      }),
    )
    expect(user).toMatchObject({ username: 'ana.monitor', role: 'monitor', sites: ['MAL', 'COR'], active: true })
    const again = await fx.services.users.create(admin, {
      username: 'ana.monitor',
      displayName: 'Ana',
      role: 'monitor',
      sites: ['MAL'],
      password: 'a long enough password',
    })
    expect(again.ok ? null : again.problems[0]).toMatchObject({ code: 'conflict', path: 'username' })
    const site = await fx.services.users.create(admin, {
      username: 'bob',
      displayName: 'Bob',
      role: 'monitor',
      sites: ['XXX'],
      password: 'a long enough password',
    })
    expect(site.ok ? null : site.problems[0]).toMatchObject({ code: 'invalid', path: 'sites[0]' })
    const short = await fx.services.users.create(admin, {
      username: 'bob',
      displayName: 'Bob',
      role: 'monitor',
      sites: ['MAL'],
      password: 'short',
    })
    expect(short.ok ? null : short.problems[0]?.path).toBe('password')
    const notAdmin = await fx.services.users.create(fx.actors.investigator, {
      username: 'eve',
      displayName: 'Eve',
      role: 'admin',
      sites: 'all',
      password: 'a long enough password',
    })
    expect(notAdmin.ok ? null : notAdmin.problems[0]?.code).toBe('forbidden')
    const trail = check(await fx.services.reads.auditTrail(admin, { entityId: user.id }))
    expect(trail.items[0]).toMatchObject({ kind: 'user.created' })
    expect(JSON.stringify(trail.items)).not.toMatch(/password|argon2/)
  })

  it('audits failed logins without telling which part was wrong; sessions are stored hashed and audited', async () => {
    const { auth } = fx.services
    for (const attempt of [
      { username: 'investigator', password: 'wrong password here' },
      { username: 'nobody', password: 'wrong password here' },
    ]) {
      const r = await auth.checkCredentials(attempt)
      expect(r.ok ? null : r.problems).toEqual([
        { code: 'unauthenticated', path: '', message: 'invalid username or password' },
      ])
    }
    const failed = check(await fx.services.reads.auditTrail(fx.actors.admin, { kind: 'auth.login_failed' }))
    expect(failed.items.map((i) => [i.username, i.role, i.reason])).toEqual([
      ['nobody', 'anonymous', 'unknown user'],
      ['investigator', 'investigator', 'wrong password'],
    ])
    const actor = check(await auth.checkCredentials({ username: 'investigator', password: TEST_PASSWORD }))
    expect(actor).toEqual(fx.actors.investigator)
    const idHash = hashId('random-session-id')
    check(await auth.startSession(actor, { idHash, expiresAt: '2026-01-12T20:00:00.000Z', userAgent: 'test' }))
    expect((await auth.findSession(idHash))?.actor).toEqual(actor)
    fx.clock.advance(60_000)
    await auth.touchSession(idHash, '2026-01-12T20:30:00.000Z')
    expect((await auth.findSession(idHash))?.expiresAt).toBe('2026-01-12T20:30:00.000Z')
    check(await auth.endSession(idHash, 'logout'))
    expect(await auth.findSession(idHash)).toBeUndefined()
    const kinds = check(await fx.services.reads.auditTrail(fx.actors.admin, { userId: actor.userId })).items.map(
      (i) => i.kind,
    )
    expect(kinds.slice(0, 2)).toEqual(['auth.logout', 'auth.login'])
  })

  it('deactivating an account revokes its sessions and blocks logins', async () => {
    const { auth, users } = fx.services
    const idHash = hashId('second-session')
    check(await auth.startSession(fx.actors.monitor, { idHash, expiresAt: '2026-01-13T00:00:00.000Z' }))
    check(await users.deactivate(fx.actors.admin, fx.actors.monitor.userId, { reason: 'left the study' }))
    expect(await auth.findSession(idHash)).toBeUndefined()
    const login = await auth.checkCredentials({ username: 'monitor', password: TEST_PASSWORD })
    expect(login.ok).toBe(false)
    expect(await auth.verifyPassword(fx.actors.monitor, TEST_PASSWORD)).toBe(false)
  })

  it('reactivates a deactivated account (admin only, with a reason, audited); refuses an active one', async () => {
    const { auth, users, reads } = fx.services
    const { admin, monitor, investigator } = fx.actors
    const notAdmin = await users.reactivate(investigator, monitor.userId, { reason: 'back' })
    expect(notAdmin.ok ? null : notAdmin.problems[0]?.code).toBe('forbidden')
    const noReason = await users.reactivate(admin, monitor.userId, { reason: ' ' })
    expect(noReason.ok ? null : noReason.problems[0]).toMatchObject({ path: 'reason', message: 'a reason is required' })
    const unknown = await users.reactivate(admin, 'no-such-user', { reason: 'back' })
    expect(unknown.ok ? null : unknown.problems[0]).toMatchObject({ code: 'not_found', path: 'userId' })
    fx.clock.advance(60_000)
    const back = check(await users.reactivate(admin, monitor.userId, { reason: 'back on the study' }))
    expect(back).toMatchObject({ username: 'monitor', active: true, deactivatedAt: null })
    expect(check(await auth.checkCredentials({ username: 'monitor', password: TEST_PASSWORD }))).toEqual(monitor)
    const again = await users.reactivate(admin, monitor.userId, { reason: 'twice' })
    expect(again.ok ? null : again.problems[0]).toEqual({
      code: 'conflict',
      path: 'userId',
      message: 'the account is already active',
    })
    const trail = check(await reads.auditTrail(admin, { entityId: monitor.userId }))
    const changes = trail.items.filter((i) => i.kind.startsWith('user.'))
    expect(changes.slice(0, 2).map((i) => [i.kind, i.username, i.reason, i.changes])).toEqual([
      ['user.reactivated', 'admin', 'back on the study', [{ field: 'active', old: false, new: true }]],
      ['user.deactivated', 'admin', 'left the study', [{ field: 'active', old: true, new: false }]],
    ])
  })
})
