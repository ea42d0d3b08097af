import { createHash } from 'node:crypto'
import { expect, it } from 'vitest'
import { check, createStudyFixture, describeEachDialect, type StudyFixture } from '../../test/support/index.ts'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

describeEachDialect('personal API tokens', ({ store }) => {
  let fx: StudyFixture

  it('stores only the hash, acts as the owner narrowed to the token’s sites, and audits the creation', async () => {
    fx = await createStudyFixture(store(), { live: false })
    const { tokens, reads } = fx.services
    const { monitor, admin } = fx.actors
    const wide = await tokens.create(monitor, { hash: sha256('td_wide'), label: 'too wide', sites: 'all', days: 30 })
    expect(wide.ok ? null : wide.problems[0]).toMatchObject({ code: 'invalid', path: 'sites' })
    const other = await tokens.create(fx.actors.coordinatorCOR, {
      hash: sha256('td_other'),
      label: 'other site',
      sites: ['MAL'],
      days: 30,
    })
    expect(other.ok ? null : other.problems[0]).toMatchObject({ code: 'invalid', path: 'sites[0]' })
    const noHash = await tokens.create(monitor, { hash: 'td_secret', label: 'no hash', days: 30 })
    expect(noHash.ok ? null : noHash.problems[0]?.path).toBe('hash')

    const token = check(await tokens.create(monitor, { hash: sha256('td_scripts'), label: 'scripts', days: 30 }))
    expect(token).toMatchObject({
      userId: monitor.userId,
      label: 'scripts',
      sites: monitor.sites,
      createdAt: '2026-01-12T08:00:00.000Z',
      expiresAt: '2026-02-11T08:00:00.000Z',
      revokedAt: null,
    })
    const row = await store().db.selectFrom('api_token').selectAll().where('id', '=', token.id).executeTakeFirst()
    expect(row?.hash).toBe(sha256('td_scripts'))
    expect(await tokens.authenticate(sha256('td_scripts'))).toEqual(monitor)
    expect(await tokens.authenticate(sha256('td_unknown'))).toBeUndefined()
    expect((await tokens.list(monitor)).map((t) => t.id)).toEqual([token.id])
    expect(await tokens.list(admin)).toEqual([])

    const trail = check(await reads.auditTrail(admin, { entityId: token.id }))
    expect(trail.items.map((i) => [i.kind, i.username])).toEqual([['auth.token_created', 'monitor']])
    expect(trail.items[0]?.changes).toEqual([
      { field: 'label', old: null, new: 'scripts' },
      { field: 'sites', old: null, new: ['MAL'] },
      { field: 'expiresAt', old: null, new: '2026-02-11T08:00:00.000Z' },
    ])
    expect(JSON.stringify(trail.items)).not.toContain(sha256('td_scripts'))
    expect(JSON.stringify(trail.items)).not.toContain('td_scripts')
  })

  it('narrows a study-wide owner to the token’s sites', async () => {
    const { sponsor } = fx.actors
    check(await fx.services.tokens.create(sponsor, { hash: sha256('td_cor'), label: 'COR', sites: ['COR'], days: 1 }))
    expect(await fx.services.tokens.authenticate(sha256('td_cor'))).toEqual({ ...sponsor, sites: ['COR'] })
  })

  it('ends a token at its expiry', async () => {
    const { investigator } = fx.actors
    check(await fx.services.tokens.create(investigator, { hash: sha256('td_day'), label: 'a day', days: 1 }))
    fx.clock.advance(86_400_000 - 1)
    expect(await fx.services.tokens.authenticate(sha256('td_day'))).toEqual(investigator)
    fx.clock.advance(1)
    expect(await fx.services.tokens.authenticate(sha256('td_day'))).toBeUndefined()
  })

  it('revokes only one’s own open token, audited with the owner as actor', async () => {
    const { tokens, reads } = fx.services
    const { coordinator, investigator, admin } = fx.actors
    const token = check(await tokens.create(coordinator, { hash: sha256('td_revoke'), label: 'to revoke', days: 5 }))
    const foreign = await tokens.revoke(investigator, token.id)
    expect(foreign.ok ? null : foreign.problems[0]).toMatchObject({ code: 'not_found', path: 'tokenId' })
    expect(await tokens.authenticate(sha256('td_revoke'))).toEqual(coordinator)
    const revoked = check(await tokens.revoke(coordinator, token.id))
    expect(revoked.revokedAt).toBe(fx.clock.now())
    expect(await tokens.authenticate(sha256('td_revoke'))).toBeUndefined()
    const again = await tokens.revoke(coordinator, token.id)
    expect(again.ok ? null : again.problems[0]).toMatchObject({ code: 'conflict', path: 'tokenId' })
    const trail = check(await reads.auditTrail(admin, { entityId: token.id }))
    expect(trail.items.map((i) => [i.kind, i.username, i.reason])).toEqual([
      ['auth.token_revoked', 'coordinator', 'revoked by its owner'],
      ['auth.token_created', 'coordinator', null],
    ])
  })

  it('deactivating the owner revokes their tokens (audited with the reason); reactivation does not revive them', async () => {
    const { tokens, users, reads } = fx.services
    const { admin } = fx.actors
    const dataManager = fx.actors['data-manager']
    const token = check(await tokens.create(dataManager, { hash: sha256('td_leaver'), label: 'nightly', days: 90 }))
    check(await users.deactivate(admin, dataManager.userId, { reason: 'left the study' }))
    expect(await tokens.authenticate(sha256('td_leaver'))).toBeUndefined()
    expect((await tokens.list(dataManager))[0]?.revokedAt).toBe(fx.clock.now())
    const trail = check(await reads.auditTrail(admin, { entityId: token.id }))
    expect(trail.items[0]).toMatchObject({ kind: 'auth.token_revoked', username: 'admin', reason: 'left the study' })
    check(await users.reactivate(admin, dataManager.userId, { reason: 'back on the study' }))
    expect(await tokens.authenticate(sha256('td_leaver'))).toBeUndefined()
  })

  it('refuses a token whose owner is inactive even when the token row is still open', async () => {
    const { tokens } = fx.services
    const pharmacist = fx.actors['unblinded-pharmacist']
    check(await tokens.create(pharmacist, { hash: sha256('td_open'), label: 'open', days: 90 }))
    // Deactivated elsewhere (an older server, a direct repair): the owner check alone must refuse the token.
    await store().db.updateTable('app_user').set({ active: 0 }).where('id', '=', pharmacist.userId).execute()
    expect(await tokens.authenticate(sha256('td_open'))).toBeUndefined()
  })
})
