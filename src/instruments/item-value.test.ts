import { describe, expect, it } from 'vitest'
import { ItemDef } from '../domain/index.ts'
import { normaliseItemValue } from './item-value.ts'

const item = (def: Record<string, unknown>): ItemDef => ItemDef.parse({ id: 'x', label: 'X', ...def })
const norm = (def: Record<string, unknown>, raw: unknown): unknown => {
  const r = normaliseItemValue(item(def), raw, 'items.x')
  return r.ok ? r.value : `${r.problem.code} ${r.problem.path}: ${r.problem.message}`
}

describe('normaliseItemValue', () => {
  it('treats undefined, null, blank text and an empty list as unanswered', () => {
    for (const blank of [undefined, null, '', '   ', []]) expect(norm({ type: 'integer' }, blank)).toBeNull()
  })

  it('accepts numbers as numbers or numeric text (as web forms post them) and checks hard ranges', () => {
    const weight = { type: 'decimal', unit: 'kg', decimals: 1, range: { min: 20, max: 250 } }
    expect(norm(weight, '72.5')).toBe(72.5)
    expect(norm(weight, 72)).toBe(72)
    expect(norm(weight, '72.55')).toBe('invalid items.x: must have at most 1 decimal place')
    expect(norm(weight, '7,5')).toBe('invalid items.x: must be a number')
    expect(norm(weight, 300)).toBe('out_of_range items.x: must be between 20 and 250 kg')
    expect(norm({ type: 'integer', range: { min: 18 } }, 17)).toBe('out_of_range items.x: must be at least 18')
    expect(norm({ type: 'integer' }, '3.0')).toBe(3)
    expect(norm({ type: 'integer' }, 3.5)).toBe('invalid items.x: must be a whole number')
    expect(norm({ type: 'integer' }, true)).toBe('invalid items.x: must be a whole number')
  })

  it('matches choices by code, returning the code in its declared type', () => {
    const alsfrs = { type: 'choice', options: [4, 3, 2, 1, 0].map((c) => ({ code: c, label: String(c) })) }
    expect(norm(alsfrs, '3')).toBe(3)
    expect(norm(alsfrs, 0)).toBe(0)
    expect(norm(alsfrs, 5)).toBe('invalid items.x: must be one of 4, 3, 2, 1, 0')
    const mas = { type: 'choice', options: ['0', '1', '1+', '2'].map((c) => ({ code: c, label: c })) }
    expect(norm(mas, '1+')).toBe('1+')
    expect(norm(mas, 1)).toBe('1')
    expect(norm(mas, '1.5')).toBe('invalid items.x: must be one of "0", "1", "1+", "2"')
  })

  it('stores multiple choices in option order without repeats', () => {
    const def = { type: 'multichoice', options: ['A', 'B', 'C'].map((c) => ({ code: c, label: c })) }
    expect(norm(def, ['C', 'A', 'C'])).toEqual(['A', 'C'])
    expect(norm(def, 'B')).toEqual(['B'])
    expect(norm(def, ['A', 'Z', 'Y'])).toBe('invalid items.x: "Z", "Y" not among "A", "B", "C"')
  })

  it('checks dates, date-times, booleans and text', () => {
    expect(norm({ type: 'date' }, '2026-02-28')).toBe('2026-02-28')
    expect(norm({ type: 'date' }, '2026-02-29')).toBe('invalid items.x: must be a date written YYYY-MM-DD')
    expect(norm({ type: 'date' }, '28/02/2026')).toBe('invalid items.x: must be a date written YYYY-MM-DD')
    expect(norm({ type: 'datetime' }, '2026-01-31T09:15')).toBe('2026-01-31T09:15')
    expect(norm({ type: 'datetime' }, '2026-01-31T09:15:30.250Z')).toBe('2026-01-31T09:15:30.250Z')
    expect(norm({ type: 'datetime' }, '2026-01-31T24:00')).toBe(
      'invalid items.x: must be a date and time written YYYY-MM-DDTHH:MM',
    )
    expect(norm({ type: 'boolean' }, 'false')).toBe(false)
    expect(norm({ type: 'boolean' }, 'yes')).toBe('invalid items.x: must be true or false')
    expect(norm({ type: 'text', maxLength: 3 }, '  abc ')).toBe('abc')
    expect(norm({ type: 'text', maxLength: 3 }, 'abcd')).toBe('too_large items.x: must be at most 3 characters')
    expect(norm({ type: 'text' }, 12)).toBe('invalid items.x: must be text')
  })
})
