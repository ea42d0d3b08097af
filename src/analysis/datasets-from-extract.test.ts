/**
 * The mapping from the data platform's study extraction to the analysis datasets, on a small hand-made extraction
 * of the reference protocol: three people screened, one screen failure, a placebo patient re-randomized at month 6
 * who later dies, and a dose patient who withdraws.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { StudyExtract } from '../capture/index.ts'
import type { ProtocolFile } from '../domain/index.ts'
import { AnalysisDatasets as DatasetsSchema, BLINDED_ARM } from './analysis-datasets.ts'
import { AnalysisResults } from './analysis-results.ts'
import { datasetsFromExtract, UNCODED_SOC } from './datasets-from-extract.ts'
import { runAnalysisPlan } from './run-analysis-plan.ts'
import { loadFixture, PLAN_OPTIONS } from './test-fixture.test-support.ts'

let protocol: ProtocolFile

beforeAll(async () => {
  ;({ protocol } = await loadFixture())
})

type Form = StudyExtract['forms'][number]
const form = (
  subjectId: string,
  visitId: string,
  formId: string,
  visitDate: string,
  values: Record<string, unknown>,
  derived: Record<string, unknown> = {},
): Form => ({
  id: `${subjectId}/${visitId}/${formId}`,
  subjectId,
  visitId,
  formId,
  instance: 1,
  version: 1,
  status: 'entered',
  visitDate,
  values,
  derived,
  protocolVersionId: 'pv1',
  formHash: 'h',
  firstSavedAt: `${visitDate}T12:00:00.000Z`,
  savedAt: `${visitDate}T12:00:00.000Z`,
  savedBy: 'user-1',
  savedRole: 'coordinator',
  reason: null,
  verified: null,
  signed: null,
})
const alsfrs = (s: string, visit: string, date: string, total: number) =>
  form(s, visit, 'ALSFRS', date, {}, { total, bulbar: 10, fineMotor: 9, grossMotor: 8, respiratory: total - 27 })

function extract(blinded: boolean): StudyExtract {
  const subject = (
    over: Partial<StudyExtract['subjects'][number]> & { id: string; screeningNumber: string },
  ): StudyExtract['subjects'][number] => ({
    siteId: 'MAL',
    status: 'randomized',
    protocolVersionId: 'pv1',
    screeningDate: '2026-01-10',
    consentDate: '2026-01-10',
    eligible: true,
    enrolmentDate: '2026-01-20',
    randomizationDate: '2026-03-01',
    factors: { onset: 'spinal', deltaFS: 0.7 },
    stratum: 'MAL',
    endDate: null,
    endReason: null,
    deathDate: null,
    events: [],
    emergencyUnblinded: false,
    periods: [],
    ...over,
  })
  const arm = (a: string, receives: string, assignment: 'allocated' | 'continues') =>
    blinded ? {} : { arm: a, receives, assignment }
  return {
    study: {
      id: 'ADMSC-ALS',
      title: 'AdMSC',
      protocolHash: 'abc',
      protocolVersions: [{ id: 'pv1', ordinal: 1, label: '1.0', hash: 'abc' }],
      phase: { status: 'live' },
      databaseLockedAt: null,
      snapshotHash: null,
    },
    extractedAt: '2027-06-30T10:00:00.000Z',
    blinded,
    sites: [{ id: 'MAL', name: 'Málaga', targetEnrolment: 10 }],
    subjects: [
      subject({
        id: 'u1',
        screeningNumber: 'MAL-001',
        status: 'screen-failed',
        eligible: false,
        randomizationDate: null,
        enrolmentDate: null,
        endReason: 'Inclusion criteria not met',
      }),
      subject({
        id: 'u2',
        screeningNumber: 'MAL-002',
        status: 'died',
        deathDate: '2027-02-01',
        endDate: '2027-02-01',
        events: [{ kind: 'tracheostomy', date: '2027-01-10' }],
        periods: [
          { periodId: 'double-blind', startDate: '2026-03-01', ...arm('P', 'P', 'allocated') },
          { periodId: 'crossover', startDate: '2026-09-01', ...arm('D2', 'D2', 'allocated') },
          { periodId: 'extension', startDate: '2027-03-01', ...arm('D2', 'D2', 'continues') },
        ].filter((p) => p.startDate <= '2027-02-01'),
      }),
      subject({
        id: 'u3',
        screeningNumber: 'MAL-003',
        status: 'withdrawn',
        endDate: '2026-05-15',
        endReason: 'Withdrawal by subject',
        factors: { onset: 'bulbar', deltaFS: 1.4 },
        periods: [{ periodId: 'double-blind', startDate: '2026-03-01', ...arm('D1', 'D1', 'allocated') }],
      }),
    ],
    visits: [],
    forms: [
      form('u2', 'SCR', 'DEMOG', '2026-01-10', {
        age: 61,
        sex: 'M',
        onset_date: '2025-01-01',
        onset_region: 'spinal',
        familial: false,
        height: 175,
      }),
      form('u2', 'SCR', 'CONMED', '2026-01-10', { riluzole: true, niv: false, gastrostomy: false }),
      form('u2', 'EXT', 'EXTRACT', '2026-01-25', {
        extraction_date: '2026-01-25',
        adipose_g: 80,
        lipoaspirate_ml: 150,
      }),
      form('u2', 'EXT', 'RELEASE', '2026-02-25', {
        lot_id: 'L1',
        cell_count: 400,
        viability: 92,
        release: 'passed',
        release_date: '2026-02-28',
      }),
      form('u2', 'INF1', 'INFUSION', '2026-03-04', {
        dose_prescribed: 0,
        dose_given: 0,
        completed: true,
        reaction: false,
      }),
      alsfrs('u2', 'SCR', '2026-01-10', 40),
      alsfrs('u2', 'BL', '2026-03-01', 39),
      alsfrs('u2', 'M1', '2026-04-03', 38),
      alsfrs('u2', 'M7', '2026-10-01', 33),
      alsfrs('u3', 'BL', '2026-03-01', 44),
      form('u3', 'SCR', 'DEMOG', '2026-01-10', { age: 48, sex: 'F', onset_date: '2025-06-01' }),
    ],
    adverseEvents: [
      {
        id: 'a1',
        subjectId: 'u2',
        aeNumber: 1,
        term: 'Headache',
        preferredTerm: 'Headache',
        soc: 'Nervous system disorders',
        onsetDate: '2026-03-05',
        endDate: '2026-03-06',
        grade: 1,
        serious: false,
        seriousness: [],
        causality: 'POSSIBLE',
        related: true,
        expected: true,
        susar: false,
        outcome: 'recovered',
        status: 'open',
      },
      {
        id: 'a2',
        subjectId: 'u2',
        aeNumber: 2,
        term: 'Pneumonia',
        preferredTerm: null,
        soc: null,
        onsetDate: '2026-12-01',
        endDate: null,
        grade: 3,
        serious: true,
        seriousness: ['HOSPITALISATION'],
        causality: 'UNLIKELY',
        related: false,
        expected: false,
        susar: false,
        outcome: null,
        status: 'open',
      },
    ],
    // The supply chain: MAL-002's lot passed (its RELEASE form holds the cell count), MAL-003's failed release.
    extractions: [
      { id: 'e2', subjectId: 'u2', date: '2026-01-25', tissueGrams: 80, sufficient: true },
      { id: 'e3', subjectId: 'u3', date: '2026-01-26', tissueGrams: 60, sufficient: true },
    ],
    lots: [
      {
        id: 'L1',
        subjectId: 'u2',
        extractionId: 'e2',
        manufacturedOn: '2026-02-20',
        release: {
          status: 'passed',
          date: '2026-02-28',
          expiresOn: '2027-02-28',
          results: { viability: 92, cell_count: 380 },
          failures: [],
        },
      },
      {
        id: 'L3',
        subjectId: 'u3',
        extractionId: 'e3',
        manufacturedOn: '2026-02-21',
        release: {
          status: 'failed',
          date: '2026-03-01',
          expiresOn: null,
          results: { viability: 55, cell_count: 120 },
          failures: [{ criterionId: 'viability', label: 'Cell viability (%)', reason: '55 is below 70' }],
        },
      },
    ],
    infusions: [
      { subjectId: 'u2', periodId: 'double-blind', date: '2026-03-04', status: 'completed', volumeMl: 50 },
      { subjectId: 'u2', periodId: 'crossover', date: '2026-09-04', status: 'interrupted', volumeMl: 30 },
    ],
    contentHash: '0123456789abcdef',
  }
}

describe('datasets from the study extraction', () => {
  it('maps subjects, periods, scores, events, adverse events and exposure', () => {
    const d = datasetsFromExtract(protocol, extract(false))
    expect(DatasetsSchema.safeParse(d).success).toBe(true)
    expect(d.meta).toMatchObject({
      studyId: 'ADMSC-ALS',
      dataCutDate: '2027-06-30',
      blinded: false,
      protocolHash: 'abc',
    })
    expect(d.meta.source).toContain('MedDRA system organ class of some adverse events')
    expect(d.adscr.map((r) => [r.subject, r.outcome, r.reason])).toEqual([
      ['MAL-001', 'screen-failed', 'Inclusion criteria not met'],
      ['MAL-002', 'randomized', null],
      ['MAL-003', 'randomized', null],
    ])
    const [p, d1] = d.adsl
    expect(p).toMatchObject({
      subject: 'MAL-002',
      arm: 'P',
      later_arms: ['D2', null],
      strata: { site: 'MAL', onset: 'spinal', progression: 'intermediate' },
      age: 61,
      sex: 'M',
      death_date: '2027-02-01',
      last_date: '2027-02-01',
      eos_status: 'died',
      eos_period: 'crossover',
      first_dose_date: '2026-03-04',
      pop: { ITT: true, SAF: true, COMP: false, PP: false },
    })
    expect(p?.base['ALSFRSR']).toBe(39)
    expect(p?.chars['riluzole']).toBe(true)
    expect(p?.chars['onset_date_months']).toBeCloseTo(424 / 30.4375, 10)
    expect(p?.chars['delta_fs']).toBe(0.7)
    expect(d1).toMatchObject({
      arm: 'D1',
      eos_status: 'discontinued',
      eos_reason: 'Withdrawal by subject',
      last_date: '2026-05-15',
      pop: { SAF: false },
    })
    const q = d.adqs.filter((r) => r.subject === 'MAL-002' && r.param === 'ALSFRSR')
    expect(q.map((r) => [r.visit, r.day, r.period, r.ablfl])).toEqual([
      ['SCR', -50, null, false],
      ['BL', 0, 'double-blind', true],
      ['M1', 33, 'double-blind', false],
      ['M7', 214, 'crossover', false],
    ])
    expect(
      d.adds.filter((r) => r.subject === 'MAL-002').map((r) => [r.period, r.arm, r.allocated, r.status, r.end_date]),
    ).toEqual([
      ['double-blind', 'P', true, 'completed', '2026-09-01'],
      ['crossover', 'D2', true, 'died', '2027-02-01'],
    ])
    const tte = d.adtte.filter((r) => r.subject === 'MAL-002')
    expect(tte.map((r) => [r.param, r.event, r.evnt_desc])).toEqual([
      ['OS', 1, 'death'],
      ['TFS', 1, 'tracheostomy'],
    ])
    expect(tte[1]?.time_months).toBeCloseTo(315 / 30.4375, 12)
    expect(
      d.adae.map((a) => [a.pt, a.soc, a.period, a.arm_at_onset, a.dose_at_onset, a.hours_after_infusion, a.teae]),
    ).toEqual([
      ['Headache', 'Nervous system disorders', 'double-blind', 'P', 0, 24, true],
      ['Pneumonia', UNCODED_SOC, 'crossover', 'D2', 2e6, 88 * 24, true],
    ])
    expect(d.adex.map((x) => [x.period, x.arm_received, x.dose_per_kg, x.completed])).toEqual([
      ['double-blind', 'P', 0, true],
      ['crossover', 'D2', 2e6, false],
    ])
    expect(d.adfeas).toEqual([
      {
        subject: 'MAL-002',
        site: 'MAL',
        extraction_date: '2026-01-25',
        adipose_g: 80,
        lipoaspirate_ml: 150,
        extraction_ok: true,
        lot: 'L1',
        manufacture_date: '2026-02-20',
        // the RELEASE form's values before the release record's
        cell_count: 400,
        viability: 92,
        released: true,
        release_date: '2026-02-28',
        failure_reason: null,
        first_infusion_date: '2026-03-04',
      },
      {
        subject: 'MAL-003',
        site: 'MAL',
        extraction_date: '2026-01-26',
        adipose_g: 60,
        lipoaspirate_ml: null,
        extraction_ok: true,
        lot: 'L3',
        manufacture_date: '2026-02-21',
        cell_count: 120,
        viability: 55,
        released: false,
        release_date: null,
        failure_reason: 'Cell viability (%): 55 is below 70',
        first_infusion_date: null,
      },
    ])
  })

  it('feasibility and the CONSORT product boxes come from the supply chain, not only from forms', () => {
    const run = runAnalysisPlan(protocol, datasetsFromExtract(protocol, extract(false)), {
      ...PLAN_OPTIONS,
      blinded: false,
    })
    if (!run.ok) throw new Error(JSON.stringify(run.problems))
    const { feasibility, consort } = run.value
    expect(feasibility.extraction).toMatchObject({ attempted: 2, sufficient: 2 })
    expect(feasibility.manufacturing).toMatchObject({
      started: 2,
      released: 1,
      failed: 1,
      failureReasons: [{ reason: 'Cell viability (%): 55 is below 70', n: 1 }],
    })
    expect(feasibility.extractionToInfusionDays.n).toBe(1)
    expect(feasibility.extractionToInfusionDays.median).toBe(38)
    const group = (arm: string) => consort.groups.find((g) => g.key === arm)
    expect(group('D1')).toMatchObject({
      allocated: 1,
      productFailed: 1,
      infused: 0,
      notInfusedReasons: [{ reason: 'Product not released', n: 1 }],
    })
    expect(group('P')).toMatchObject({ productReleased: 1, productFailed: 0, infused: 1 })
    expect(consort.extraction).toEqual({ attempted: 2, sufficient: 2, insufficient: 0 })
  })

  it('a blinded extraction gives blinded datasets that the plan analyses pooled', () => {
    const d = datasetsFromExtract(protocol, extract(true))
    expect(
      new Set([...d.adsl.map((s) => s.arm), ...d.adex.map((x) => x.arm_received), ...d.adds.map((x) => x.arm)]),
    ).toEqual(new Set([BLINDED_ARM]))
    expect(d.adex.every((x) => x.dose_per_kg === null && x.dose_given === null)).toBe(true)
    const run = runAnalysisPlan(protocol, d, { ...PLAN_OPTIONS, blinded: false })
    expect(run.ok).toBe(true)
    if (run.ok) {
      expect(AnalysisResults.safeParse(run.value).success).toBe(true)
      expect(run.value.provenance.blinded).toBe(true)
      expect(run.value.consort).toMatchObject({ assessed: 3, randomized: 2 })
    }
  })

  it('an earlier data cut drops what came after it', () => {
    const d = datasetsFromExtract(protocol, extract(false), { dataCutDate: '2026-06-30' })
    expect(d.adsl.find((s) => s.subject === 'MAL-002')).toMatchObject({
      eos_status: 'ongoing',
      death_date: null,
      last_date: '2026-06-30',
      later_arms: [null, null],
    })
    expect(d.adqs.every((r) => r.date <= '2026-06-30')).toBe(true)
    expect(d.adae.map((a) => a.pt)).toEqual(['Headache'])
  })
})
