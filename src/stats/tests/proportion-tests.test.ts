/** Binomial and score tests for a proportion against R 4.2.2 `binom.test` / `prop.test` (tolerance 1e-12 relative). */
import { describe, expect, it } from 'vitest'
import { binomTest, clopperPearson, propTest, wilsonInterval } from './proportion-tests.ts'

const close = (got: number, want: number): void =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want) + 1e-15)

describe('binomTest', () => {
  it('one-sided p-values and intervals: binom.test(7, 30, p = 0.2, alternative = ...)', () => {
    const g = binomTest(7, 30, { p: 0.2, alternative: 'greater' })
    if (!g.ok) throw new Error('failed')
    close(g.value.pValue, 0.39303008027425973)
    close(g.value.confInt[0], 0.11498689556973873)
    expect(g.value.confInt[1]).toBe(1)
    const l = binomTest(7, 30, { p: 0.2, alternative: 'less' })
    if (!l.ok) throw new Error('failed')
    close(l.value.pValue, 0.7607906186989566)
    close(l.value.confInt[1], 0.39394742252236326)
  })

  it('two-sided p-value in the far tail and the interval ends at x = 0 and x = n', () => {
    const r = binomTest(1755, 4526)
    if (!r.ok) throw new Error('failed')
    close(r.value.pValue, 7.42555152816008e-52) // binom_exact_set1.json
    expect(clopperPearson(0, 10)[0]).toBe(0)
    expect(clopperPearson(10, 10)[1]).toBe(1)
  })

  it('refuses impossible counts', () => {
    expect(binomTest(11, 10).ok).toBe(false)
    expect(binomTest(3, 0).ok).toBe(false)
  })
})

describe('propTest and wilsonInterval', () => {
  it('Wilson interval and score test without correction: prop.test(7, 30, p = 0.2, correct = FALSE)', () => {
    const r = propTest(7, 30, { p: 0.2, correct: false })
    if (!r.ok) throw new Error('failed')
    close(r.value.confInt[0], 0.11792388144489502)
    close(r.value.confInt[1], 0.40928326158122175)
    close(r.value.statistic, 0.20833333333333331)
    close(r.value.pValue, 0.6480768681391461)
  })

  it('x = 0: prop.test(0, 10, correct = FALSE)$conf.int', () => {
    const r = wilsonInterval(0, 10)
    if (!r.ok) throw new Error('failed')
    expect(r.value[0]).toBe(0)
    close(r.value[1], 0.27753279986288915)
  })

  it('continuity-corrected one-sided: prop.test(7, 30, p = 0.2, alternative = "greater")', () => {
    const r = propTest(7, 30, { p: 0.2, alternative: 'greater' })
    if (!r.ok) throw new Error('failed')
    close(r.value.confInt[0], 0.11931813846630304)
    expect(r.value.confInt[1]).toBe(1)
    close(r.value.pValue, 0.4097384883887606)
  })
})
