import { describe, expect, it } from 'vitest'
import type { Condition, ItemType } from '../domain/index.ts'
import { evaluateCondition } from '../instruments/index.ts'
import { conditionToText, parseExpression, translateCondition, translateFormula, type ItemResolver } from './index.ts'

const items: Record<string, { type: ItemType; numericCodes?: boolean }> = {
  sex: { type: 'choice', numericCodes: true },
  age: { type: 'integer' },
  x: { type: 'multichoice', numericCodes: true },
  given_birth: { type: 'boolean' },
  weight: { type: 'decimal' },
  height: { type: 'decimal' },
  country: { type: 'choice' },
  note: { type: 'text' },
}
const resolve: ItemResolver = (ref) => {
  if (ref.event) return `refers to event ${ref.event}`
  const it = items[ref.name]
  return it ? { id: ref.name, ...it } : `unknown item ${ref.name}`
}
const cond = (text: string) => {
  const t = translateCondition(text, resolve)
  if (!t.ok) throw new Error(t.reason)
  return t.value
}

describe('condition translation', () => {
  it('translates REDCap branching logic with numeric codes, grouping and checkbox options', () => {
    expect(cond(`[sex] = '1' and ([age] > 18 or [x(2)] = '1')`)).toEqual({
      all: [
        { item: 'sex', op: '==', value: 1 },
        {
          any: [
            { item: 'age', op: '>', value: 18 },
            { item: 'x', op: '==', value: 2 },
          ],
        },
      ],
    })
    expect(cond(`[x(3)] = "0"`)).toEqual({ item: 'x', op: '!=', value: 3 })
    expect(cond(`[age] <> ''`)).toEqual({ answered: 'age' })
    expect(cond(`[age] = ""`)).toEqual({ not: { answered: 'age' } })
    expect(cond(`[given_birth] = "1"`)).toEqual({ item: 'given_birth', op: '==', value: true })
    expect(cond(`18 <= [age]`)).toEqual({ item: 'age', op: '>=', value: 18 })
    expect(cond(`[age] >= -2`)).toEqual({ item: 'age', op: '>=', value: -2 })
  })

  it('translates OpenEDC and Viedoc JavaScript-style expressions', () => {
    expect(cond('!(country == "Other")')).toEqual({ not: { item: 'country', op: '==', value: 'Other' } })
    expect(cond('age != null && sex == 1 || note == "a b"')).toEqual({
      any: [
        { all: [{ answered: 'age' }, { item: 'sex', op: '==', value: 1 }] },
        { item: 'note', op: '==', value: 'a b' },
      ],
    })
    expect(cond('true')).toBe(true)
    expect(cond('age > 3 and false')).toBe(false)
  })

  it('refuses what it cannot express, with a reason', () => {
    const reason = (text: string) => {
      const t = translateCondition(text, resolve)
      return t.ok ? 'translated' : t.reason
    }
    expect(reason('[visit_1_arm_1][age] > 3')).toBe('refers to event visit_1_arm_1')
    expect(reason('[weight] > [height]')).toMatch(/two items/)
    expect(reason('datediff([age], "today", "y") > 3')).toMatch(/datediff/)
    expect(reason('if (A == 1) return 2;')).toMatch(/cannot parse/)
    expect(reason('[nope] = 1')).toBe('unknown item nope')
    expect(reason('[age] = "abc"')).toMatch(/not a number/)
  })

  it('writes conditions as text that parses back to the same condition (property over a grammar of conditions)', () => {
    const samples: Condition[] = [
      { item: 'sex', op: '==', value: 1 },
      { not: { all: [{ item: 'age', op: '<', value: 55 }, { answered: 'note' }] } },
      {
        any: [
          { item: 'note', op: '!=', value: 'he said "hi"' },
          { item: 'given_birth', op: '==', value: false },
        ],
      },
      { item: 'weight', op: '>=', value: -1.5 },
    ]
    for (const c of samples) expect(cond(conditionToText(c))).toEqual(c)
  })

  it('keeps the evaluator semantics for checkbox options (includes / does not include)', () => {
    const c = cond(`[x(2)] = '1'`) as Condition
    expect(evaluateCondition(c, { x: [1, 2] })).toBe(true)
    expect(evaluateCondition(c, { x: [3] })).toBe(false)
  })
})

describe('formula translation', () => {
  const formula = (text: string) => translateFormula(text, resolve)
  it('translates the REDCap BMI calculation, powers and functions into a formula the protocol parser accepts', () => {
    expect(formula('round(([weight]*10000)/(([height])^(2)),1)')).toEqual({
      ok: true,
      value: 'round(((weight * 10000) / (height * height)), 1)',
    })
    expect(formula('Weight / Height ^ 2'.replace('Weight', 'weight').replace('Height', 'height'))).toEqual({
      ok: true,
      value: '(weight / (height * height))',
    })
    expect(formula('-max([age], 3) + abs([weight])')).toEqual({ ok: true, value: '(-max(age, 3) + abs(weight))' })
  })
  it('refuses functions and operands it does not have', () => {
    const reason = (text: string) => {
      const t = formula(text)
      return t.ok ? 'translated' : t.reason
    }
    expect(reason('sum([age],[weight])')).toMatch(/sum/)
    expect(formula('[weight] ^ 0.5')).toMatchObject({ ok: false })
    expect(reason('[note] * 2')).toMatch(/not numeric/)
    expect(formula('if([age] > 3, 1, 0)')).toMatchObject({ ok: false })
  })
})

describe('expression parser limits', () => {
  it('refuses overlong and deeply nested input without throwing', () => {
    expect(parseExpression('1 + '.repeat(5000) + '1').ok).toBe(false)
    expect(parseExpression('('.repeat(500) + '1' + ')'.repeat(500))).toMatchObject({
      ok: false,
      message: 'nested too deeply',
    })
    expect(parseExpression('[a] = "unterminated')).toMatchObject({ ok: false })
  })
})
