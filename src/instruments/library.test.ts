import { describe, expect, it } from 'vitest'
import { codeList } from './instrument-data.ts'
import {
  computeInstrumentScores,
  listInstruments,
  resolveInstrument,
  scoreResolvedInstrument,
  type ResolvedInstrument,
} from './library.ts'
import { scoreInstrument } from './score-input.ts'
import { instrumentTemplates } from './templates.ts'

function resolve(id: string, options = {}): ResolvedInstrument {
  const r = resolveInstrument(id, options)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

describe('instrument library', () => {
  it('offers the instruments of instruments.json and the built-in templates', () => {
    expect(listInstruments().map((i) => i.id)).toEqual([
      'ALSFRS-R',
      'MAS',
      'ECAS',
      'VITALS',
      'NEUROPHYS',
      'SPIROMETRY',
      'EXTRACTION',
      'MANUFACTURING',
      'INFUSION',
      'CONMED',
      'AE',
    ])
    expect(instrumentTemplates().every((t) => t.items.length > 0)).toBe(true)
  })

  it('builds ALSFRS-R items from the data, Q5A/Q5B governed by the slot rule instead of required', () => {
    const a = resolve('ALSFRS-R')
    expect(a.items.map((i) => i.id)).toEqual([
      'Q1',
      'Q2',
      'Q3',
      'Q4',
      'Q5A',
      'Q5B',
      'Q6',
      'Q7',
      'Q8',
      'Q9',
      'Q10',
      'Q11',
      'Q12',
    ])
    expect(a.items.filter((i) => !i.required).map((i) => i.id)).toEqual(['Q5A', 'Q5B'])
    expect(a.items[0]?.label).toBe('1. Speech')
    expect(a.items[0]?.options?.map((o) => o.code)).toEqual([4, 3, 2, 1, 0])
    expect(a.scores.map((s) => s.id)).toEqual([
      'total',
      'bulbar',
      'fineMotor',
      'grossMotor',
      'respiratory',
      'kingsStage',
      'mitosStage',
      'deltaFS',
    ])
  })

  it('builds one MAS item per muscle group and side', () => {
    const m = resolve('MAS', { muscleGroups: ['elbowFlexors', 'kneeExtensors'] })
    expect(m.items.map((i) => `${i.id}=${i.label}`)).toEqual([
      'elbowFlexors_left=Elbow flexors (left)',
      'elbowFlexors_right=Elbow flexors (right)',
      'kneeExtensors_left=Knee extensors (left)',
      'kneeExtensors_right=Knee extensors (right)',
    ])
    expect(resolve('MAS').items).toHaveLength(14)
  })

  it('expands code lists into options (MedDRA SOCs in their agreed order)', () => {
    const ae = resolve('AE')
    const soc = ae.items.find((i) => i.id === 'soc')
    expect(soc?.options).toHaveLength(27)
    expect(soc?.options?.[0]?.code).toBe(codeList('MEDDRA_SOC')?.codes.find((c) => c.order === 1)?.code)
    expect(ae.items.find((i) => i.id === 'seriousness')?.options?.map((o) => o.code)).toEqual([
      'DEATH',
      'LIFE_THREATENING',
      'HOSPITALISATION',
      'DISABILITY',
      'CONGENITAL_ANOMALY',
      'OTHER_IMPORTANT',
    ])
  })

  it('takes a product release criterion’s acceptance range as the soft range of the same item', () => {
    const m = resolve('MANUFACTURING', {
      releaseCriteria: [{ id: 'viability', range: { min: 70, max: 100 } }, { id: 'sterility' }],
    })
    expect(m.items.find((i) => i.id === 'viability')?.softRange).toEqual({ min: 70, max: 100 })
  })

  it('reports unknown instruments and options that do not apply', () => {
    const r = resolveInstrument('VITALS', { muscleGroups: ['elbowFlexors'], cutoffs: { total: 100 } })
    expect(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'muscleGroups: applies only to the MAS instrument',
      'cutoffs: applies only to the ECAS instrument',
    ])
    const u = resolveInstrument('FAB')
    expect(u.ok ? '' : u.problems[0]?.message).toMatch(/^unknown instrument "FAB" \(known: ALSFRS-R, MAS, ECAS, VITALS/)
    const s = resolveInstrument('MITOS')
    expect(s.ok ? '' : s.problems[0]?.message).toBe('"MITOS" is derived from ALSFRS-R scores, not a form instrument')
  })

  it('flattens scores for a form: ALSFRS-R, MAS and ECAS', () => {
    const all4 = { Q1: 4, Q2: 4, Q3: 4, Q4: 4, Q5A: 4, Q6: 4, Q7: 4, Q8: 4, Q9: 4, Q10: 4, Q11: 4, Q12: 3 }
    expect(computeInstrumentScores(resolve('ALSFRS-R'), all4)).toEqual({
      total: 47,
      bulbar: 12,
      fineMotor: 12,
      grossMotor: 12,
      respiratory: 11,
      kingsStage: '4B',
      mitosStage: 0,
      deltaFS: null,
    })
    expect(computeInstrumentScores(resolve('MAS'), { elbowFlexors_left: '1+' })).toEqual({
      sumOrdinal: 2,
      countRated: 1,
      maxOrdinal: 2,
    })
    expect(
      computeInstrumentScores(resolve('ECAS', { cutoffs: { total: 90 } }), {
        executive: 30,
        language: 20,
        fluency: 20,
        memory: 15,
        visuospatial: 10,
      }),
    ).toEqual({
      alsSpecific: 70,
      alsNonSpecific: 25,
      total: 95,
      alsSpecificAbnormal: true,
      alsNonSpecificAbnormal: false,
      totalAbnormal: false,
    })
  })
})

describe('template derived values', () => {
  it('computes NI, MUNIX sum and MUSIX for NEUROPHYS', () => {
    const r = scoreInstrument('NEUROPHYS', {
      side: 'right',
      cmap_apb: 6.4,
      cmap_adm: 8.5,
      dml_adm: 3.2,
      fwave_adm: 60,
      munix_apb: 80,
      munix_adm: 120,
      munix_biceps: 150,
      munix_ta: 90,
      munix_ah: 60,
      munix_trap: 100,
    })
    // NI = 8.5 / 3.2 × 60 = 159.375 → 159.38; MUSIX APB = 6.4 mV × 1000 / 80 = 80 µV.
    expect(r.ok && r.value).toMatchObject({ derived: { ni_adm: 159.38, munix_sum: 600, musix_apb: 80, musix_adm: 71 } })
  })

  it('leaves the MUNIX sum missing when one muscle is, and NI missing when DML is zero', () => {
    const r = scoreInstrument('NEUROPHYS', { side: 'left', munix_apb: 80, munix_adm: 120 })
    expect(r.ok && r.value).toMatchObject({ derived: { ni_adm: null, munix_sum: null, musix_apb: null } })
    expect(
      scoreResolvedInstrument(resolve('NEUROPHYS'), { cmap_adm: 8, dml_adm: 0, fwave_adm: 50 })['ni_adm'],
    ).toBeNull()
  })

  it('computes BMI and pulse pressure for VITALS', () => {
    expect(scoreResolvedInstrument(resolve('VITALS'), { weight: 70, height: 175, sbp: 120, dbp: 80 })).toEqual({
      bmi: 22.9,
      pulse_pressure: 40,
    })
  })
})
