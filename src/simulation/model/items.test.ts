import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { OnsetSite } from './baseline.ts'
import { alsfrsAssessment, deficitWhenSlotReaches, regionLossFraction, sampleLossOrder, slotScores } from './items.ts'
import { defaultNaturalHistory } from './params.ts'
import { createRng } from './rng.ts'
import { SLOT } from './vocabulary.ts'

const SITES: readonly OnsetSite[] = ['bulbar', 'upperLimb', 'lowerLimb']
const site = fc.constantFrom(...SITES)
const orderFor = (seed: number, s: OnsetSite, baselineDeficit: number) =>
  sampleLossOrder(defaultNaturalHistory, s, baselineDeficit, createRng(seed))

describe('items from a total', () => {
  it('are integers 0–4 that sum exactly to the total, with subscores 0–12 and one of Q5A/Q5B', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        site,
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 48 }),
        fc.boolean(),
        (seed, s, d0, total, peg) => {
          const a = alsfrsAssessment(orderFor(seed, s, d0), total, peg)
          const values = Object.values(a.items)
          expect(values).toHaveLength(12)
          expect(values.every((v) => Number.isInteger(v) && v >= 0 && v <= 4)).toBe(true)
          expect(values.reduce((x, y) => x + y, 0)).toBe(total)
          expect(a.total).toBe(total)
          expect('Q5A' in a.items).toBe(!peg)
          expect('Q5B' in a.items).toBe(peg)
          const subs = Object.values(a.subscores)
          expect(subs.every((v) => v >= 0 && v <= 12)).toBe(true)
          expect(subs.reduce((x, y) => x + y, 0)).toBe(total)
          expect(a.subscores.bulbar).toBe((a.items.Q1 ?? 0) + (a.items.Q2 ?? 0) + (a.items.Q3 ?? 0))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('never raise an item when the total falls (items follow the total monotonically)', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        site,
        fc.integer({ min: 0, max: 47 }),
        fc.integer({ min: 1, max: 48 }),
        (seed, s, lower, gap) => {
          const order = orderFor(seed, s, 10)
          const higher = Math.min(48, lower + gap)
          const a = slotScores(order, lower)
          const b = slotScores(order, higher)
          expect(a.every((x, j) => x <= (b[j] as number))).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('keep item 3 above the gastrostomy level at baseline (gastrostomy excludes) and item 12 above 0 until the end', () => {
    fc.assert(
      fc.property(fc.integer(), site, fc.integer({ min: 0, max: 28 }), (seed, s, d0) => {
        const order = orderFor(seed, s, d0)
        const g = defaultNaturalHistory.itemPattern.gastrostomyAtSwallowing
        expect(slotScores(order, 48 - d0 - 2)[SLOT.swallowing]).toBeGreaterThan(g)
        expect(deficitWhenSlotReaches(order, SLOT.swallowing, g)).toBeGreaterThan(d0 + 2)
        expect(slotScores(order, 1)[SLOT.respiratoryInsufficiency]).toBe(1)
        expect(order.length).toBe(48)
        expect(regionLossFraction(order, 'bulbar', 48)).toBe(1)
        expect(regionLossFraction(order, 'respiratory', 0)).toBe(0)
      }),
      { numRuns: 200 },
    )
  })

  it('lose the onset region first and the respiratory items last', () => {
    const n = 2000
    const meanSubscores = (s: OnsetSite, total: number) => {
      const sums = { bulbar: 0, fineMotor: 0, grossMotor: 0, respiratory: 0 }
      for (let i = 0; i < n; i++) {
        const a = alsfrsAssessment(orderFor(i, s, 48 - total), total, false)
        for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += a.subscores[k] / n
      }
      return sums
    }
    const bulbar = meanSubscores('bulbar', 38)
    const arm = meanSubscores('upperLimb', 38)
    const leg = meanSubscores('lowerLimb', 38)
    expect(bulbar.bulbar).toBeLessThan(arm.bulbar - 3)
    expect(arm.fineMotor).toBeLessThan(bulbar.fineMotor - 2)
    expect(leg.grossMotor).toBeLessThan(arm.grossMotor - 1)
    for (const s of [bulbar, arm, leg]) expect(s.respiratory).toBeGreaterThan(11)
    // Late disease: respiratory loss has started in every group.
    expect(meanSubscores('upperLimb', 18).respiratory).toBeLessThan(10)
  })
})
