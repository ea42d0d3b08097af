/** Chi-square test of independence against R 4.2.2 `chisq.test` (17-digit values, tolerance 1e-12 relative). */
import { describe, expect, it } from 'vitest'
import { chisqTest } from './chisq-test.ts'

const close = (got: number, want: number): void =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want) + 1e-15)

describe('chisqTest', () => {
  const tab = [
    [12, 3],
    [5, 9],
  ] // matrix(c(12, 5, 3, 9), 2)

  it('applies Yates correction to a 2 x 2 table by default: chisq.test(tab)', () => {
    const r = chisqTest(tab)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.yatesApplied).toBe(true)
    close(r.value.statistic, 4.171457749766574)
    close(r.value.pValue, 0.04111041419430708)
    expect(r.value.df).toBe(1)
  })

  it('without correction: chisq.test(tab, correct = FALSE), with adjusted standardized residuals', () => {
    const r = chisqTest(tab, { correct: false })
    if (!r.ok) throw new Error('failed')
    expect(r.value.yatesApplied).toBe(false)
    close(r.value.statistic, 5.85483193277311)
    close(r.value.pValue, 0.015534341414683506)
    close(r.value.residualsStd[0]?.[0] as number, 2.4196759974784046)
    close(r.value.residualsStd[1]?.[1] as number, 2.419675997478404)
  })

  it('reports no correction when O = E everywhere (R: YATES = min(0.5, |O - E|) = 0)', () => {
    const r = chisqTest([
      [10, 10],
      [10, 10],
    ])
    if (!r.ok) throw new Error('failed')
    expect(r.value.statistic).toBe(0)
    expect(r.value.pValue).toBe(1)
    expect(r.value.yatesApplied).toBe(false)
  })

  it('never corrects larger tables and warns on small expected counts', () => {
    const r = chisqTest([
      [3, 1, 0, 2],
      [1, 4, 2, 0],
      [0, 2, 5, 3],
    ])
    if (!r.ok) throw new Error('failed')
    expect(r.value.yatesApplied).toBe(false)
    close(r.value.statistic, 13.1170408163265) // R: 13.1170408163265 (oracle chisq_handmade_3x4)
    expect(r.value.warnings.length).toBe(1)
  })

  it('refuses a zero row or column (expected counts 0: the statistic is undefined)', () => {
    const r = chisqTest([
      [3, 4],
      [0, 0],
    ])
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems[0]).toMatchObject({ code: 'degenerate', path: 'table[1]' })
    const c = chisqTest([
      [0, 4],
      [0, 2],
    ])
    if (!c.ok) expect(c.problems[0]?.code).toBe('degenerate')
    expect(c.ok).toBe(false)
  })
})
