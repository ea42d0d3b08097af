import { describe, expect, it } from 'vitest'
import { compareToExpected } from './compare.ts'

const tol = { rel: 1e-6, abs: 1e-12 }

describe('compareToExpected', () => {
  it('passes within abs + rel·|expected| and reports the worst leaf', () => {
    const r = compareToExpected({ a: 1.0000005, b: [2, 3.000001] }, { a: 1, b: [2, 3] }, tol)
    expect(r.pass).toBe(true)
    expect(r.compared).toBe(3)
    expect(r.worst?.path).toBe('a')
    expect(r.worst?.relError).toBeCloseTo(5e-7, 12)
  })

  it('applies per_key tolerances to a key and everything under it', () => {
    const expected = { fixed: { df: [10, 20] }, se: 1 }
    const got = { fixed: { df: [10.0005, 20] }, se: 1 }
    expect(compareToExpected(got, expected, tol).pass).toBe(false)
    expect(compareToExpected(got, expected, { ...tol, per_key: { df: { rel: 1e-4 } } }).pass).toBe(true)
  })

  it('matches null only with null, NaN or ±Infinity', () => {
    expect(compareToExpected({ u: Infinity, v: NaN, w: null }, { u: null, v: null, w: null }, tol).pass).toBe(true)
    const r = compareToExpected({ u: 3 }, { u: null }, tol)
    expect(r.mismatches).toEqual([{ path: 'u', message: 'expected null (R: NA), got 3' }])
    expect(compareToExpected({ u: null }, { u: 3 }, tol).pass).toBe(false)
  })

  it('requires numeric and boolean leaves, compares strings when given, and checks array lengths', () => {
    expect(compareToExpected({}, { p: 0.5 }, tol).mismatches[0]?.message).toBe('missing in the computed result')
    expect(compareToExpected({ exact: true }, { exact: false }, tol).pass).toBe(false)
    expect(compareToExpected({}, { r_call: 'lm(y ~ g)' }, tol).pass).toBe(true)
    expect(compareToExpected({ method: 'x' }, { method: 'y' }, tol).pass).toBe(false)
    expect(compareToExpected({ n: [1, 2] }, { n: [1, 2, 3] }, tol).mismatches[0]?.message).toBe(
      'expected 3 elements, got 2',
    )
    expect(compareToExpected({ n: Float64Array.of(1, 2) }, { n: [1, 2] }, tol).pass).toBe(true)
  })

  it('does not require informational top-level keys, but compares them when present', () => {
    expect(compareToExpected({ coef: 1 }, { coef: 1, iterations: 4 }, tol, ['iterations']).pass).toBe(true)
    expect(compareToExpected({ coef: 1, iterations: 5 }, { coef: 1, iterations: 4 }, tol, ['iterations']).pass).toBe(
      false,
    )
  })
})
