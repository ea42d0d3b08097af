/**
 * The full life of a patient in the reference trial through the HTTP API, on both databases: screen → consent
 * → eligibility → extraction and lot release → enrol → randomize (placebo) → dose preparation → infusion →
 * monthly visits → AE and follow-up → query, correction with reason, SDV, signature → month-6 blinded
 * re-randomization → second infusion → extension → death. After every step the subject's audit trail (as the
 * monitor reads it) has the step's record, by the right person, with allocation detail masked; at the end the
 * chain verifies and the independent statistician's view of the same trail shows the arms.
 */
import { expect, it } from 'vitest'
import { describeEachDialect } from '../support/index.ts'
import { createApiFixture, type ApiFixture } from './api-fixture.ts'
import { Journey, LONG_SESSIONS, signInTeam, type Patient, type Team } from './patient-journey.ts'

interface AuditRecord {
  seq: number
  kind: string
  username: string
  subjectId: string | null
  reason: string | null
  changes: { field: string; old: unknown; new: unknown; blinded?: true }[]
}

/** The audit record kind each step must add to the subject's trail, and who makes it. */
const EXPECTED: Record<string, [kind: string, username: string]> = {
  screen: ['subject.screened', 'coordinator'],
  consent: ['subject.consented', 'coordinator'],
  eligibility: ['subject.eligibility', 'coordinator'],
  visit: ['visit.recorded', 'coordinator'],
  vitals: ['form.saved', 'coordinator'],
  extraction: ['lot.extracted', 'coordinator'],
  manufacture: ['lot.manufacturing', 'coordinator'],
  release: ['lot.release_decided', 'coordinator'],
  enrol: ['subject.enrolled', 'coordinator'],
  randomize: ['subject.randomized', 'coordinator'],
  prepare: ['dose.prepared', 'unblinded-pharmacist'],
  infuse: ['infusion.recorded', 'investigator'],
  'report AE': ['ae.reported', 'investigator'],
  'AE follow-up': ['form.saved', 'investigator'],
  'raise query': ['query.raised', 'monitor'],
  'correct form': ['form.saved', 'coordinator'],
  'answer query': ['query.answered', 'coordinator'],
  'close query': ['query.closed', 'monitor'],
  SDV: ['form.verified', 'monitor'],
  'sign form': ['form.signed', 'investigator'],
  're-randomize': ['subject.rerandomized', 'coordinator'],
  'enter extension': ['subject.period_entered', 'coordinator'],
  death: ['subject.died', 'investigator'],
}

describeEachDialect('api: the life of a patient, with the audit trail at each step', ({ store }) => {
  let f: ApiFixture
  let team: Team
  const lastSeq = new Map<string, number>()
  const steps: string[] = []

  async function newRecords(subjectId: string): Promise<AuditRecord[]> {
    const res = await team.monitor.get<{ items: AuditRecord[] }>(`/api/audit?subjectId=${subjectId}&limit=50`)
    expect(res.status).toBe(200)
    const after = lastSeq.get(subjectId) ?? 0
    const fresh = res.body.items.filter((r) => r.seq > after)
    lastSeq.set(subjectId, Math.max(after, ...res.body.items.map((r) => r.seq)))
    return fresh
  }

  it('goes live through the API (the administrator), audited', async () => {
    f = await createApiFixture(store(), { sessions: LONG_SESSIONS }, { live: false })
    const admin = await f.signIn('admin')
    const live = await admin.post<{ randomizationLiveAt: string | null }>('/api/study/go-live')
    expect(live.status).toBe(200)
    expect(live.body.randomizationLiveAt).not.toBeNull()
    const trail = await admin.get<{ items: AuditRecord[] }>('/api/audit?kind=randomization.live')
    expect(trail.body.items.map((r) => [r.kind, r.username])).toEqual([['randomization.live', 'admin']])
    team = await signInTeam(f)
  })

  it('follows a placebo patient from screening to death, checking the audit trail after every step', async () => {
    const journey = new Journey(f, team, async (step, p: Patient) => {
      // Steps at a visit are named `vitals M3`, `prepare INF1`, ...: the first word says what is expected.
      const expected = EXPECTED[step] ?? EXPECTED[step.split(' ')[0] ?? '']
      if (!expected) throw new Error(`no expectation for step ${step}`)
      const [kind, username] = expected
      const fresh = await newRecords(p.id)
      expect(
        fresh.map((r) => [r.kind, r.username, r.subjectId]),
        `${step}: ${JSON.stringify(fresh.map((r) => r.kind))}`,
      ).toContainEqual([kind, username, p.id])
      // The monitor is blinded: no allocation detail in any record.
      for (const r of fresh)
        for (const ch of r.changes) if (ch.blinded) expect([ch.old, ch.new]).toEqual(['[blinded]', '[blinded]'])
      if (step === 'correct form')
        expect(fresh.find((r) => r.kind === 'form.saved')?.reason).toBe('transcription error, corrected from source')
      steps.push(step)
    })

    // Randomize patients four at a time until one is on placebo; that patient's life goes on.
    let patient: Patient | undefined
    for (let batch = 0; batch < 3 && !patient; batch++) {
      const group = await journey.enrolPatients(4)
      await journey.randomize(group)
      const arms = await journey.arms(group)
      patient = group[arms.indexOf('P')]
    }
    if (!patient) throw new Error('no placebo patient in 12 randomizations')
    const randomizedOn = journey.today
    await journey.doubleBlind([patient], randomizedOn)
    await journey.crossover([patient])
    const [crossoverArm] = await journey.arms([patient])
    expect(['D1', 'D2', 'D3']).toContain(crossoverArm)
    await journey.extensionAndDeath([patient])

    const subject = await team.coordinator.get<{
      status: string
      deathDate: string
      currentPeriod: string
      allocation: { blinded: boolean; periods: unknown[] }
    }>(`/api/subjects/${patient.id}`)
    expect(subject.body).toMatchObject({ status: 'died', currentPeriod: 'extension', allocation: { blinded: true } })
    expect(subject.body.allocation.periods).toHaveLength(3)
    const covered = new Set(steps.map((s) => (s in EXPECTED ? s : s.split(' ')[0])))
    expect([...covered].sort()).toEqual(Object.keys(EXPECTED).sort())

    // The whole chain verifies; the statistician reads the arms in the same records the monitor sees masked.
    const verify = await team.monitor.get<{ ok: boolean; records: number }>('/api/audit/verify')
    expect(verify.body.ok).toBe(true)
    const masked = await team.monitor.get<{ items: AuditRecord[] }>(
      `/api/audit?subjectId=${patient.id}&kind=subject.randomized`,
    )
    const open = await team.statistician.get<{ items: AuditRecord[] }>(
      `/api/audit?subjectId=${patient.id}&kind=subject.randomized`,
    )
    expect(masked.body.items[0]?.changes.find((c) => c.field === 'arm')).toEqual({
      field: 'arm',
      old: '[blinded]',
      new: '[blinded]',
      blinded: true,
    })
    expect(open.body.items[0]?.changes.find((c) => c.field === 'arm')).toEqual({ field: 'arm', old: null, new: 'P' })
    const rerandomized = await team.statistician.get<{ items: AuditRecord[] }>(
      `/api/audit?subjectId=${patient.id}&kind=subject.rerandomized`,
    )
    expect(rerandomized.body.items[0]?.changes.find((c) => c.field === 'arm')).toEqual({
      field: 'arm',
      old: 'P',
      new: crossoverArm,
    })
  })
})
