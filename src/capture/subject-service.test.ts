import { expect, it } from 'vitest'
import { SYSTEM_ACTOR } from '../access/index.ts'
import { BLINDED_VALUE } from '../audit/index.ts'
import { unsealList, type SealedList } from '../randomization/index.ts'
import {
  check,
  createStudyFixture,
  describeEachDialect,
  eligibleAnswers,
  enrolSubject,
  TEST_SEAL_KEY,
  type StudyFixture,
} from '../../test/support/index.ts'
import type { SubjectView } from './index.ts'

/** Replaces what legitimately differs between two subjects (ids, numbers, codes) so views can be compared. */
function masked(view: unknown, subject: SubjectView): unknown {
  const codes = (subject.allocation?.periods ?? []).map((p) => p.preparationCode).filter((c): c is string => c !== null)
  let text = JSON.stringify(view)
  for (const [value, mask] of [
    [subject.id, '<id>'],
    [subject.screeningNumber, '<number>'],
    ...codes.map((c) => [c, '<code>']),
  ] as const) {
    text = text.split(value).join(mask)
  }
  return JSON.parse(text)
}

describeEachDialect('subjects: screening to the crossover', ({ store }) => {
  let fx: StudyFixture
  const ids: string[] = []

  it('sets the study up once from the protocol; a second setup changes nothing', async () => {
    fx = await createStudyFixture(store())
    const summary = check(await fx.services.study.summary(fx.actors.sponsor))
    expect(summary.sites.map((s) => s.id)).toEqual(['COR', 'MAL', 'SVM', 'SVR'])
    expect(summary.protocol).toMatchObject({ ordinal: 1, label: '1.0', hash: fx.protocol.hash })
    expect(summary.phase).toEqual({ status: 'live' })
    expect(Object.keys(summary.randomizationFingerprints)).toEqual(['double-blind', 'crossover'])
    const before = await store().db.selectFrom('audit_log').select('seq').execute()
    check(await fx.services.study.setup(SYSTEM_ACTOR))
    expect(await store().db.selectFrom('audit_log').select('seq').execute()).toHaveLength(before.length)
    const live = await fx.services.study.goLive(fx.actors.admin)
    expect(live.ok ? null : live.problems[0]?.code).toBe('conflict')
  })

  it('screens, consents, checks eligibility and enrols, auditing each step', async () => {
    const { subjects } = fx.services
    const coordinator = fx.actors.coordinator
    const s = check(await subjects.screen(coordinator, { siteId: 'MAL', screeningDate: '2026-01-12' }))
    expect(s).toMatchObject({ screeningNumber: 'MAL-001', status: 'screening', consent: null, allocation: null })

    const partial = await subjects.recordEligibility(coordinator, s.id, { answers: { IC1: true } })
    expect(partial.ok ? [] : partial.problems.map((p) => p.path)).toContain('answers.IC3')
    const early = await subjects.enrol(coordinator, s.id, {
      date: '2026-01-12',
      factors: { onset: 'spinal', deltaFS: 0.4 },
    })
    expect(early.ok ? null : early.problems[0]?.message).toBe('consent is not recorded')

    check(await subjects.recordConsent(coordinator, s.id, { date: '2026-01-12', version: '1.0' }))
    const noReason = await subjects.recordConsent(coordinator, s.id, { date: '2026-01-12', version: '1.1' })
    expect(noReason.ok ? null : noReason.problems[0]).toMatchObject({ code: 'reason_required', path: 'reason' })
    check(
      await subjects.recordConsent(coordinator, s.id, {
        date: '2026-01-12',
        version: '1.1',
        reason: 'consent form version corrected',
      }),
    )

    const ineligible = check(
      await subjects.recordEligibility(coordinator, s.id, { answers: { ...eligibleAnswers(fx.protocol), EC5: true } }),
    )
    expect(ineligible.eligibility).toMatchObject({ eligible: false, failed: ['EC5'] })
    const blocked = await subjects.enrol(coordinator, s.id, {
      date: '2026-01-12',
      factors: { onset: 'spinal', deltaFS: 0.4 },
    })
    expect(blocked.ok ? null : blocked.problems[0]?.message).toBe('the subject is not eligible')
    check(
      await subjects.recordEligibility(coordinator, s.id, {
        answers: eligibleAnswers(fx.protocol),
        reason: 'gastrostomy was not present',
      }),
    )

    const badFactors = await subjects.enrol(coordinator, s.id, { date: '2026-01-12', factors: { onset: 'limb' } })
    expect(badFactors.ok ? [] : badFactors.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      'invalid factors.onset',
      'required factors.deltaFS',
    ])
    const enrolled = check(
      await subjects.enrol(coordinator, s.id, { date: '2026-01-12', factors: { onset: 'spinal', deltaFS: 0.4 } }),
    )
    expect(enrolled).toMatchObject({
      status: 'enrolled',
      consent: { version: '1.1' },
      factors: { onset: 'spinal', deltaFS: 0.4 },
    })
    ids.push(s.id)

    const trail = await store()
      .db.selectFrom('audit_log')
      .select(['kind', 'reason'])
      .where('subject_id', '=', s.id)
      .orderBy('seq')
      .execute()
    expect(trail).toEqual([
      { kind: 'subject.screened', reason: null },
      { kind: 'subject.consented', reason: null },
      { kind: 'subject.consented', reason: 'consent form version corrected' },
      { kind: 'subject.eligibility', reason: null },
      { kind: 'subject.eligibility', reason: 'gastrostomy was not present' },
      { kind: 'subject.enrolled', reason: null },
    ])
  })

  it('keeps another site’s subjects out of reach and refuses roles without the permission', async () => {
    const id = ids[0] ?? ''
    const other = await fx.services.subjects.get(fx.actors.coordinatorCOR, id)
    expect(other.ok ? null : other.problems[0]?.code).toBe('not_found')
    const missing = await fx.services.subjects.get(fx.actors.coordinatorCOR, 'no-such-subject')
    expect(missing).toEqual(other)
    const assessor = await fx.services.subjects.screen(fx.actors['blinded-assessor'], {
      siteId: 'MAL',
      screeningDate: '2026-01-12',
    })
    expect(assessor.ok ? null : assessor.problems[0]?.code).toBe('forbidden')
  })

  it('randomizes through the slot store: blinded readers see no arm, a repeat takes no second slot', async () => {
    for (let i = 0; i < 7; i++) ids.push(await enrolSubject(fx, fx.actors.coordinator, 'MAL'))
    const { subjects } = fx.services
    const views: SubjectView[] = []
    for (const id of ids)
      views.push(check(await subjects.randomize(fx.actors.investigator, id, { date: '2026-03-02' })))
    for (const v of views) {
      expect(v).toMatchObject({
        status: 'randomized',
        currentPeriod: 'double-blind',
        stratum: 'site=MAL',
        randomizationDate: '2026-03-02',
      })
      expect(v.allocation?.blinded).toBe(true)
      expect(JSON.stringify(v)).not.toMatch(/"(D1|D2|D3|P)"|arm/)
    }
    const [first, second, third] = views
    if (!first || !second || !third) throw new Error('no views')
    expect(armOf(second)).toBeUndefined()
    expect(masked(second, second)).toEqual(masked(third, third))

    // Subjects get the list's slots in randomization order: the unblinded view matches the sealed list.
    const arms = await Promise.all(
      ids.map(async (id) => armOf(check(await subjects.get(fx.actors['unblinded-pharmacist'], id)))),
    )
    const row = await store()
      .db.selectFrom('randomization_list')
      .select('sealed_list')
      .where('period_id', '=', 'double-blind')
      .executeTakeFirstOrThrow()
    const list = check(unsealList(JSON.parse(row.sealed_list) as SealedList, TEST_SEAL_KEY))
    expect(arms).toEqual(
      list.slots
        .filter((s) => s.stratum === 'site=MAL')
        .slice(0, 8)
        .map((s) => s.arm),
    )
    expect(new Set(arms)).toEqual(new Set(['D1', 'D2', 'D3', 'P']))

    const audits = await store().db.selectFrom('audit_log').select('seq').execute()
    const again = check(await subjects.randomize(fx.actors.investigator, ids[0] ?? ''))
    expect(again).toEqual(first)
    expect(await store().db.selectFrom('audit_log').select('seq').execute()).toHaveLength(audits.length)
    const slots = await store()
      .db.selectFrom('randomization_slot')
      .select(['stratum', 'sequence'])
      .orderBy('sequence')
      .execute()
    expect(slots).toEqual(Array.from({ length: 8 }, (_, i) => ({ stratum: 'site=MAL', sequence: i + 1 })))
  })

  it('no arm is stored in clear: allocation rows are sealed, slot rows carry tokens', async () => {
    const periods = await store().db.selectFrom('subject_period').selectAll().execute()
    const slots = await store().db.selectFrom('randomization_slot').selectAll().execute()
    const audits = await store()
      .db.selectFrom('audit_log')
      .select('changes')
      .where('kind', '=', 'subject.randomized')
      .execute()
    const text = JSON.stringify([periods, slots, audits])
    expect(text).not.toMatch(/"(D1|D2|D3|P)"/)
    for (const id of ids) expect(JSON.stringify(slots)).not.toContain(id)
  })

  it('the crossover re-randomizes placebo patients and gives the others the matched placebo, identically for the blind', async () => {
    const { subjects } = fx.services
    const before = new Map(
      await Promise.all(
        ids.map(async (id) => [id, armOf(check(await subjects.get(fx.actors['unblinded-pharmacist'], id)))] as const),
      ),
    )
    const blinded: SubjectView[] = []
    for (const id of ids)
      blinded.push(check(await subjects.enterNextPeriod(fx.actors.investigator, id, { date: '2026-09-01' })))
    const reference = blinded[1]
    if (!reference) throw new Error('none')
    for (const v of blinded.slice(1)) {
      expect(v.currentPeriod).toBe('crossover')
      expect(masked(v, v)).toEqual(masked(reference, reference))
    }
    for (const id of ids) {
      const view = check(await subjects.get(fx.actors['independent-statistician'], id))
      const periods = view.allocation && !view.allocation.blinded ? view.allocation.periods : []
      const crossover = periods[1]?.assignment
      if (before.get(id) === 'P') {
        expect(crossover).toMatchObject({ kind: 'allocated', previousArm: 'P' })
        expect(['D1', 'D2', 'D3']).toContain(crossover?.arm)
        expect(crossover?.receives).toBe(crossover?.arm)
      } else {
        expect(crossover).toEqual({ kind: 'continues', periodId: 'crossover', arm: before.get(id), receives: 'P' })
      }
    }
    const crossoverSlots = await store()
      .db.selectFrom('randomization_slot')
      .select('sequence')
      .where('period_id', '=', 'crossover')
      .execute()
    const placebo = [...before.values()].filter((a) => a === 'P').length
    expect(placebo).toBeGreaterThan(0)
    expect(crossoverSlots.map((s) => s.sequence).sort()).toEqual(Array.from({ length: placebo }, (_, i) => i + 1))

    // The audit records of the step, as a blinded reader sees them, are the same for every subject.
    const trail = await Promise.all(
      ids.map(
        async (id) =>
          (
            await store()
              .db.selectFrom('audit_log')
              .select(['kind', 'changes'])
              .where('subject_id', '=', id)
              .where('kind', '=', 'subject.rerandomized')
              .execute()
          )[0],
      ),
    )
    expect(new Set(trail.map((t) => t?.kind))).toEqual(new Set(['subject.rerandomized']))
    expect(new Set(trail.map((t) => t?.changes.length)).size).toBe(1)
    expect(BLINDED_VALUE).toBe('[blinded]')
  })
})

function armOf(view: SubjectView): string | undefined {
  return view.allocation && !view.allocation.blinded ? view.allocation.periods.at(-1)?.assignment.arm : undefined
}
