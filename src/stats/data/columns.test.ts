import { describe, expect, it } from 'vitest'
import { asFactor, completeRows, frameFromArrays, getColumn, splitByFactor, type DataFrame } from './columns.ts'

const frame = (cols: Record<string, unknown[]>): DataFrame => {
  const r = frameFromArrays(cols, 'd.csv')
  if (!r.ok) throw new Error('frame')
  return r.value
}

describe('asFactor', () => {
  const f = frame({ arm: ['P', 'D2', 'D1', null, 'P'], dose: [4, 1, 2, 10, 1] })

  it('sorts levels (code points for text, numerically for numbers) unless given', () => {
    const arm = asFactor(f, f.columns.get('arm')!)
    expect(arm.ok && arm.value.levels).toEqual(['D1', 'D2', 'P'])
    expect(arm.ok && Array.from(arm.value.codes)).toEqual([2, 1, 0, -1, 2])
    const dose = asFactor(f, f.columns.get('dose')!)
    expect(dose.ok && dose.value.levels).toEqual(['1', '2', '4', '10'])
  })

  it('uses the given levels (first = reference) and refuses a value outside them', () => {
    const arm = asFactor(f, f.columns.get('arm')!, ['P', 'D1', 'D2'])
    expect(arm.ok && Array.from(arm.value.codes)).toEqual([0, 2, 1, -1, 0])
    const bad = asFactor(f, f.columns.get('arm')!, ['P', 'D1'])
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.problems[0]?.message).toBe('column "arm" has value "D2" that is not among the given levels (P, D1)')
  })
})

describe('rows and groups', () => {
  it('keeps the complete rows only (na.omit) and splits y by factor level', () => {
    const f = frame({ y: [1, 2, null, 4, 5], g: ['a', 'b', 'a', null, 'a'] })
    const y = f.columns.get('y')!
    const g = f.columns.get('g')!
    expect(Array.from(completeRows([y, g], f.nRows))).toEqual([0, 1, 4])
    const factor = asFactor(f, g)
    if (!factor.ok || y.kind !== 'numeric') throw new Error('setup')
    expect(splitByFactor(y.values, factor.value).map((s) => [s.name, Array.from(s.values)])).toEqual([
      ['a', [1, 5]],
      ['b', [2]],
    ])
  })

  it('names the existing columns when one is missing', () => {
    const r = getColumn(frame({ a: [1], b: [2] }), 'c')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems[0]).toEqual({ code: 'not_found', path: 'd.csv', message: 'no column "c" (columns: a, b)' })
  })
})
