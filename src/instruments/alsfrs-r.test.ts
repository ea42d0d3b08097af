import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { IsoDate } from '../domain/index.ts'
import { computeAlsfrsR, scoreAlsfrsR, type AlsfrsRScore } from './alsfrs-r.ts'

const NORMAL = { Q1: 4, Q2: 4, Q3: 4, Q4: 4, Q5A: 4, Q6: 4, Q7: 4, Q8: 4, Q9: 4, Q10: 4, Q11: 4, Q12: 4 }
const d = (s: string): IsoDate => s as IsoDate

function score(
  items: Record<string, unknown>,
  ctx: { onsetDate?: string; assessmentDate?: string; died?: boolean } = {},
): AlsfrsRScore {
  const r = scoreAlsfrsR({
    items,
    onsetDate: ctx.onsetDate as IsoDate | undefined,
    assessmentDate: ctx.assessmentDate as IsoDate | undefined,
    died: ctx.died,
  })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}
function problems(items: Record<string, unknown>, ctx: { onsetDate?: string; assessmentDate?: string } = {}): string[] {
  const r = scoreAlsfrsR({
    items,
    onsetDate: ctx.onsetDate as IsoDate | undefined,
    assessmentDate: ctx.assessmentDate as IsoDate | undefined,
  })
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)
}

describe('ALSFRS-R total and subscores', () => {
  it('scores a normal assessment 48 with four subscores of 12, not stageable by King’s, MiToS 0', () => {
    const s = score(NORMAL)
    expect(s).toMatchObject({ total: 48, complete: true, kingsStage: '0', mitosStage: 0 })
    expect(s.subscores).toEqual({ bulbar: 12, fineMotor: 12, grossMotor: 12, respiratory: 12 })
  })

  it('scores a typical patient by hand', () => {
    const s = score({ Q1: 3, Q2: 4, Q3: 3, Q4: 2, Q5A: 3, Q6: 3, Q7: 3, Q8: 2, Q9: 1, Q10: 3, Q11: 4, Q12: 4 })
    // bulbar 3+4+3, fine 2+3+3, gross 3+2+1, respiratory 3+4+4
    expect(s.subscores).toEqual({ bulbar: 10, fineMotor: 8, grossMotor: 6, respiratory: 11 })
    expect(s.total).toBe(35)
    expect(s.kingsStage).toBe('3')
    expect(s.mitosStage).toBe(0)
  })

  it('fills slot Q5 from Q5B for a patient with a gastrostomy', () => {
    const { Q5A: _, ...rest } = NORMAL
    const s = score({ ...rest, Q5B: 1 })
    expect(s.slots['Q5']).toBe(1)
    expect(s.subscores['fineMotor']).toBe(9)
    expect(s.total).toBe(45)
  })

  it('names slot Q5 when both or neither of Q5A/Q5B are answered', () => {
    expect(problems({ ...NORMAL, Q5B: 3 })).toEqual([
      'Q5: answer exactly one of Q5A (without gastrostomy) or Q5B (with gastrostomy), not both',
    ])
    const { Q5A: _, ...neither } = NORMAL
    expect(problems(neither)).toEqual(['Q5: answer exactly one of Q5A (without gastrostomy) or Q5B (with gastrostomy)'])
  })

  it('gives null, not a partial sum, when an item is missing', () => {
    const { Q7: _, ...rest } = NORMAL
    const s = score(rest, { onsetDate: '2025-01-01', assessmentDate: '2026-01-01' })
    expect(s.total).toBeNull()
    expect(s.subscores).toEqual({ bulbar: 12, fineMotor: 12, grossMotor: null, respiratory: 12 })
    expect(s).toMatchObject({ complete: false, kingsStage: null, mitosStage: null, deltaFS: null })
    expect(score({ ...NORMAL, Q7: null }).total).toBeNull()
  })

  it('lists every invalid answer at once', () => {
    expect(problems({ ...NORMAL, Q1: 5, Q2: 2.5, Q3: '3', Q13: 1 })).toEqual([
      'Q1: must be one of 4, 3, 2, 1, 0',
      'Q2: must be one of 4, 3, 2, 1, 0',
      'Q3: must be one of 4, 3, 2, 1, 0',
      'Q13: unknown item (expected Q1, Q2, Q3, Q4, Q5A, Q5B, Q6, Q7, Q8, Q9, Q10, Q11, Q12)',
    ])
  })
})

describe('ΔFS', () => {
  it('is (48 − total) / months from onset with months = days / 30.4375', () => {
    // 2025-01-01 → 2026-01-01 is 365 days = 11.9918 months; 48 − 39 = 9 points.
    const s = score(
      { ...NORMAL, Q1: 3, Q4: 3, Q5A: 3, Q6: 3, Q7: 3, Q8: 2, Q9: 2 },
      { onsetDate: '2025-01-01', assessmentDate: '2026-01-01' },
    )
    expect(s.total).toBe(39)
    expect(s.monthsFromOnset).toBeCloseTo(365 / 30.4375, 12)
    expect(s.deltaFS).toBeCloseTo(9 / (365 / 30.4375), 12)
    expect(s.deltaFS).toBeCloseTo(0.750514, 6)
  })

  it('is null without both dates or on the onset day, and an assessment before onset is an error', () => {
    expect(score(NORMAL, { onsetDate: '2025-01-01' }).deltaFS).toBeNull()
    expect(score(NORMAL, { onsetDate: '2025-01-01', assessmentDate: '2025-01-01' }).deltaFS).toBeNull()
    expect(problems(NORMAL, { onsetDate: '2025-03-01', assessmentDate: '2025-01-01' })).toEqual([
      'assessmentDate: must not be before onsetDate',
    ])
    expect(problems(NORMAL, { onsetDate: '2025-02-30' })).toEqual(['onsetDate: must be a date written YYYY-MM-DD'])
  })
})

describe('King’s stage from ALSFRS-R', () => {
  it('counts bulbar, upper-limb and lower-limb involvement', () => {
    expect(score({ ...NORMAL, Q2: 3 }).kingsStage).toBe('1')
    expect(score({ ...NORMAL, Q2: 3, Q4: 3 }).kingsStage).toBe('2')
    expect(score({ ...NORMAL, Q2: 3, Q5A: 2, Q8: 3 }).kingsStage).toBe('3')
    // Q6, Q7 and Q9 are not region markers in the Balendra mapping: still not stageable.
    expect(score({ ...NORMAL, Q6: 1, Q7: 2, Q9: 0 }).kingsStage).toBe('0')
  })

  it('gives 4A for a gastrostomy (Q5B answered), and Q5B does not mark the upper limb', () => {
    const { Q5A: _, ...rest } = NORMAL
    expect(score({ ...rest, Q5B: 2, Q1: 3, Q8: 2 }).kingsStage).toBe('4A')
    expect(score({ ...rest, Q5B: 0 }).kingsStage).toBe('4A')
  })

  it('ranks 4B above 4A and the region count, and 5 (death) above all', () => {
    const { Q5A: _, ...rest } = NORMAL
    expect(score({ ...rest, Q5B: 2, Q12: 3 }).kingsStage).toBe('4B')
    expect(score({ ...NORMAL, Q10: 0 }).kingsStage).toBe('4B')
    expect(score({ ...NORMAL, Q10: 1 }).kingsStage).toBe('0')
    expect(score({ ...NORMAL, Q1: 0, Q4: 0, Q8: 0, Q12: 2 }, { died: true }).kingsStage).toBe('5')
  })

  it('gives 5 at death even from an incomplete assessment', () => {
    expect(score({ Q1: 2, Q5A: 1 }, { died: true })).toMatchObject({ kingsStage: '5', mitosStage: 5, total: null })
  })
})

describe('MiToS stage', () => {
  it('loses communicating only when both speech and handwriting are ≤ 1', () => {
    expect(score({ ...NORMAL, Q1: 1, Q4: 2 }).mitosStage).toBe(0)
    expect(score({ ...NORMAL, Q1: 2, Q4: 0 }).mitosStage).toBe(0)
    expect(score({ ...NORMAL, Q1: 1, Q4: 1 }).mitosStage).toBe(1)
  })

  it('counts walking/self-care, swallowing and breathing', () => {
    expect(score({ ...NORMAL, Q6: 1 }).mitosStage).toBe(1)
    expect(score({ ...NORMAL, Q8: 1, Q6: 0 }).mitosStage).toBe(1)
    expect(score({ ...NORMAL, Q8: 1, Q3: 1 }).mitosStage).toBe(2)
    expect(score({ ...NORMAL, Q8: 1, Q3: 1, Q12: 2 }).mitosStage).toBe(3)
    expect(score({ ...NORMAL, Q8: 1, Q3: 1, Q10: 1, Q1: 0, Q4: 1 }).mitosStage).toBe(4)
    expect(score({ ...NORMAL, Q12: 3 }).mitosStage).toBe(0)
  })

  it('is 5 at death', () => {
    expect(score(NORMAL, { died: true }).mitosStage).toBe(5)
  })
})

describe('properties over random complete assessments', () => {
  const SLOTS = Object.keys(NORMAL)
  const answers = fc.record(Object.fromEntries(SLOTS.map((k) => [k, fc.integer({ min: 0, max: 4 })])))
  const KINGS_ORDER = ['0', '1', '2', '3', '4A', '4B', '5']

  it('total is the sum of the subscores and lies in 0–48', () => {
    fc.assert(
      fc.property(answers, (a) => {
        const s = computeAlsfrsR(a)
        const sub = Object.values(s.subscores) as number[]
        expect(s.total).toBe(sub.reduce((x, y) => x + y, 0))
        expect(s.total).toBeGreaterThanOrEqual(0)
        expect(s.total).toBeLessThanOrEqual(48)
      }),
    )
  })

  it('worsening one item never lowers the total’s deficit, the King’s stage or the MiToS stage', () => {
    fc.assert(
      fc.property(answers, fc.constantFrom(...SLOTS), (a, item) => {
        const worse = { ...a, [item]: Math.max(0, (a[item] ?? 0) - 1) }
        const before = computeAlsfrsR(a)
        const after = computeAlsfrsR(worse)
        expect(after.total ?? 0).toBeLessThanOrEqual(before.total ?? 0)
        expect(after.mitosStage ?? 0).toBeGreaterThanOrEqual(before.mitosStage ?? 0)
        expect(KINGS_ORDER.indexOf(after.kingsStage ?? '')).toBeGreaterThanOrEqual(
          KINGS_ORDER.indexOf(before.kingsStage ?? ''),
        )
      }),
    )
  })

  it('ΔFS is never negative and falls as the time from onset grows', () => {
    fc.assert(
      fc.property(answers, fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 3000 }), (a, d1, d2) => {
        const at = (days: number) =>
          computeAlsfrsR(a, {
            onsetDate: d('2020-01-01'),
            assessmentDate: d(new Date(Date.UTC(2020, 0, 1 + days)).toISOString().slice(0, 10)),
          })
        const [near, far] = [at(Math.min(d1, d2)), at(Math.max(d1, d2))]
        expect(near.deltaFS).toBeGreaterThanOrEqual(0)
        expect(far.deltaFS ?? 0).toBeLessThanOrEqual(near.deltaFS ?? 0)
      }),
    )
  })
})
