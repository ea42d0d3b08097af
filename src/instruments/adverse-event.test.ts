import { describe, expect, it } from 'vitest'
import { adverseEventFromForm, classifyAdverseEvent, type AdverseEventAssessment } from './adverse-event.ts'

const settings = {
  undecidedCausalityCountsAsRelated: true,
  expectedTerms: ['Pyrexia', 'Headache', 'Infusion related reaction'],
}
const classify = (ae: Partial<AdverseEventAssessment>, s = settings) => {
  const r = classifyAdverseEvent({ term: 'Pulmonary embolism', seriousness: [], causality: 'UNLIKELY', ...ae }, s)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

describe('classifyAdverseEvent', () => {
  it('is serious when any ICH criterion is ticked, setting the SDTM flags', () => {
    expect(classify({}).serious).toBe(false)
    const c = classify({ seriousness: ['HOSPITALISATION', 'LIFE_THREATENING'] })
    expect(c.serious).toBe(true)
    expect(c.seriousnessFlags).toEqual({
      AESDTH: 'N',
      AESLIFE: 'Y',
      AESHOSP: 'Y',
      AESDISAB: 'N',
      AESCONG: 'N',
      AESMIE: 'N',
    })
  })

  it('is related per WHO-UMC reasonable possibility, undecided following the protocol setting', () => {
    expect(['CERTAIN', 'PROBABLE', 'POSSIBLE', 'UNLIKELY'].map((causality) => classify({ causality }).related)).toEqual(
      [true, true, true, false],
    )
    expect(classify({ causality: 'CONDITIONAL' }).related).toBe(true)
    expect(
      classify({ causality: 'UNASSESSABLE' }, { ...settings, undecidedCausalityCountsAsRelated: false }).related,
    ).toBe(false)
  })

  it('lets the sponsor upgrade but not downgrade the investigator’s causality, keeping both', () => {
    expect(classify({ causality: 'UNLIKELY', sponsorCausality: 'POSSIBLE' })).toMatchObject({
      relatedByInvestigator: false,
      relatedBySponsor: true,
      related: true,
    })
    expect(classify({ causality: 'PROBABLE', sponsorCausality: 'UNLIKELY' })).toMatchObject({
      relatedByInvestigator: true,
      relatedBySponsor: false,
      related: true,
    })
  })

  it('is a SUSAR only when serious, related and unexpected', () => {
    expect(classify({ seriousness: ['HOSPITALISATION'], causality: 'POSSIBLE' }).susar).toBe(true)
    expect(classify({ seriousness: ['HOSPITALISATION'], causality: 'UNLIKELY' }).susar).toBe(false)
    expect(classify({ seriousness: [], causality: 'POSSIBLE' }).susar).toBe(false)
    // Expected by the reference safety information: coded PT preferred, case and spaces ignored.
    expect(
      classify({
        term: 'high fever',
        preferredTerm: ' pyrexia ',
        seriousness: ['HOSPITALISATION'],
        causality: 'PROBABLE',
      }),
    ).toMatchObject({ expected: true, susar: false })
    expect(
      classify({
        term: 'Headache',
        seriousness: ['OTHER_IMPORTANT'],
        causality: 'PROBABLE',
        expectedness: 'unexpected',
      }).susar,
    ).toBe(true)
  })

  it('names unknown codes', () => {
    const r = classifyAdverseEvent({ term: 'x', seriousness: ['HOSPITAL'], causality: 'MAYBE' }, settings)
    expect(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'seriousness[0]: unknown seriousness criterion "HOSPITAL"',
      'causality: unknown WHO-UMC causality "MAYBE"',
    ])
  })

  it('reads the AE template’s form values', () => {
    const ae = adverseEventFromForm({
      term: 'Fever',
      pt: 'Pyrexia',
      serious: true,
      seriousness: ['DEATH'],
      causality: 'POSSIBLE',
      sponsor_causality: 'PROBABLE',
    })
    expect(ae).toEqual({
      term: 'Fever',
      preferredTerm: 'Pyrexia',
      seriousness: ['DEATH'],
      causality: 'POSSIBLE',
      sponsorCausality: 'PROBABLE',
      expectedness: undefined,
    })
  })
})
