/** t tests against R 4.2.2 `t.test` (17-digit values, tolerance 1e-12 relative). */
import { describe, expect, it } from 'vitest'
import { tTest, type TTestResult } from './t-test.ts'

const close = (got: number, want: number): void =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want) + 1e-15)

function run(x: number[], y: number[], opts = {}): TTestResult {
  const r = tTest(x, y, opts)
  if (!r.ok) throw new Error(r.problems[0]?.message)
  return r.value
}

describe('tTest', () => {
  it('Welch with n = 2 per group: t.test(c(1, 3), c(2, 7))', () => {
    const r = run([1, 3], [2, 7])
    close(r.statistic, -0.9284766908852594)
    close(r.df, 1.3120124804992197)
    close(r.pValue, 0.4918852684498145)
    close(r.confInt[0], -22.386331273708247)
    close(r.confInt[1], 17.386331273708244)
  })

  it('Student with n = 2 per group: t.test(c(1, 3), c(2, 7), var.equal = TRUE)', () => {
    const r = run([1, 3], [2, 7], { varEqual: true })
    close(r.statistic, -0.9284766908852594)
    expect(r.df).toBe(2)
    close(r.pValue, 0.45117870005154825)
    close(r.confInt[0], -14.085247028784003)
    close(r.confInt[1], 9.085247028784003)
  })

  it('Student allows a group of one: t.test(5, c(2, 7, 4), var.equal = TRUE)', () => {
    const r = run([5], [2, 7, 4], { varEqual: true })
    close(r.statistic, 0.2294157338705619)
    close(r.pValue, 0.8398718461949128)
  })

  it('one-sided with mu and another level: t.test(x, y, alternative = "less", mu = 1, conf.level = 0.9)', () => {
    const r = run([1.2, 3.4, 2.2, 5.1], [2.1, 7.3, 4.4], { alternative: 'less', mu: 1, confLevel: 0.9 })
    close(r.statistic, -1.5238744561612814)
    close(r.pValue, 0.10929683468288139)
    expect(r.confInt[0]).toBe(-Infinity)
    close(r.confInt[1], 1.1429299297855988)
  })

  it('refuses Welch with a group of one and constant data (R: "not enough observations", "essentially constant")', () => {
    const one = tTest([5], [2, 7, 4])
    expect(one.ok).toBe(false)
    if (!one.ok) expect(one.problems[0]?.code).toBe('degenerate')
    const constant = tTest([2, 2, 2], [2, 2])
    expect(constant.ok).toBe(false)
  })

  it('drops missing values (NaN)', () => {
    close(run([1, NaN, 3], [2, 7]).statistic, -0.9284766908852594)
  })
})
