import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { describeProblems } from '../domain/index.ts'
import { loadProtocolFile, protocolFromData } from './load-protocol.ts'

const root = new URL('../../', import.meta.url)
const fixture = (name: string): string => new URL(`test/fixtures/protocols/${name}`, root).pathname

// The tests edit raw protocol data freely, including into shapes the schema rejects: that is what is tested.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call */
type Raw = Record<string, any>

/** The minimal valid protocol as data, edited by `edit`, validated; returns every problem as `path: message`. */
function problemsOf(edit: (raw: Raw) => void, file = 'minimal.yaml'): string[] {
  const raw = parse(readFileSync(fixture(file), 'utf8')) as Raw
  edit(raw)
  const result = protocolFromData(raw)
  return result.ok ? [] : describeProblems(result.problems).split('\n')
}

describe('example protocols', () => {
  for (const file of [
    'protocols/admsc-als.yaml',
    'protocols/oral-als-2arm.yaml',
    'test/fixtures/protocols/minimal.yaml',
  ]) {
    it(`${file} passes every check`, async () => {
      const loaded = await loadProtocolFile(new URL(file, root).pathname)
      expect(loaded.ok ? [] : loaded.problems).toEqual([])
    })
  }
})

describe('broken example files', () => {
  const cases: Array<[string, string[]]> = [
    ['unknown-form.yaml', ['visits[2].forms[1]: unknown form "LABS"']],
    [
      'ratio-mismatch.yaml',
      [
        'periods[0].allocation.ratio.B: unknown arm "B"',
        'periods[0].allocation.ratio: arm "P" is missing: no period allocates it',
        'endpoints.controlArm: arm "P" is not allocated at randomization, so it has no concurrent control group',
      ],
    ],
    ['window-overlap.yaml', ['visits[2].window: overlaps visit M2 (days 54–68)']],
  ]
  for (const [file, expected] of cases) {
    it(`${file} fails with the path of the fault`, async () => {
      const loaded = await loadProtocolFile(fixture(file))
      expect(loaded.ok ? [] : describeProblems(loaded.problems).split('\n')).toEqual(expected)
    })
  }
})

describe('validateProtocol', () => {
  it('reports duplicate ids of arms, sites, visits, forms, factors and items', () => {
    expect(
      problemsOf((r) => {
        r.arms.push({ ...r.arms[0] })
        r.sites.push({ ...r.sites[0] })
        r.visits.push({ ...r.visits[3], day: 91 })
        r.forms.push({ id: 'VITALS', label: 'Again', items: [{ id: 'x', label: 'X', type: 'integer' }] })
        r.forms[0].items = [{ id: 'weight', label: 'Weight again', type: 'decimal' }]
      }),
    ).toEqual(
      expect.arrayContaining([
        'sites[1].id: duplicate id "S1" (also sites[0])',
        'arms[2].id: duplicate id "A" (also arms[0])',
        'visits[4].id: duplicate id "M2" (also visits[3])',
        'forms[2].id: duplicate id "VITALS" (also forms[0])',
        'forms[0].items[0].id: duplicate id "weight" (also an item of instrument VITALS)',
      ]),
    )
  })

  it('checks ratios: positive integers, known arms, block sizes that fit the ratio total', () => {
    expect(problemsOf((r) => (r.periods[0].allocation.ratio = { A: 2, P: 0 }))).toEqual([
      'periods[0].allocation.ratio.P: must be a positive integer',
    ])
    expect(
      problemsOf(
        (r) => (r.periods[0].allocation = { method: 'permuted-blocks', ratio: { A: 3, P: 1 }, blockSizes: [4, 6, 8] }),
      ),
    ).toEqual(['periods[0].allocation.blockSizes[1]: must be a multiple of the ratio total 4'])
  })

  it('checks stratification factors and minimisation factors', () => {
    expect(
      problemsOf((r) => {
        r.stratification = {
          factors: [
            { id: 'site', label: 'Site', source: 'site' },
            { id: 'onset', label: 'Onset', source: 'enrolment' },
            {
              id: 'pace',
              label: 'Pace',
              source: {
                value: 'deltaFS',
                cuts: [
                  { below: 1, level: 'slow' },
                  { below: 0.5, level: 'mid' },
                ],
                otherwise: 'slow',
              },
            },
            {
              id: 'fvc',
              label: 'FVC',
              source: { value: 'fvc_pct', cuts: [{ below: 70, level: 'low' }], otherwise: 'high' },
            },
          ],
        }
        r.periods[0].allocation = {
          method: 'minimisation',
          ratio: { A: 1, P: 1 },
          factors: ['site', 'region', 'site'],
          stratifyBy: ['sex'],
        }
      }),
    ).toEqual([
      'stratification.factors[1].levels: an enrolment factor must list its levels',
      'stratification.factors[2].source.cuts[1].below: must be above the previous cut (1)',
      'stratification.factors[2].source.otherwise: duplicate level "slow"',
      'stratification.factors[3].source.value: no form produces a numeric value "fvc_pct"',
      'periods[0].allocation.stratifyBy[0]: unknown factor "sex" (declare it under stratification.factors)',
      'periods[0].allocation.factors[1]: unknown factor "region" (declare it under stratification.factors)',
      'periods[0].allocation.factors[2]: duplicate factor "site"',
    ])
  })

  it('checks period entries, re-allocation and period anchors', () => {
    expect(
      problemsOf((r) => {
        r.periods.push({
          id: 'ext',
          label: 'Extension',
          entry: { who: 'continuing', from: 'nowhere' },
          durationDays: 90,
          blinding: 'open-label',
          allocateFrom: ['Q'],
          othersReceive: 'Z',
        })
        r.visits.push({ id: 'E1', label: 'Ext 1', anchor: 'period:later', day: 30, period: 'gone', forms: ['ALSFRS'] })
      }),
    ).toEqual([
      'periods[1].entry.from: unknown period "nowhere"',
      'periods[1].allocateFrom[0]: unknown arm "Q"',
      'periods[1].allocateFrom: needs an allocation in the same period',
      'periods[1].othersReceive: unknown arm "Z"',
      'visits[4].anchor: unknown period "later"',
      'visits[4].period: unknown period "gone"',
    ])
  })

  it('checks the visit calendar: day order on an anchor, the infusion anchor, one randomization visit', () => {
    expect(
      problemsOf((r) => {
        r.visits[3].day = 20
        r.visits.push({ id: 'W1', label: 'Week 1', anchor: 'infusion', day: 7, forms: [] })
        r.visits[0].procedures = ['randomization']
      }),
    ).toEqual([
      'visits[4].anchor: no visit has the infusion procedure, so "infusion" never has a date',
      'visits[1].procedures: randomization is already done at visit SCR',
      'visits[3].day: must be after visit M1 (day 30), the previous visit anchored to randomization',
    ])
  })

  it('checks instruments, code lists and every reference inside a form', () => {
    expect(
      problemsOf((r) => {
        r.forms.push(
          { id: 'FAB', label: 'FAB', instrument: 'FAB' },
          { id: 'MASX', label: 'MAS', instrument: 'VITALS', muscleGroups: ['neck'] },
          {
            id: 'X',
            label: 'Protocol form',
            labels: { nothing: 'Label for nothing' },
            items: [
              { id: 'a', label: 'A', type: 'integer', range: { min: 0, max: 10 } },
              { id: 'b', label: 'B', type: 'choice', codeList: 'NOT_A_LIST' },
              { id: 'c', label: 'C', type: 'text', showWhen: { item: 'zz', op: '==', value: 1 } },
              {
                id: 'd',
                label: 'D',
                type: 'choice',
                options: [{ code: 'y', label: 'Yes' }],
                requiredWhen: { item: 'a', op: '>', value: 'big' },
              },
              {
                id: 'e',
                label: 'E',
                type: 'text',
                showWhen: { item: 'd', op: '==', value: 'maybe' },
                range: { max: 3 },
              },
            ],
            derived: [
              { id: 'twice', label: 'Twice', formula: '2 * a + later' },
              { id: 'later', label: 'Later', formula: 'a +' },
              { id: 'bad', label: 'Bad', formula: 'c * 2' },
            ],
            checks: [{ id: 'k', when: { item: 'nothing', op: '>', value: 1 }, message: 'm', item: 'zz' }],
          },
        )
      }),
    ).toEqual([
      'forms[2].instrument: unknown instrument "FAB" (known: ALSFRS-R, MAS, ECAS, VITALS, NEUROPHYS, SPIROMETRY, EXTRACTION, MANUFACTURING, INFUSION, CONMED, AE)',
      'forms[3].muscleGroups: applies only to the MAS instrument',
      'forms[4].items[1].codeList: unknown code list "NOT_A_LIST" (known: CTCAE_GRADE, WHO_UMC_CAUSALITY, ICH_SERIOUSNESS_CRITERIA, MEDDRA_SOC)',
      'forms[4].items[4].range: applies only to integer and decimal items, not text',
      'forms[4].labels.nothing: unknown item "nothing"',
      'forms[4].items[2].showWhen: unknown item "zz"',
      'forms[4].items[3].requiredWhen.value: item "a" is integer: compare it with a number, not "big"',
      'forms[4].items[4].showWhen.value: "maybe" is not an option of item "d"',
      'forms[4].derived[0].formula: unknown item "later" (derived values may use only earlier ones)',
      'forms[4].derived[1].formula: unexpected end of formula',
      'forms[4].derived[2].formula: item "c" is text, not numeric',
      'forms[4].checks[0].when: unknown item "nothing"',
      'forms[4].checks[0].item: unknown item "zz"',
    ])
  })

  it('checks dosing: the weight item, a dose for every active arm of a dosed period, the infusion visit', () => {
    const dosing = {
      weight: { form: 'VITALS', item: 'height' },
      rounding: { step: 1e5 },
      preparation: { volumeMl: 50, vehicle: 'Saline', container: 'Bag', label: 'Study product', infusionMinutes: 30 },
      placeboContent: 'Saline',
    }
    expect(
      problemsOf((r) => {
        r.dosing = dosing
        r.periods[0].dosing = true
        r.arms[1].dose = { perKg: 1, unit: 'cells' }
      }),
    ).toEqual([
      'periods[0].dosing: no visit of period "main" has the infusion procedure',
      'arms[1].dose: a placebo arm has no dose',
      'dosing.weight.item: item "height" of form VITALS must be recorded in kg, not cm',
      'arms[0].dose: is required: the arm is active in dosed period "main"',
    ])
    expect(problemsOf((r) => (r.dosing = { ...dosing, weight: { form: 'DEMOG', item: 'weight' } }))).toEqual([
      'dosing.weight.form: unknown form "DEMOG"',
      'dosing: no period declares dosing: true',
    ])
    expect(problemsOf((r) => (r.arms[0].dose = { perKg: 1e6, unit: 'cells' }))).toEqual([
      'arms[0].dose: a per-kg dose needs the dosing section (weight source, rounding, preparation)',
    ])
  })

  it('checks endpoints, the control arm and the placebo arms', () => {
    expect(
      problemsOf((r) => {
        r.endpoints.controlArm = 'C'
        r.endpoints.scores = [
          { id: 'FRS', label: 'x', form: 'ALSFRS', value: 'totl', direction: 'higher-better', role: 'secondary' },
          { id: 'KS', label: 'x', form: 'ALSFRS', value: 'kingsStage', direction: 'lower-better', role: 'secondary' },
          { id: 'BMI', label: 'x', form: 'ONCE', value: 'bmi', direction: 'lower-better', role: 'secondary' },
          { id: 'X', label: 'x', form: 'NOPE', value: 'x', direction: 'lower-better', role: 'secondary' },
        ]
        r.forms.push({ id: 'ONCE', label: 'Vitals once', instrument: 'VITALS' })
        r.visits[1].forms.push('ONCE')
        r.arms.push({ id: 'P2', label: 'Placebo 2', blindedLabel: 'Study drug', type: 'placebo' })
        r.periods[0].allocation.ratio.P2 = 1
        r.periods[0].allocation.blockSizes = [3, 6]
      }),
    ).toEqual([
      'arms[2].type: a second placebo arm "P2" (besides "P"): contrasts are taken against one control arm',
      'endpoints.controlArm: unknown arm "C"',
      'endpoints.scores: no endpoint has role: primary',
      'endpoints.scores[0].value: form ALSFRS does not produce "totl" (scores and derived values: total, bulbar, fineMotor, grossMotor, respiratory, mitosStage, deltaFS; or a numeric item)',
      'endpoints.scores[1].value: "kingsStage" of form ALSFRS is not numeric, so it has no slope',
      'endpoints.scores[2].form: form ONCE is scheduled at 1 visit; a slope needs at least two',
      'endpoints.scores[3].form: unknown form "NOPE"',
    ])
  })

  it('keeps the blind: every arm of a blinded period shows the same label', () => {
    expect(problemsOf((r) => (r.arms[1].blindedLabel = 'Placebo capsules'))).toEqual([
      'arms[1].blindedLabel: must equal "Study drug" like the other arms of double-blind period "main"',
    ])
  })

  it('checks populations, eligibility and disposition lists', () => {
    expect(
      problemsOf((r) => {
        r.populations = [
          { id: 'ITT', label: 'All', rule: 'randomized' },
          { id: 'ITT2', label: 'All again', rule: 'randomized' },
        ]
        r.eligibility = {
          minAge: 60,
          maxAge: 40,
          inclusion: [{ id: 'I1', text: 'x' }],
          exclusion: [{ id: 'I1', text: 'y' }],
        }
        r.disposition.withdrawalReasons = ['Other', 'Death', ' other']
      }),
    ).toEqual([
      'eligibility.exclusion[0].id: duplicate id "I1" (also eligibility.inclusion[0])',
      'populations[1].rule: same rule "randomized" as populations[0]',
      'populations: must include the safety population (rule: treated)',
      'eligibility.maxAge: must not be below minAge 60',
      'disposition.withdrawalReasons[2]: duplicate reason "other"',
    ])
  })

  it('reports schema and semantic problems of a file in one pass, each with its path', () => {
    const all = problemsOf((r) => {
      r.visits[2].forms.push('LABS')
      r.periods[0].allocation.ratio = { A: 1, B: 1 }
      r.visits[2].window.after = 30
    })
    expect(all).toEqual(
      expect.arrayContaining([
        'visits[2].forms[1]: unknown form "LABS"',
        'periods[0].allocation.ratio.B: unknown arm "B"',
        'visits[2].window: overlaps visit M2 (days 54–68)',
      ]),
    )
  })
})
