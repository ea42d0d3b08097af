import { describe, expect, it } from 'vitest'
import { ecasCutoffProblems, scoreEcas } from './ecas.ts'
import { masOrdinal, scoreMas } from './mas.ts'
import { scoreInstrument } from './score-input.ts'

describe('Modified Ashworth Scale', () => {
  it('ranks 1+ as 2 and 4 as 5', () => {
    expect(['0', '1', '1+', '2', '3', '4'].map(masOrdinal)).toEqual([0, 1, 2, 3, 4, 5])
    expect(masOrdinal('1.5')).toBeUndefined()
  })

  it('sums ranks over the rated groups, with count and maximum, never averaging written grades', () => {
    const s = scoreMas({
      elbowFlexors_left: '1',
      elbowFlexors_right: '1+',
      kneeExtensors_left: '0',
      kneeExtensors_right: '3',
    })
    // ranks 1 + 2 + 0 + 4; the written grades "1" and "1+" are not 1 and 1.5.
    expect(s).toEqual({
      ordinals: { elbowFlexors_left: 1, elbowFlexors_right: 2, kneeExtensors_left: 0, kneeExtensors_right: 4 },
      sumOrdinal: 7,
      countRated: 4,
      maxOrdinal: 4,
    })
  })

  it('rates only the protocol’s muscle groups and has no summary when none is rated', () => {
    expect(scoreMas({ elbowFlexors_left: '2', wristFlexors_left: '4' }, ['wristFlexors'])).toMatchObject({
      sumOrdinal: 5,
      countRated: 1,
    })
    expect(scoreMas({})).toEqual({ ordinals: {}, sumOrdinal: null, countRated: 0, maxOrdinal: null })
  })

  it('scores untyped input, reporting every invalid grade and unknown group', () => {
    const r = scoreInstrument('MAS', {
      elbowFlexors_left: 1,
      hipAdductors_right: '1+',
      elbowFlexors_right: 1.5,
      neck_left: '0',
    })
    expect(r.ok ? r.value : r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'elbowFlexors_right: must be one of "0", "1", "1+", "2", "3", "4"',
      'neck_left: unknown item of MAS',
    ])
    const ok = scoreInstrument('MAS', { elbowFlexors_left: 1, hipAdductors_right: '1+' })
    expect(ok.ok && ok.value).toMatchObject({
      grades: { elbowFlexors_left: '1', hipAdductors_right: '1+' },
      sumOrdinal: 3,
    })
    const groups = scoreInstrument('MAS', { neck_left: '2' }, { muscleGroups: ['neck'] })
    expect(groups.ok && groups.value).toMatchObject({ sumOrdinal: 3, countRated: 1 })
  })
})

describe('ECAS', () => {
  const domains = { executive: 40, language: 22, fluency: 15, memory: 16, visuospatial: 12 }

  it('sums the ALS-specific, non-specific and total scores and flags those at or below the cut-offs', () => {
    expect(scoreEcas(domains)).toEqual({
      totals: { alsSpecific: 77, alsNonSpecific: 28, total: 105 },
      // 77 ≤ 77 and 105 ≤ 105: at the cut-off is abnormal; 28 > 24 is not.
      abnormal: { alsSpecific: true, alsNonSpecific: false, total: true },
      cutoffs: { alsSpecific: 77, alsNonSpecific: 24, total: 105 },
    })
    expect(scoreEcas({ ...domains, executive: 41 }).abnormal).toEqual({
      alsSpecific: false,
      alsNonSpecific: false,
      total: false,
    })
  })

  it('applies protocol cut-offs and leaves totals missing when a domain is', () => {
    expect(scoreEcas(domains, { total: 100 }).abnormal['total']).toBe(false)
    const partial = scoreEcas({ executive: 40, language: 22, fluency: 15 })
    expect(partial.totals).toEqual({ alsSpecific: 77, alsNonSpecific: null, total: null })
    expect(partial.abnormal).toEqual({ alsSpecific: true, alsNonSpecific: null, total: null })
  })

  it('checks cut-off overrides and domain ranges', () => {
    expect(ecasCutoffProblems({ total: 200, memory: 10 }, 'cutoffs').map((p) => `${p.path}: ${p.message}`)).toEqual([
      'cutoffs.total: must be between 0 and 136',
      'cutoffs.memory: unknown ECAS total "memory" (expected alsSpecific, alsNonSpecific, total)',
    ])
    const r = scoreInstrument('ECAS', { ...domains, visuospatial: 13 })
    expect(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'visuospatial: must be between 0 and 12 points',
    ])
  })
})
