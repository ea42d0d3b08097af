/** The model's vocabulary and default catalogue must agree with data/instruments.json, the single source. */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_ADVERSE_EVENTS, WHO_UMC } from './adverse-event-catalogue.ts'
import { defaultNaturalHistory } from './params.ts'
import {
  ALSFRS_ITEM_MAX,
  ALSFRS_SLOTS,
  ALSFRS_SUBSCORES,
  ALSFRS_TOTAL_MAX,
  ECAS_DOMAINS,
  MAS_GRADES,
  MAS_SIDES,
} from './vocabulary.ts'

interface Code {
  code: string | number
  ordinal?: number
}
interface Instrument {
  id: string
  items?: { id: string; slot: string }[]
  slots?: string[]
  scoring?: {
    itemMin: number
    itemMax: number
    total: { max: number }
    subscores: { id: string; slots: string[]; max: number }[]
  }
  grades?: Code[]
  sides?: string[]
  suggestedMuscleGroups?: string[]
  domains?: { id: string; min: number; max: number }[]
}
const library = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../data/instruments.json'), 'utf8')) as {
  instruments: Instrument[]
  codeLists: { id: string; codes: Code[] }[]
}
const instrument = (id: string): Instrument => library.instruments.find((i) => i.id === id) as Instrument
const codes = (id: string): (string | number)[] =>
  (library.codeLists.find((c) => c.id === id)?.codes ?? []).map((c) => c.code)

describe('vocabulary matches instruments.json', () => {
  it('ALSFRS-R slots, item ids, ranges and subscores', () => {
    const alsfrs = instrument('ALSFRS-R')
    expect(alsfrs.slots).toEqual([...ALSFRS_SLOTS])
    expect(alsfrs.items?.map((i) => i.id)).toEqual([
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
    expect(alsfrs.scoring?.itemMax).toBe(ALSFRS_ITEM_MAX)
    expect(alsfrs.scoring?.itemMin).toBe(0)
    expect(alsfrs.scoring?.total.max).toBe(ALSFRS_TOTAL_MAX)
    const subscores = Object.fromEntries(
      Object.entries(ALSFRS_SUBSCORES).map(([id, slots]) => [id, slots.map((j) => ALSFRS_SLOTS[j])]),
    )
    expect(Object.fromEntries(alsfrs.scoring?.subscores.map((s) => [s.id, s.slots]) ?? [])).toEqual(subscores)
  })

  it('MAS grades in ordinal order, sides and the default muscle groups', () => {
    const mas = instrument('MAS')
    expect(mas.grades?.map((g) => [g.code, g.ordinal])).toEqual(MAS_GRADES.map((g, i) => [g, i]))
    expect(mas.sides).toEqual([...MAS_SIDES])
    expect(defaultNaturalHistory.mas.muscleGroups).toEqual(mas.suggestedMuscleGroups)
  })

  it('ECAS domain ranges', () => {
    expect(Object.fromEntries(instrument('ECAS').domains?.map((d) => [d.id, d.max]) ?? [])).toEqual(ECAS_DOMAINS)
    expect(instrument('ECAS').domains?.every((d) => d.min === 0)).toBe(true)
  })

  it('AE catalogue uses MedDRA SOC names, WHO-UMC causality codes and ICH seriousness criteria from the code lists', () => {
    const c = DEFAULT_ADVERSE_EVENTS
    const socs = new Set(codes('MEDDRA_SOC'))
    const terms = [...c.background, ...c.extraction, ...c.infusion, ...c.death, c.ventilation]
    expect(terms.filter((t) => !socs.has(t.soc)).map((t) => t.soc)).toEqual([])
    expect([...WHO_UMC]).toEqual(codes('WHO_UMC_CAUSALITY'))
    const causalities = new Set(terms.flatMap((t) => Object.keys(t.causality)))
    expect([...causalities].filter((k) => !WHO_UMC.includes(k as (typeof WHO_UMC)[number]))).toEqual([])
    const criteria = codes('ICH_SERIOUSNESS_CRITERIA')
    for (const k of ['DEATH', 'LIFE_THREATENING', 'HOSPITALISATION', 'OTHER_IMPORTANT']) expect(criteria).toContain(k)
  })
})
