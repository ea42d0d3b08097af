import { describe, expect, it } from 'vitest'
import { parseFormula } from './formula-parser.ts'

function message(source: string): string {
  const r = parseFormula(source)
  if (r.ok) throw new Error(`"${source}" parsed`)
  return `${r.problems[0]?.path}: ${r.problems[0]?.message}`
}

describe('parseFormula', () => {
  it('builds a typed tree with R precedence (: over * over +) and positions', () => {
    const r = parseFormula('score ~ time * arm + (time | subject)')
    if (!r.ok) throw new Error('failed')
    expect(r.value.lhs).toEqual({ kind: 'name', name: 'score', pos: 0 })
    const rhs = r.value.rhs
    expect(rhs).toMatchObject({ kind: 'binary', op: '+', pos: 19 })
    if (rhs.kind !== 'binary') return
    expect(rhs.left).toMatchObject({ kind: 'binary', op: '*', left: { name: 'time' }, right: { name: 'arm' } })
    expect(rhs.right).toMatchObject({
      kind: 'paren',
      inner: { kind: 'bar', op: '|', left: { name: 'time' }, right: { name: 'subject' } },
    })
    const t = parseFormula('y ~ a + b:c * d')
    if (!t.ok) throw new Error('failed')
    expect(t.value.rhs).toMatchObject({ op: '+', right: { op: '*', left: { op: ':' } } })
  })

  it('parses calls, numbers, back-quoted names and one-sided formulas', () => {
    const r = parseFormula('Surv(time, status) ~ arm + strata(site) - 1')
    if (!r.ok) throw new Error('failed')
    expect(r.value.lhs).toMatchObject({ kind: 'call', fn: 'Surv', args: [{ name: 'time' }, { name: 'status' }] })
    expect(parseFormula('~ `baseline score` + x.2').ok).toBe(true)
    expect(parseFormula('y ~ (a + b)^2').ok).toBe(true)
    expect(parseFormula('y ~ (1 || id)').ok).toBe(true)
  })

  it('names the position and what was expected in its errors', () => {
    expect(message('y ~ a + * b')).toBe(
      `formula: "y ~ a + * b", column 9: expected a name, a number or '(' but found '*'`,
    )
    expect(message('y ~ ')).toBe(
      `formula: "y ~ ", column 5: expected a name, a number or '(' but found the end of the formula`,
    )
    expect(message('y = a')).toBe(`formula: "y = a", column 3: unexpected character '='`)
    expect(message('y a')).toBe(`formula: "y a", column 3: expected '~' (response ~ terms) but found 'a'`)
    expect(message('y ~ t | id')).toContain("column 7: unexpected '|': a random-effects term must be in parentheses")
    expect(message('y ~ (t + a')).toContain("column 11: expected ')' but found the end of the formula")
    expect(message('y ~ a^b')).toContain("expected a whole number after '^'")
  })
})
