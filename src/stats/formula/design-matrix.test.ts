/** Model matrices against R 4.2.2 `model.matrix` (column names and values; data frame `d` as in the R code below). */
import { describe, expect, it } from 'vitest'
import { frameFromArrays } from '../data/index.ts'
import { buildDesignMatrix, type DesignMatrix } from './design-matrix.ts'
import { parseModel } from './model-terms.ts'

// d <- data.frame(y = 1:8, t = c(0,1,2,0,1,2,0,1), arm = factor(c("P","D1","D2","P","D1","D2","P","D1"),
//   levels = c("P","D1","D2")), sex = factor(c("F","M","F","M","M","F","F","M")), dose = c(1,2,4,1,2,4,1,2))
const d = frameFromArrays({
  y: [1, 2, 3, 4, 5, 6, 7, 8],
  t: [0, 1, 2, 0, 1, 2, 0, 1],
  arm: ['P', 'D1', 'D2', 'P', 'D1', 'D2', 'P', 'D1'],
  sex: ['F', 'M', 'F', 'M', 'M', 'F', 'F', 'M'],
  dose: [1, 2, 4, 1, 2, 4, 1, 2],
})
const levels = { arm: ['P', 'D1', 'D2'] }

function matrix(formula: string, opts = {}): DesignMatrix {
  if (!d.ok) throw new Error('frame')
  const spec = parseModel(formula)
  if (!spec.ok) throw new Error(spec.problems[0]?.message)
  const m = buildDesignMatrix(d.value, spec.value, { levels, ...opts })
  if (!m.ok) throw new Error(m.problems[0]?.message)
  return m.value
}
const names = (f: string): string[] => matrix(f).columns.map((c) => c.name)

describe('buildDesignMatrix', () => {
  it('names columns as R (treatment contrasts, first level = reference)', () => {
    expect(names('y ~ t * arm')).toEqual(['(Intercept)', 't', 'armD1', 'armD2', 't:armD1', 't:armD2'])
    expect(names('y ~ arm * sex')).toEqual(['(Intercept)', 'armD1', 'armD2', 'sexM', 'armD1:sexM', 'armD2:sexM'])
    expect(names('y ~ (t + arm + sex)^2')).toEqual([
      '(Intercept)',
      't',
      'armD1',
      'armD2',
      'sexM',
      't:armD1',
      't:armD2',
      't:sexM',
      'armD1:sexM',
      'armD2:sexM',
    ])
    expect(names('y ~ t + factor(dose)')).toEqual(['(Intercept)', 't', 'factor(dose)2', 'factor(dose)4'])
    expect(names('y ~ arm:t + t')).toEqual(['(Intercept)', 't', 'armD1:t', 'armD2:t'])
  })

  it("codes a factor by indicators when its margin is absent (R's rule)", () => {
    expect(names('y ~ 0 + arm')).toEqual(['armP', 'armD1', 'armD2'])
    expect(names('y ~ t:arm')).toEqual(['(Intercept)', 't:armP', 't:armD1', 't:armD2'])
    expect(names('y ~ arm/t')).toEqual(['(Intercept)', 'armD1', 'armD2', 'armP:t', 'armD1:t', 'armD2:t'])
    expect(names('y ~ t * arm - t')).toEqual(['(Intercept)', 'armD1', 'armD2', 't:armP', 't:armD1', 't:armD2'])
    expect(names('y ~ sex:arm')).toEqual([
      '(Intercept)',
      'sexF:armP',
      'sexM:armP',
      'sexF:armD1',
      'sexM:armD1',
      'sexF:armD2',
      'sexM:armD2',
    ])
  })

  it('has the values of model.matrix (rows 3 and 5 of y ~ t * arm)', () => {
    const m = matrix('y ~ t * arm')
    const row = (i: number): number[] => m.values.map((v) => v[i] as number)
    expect(row(2)).toEqual([1, 2, 0, 1, 0, 2])
    expect(row(4)).toEqual([1, 1, 1, 0, 1, 0])
  })

  it("drops the intercept column but keeps contrasts for Cox models (R's coxph)", () => {
    expect(matrix('y ~ t + arm', { dropIntercept: true }).columns.map((c) => c.name)).toEqual(['t', 'armD1', 'armD2'])
  })

  it('drops rows with a missing value in any model column, and levels left without rows', () => {
    const f = frameFromArrays({ y: [1, null, 3, 4], g: ['a', 'b', 'c', null], x: [1, 2, 3, 4] })
    if (!f.ok) throw new Error('frame')
    const spec = parseModel('y ~ g + x')
    if (!spec.ok) throw new Error('spec')
    const m = buildDesignMatrix(f.value, spec.value)
    if (!m.ok) throw new Error(m.problems[0]?.message)
    expect(Array.from(m.value.rows)).toEqual([0, 2])
    expect(m.value.factorLevels['g']).toEqual(['a', 'c'])
    expect(m.value.columns.map((c) => c.name)).toEqual(['(Intercept)', 'gc', 'x'])
  })

  it('treats a text column as a factor with sorted levels, even when some values look like numbers', () => {
    const f = frameFromArrays({ y: ['1', '2', 'n/a'], x: [3, 4, 5] }, 'visits.csv')
    if (!f.ok) throw new Error('frame')
    const spec = parseModel('x ~ y')
    if (!spec.ok) throw new Error('spec')
    const m = buildDesignMatrix(f.value, spec.value)
    expect(m.ok && m.value.columns.map((c) => c.name)).toEqual(['(Intercept)', 'y2', 'yn/a'])
  })
})
