import { expect, it } from 'vitest'
import { SYSTEM_ACTOR } from '../access/index.ts'
import { fastTestHasher, ManualClock, uuidv7Factory } from '../platform/index.ts'
import { createSealer, findStudy, updateStudy } from '../store/index.ts'
import {
  check,
  createStudyFixture,
  describeEachDialect,
  referenceProtocol,
  TEST_SEAL_KEY,
  type StudyFixture,
} from '../../test/support/index.ts'
import { createServices } from './index.ts'

const OTHER_KEY = Buffer.alloc(32, 0x17)

describeEachDialect('seal key check value', ({ store }) => {
  let fx: StudyFixture
  const servicesWith = (sealKey: Buffer, protocol: Parameters<typeof createServices>[0]['protocol']) => {
    const clock = new ManualClock('2026-02-01T08:00:00.000Z')
    return createServices({
      store: store(),
      clock,
      newId: uuidv7Factory(clock),
      sealKey,
      sealKeySource: 'TRIALDESK_SEAL_KEY',
      protocol,
      passwords: fastTestHasher,
    })
  }
  const mismatch = {
    ok: false,
    problems: [
      {
        code: 'invalid',
        path: 'TRIALDESK_SEAL_KEY',
        message: 'does not match the key this database was sealed with (its sealed allocations would not open)',
      },
    ],
  }

  it('with no study there is nothing to check; setup stores the key check value (not the key); services built with another key refuse it', async () => {
    const empty = servicesWith(OTHER_KEY, referenceProtocol())
    expect(await empty.study.verifySealKey()).toEqual({ ok: true, value: true })
    fx = await createStudyFixture(store())
    const row = await findStudy(store())
    expect(row?.seal_check).toBe(createSealer(TEST_SEAL_KEY).keyCheck)
    expect(row?.seal_check).not.toContain(TEST_SEAL_KEY.toString('hex'))

    const wrong = servicesWith(OTHER_KEY, fx.protocol)
    expect(await wrong.study.verifySealKey()).toEqual(mismatch)
    expect(await wrong.study.setup(SYSTEM_ACTOR)).toEqual(mismatch)
    const right = servicesWith(TEST_SEAL_KEY, fx.protocol)
    expect(await right.study.verifySealKey()).toEqual({ ok: true, value: true })
    check(await right.study.setup(SYSTEM_ACTOR))
  })

  it('a study set up before check values gets one on its first open with the right key, proven on a sealed seed', async () => {
    const row = await findStudy(store())
    if (!row) throw new Error('no study')
    await updateStudy(store(), row.id, { seal_check: null })

    // The study is live: its sealed seeds do not open under another key, so that key is refused, not stored.
    expect(await servicesWith(OTHER_KEY, fx.protocol).study.verifySealKey()).toEqual(mismatch)
    expect((await findStudy(store()))?.seal_check).toBeNull()

    check(await servicesWith(TEST_SEAL_KEY, fx.protocol).study.verifySealKey())
    expect((await findStudy(store()))?.seal_check).toBe(createSealer(TEST_SEAL_KEY).keyCheck)
    expect(await servicesWith(OTHER_KEY, fx.protocol).study.setup(SYSTEM_ACTOR)).toEqual(mismatch)
  })
})
