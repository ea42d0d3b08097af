import { expect, it } from 'vitest'
import { describeEachDialect } from '../../test/support/index.ts'
import { PreparedQuery } from './prepared-query.ts'

const byCountry = new PreparedQuery<{ id: string }, 'country' | 'min'>((db, p) =>
  db
    .selectFrom('site')
    .select('id')
    .where('country', '=', p('country'))
    .where('active', '=', 1)
    .where('target_enrolment', '>=', p('min') as never)
    .orderBy('id'),
)

describeEachDialect('prepared queries', ({ store }) => {
  it('bind new values into the query compiled once, keeping the builder’s own constants', async () => {
    const at = '2026-01-12T09:00:00.000Z'
    await store()
      .db.insertInto('site')
      .values([
        { id: 'A', name: 'A', country: 'ES', city: null, target_enrolment: 5, active: 1, created_at: at },
        { id: 'B', name: 'B', country: 'ES', city: null, target_enrolment: 20, active: 1, created_at: at },
        { id: 'C', name: 'C', country: 'PT', city: null, target_enrolment: 20, active: 1, created_at: at },
        { id: 'D', name: 'D', country: 'PT', city: null, target_enrolment: 20, active: 0, created_at: at },
      ])
      .execute()
    expect(await byCountry.run(store(), { country: 'ES', min: 0 })).toEqual([{ id: 'A' }, { id: 'B' }])
    expect(await byCountry.run(store(), { country: 'ES', min: 10 })).toEqual([{ id: 'B' }])
    expect(await byCountry.run(store(), { country: 'PT', min: 10 })).toEqual([{ id: 'C' }])
  })
})
