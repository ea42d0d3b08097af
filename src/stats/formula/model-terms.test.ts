/** Term expansion and ordering as R's `terms.formula` (labels checked against R 4.2.2 `attr(terms(f), "term.labels")`). */
import { describe, expect, it } from 'vitest'
import { parseModel, type ModelSpec } from './model-terms.ts'

function model(source: string): ModelSpec {
  const r = parseModel(source)
  if (!r.ok) throw new Error(r.problems[0]?.message)
  return r.value
}
const labels = (source: string): string[] => model(source).terms.map((t) => t.label)

describe('parseModel', () => {
  it('expands crossing, nesting and powers as R', () => {
    expect(labels('y ~ t * arm')).toEqual(['t', 'arm', 't:arm'])
    expect(labels('y ~ (t + arm + sex)^2')).toEqual(['t', 'arm', 'sex', 't:arm', 't:sex', 'arm:sex'])
    expect(labels('y ~ arm/t')).toEqual(['arm', 'arm:t'])
    expect(labels('y ~ t * arm - t')).toEqual(['arm', 't:arm'])
    expect(labels('y ~ a * b * c')).toEqual(['a', 'b', 'c', 'a:b', 'a:c', 'b:c', 'a:b:c'])
  })

  it('orders terms by degree, variables by first appearance, and treats b:a as a:b', () => {
    expect(labels('y ~ arm:t + t + sex')).toEqual(['t', 'sex', 'arm:t'])
    expect(labels('y ~ a:b + b:a + a')).toEqual(['a', 'a:b'])
  })

  it('handles the intercept: - 1, + 0, 0 +', () => {
    expect(model('y ~ arm').intercept).toBe(true)
    expect(model('y ~ arm - 1').intercept).toBe(false)
    expect(model('y ~ 0 + arm').intercept).toBe(false)
    expect(model('y ~ -1 + arm').intercept).toBe(false)
  })

  it('reads a mixed model: fixed terms and the random part', () => {
    const m = model('score ~ time * arm + (time | subject)')
    expect(m.response).toMatchObject({ kind: 'variable', column: 'score' })
    expect(m.terms.map((t) => t.label)).toEqual(['time', 'arm', 'time:arm'])
    expect(m.random).toHaveLength(1)
    expect(m.random[0]).toMatchObject({ group: 'subject', intercept: true, correlated: true })
    expect(m.random[0]?.terms.map((t) => t.label)).toEqual(['time'])
    expect(model('y ~ t + (1 | id)').random[0]).toMatchObject({ group: 'id', intercept: true, terms: [] })
    expect(model('y ~ t + (0 + t || id)').random[0]).toMatchObject({ intercept: false, correlated: false })
    expect(m.columns).toEqual(['score', 'time', 'arm', 'subject'])
  })

  it('reads a survival model with strata and factor()', () => {
    const m = model('Surv(time, status) ~ factor(dose) + age + strata(site)')
    expect(m.response).toMatchObject({ kind: 'surv', time: 'time', event: 'status' })
    expect(m.terms.map((t) => t.label)).toEqual(['factor(dose)', 'age'])
    expect(m.terms[0]?.variables[0]).toEqual({ column: 'dose', asFactor: true, label: 'factor(dose)' })
    expect(m.strata).toEqual(['site'])
    expect(m.columns).toEqual(['time', 'status', 'dose', 'age', 'site'])
  })

  it('explains what it cannot use, with the position', () => {
    const err = (s: string): string => {
      const r = parseModel(s)
      return r.ok ? 'parsed' : (r.problems[0]?.message ?? '')
    }
    expect(err('y ~ log(x)')).toBe(
      '"y ~ log(x)", column 5: the function log() is not supported in formulas (supported: factor, strata, Surv)',
    )
    expect(err('y ~ a:(t | id)')).toContain(
      'column 7: a random-effects term (... | group) can only be added to the model',
    )
    expect(err('y ~ t + (t | a + b)')).toContain('the grouping factor after | must be a column name')
    expect(err('y ~ x + 2')).toContain('column 9: the number 2 has no meaning here')
    expect(err('log(y) ~ x')).toContain('column 1: the response must be a column name or Surv(time, event)')
    expect(err('y ~ Surv(t, e)')).toContain('Surv(time, event) belongs on the left of ~')
  })
})
