import { describe, expect, it } from 'vitest'
import type { IsoDate } from '../domain/index.ts'
import { describeProblems } from '../domain/index.ts'
import { validateFormEntry, type EntryContext, type FormEntry } from './form-entry.ts'
import { compiledExample, formOf } from './test-support.ts'

const admsc = compiledExample('protocols/admsc-als.yaml')
const oral = compiledExample('protocols/oral-als-2arm.yaml')

function entry(formId: string, values: unknown, context: EntryContext = {}, compiled = admsc): FormEntry {
  const r = validateFormEntry(formOf(compiled, formId), values, context)
  if (!r.ok) throw new Error(describeProblems(r.problems))
  return r.value
}
function problems(formId: string, values: unknown, context: EntryContext = {}, compiled = admsc): string[] {
  const r = validateFormEntry(formOf(compiled, formId), values, context)
  return r.ok ? [] : describeProblems(r.problems).split('\n')
}

const ALSFRS = { Q1: 4, Q2: 3, Q3: 4, Q4: 3, Q5A: 3, Q6: 3, Q7: 3, Q8: 2, Q9: 2, Q10: 4, Q11: 4, Q12: 4 }

describe('compiled forms', () => {
  it('resolves instruments into items, scores and derived values, protocol items after instrument items', () => {
    const alsfrs = formOf(admsc, 'ALSFRS')
    expect(alsfrs.instrument?.id).toBe('ALSFRS-R')
    expect(alsfrs.items).toHaveLength(13)
    expect(
      formOf(admsc, 'MAS')
        .items.map((i) => i.id)
        .slice(0, 3),
    ).toEqual(['elbowFlexors_left', 'elbowFlexors_right', 'elbowExtensors_left'])
    const conmed = formOf(oral, 'CONMED')
    expect(conmed.items.map((i) => `${i.id}:${i.source}`)).toEqual([
      'riluzole:instrument',
      'riluzole_start:instrument',
      'riluzole_dose:instrument',
      'niv:instrument',
      'gastrostomy:instrument',
      'other_medication:instrument',
      'edaravone:protocol',
    ])
    expect(conmed.items.find((i) => i.id === 'other_medication')?.label).toBe(
      'Other concomitant medication (generic names)',
    )
    expect(formOf(admsc, 'RELEASE').items.find((i) => i.id === 'endotoxin')?.softRange).toEqual({ min: 0, max: 0.5 })
  })

  it('is plain data that survives a JSON round trip', () => {
    expect(JSON.parse(JSON.stringify(admsc))).toEqual(admsc)
  })
})

describe('validateFormEntry', () => {
  it('scores ALSFRS-R, with ΔFS from the context dates', () => {
    const e = entry('ALSFRS', ALSFRS, { onsetDate: '2025-01-01' as IsoDate, assessmentDate: '2026-01-01' as IsoDate })
    expect(e.derived).toMatchObject({
      total: 39,
      bulbar: 11,
      fineMotor: 9,
      grossMotor: 7,
      respiratory: 12,
      kingsStage: '3',
      mitosStage: 0,
    })
    expect(e.derived['deltaFS']).toBeCloseTo(0.750514, 6)
    expect(e.queries).toEqual([])
  })

  it('names items.Q5 when both 5a and 5b are answered, and requires one of them on a final form', () => {
    expect(problems('ALSFRS', { ...ALSFRS, Q5B: 2 })).toEqual([
      'items.Q5: answer exactly one of Q5A (without gastrostomy) or Q5B (with gastrostomy), not both',
    ])
    const { Q5A: _, Q7: __, ...rest } = ALSFRS
    expect(problems('ALSFRS', rest)).toEqual([
      'items.Q7: is required',
      'items.Q5: answer exactly one of Q5A (without gastrostomy) or Q5B (with gastrostomy)',
    ])
  })

  it('accepts a half-typed form as a draft, with null totals rather than partial sums', () => {
    const e = entry('ALSFRS', { Q1: '4', Q2: '3', Q3: '' }, { mode: 'draft' })
    expect(e.values).toEqual({ Q1: 4, Q2: 3 })
    expect(e.derived).toMatchObject({ total: null, bulbar: null, kingsStage: null })
    // A wrong value is still a problem while typing.
    expect(problems('ALSFRS', { Q1: '5', Q5A: 1, Q5B: 1 }, { mode: 'draft' })).toEqual([
      'items.Q1: must be one of 4, 3, 2, 1, 0',
      'items.Q5: answer exactly one of Q5A (without gastrostomy) or Q5B (with gastrostomy), not both',
    ])
  })

  it('reports every hard problem at once: type, range, unknown item, choice, required', () => {
    expect(problems('VITALS', { weight: 'heavy', sbp: 300, dbp: 80.5, hr: 70, pulse: 60 })).toEqual([
      'items.pulse: unknown item of form VITALS',
      'items.weight: must be a number',
      'items.sbp: must be between 50 and 260 mmHg',
      'items.dbp: must be a whole number',
      'items.temp: is required',
    ])
    expect(
      problems('DEMOG', {
        age: 40,
        sex: 'X',
        onset_date: '2025-01-01',
        diagnosis_date: '2025-06-01',
        onset_region: 'spinal',
        el_escorial: 'definite',
        familial: false,
        height: 170,
      }),
    ).toEqual(['items.sex: must be one of "F", "M"'])
  })

  it('normalises strings posted by web forms and computes derived values and queries', () => {
    const e = entry('VITALS', { weight: '72.5', height: '170', sbp: '185', dbp: '80', hr: '72', temp: '36.6' })
    expect(e.values).toEqual({ weight: 72.5, height: 170, sbp: 185, dbp: 80, hr: 72, temp: 36.6 })
    expect(e.derived).toEqual({ bmi: 25.1, pulse_pressure: 105 })
    expect(e.queries).toEqual([
      {
        itemId: 'sbp',
        checkId: 'soft-range',
        message: '185 mmHg is above the expected maximum 160 mmHg: please confirm',
      },
    ])
  })

  it('raises edit-check queries on derived values, on the item the check names', () => {
    const e = entry('VITALS', { weight: 72, sbp: 80, dbp: 85, hr: 72, temp: 36.6 })
    expect(e.derived).toEqual({ bmi: null, pulse_pressure: -5 })
    expect(e.queries).toEqual([
      {
        itemId: 'sbp',
        checkId: 'soft-range',
        message: '80 mmHg is below the expected minimum 90 mmHg: please confirm',
      },
      {
        itemId: 'dbp',
        checkId: 'dbp-below-sbp',
        message: 'Diastolic pressure is not below systolic: please check both readings.',
      },
    ])
  })

  it('applies display logic: a hidden item must be empty, a conditionally required one must be given', () => {
    expect(problems('CONMED', { riluzole: false, riluzole_dose: 100, niv: false, gastrostomy: false })).toEqual([
      'items.riluzole_dose: must be empty: asked only when riluzole == true',
    ])
    expect(problems('CONMED', { riluzole: 'true', niv: 'false', gastrostomy: false })).toEqual([
      'items.riluzole_start: is required when riluzole == true',
    ])
    const e = entry('CONMED', {
      riluzole: true,
      riluzole_start: '2025-03-01',
      riluzole_dose: 50,
      niv: false,
      gastrostomy: false,
    })
    expect(e.queries).toEqual([
      {
        itemId: 'riluzole_dose',
        checkId: 'soft-range',
        message: '50 mg/day is not the expected 100 mg/day: please confirm',
      },
    ])
  })

  it('validates adverse events against the code lists and raises consistency queries', () => {
    const ae = {
      term: 'Pneumonia',
      soc: 'Infections and infestations',
      onset_date: '2026-04-01',
      ongoing: false,
      resolution_date: '2026-04-20',
      grade: '3',
      serious: true,
      seriousness: ['HOSPITALISATION'],
      causality: 'UNLIKELY',
      action: 'not-applicable',
      outcome: 'fatal',
    }
    expect(problems('AE', { ...ae, grade: 6, seriousness: ['HOSPITAL'] })).toEqual([
      'items.grade: must be one of 1, 2, 3, 4, 5',
      'items.seriousness: "HOSPITAL" not among "DEATH", "LIFE_THREATENING", "HOSPITALISATION", "DISABILITY", "CONGENITAL_ANOMALY", "OTHER_IMPORTANT"',
    ])
    const e = entry('AE', ae)
    expect(e.values['grade']).toBe(3)
    expect(e.queries.map((q) => `${q.itemId}/${q.checkId}`)).toEqual([
      'grade/fatal-not-grade-5',
      'seriousness/fatal-without-death-criterion',
    ])
  })

  it('computes protocol formulas and checks of a protocol-defined form (oral trial SVC)', () => {
    const e = entry('SVC', { svc_1: 3.1, svc_2: 3.42, svc_3: 3.2, svc_pred: 4.0, mask: false }, {}, oral)
    expect(e.derived).toEqual({ svc_best: 3.42, svc_pct: 85.5, svc_second: 3.2, svc_repeat: 0.22 })
    expect(e.queries).toEqual([
      {
        itemId: 'svc_3',
        checkId: 'not-repeatable',
        message:
          'The two best manoeuvres differ by more than 0.15 L (ATS/ERS repeatability); repeat the test or confirm.',
      },
    ])
    expect(entry('DRUG', { dispensed: 336, returned: 56, days: 84 }, {}, oral)).toMatchObject({
      derived: { adherence_pct: 83 },
      queries: [],
    })
    expect(entry('DRUG', { dispensed: 336, returned: 150, days: 84 }, {}, oral).queries.map((q) => q.checkId)).toEqual([
      'low-adherence',
    ])
  })

  it('scores MAS and ECAS forms with the protocol’s choices', () => {
    expect(entry('MAS', { elbowFlexors_left: '1+', elbowFlexors_right: '1', kneeExtensors_left: 0 }).derived).toEqual({
      sumOrdinal: 3,
      countRated: 3,
      maxOrdinal: 2,
    })
    expect(
      entry('ECAS', { executive: 40, language: 22, fluency: 15, memory: 16, visuospatial: 12 }).derived,
    ).toMatchObject({ total: 105, totalAbnormal: true })
  })

  it('does not require the items the saver cannot enter (notRequired), yet still checks a value given for one', () => {
    const byHand = {
      start: '2026-03-05T09:00:00Z',
      end: '2026-03-05T09:30:00Z',
      volume_given_ml: 50,
      completed: true,
      reaction: false,
    }
    const unblindedOnly = new Set(['dose_prescribed', 'dose_given', 'pct_dose_given'])
    expect(problems('INFUSION', byHand)).toEqual([
      'items.dose_prescribed: is required',
      'items.dose_given: is required',
    ])
    const e = entry('INFUSION', byHand, { notRequired: unblindedOnly })
    expect(e.values).toEqual(byHand)
    expect(e.derived).toEqual({ pct_dose_given: null })
    expect(problems('INFUSION', { ...byHand, dose_given: -1 }, { notRequired: unblindedOnly })).toEqual([
      'items.dose_given: must be at least 0',
    ])
  })

  it('rejects input that is not an object of item values', () => {
    expect(problems('VITALS', [1, 2])).toEqual(['items: must be an object keyed by item id'])
  })
})
