import { describe, expect, it } from 'vitest'
import { describeValues, quantiles } from './describe.ts'

// Reference values: R 4.2.2, quantile(x, c(.25, .5, .75)) (type 7), mean(x), sd(x).
describe('describeValues', () => {
  it('quartiles match R quantile type 7', () => {
    expect(quantiles([3.2, 1.5, 7.7, 4.4, 2.0, 9.1, 5.5], [0.25, 0.5, 0.75])).toEqual([
      2.6000000000000001, 4.4000000000000004, 6.5999999999999996,
    ])
    expect(quantiles([10, 12], [0.25, 0.5, 0.75])).toEqual([10.5, 11, 11.5])
    expect(quantiles([5], [0.25, 0.5, 0.75])).toEqual([5, 5, 5])
  })

  it('summarises the finite values, with R mean and sd', () => {
    const s = describeValues([1, 2, 2, 3, 100, 4, 4, 4, null])
    expect(s).toMatchObject({ n: 8, median: 3.5, q1: 2, q3: 4, min: 1, max: 100 })
    expect(s.mean).toBeCloseTo(15, 12)
    expect(s.sd).toBeCloseTo(34.363602006441972, 12)
    expect(describeValues([7])).toEqual({ n: 1, mean: 7, sd: null, median: 7, q1: 7, q3: 7, min: 7, max: 7 })
    expect(describeValues([null, NaN])).toEqual({
      n: 0,
      mean: null,
      sd: null,
      median: null,
      q1: null,
      q3: null,
      min: null,
      max: null,
    })
  })
})
