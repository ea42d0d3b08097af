import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { evaluateFormula, formulaReferences, parseFormula, roundHalfAwayFromZero, type Formula } from './formula.ts'

function parse(text: string): Formula {
  const r = parseFormula(text)
  if (!r.ok) throw new Error(r.problems[0]?.message)
  return r.value
}
const run = (text: string, values: Record<string, unknown> = {}): number | null =>
  evaluateFormula(parse(text), (id) => values[id])
const error = (text: string): string => {
  const r = parseFormula(text)
  return r.ok ? 'parsed' : (r.problems[0]?.message ?? '')
}

describe('formula parser and evaluator', () => {
  it('follows arithmetic precedence and associativity', () => {
    expect(run('1 + 2 * 3')).toBe(7)
    expect(run('(1 + 2) * 3')).toBe(9)
    expect(run('10 - 4 - 3')).toBe(3)
    expect(run('48 / 4 / 2')).toBe(6)
    expect(run('-2 * -3')).toBe(6)
    expect(run('- (1 + 1)')).toBe(-2)
    expect(run('.5 + 1e2')).toBe(100.5)
  })

  it('reads item ids and computes the neurophysiological index', () => {
    expect(run('cmap_adm / dml_adm * fwave_adm', { cmap_adm: 8, dml_adm: 3.2, fwave_adm: 60 })).toBe(150)
  })

  it('gives null for a missing or non-numeric item and for division by zero', () => {
    expect(run('a + b', { a: 1 })).toBeNull()
    expect(run('a + b', { a: 1, b: null })).toBeNull()
    expect(run('a + b', { a: 1, b: 'x' })).toBeNull()
    expect(run('a / b', { a: 1, b: 0 })).toBeNull()
    expect(run('max(a, b)', { a: 1 })).toBeNull()
    expect(run('1 / (a - a)', { a: 3 })).toBeNull()
  })

  it('has min, max, abs and round (half away from zero, optional digits)', () => {
    expect(run('max(svc_1, svc_2, svc_3)', { svc_1: 3.1, svc_2: 3.4, svc_3: 3.3 })).toBe(3.4)
    expect(run('min(4, 2, 9)')).toBe(2)
    expect(run('abs(a - b)', { a: 2, b: 5 })).toBe(3)
    expect(run('round(2.5)')).toBe(3)
    expect(run('round(-2.5)')).toBe(-3)
    expect(run('round(1.005, 2)')).toBe(1.01)
    expect(run('round(1, 0.5)')).toBeNull()
    expect(roundHalfAwayFromZero(1e-7, 3)).toBe(0)
    expect(Object.is(roundHalfAwayFromZero(-0.0001, 2), 0)).toBe(true)
  })

  it('reports syntax errors with their position', () => {
    expect(error('')).toBe('must not be empty')
    expect(error('a +')).toBe('unexpected end of formula')
    expect(error('a $ b')).toBe('unexpected character "$" at position 3')
    expect(error('(a + b')).toBe('expected ")" but found end of formula')
    expect(error('a b')).toBe('unexpected "b" at position 3')
    expect(error('sqrt(4)')).toBe('unknown function "sqrt" at position 1')
    expect(error('abs(1, 2)')).toBe('abs() takes 1 argument, not 2')
    expect(error('round()')).toBe('round() takes 1 or 2 arguments, not 0')
    expect(error('max()')).toBe('max() takes at least 1 arguments, not 0')
    expect(error('('.repeat(100) + '1' + ')'.repeat(100))).toBe('nested more than 64 levels deep')
  })

  it('lists references once, in order', () => {
    expect(formulaReferences(parse('a * b + max(a, c) - round(d, 1)'))).toEqual(['a', 'b', 'c', 'd'])
  })

  it('agrees with JavaScript arithmetic on random sums and products', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 1, max: 50 }),
        (a, b, c) => {
          expect(run('a + b * c - (a - b) / c', { a, b, c })).toBeCloseTo(a + b * c - (a - b) / c, 10)
        },
      ),
    )
  })
})
