import { describe, expect, it } from 'vitest'
import { conditionComparisons, conditionReferences, describeCondition, evaluateCondition } from './condition.ts'

describe('evaluateCondition', () => {
  it('is false for a comparison on an unanswered item, whatever the operator', () => {
    for (const op of ['<', '<=', '==', '!=', '>=', '>'] as const) {
      expect(evaluateCondition({ item: 'Q5A', op, value: 4 }, { Q5B: 2 })).toBe(false)
      expect(evaluateCondition({ item: 'Q5A', op, value: 4 }, { Q5A: null })).toBe(false)
    }
    expect(evaluateCondition({ not: { item: 'Q5A', op: '<', value: 4 } }, {})).toBe(true)
  })

  it('compares numbers, text (ISO dates order correctly) and booleans', () => {
    expect(evaluateCondition({ item: 'a', op: '<=', value: 1 }, { a: 1 })).toBe(true)
    expect(evaluateCondition({ item: 'a', op: '<', value: 1 }, { a: 1 })).toBe(false)
    expect(evaluateCondition({ item: 'd', op: '<', value: '2026-02-01' }, { d: '2026-01-31' })).toBe(true)
    expect(evaluateCondition({ item: 'b', op: '==', value: true }, { b: true })).toBe(true)
    expect(evaluateCondition({ item: 'b', op: '<', value: true }, { b: false })).toBe(false)
    // A different type never equals.
    expect(evaluateCondition({ item: 'a', op: '==', value: '1' }, { a: 1 })).toBe(false)
    expect(evaluateCondition({ item: 'a', op: '!=', value: '1' }, { a: 1 })).toBe(true)
  })

  it('treats == on a multiple choice as "includes"', () => {
    const v = { crit: ['DEATH', 'HOSPITALISATION'] }
    expect(evaluateCondition({ item: 'crit', op: '==', value: 'DEATH' }, v)).toBe(true)
    expect(evaluateCondition({ item: 'crit', op: '!=', value: 'DISABILITY' }, v)).toBe(true)
    expect(evaluateCondition({ item: 'crit', op: '==', value: 'DEATH' }, { crit: [] })).toBe(false)
  })

  it('combines with any / all / not, and tests answered and events', () => {
    const c = {
      all: [{ answered: 'Q5B' }, { any: [{ item: 'Q10', op: '==' as const, value: 0 }, { event: 'death' as const }] }],
    }
    expect(evaluateCondition(c, { Q5B: 3, Q10: 2 })).toBe(false)
    expect(evaluateCondition(c, { Q5B: 3, Q10: 0 })).toBe(true)
    expect(evaluateCondition(c, { Q5B: 3, Q10: 2 }, new Set(['death'] as const))).toBe(true)
    expect(evaluateCondition({ answered: 'x' }, { x: '' })).toBe(false)
    expect(evaluateCondition({ answered: 'x' }, { x: 0 })).toBe(true)
  })

  it('lists the ids and comparisons a condition reads', () => {
    const c = {
      any: [
        { item: 'a', op: '<' as const, value: 1 },
        { not: { all: [{ answered: 'b' }, { item: 'a', op: '>' as const, value: 5 }] } },
      ],
    }
    expect(conditionReferences(c)).toEqual(['a', 'b'])
    expect(conditionComparisons(c, 'when').map((x) => x.path)).toEqual(['when.any[0]', 'when.any[1].not.all[1]'])
  })

  it('writes a condition the way an author reads it', () => {
    const c = {
      all: [
        { item: 'riluzole', op: '==' as const, value: true },
        { any: [{ item: 'Q10', op: '==' as const, value: 0 }, { not: { answered: 'Q5B' } }] },
      ],
    }
    expect(describeCondition(c)).toBe('riluzole == true and (Q10 == 0 or not (Q5B is answered))')
    expect(describeCondition({ item: 'site', op: '!=', value: 'other' })).toBe('site != "other"')
  })
})
