import { describe, expect, it } from 'vitest'
import {
  ArmEffect,
  NaturalHistoryParams,
  defaultNaturalHistory,
  noEffect,
  parseArmEffect,
  parseNaturalHistory,
  toCourse,
} from './params.ts'

describe('natural-history parameters', () => {
  it('defaults carry the planning figures of ALS-NOTES §8.3', () => {
    const p = defaultNaturalHistory
    expect(p.alsfrs.baseline).toEqual({ mean: 38, sd: 5 })
    expect(p.alsfrs.slope).toEqual({ mean: -0.95, sd: 0.6 })
    expect(p.alsfrs.slopeMax).toBe(0.1)
    expect(p.alsfrs.visitNoiseSd).toBe(1.5)
    expect(p.fvc.baseline).toEqual({ mean: 85, sd: 15 })
    expect(p.fvc.slope.mean).toBe(-2.2)
    expect(p.onset.monthsMin).toBe(6)
    expect(p.onset.monthsMax).toBe(36)
    expect(Object.isFrozen(p.alsfrs.slope)).toBe(true)
  })

  it('accepts a partial override and keeps every other default', () => {
    const r = parseNaturalHistory({ alsfrs: { slope: { mean: -1.2 } }, survival: { deathRatePerMonth: 0 } })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.alsfrs.slope).toEqual({ mean: -1.2, sd: 0.6 })
    expect(r.value.alsfrs.baseline).toEqual({ mean: 38, sd: 5 })
    expect(r.value.survival.deathRatePerMonth).toBe(0)
    expect(r.value.adverseEvents.background.length).toBe(defaultNaturalHistory.adverseEvents.background.length)
    expect(NaturalHistoryParams.parse({})).toEqual(defaultNaturalHistory)
  })

  it('reports every invalid field with its path', () => {
    const r = parseNaturalHistory({
      alsfrs: { slope: { sd: -1 } },
      onset: { bulbarProportion: 1.5 },
      survival: { typo: 1 },
    })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems.map((p) => p.path).sort()).toEqual(['alsfrs.slope.sd', 'onset.bulbarProportion', 'survival'])
  })

  it('treatment effects are zero by default and extra-AE terms must exist in the catalogue', () => {
    expect(noEffect).toEqual({
      slopeSlowing: 0,
      hazardRatio: 1,
      extraAeRatePerYear: {},
      extraInfusionAeProbability: {},
    })
    expect(ArmEffect.parse({})).toEqual(noEffect)
    const good = parseArmEffect({ slopeSlowing: 0.25, hazardRatio: 0.8, extraInfusionAeProbability: { Pyrexia: 0.1 } })
    expect(good.ok && good.value.slopeSlowing).toBe(0.25)
    const bad = parseArmEffect({ extraAeRatePerYear: { Pyrexia: 0.5, Hiccups: 1 }, slopeSlowing: 2 })
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    expect(bad.problems.map((p) => p.path)).toEqual(['slopeSlowing'])
    const unknown = parseArmEffect({ extraAeRatePerYear: { Hiccups: 1 } })
    expect(!unknown.ok && unknown.problems).toEqual([
      {
        code: 'not_found',
        path: 'extraAeRatePerYear.Hiccups',
        message: '"Hiccups" is not a term of the adverse-event catalogue',
      },
    ])
  })

  it('normalises one effect or a course into a sorted course', () => {
    const a = ArmEffect.parse({ slopeSlowing: 0.3 })
    expect(toCourse(a)).toEqual([{ fromDay: 0, effect: a }])
    expect(
      toCourse([
        { fromDay: 186, effect: a },
        { fromDay: 0, effect: noEffect },
      ]).map((s) => s.fromDay),
    ).toEqual([0, 186])
  })
})
