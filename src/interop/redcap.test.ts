import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { miniExtract, loadMiniDesign } from '../../test/fixtures/interop/mini-extract.ts'
import { importRedcapDictionary, parseCsv, redcapData, redcapDictionary, redcapEvents } from './index.ts'

const SAMPLES = fileURLToPath(new URL('../../test/fixtures/interop-samples/redcap/', import.meta.url))
const file = (name: string) => ({ name, text: readFileSync(`${SAMPLES}${name}`, 'utf8') })

function imported(dictionary: { name: string; text: string }, extras: { name: string; text: string }[] = []) {
  const r = importRedcapDictionary({ dictionary, extras })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

describe('every REDCap sample dictionary imports, with the counts its source documents', () => {
  it('longitudinal: 95 fields on 9 forms, 12 events in 2 arms', () => {
    const { protocol, report } = imported(file('redcapr-longitudinal-dictionary.csv'), [
      file('redcapr-longitudinal-event.csv'),
      file('redcapr-longitudinal-arm.csv'),
    ])
    expect(report.counts).toEqual({
      fields: 95,
      forms: 9,
      items: 92,
      derived: 2,
      displayConditions: 2,
      events: 12,
      arms: 2,
    })
    expect(protocol.visits.map((v) => v.id)).toEqual([
      'enrollment_arm_1',
      'dose_1_arm_1',
      'visit_1_arm_1',
      'dose_2_arm_1',
      'visit_2_arm_1',
      'final_visit_arm_1',
      'enrollment_arm_2',
      'deadline_to_opt_ou_arm_2',
      'first_dose_arm_2',
      'first_visit_arm_2',
      'final_visit_arm_2',
      'deadline_to_return_arm_2',
    ])
    expect(protocol.arms.map((a) => a.label)).toEqual(['Drug A', 'Drug B'])
    const demo = protocol.forms.find((f) => f.id === 'demographics')
    expect(demo?.items.find((i) => i.id === 'num_children')).toMatchObject({
      type: 'integer',
      range: { min: 0 },
      showWhen: {
        all: [
          { item: 'sex', op: '==', value: 0 },
          { item: 'given_birth', op: '==', value: true },
        ],
      },
    })
    expect(demo?.derived).toEqual([
      { id: 'bmi', label: 'BMI', formula: 'round(((weight * 10000) / (height * height)), 1)' },
    ])
    expect(demo?.items.find((i) => i.id === 'first_name')?.identifier).toBe(true)
    expect(report.skipped).toContainEqual(
      expect.objectContaining({
        construct: 'line 4 (patient_document)',
        reason: 'file upload: files are not imported',
        lines: [4],
      }),
    )
  })

  it('survey: 25 fields on 4 forms', () => {
    const { report, protocol } = imported(file('redcapr-survey-dictionary.csv'))
    expect(report.counts).toMatchObject({ fields: 25, forms: 4, items: 25, derived: 0 })
    expect(protocol.forms.filter((f) => f.id !== 'ENDPOINT_PLACEHOLDER')).toHaveLength(4)
  })

  it('validation types: every field type and validation mapped or reported with its line', () => {
    const { report, protocol } = imported(file('redcapr-validation-types-1-dictionary.csv'))
    expect(report.counts).toMatchObject({ fields: 50, forms: 1, items: 45, derived: 1 })
    const form = protocol.forms[0]
    const type = (id: string) => form?.items.find((i) => i.id === id)
    expect(type('v_date_dmy')?.type).toBe('date')
    expect(type('v_datetime_seconds_mdy')?.type).toBe('datetime')
    expect(type('v_integer')?.type).toBe('integer')
    expect(type('v_number_3dp')).toMatchObject({ type: 'decimal', decimals: 3 })
    expect(type('v_number_2dp_comma_decimal')).toMatchObject({ type: 'decimal', decimals: 2 })
    expect(type('f_checkbox')).toMatchObject({
      type: 'multichoice',
      options: [
        { code: 0, label: 'Zero' },
        { code: 1, label: 'One' },
        { code: 2, label: 'Two' },
      ],
    })
    expect(type('f_dropdown')?.type).toBe('choice')
    expect(type('f_true_false')?.type).toBe('boolean')
    expect(type('f_slider')).toMatchObject({ type: 'integer', range: { min: -1, max: 101 } })
    expect(type('f_notes')?.type).toBe('text')
    expect(form?.derived).toEqual([{ id: 'f_calculated', label: 'Calculated Field', formula: '(3 + 4)' }])
    const skipped = report.skipped.map((s) => s.construct)
    expect(skipped).toEqual(
      expect.arrayContaining([
        'line 5 (f_descriptive)',
        'line 7 (f_file_upload)',
        'line 10 (f_signature)',
        'line 12 (f_sql)',
        'line 26 (v_email)',
      ]),
    )
  })
})

describe('REDCap dictionary problems', () => {
  it('reports branching logic and calculations it cannot translate, with the CSV line', () => {
    const text = [
      '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label","Choices, Calculations, OR Slider Labels","Field Note","Text Validation Type OR Show Slider Number","Text Validation Min","Text Validation Max",Identifier?,"Branching Logic (Show field only if...)","Required Field?"',
      'rid,f1,,text,ID,,,,,,,,',
      'dob,f1,,text,DOB,,,date_ymd,,,,,',
      "age,f1,,calc,Age,\"rounddown(datediff([dob],'today','y'),0)\",,,,,,,",
      'other,f1,,text,Other,,,,,,,"[visit_1_arm_1][dob] <> \'\'",',
      'x,f1,,radio,X,"1, A | 2, B",,,,,,"[age] > 18 or [oops",y',
      'later,f2,,yesno,Later,,,,,,,"[x] = \'1\'",',
      'inj,f1,,text,"=cmd|\' /C calc\'!A0",,,,,,,,',
    ].join('\n')
    const { report, protocol } = imported({ name: 'dict.csv', text })
    const reasons = report.skipped.map((s) => `${s.construct}: ${s.reason}`)
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^line 4 \(age\): calculation .* not translated \(function rounddown\(\) is not available/,
        ),
        expect.stringMatching(/^line 5 \(other\): branching logic .* refers to event "visit_1_arm_1"/),
        expect.stringMatching(/^line 6 \(x\): branching logic .* cannot parse: unclosed "\[" at column 15/),
        expect.stringMatching(/^line 7 \(later\): branching logic .* refers to "x" on form "f1"/),
        expect.stringMatching(/^line 8, column "Field Label": cell starts like a spreadsheet formula/),
      ]),
    )
    // The injected label is kept as text, the uncomputable calculation as an entered number.
    expect(protocol.forms[0]?.items.find((i) => i.id === 'inj')?.label).toBe("=cmd|' /C calc'!A0")
    expect(protocol.forms[0]?.items.find((i) => i.id === 'age')?.type).toBe('decimal')
    expect(protocol.forms[0]?.items.find((i) => i.id === 'x')?.required).toBe(true)
  })

  it('refuses a file that is not a dictionary or not CSV', () => {
    expect(importRedcapDictionary({ dictionary: { name: 'x.csv', text: 'a,b\n1,2\n' } })).toMatchObject({
      ok: false,
      problems: [{ code: 'invalid', message: expect.stringMatching(/not a REDCap data dictionary/) as string }],
    })
    expect(
      importRedcapDictionary({ dictionary: { name: 'x.csv', text: '"Variable / Field Name","Form Name"\n"a,b\n' } }),
    ).toMatchObject({ ok: false })
  })
})

describe('REDCap export', () => {
  it('the dictionary of a design imports back to the same items, conditions and formulas', async () => {
    const design = await loadMiniDesign()
    const dictionary = redcapDictionary(design)
    const { events, mapping } = redcapEvents(design)
    const back = imported({ name: 'mini.csv', text: dictionary }, [
      { name: 'events.csv', text: events },
      { name: 'mapping.csv', text: mapping },
    ])
    for (const form of design.forms) {
      const again = back.protocol.forms.find((f) => f.id === form.id.toLowerCase())
      for (const item of form.items) {
        const b = again?.items.find((i) => i.id === item.id)
        expect(b, `${form.id}.${item.id}`).toMatchObject({
          type: item.type,
          required: item.required,
          identifier: item.identifier,
        })
        if (item.options)
          expect(b?.options?.map((o) => String(o.code))).toEqual(item.options.map((o) => String(o.code)))
      }
    }
    const demog = back.protocol.forms.find((f) => f.id === 'demog')
    expect(demog?.items.find((i) => i.id === 'pregnant')?.showWhen).toEqual({ item: 'sex', op: '==', value: 'F' })
    expect(back.protocol.forms.find((f) => f.id === 'vitals')?.derived[0]).toMatchObject({
      id: 'bmi',
      formula: 'round((weight / ((height / 100) * (height / 100))), 1)',
    })
    expect(back.protocol.visits.map((v) => [v.id, v.forms])).toEqual([
      ['scr_arm_1', ['demog', 'vitals', 'score']],
      ['m1_arm_1', ['vitals', 'score']],
      ['uns_arm_1', ['vitals']],
    ])
  })

  it('data CSV: one row per subject and event, checkboxes as columns, repeats as instances, formulas neutralised', async () => {
    const r = redcapData(await miniExtract())
    if (!r.ok) throw new Error('export failed')
    const table = parseCsv(r.value)
    if (!table.ok) throw new Error('not CSV')
    expect(table.value.header.slice(0, 8)).toEqual([
      'record_id',
      'redcap_event_name',
      'redcap_repeat_instrument',
      'redcap_repeat_instance',
      'initials',
      'age',
      'sex',
      'pregnant',
    ])
    expect(table.value.header).toEqual(expect.arrayContaining(['symptoms___cramps', 'symptoms___fasc']))
    const rows = table.value.rows.map((x) => x.cells)
    const scr = rows.find((x) => x['record_id'] === 'S01-001' && x['redcap_event_name'] === 'scr_arm_1')
    expect(scr).toMatchObject({
      initials: 'A&B',
      age: '46',
      sex: 'F',
      symptoms___cramps: '0',
      symptoms___fasc: '1',
      seen_at: '2026-03-02 08:30:00',
      weight: '71.5',
    })
    expect(
      rows.filter((x) => x['redcap_repeat_instrument'] === 'score').map((x) => [x['redcap_repeat_instance'], x['s1']]),
    ).toEqual([
      ['1', '3'],
      ['2', '2'],
    ])
    expect(rows.find((x) => x['redcap_event_name'] === 'uns_arm_1')?.['redcap_repeat_instance']).toBe('1')
    expect(rows.find((x) => x['record_id'] === 'S02-001')?.['initials']).toBe("'=cmd|x")
    expect(table.value.formulaCells).toEqual([])
    expect(r.value).not.toMatch(/ZETAHI|QUOPLA/)
    expect(redcapData({ ...(await miniExtract()), blinded: true })).toMatchObject({
      ok: false,
      problems: [{ code: 'forbidden' }],
    })
  })
})
