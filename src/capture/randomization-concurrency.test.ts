/**
 * Must show: 200 simultaneous randomization requests across the four sites in ONE stratum get 200 distinct,
 * consecutive slots (no duplicate, no gap), on SQLite and on PostgreSQL, through the real services.
 */
import { expect, it } from 'vitest'
import { slotSequenceViolations, type AllocatedSlot } from '../randomization/index.ts'
import { AllocatedSlotPayload, createSealer } from '../store/index.ts'
import {
  check,
  createStudyFixture,
  describeEachDialect,
  enrolSubject,
  referenceProtocol,
  TEST_SEAL_KEY,
} from '../../test/support/index.ts'

const N = 200

describeEachDialect('200 concurrent randomizations in one stratum', ({ store }) => {
  it('hand out slots 1..200 exactly once, with the audit chain intact', async () => {
    // The reference design, unstratified (one stratum across sites) and sized for 200 subjects.
    const protocol = referenceProtocol((raw) => {
      const periods = raw['periods'] as { allocation?: { stratifyBy?: string[] } }[]
      if (periods[0]?.allocation) periods[0].allocation.stratifyBy = []
      ;(raw['study'] as { targetEnrolment: number }).targetEnrolment = N
      for (const site of raw['sites'] as { targetEnrolment?: number }[]) site.targetEnrolment = N / 4
    })
    const fx = await createStudyFixture(store(), { protocol })
    const sites = ['MAL', 'COR', 'SVM', 'SVR']
    const investigators = await Promise.all(
      sites.map(async (site) => {
        const user = check(
          await fx.services.users.create(fx.actors.admin, {
            username: `inv-${site.toLowerCase()}`,
            displayName: site,
            role: 'investigator',
            sites: [site],
            password: 'a long enough password',
          }),
        )
        return { userId: user.id, username: user.username, role: user.role, sites: [site] as never }
      }),
    )
    const ids: string[] = []
    for (let i = 0; i < N; i++)
      ids.push(await enrolSubject(fx, investigators[i % 4] ?? fx.actors.investigator, sites[i % 4] ?? 'MAL'))

    const results = await Promise.all(
      ids.map((id, i) => fx.services.subjects.randomize(investigators[i % 4] ?? fx.actors.investigator, id)),
    )
    expect(results.filter((r) => !r.ok)).toEqual([])

    const sealer = createSealer(TEST_SEAL_KEY)
    const rows = await store()
      .db.selectFrom('randomization_slot')
      .selectAll()
      .where('period_id', '=', 'double-blind')
      .execute()
    const slots: AllocatedSlot[] = rows.map((r) =>
      sealer.open(AllocatedSlotPayload, r.sealed, `randomization_slot:${r.period_id}:${r.stratum}:${r.sequence}`),
    )
    expect(slots).toHaveLength(N)
    expect(slotSequenceViolations(slots)).toEqual([])
    expect(slots.map((s) => s.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1))
    expect(new Set(slots.map((s) => s.subjectId))).toEqual(new Set(ids))
    expect(new Set(slots.map((s) => s.stratum))).toEqual(new Set(['all']))
    const counter = await store()
      .db.selectFrom('randomization_counter')
      .selectAll()
      .where('period_id', '=', 'double-blind')
      .execute()
    expect(counter.map((c) => [c.stratum, c.allocated])).toEqual([['all', N]])
    const randomized = await store()
      .db.selectFrom('audit_log')
      .select('subject_id')
      .where('kind', '=', 'subject.randomized')
      .execute()
    expect(randomized).toHaveLength(N)
  })
})
