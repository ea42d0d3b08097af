import { expect, it } from 'vitest'
import { BLINDED_VALUE } from '../audit/index.ts'
import {
  check,
  createStudyFixture,
  describeEachDialect,
  enrolSubject,
  passingRelease,
  TEST_PASSWORD,
  vitals,
  type StudyFixture,
} from '../../test/support/index.ts'

describeEachDialect('release failure, emergency and end-of-study unblinding', ({ store }) => {
  let fx: StudyFixture
  let failed: string
  let other: string

  it('a lot that fails release blocks preparation and infusion for every arm; the patient stays in ITT', async () => {
    fx = await createStudyFixture(store())
    const { coordinator, investigator } = fx.actors
    const pharmacist = fx.actors['unblinded-pharmacist']
    failed = await enrolSubject(fx, coordinator, 'MAL')
    other = await enrolSubject(fx, coordinator, 'MAL')
    for (const id of [failed, other]) {
      const supply = check(
        await fx.services.supply.recordExtraction(coordinator, id, { date: '2026-01-26', tissueGrams: 60 }),
      )
      check(
        await fx.services.supply.recordManufacture(pharmacist, id, {
          lotId: `LOT-${id.slice(-4)}`,
          extractionId: supply.extractions[0]?.id ?? '',
          date: '2026-02-10',
        }),
      )
    }
    const release = check(
      await fx.services.supply.recordRelease(pharmacist, `LOT-${failed.slice(-4)}`, {
        date: '2026-02-20',
        values: { ...passingRelease(), viability: 55 },
      }),
    )
    expect(release.lots[0]?.release).toEqual({
      status: 'failed',
      date: '2026-02-20',
      expiresOn: null,
      failures: [{ criterionId: 'viability', label: 'Cell viability (%)', reason: '55 is below 70' }],
    })
    check(
      await fx.services.supply.recordRelease(pharmacist, `LOT-${other.slice(-4)}`, {
        date: '2026-02-20',
        values: passingRelease(),
      }),
    )
    fx.clock.set('2026-03-02T10:00:00.000Z')
    for (const id of [failed, other]) {
      check(
        await fx.services.forms.save(coordinator, { subjectId: id, visitId: 'BL', formId: 'VITALS', values: vitals() }),
      )
      check(await fx.services.subjects.randomize(investigator, id, { date: '2026-03-02' }))
    }
    const blocked = await fx.services.supply.prepareDose(pharmacist, failed, {
      lotId: `LOT-${failed.slice(-4)}`,
      infusionDate: '2026-03-05',
    })
    expect(blocked.ok ? null : blocked.problems).toEqual([
      {
        code: 'blocked',
        path: 'lotId',
        message: `lot LOT-${failed.slice(-4)} failed release: do not prepare or infuse`,
      },
    ])
    const withdrawn = check(
      await fx.services.subjects.withdraw(investigator, failed, {
        date: '2026-03-06',
        reason: 'Product not released (not infused)',
      }),
    )
    expect(withdrawn).toMatchObject({
      status: 'withdrawn',
      randomizationDate: '2026-03-02',
      end: { reason: 'Product not released (not infused)' },
    })
    const badReason = await fx.services.subjects.withdraw(investigator, other, { date: '2026-03-06', reason: 'Bored' })
    expect(badReason.ok ? null : badReason.problems[0]?.path).toBe('reason')
    const extract = check(await fx.services.extractStudy(fx.actors.sponsor))
    const s = extract.subjects.find((x) => x.id === failed)
    expect(s).toMatchObject({
      status: 'withdrawn',
      randomizationDate: '2026-03-02',
      periods: [{ periodId: 'double-blind', startDate: '2026-03-02' }],
    })
    expect(extract.infusions.filter((i) => i.subjectId === failed)).toEqual([])
    // The supply chain is in the extraction, blinded or not (it is the same for every arm), and so is the
    // release form the failed release wrote.
    expect(extract.lots.find((l) => l.subjectId === failed)).toEqual({
      id: `LOT-${failed.slice(-4)}`,
      subjectId: failed,
      extractionId: extract.extractions.find((e) => e.subjectId === failed)?.id,
      manufacturedOn: '2026-02-10',
      release: {
        status: 'failed',
        date: '2026-02-20',
        expiresOn: null,
        results: { ...passingRelease(), viability: 55 },
        failures: [{ criterionId: 'viability', label: 'Cell viability (%)', reason: '55 is below 70' }],
      },
    })
    expect(extract.extractions.filter((e) => e.subjectId === failed)).toMatchObject([
      { date: '2026-01-26', tissueGrams: 60, sufficient: true },
    ])
    expect(extract.forms.find((f) => f.subjectId === failed && f.formId === 'RELEASE')?.values).toMatchObject({
      release: 'failed',
      failure_reason: 'Cell viability (%): 55 is below 70',
      viability: 55,
    })
    const unblinded = check(await fx.services.extractStudy(fx.actors['independent-statistician']))
    expect(unblinded.blinded).toBe(false)
    expect([unblinded.extractions, unblinded.lots]).toEqual([extract.extractions, extract.lots])
  })

  it('emergency unblinding: investigator of the site only, reason and password, arm in the answer only, sponsor and statistician notified', async () => {
    const { investigator, coordinator, sponsor } = fx.actors
    const coordinatorTry = await fx.services.unblinding.emergency(coordinator, other, {
      reason: 'anaphylaxis after infusion',
      password: TEST_PASSWORD,
    })
    expect(coordinatorTry.ok ? null : coordinatorTry.problems[0]?.code).toBe('forbidden')
    const otherSite = await fx.services.unblinding.emergency(fx.actors.investigatorCOR, other, {
      reason: 'anaphylaxis after infusion',
      password: TEST_PASSWORD,
    })
    expect(otherSite.ok ? null : otherSite.problems[0]?.code).toBe('not_found')
    const short = await fx.services.unblinding.emergency(investigator, other, {
      reason: 'urgent',
      password: TEST_PASSWORD,
    })
    expect(short.ok ? null : short.problems[0]).toMatchObject({ code: 'reason_required', path: 'reason' })
    const disclosure = check(
      await fx.services.unblinding.emergency(investigator, other, {
        reason: 'anaphylaxis after infusion: treatment depends on the product',
        password: TEST_PASSWORD,
      }),
    )
    const arm = disclosure.periods[0]?.assignment.arm
    expect(['D1', 'D2', 'D3', 'P']).toContain(arm)
    expect(disclosure.emergencyUnblinding).not.toBeNull()

    // Afterwards the investigator's own views stay blinded; the patient is flagged; the audit holds no arm.
    const view = check(await fx.services.subjects.get(investigator, other))
    expect(view).toMatchObject({ emergencyUnblinded: true, allocation: { blinded: true, emergencyUnblinded: true } })
    const trail = check(await fx.services.reads.auditTrail(sponsor, { subjectId: other, kind: 'unblind.emergency' }))
    expect(trail.items).toHaveLength(1)
    expect(trail.items[0]).toMatchObject({
      username: 'investigator',
      reason: 'anaphylaxis after infusion: treatment depends on the product',
    })
    expect(JSON.stringify(trail.items)).not.toContain(`"${arm}"`)
    for (const actor of [sponsor, fx.actors['independent-statistician']]) {
      const notes = check(await fx.services.reads.notifications(actor))
      expect(notes.filter((n) => n.kind === 'unblinding' && n.subjectId === other)).toHaveLength(1)
      expect(notes[0]?.message).not.toMatch(/\b(D1|D2|D3|Placebo)\b/)
    }
    expect(check(await fx.services.reads.notifications(coordinator))).toEqual([])
  })

  it('end-of-study unblinding needs the statistician and a locked database; then everyone sees allocations', async () => {
    const statistician = fx.actors['independent-statistician']
    const early = await fx.services.unblinding.endOfStudy(statistician, {
      password: TEST_PASSWORD,
      reason: 'SAP final',
    })
    expect(early.ok ? null : early.problems[0]?.code).toBe('state_invalid')
    const sponsorTry = await fx.services.unblinding.endOfStudy(fx.actors.sponsor, {
      password: TEST_PASSWORD,
      reason: 'SAP final',
    })
    expect(sponsorTry.ok ? null : sponsorTry.problems[0]?.code).toBe('forbidden')
    const sponsorAudit = check(
      await fx.services.reads.auditTrail(fx.actors.sponsor, { subjectId: other, kind: 'subject.randomized' }),
    )
    expect(sponsorAudit.items[0]?.changes.find((c) => c.field === 'arm')).toEqual({
      field: 'arm',
      old: BLINDED_VALUE,
      new: BLINDED_VALUE,
      blinded: true,
    })

    check(
      await fx.services.review.lockDatabase(fx.actors['data-manager'], {
        password: TEST_PASSWORD,
        reason: 'final analysis',
      }),
    )
    for (const reason of [undefined, '  ']) {
      const unexplained = await fx.services.unblinding.endOfStudy(statistician, {
        password: TEST_PASSWORD,
        reason,
      } as { password: string; reason: string })
      expect(unexplained.ok ? null : unexplained.problems.map((p) => [p.code, p.path])).toEqual([
        [reason === undefined ? 'required' : 'invalid', 'reason'],
      ])
    }
    check(
      await fx.services.unblinding.endOfStudy(statistician, {
        password: TEST_PASSWORD,
        reason: ' Database locked; SAP v2.0 signed off ',
      }),
    )
    const summary = check(await fx.services.study.summary(fx.actors.sponsor))
    expect(summary.phase.status).toBe('unblinded')
    expect(summary.unblindingReason).toBe('Database locked; SAP v2.0 signed off')
    expect(summary.databaseLockReason).toBe('final analysis')
    const record = check(await fx.services.reads.auditTrail(fx.actors.sponsor, { kind: 'unblind.study' }))
    expect(record.items.map((r) => r.reason)).toEqual(['Database locked; SAP v2.0 signed off'])
    const view = check(await fx.services.subjects.get(fx.actors.coordinator, other))
    expect(view.allocation?.blinded).toBe(false)
    const unblindedAudit = check(
      await fx.services.reads.auditTrail(fx.actors.sponsor, { subjectId: other, kind: 'subject.randomized' }),
    )
    const armChange = unblindedAudit.items[0]?.changes.find((c) => c.field === 'arm')
    expect(['D1', 'D2', 'D3', 'P']).toContain(armChange?.new)
    const extract = check(await fx.services.extractStudy(fx.actors.sponsor))
    expect(extract.blinded).toBe(false)
    expect(extract.subjects.find((s) => s.id === other)?.periods[0]?.arm).toBe(armChange?.new)
  })
})
