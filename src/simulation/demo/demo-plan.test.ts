import { describe, expect, it } from 'vitest'
import { compileProtocol } from '../../protocol/index.ts'
import { referenceProtocol } from '../../../test/support/index.ts'
import { createRng } from '../model/index.ts'
import { planCandidates, siteQuotas } from './demo-plan.ts'
import { demoSettings } from './demo-settings.ts'

const version = referenceProtocol()
const compiled = compileProtocol(version)
const protocol = version.protocol

describe('site quotas', () => {
  it('share the patients by target enrolment, largest remainders first, summing to the total', () => {
    expect(siteQuotas(protocol, 40)).toEqual({ MAL: 10, COR: 10, SVM: 10, SVR: 10 })
    expect(siteQuotas(protocol, 13)).toEqual({ MAL: 4, COR: 3, SVM: 3, SVR: 3 })
    expect(Object.values(siteQuotas(protocol, 7)).reduce((a, b) => a + b, 0)).toBe(7)
  })
})

describe('the plan of candidates', () => {
  const plans = planCandidates(compiled, 40, 365, createRng('plan-test').fork('plan'))
  const randomized = plans.filter((p) => p.outcome.kind === 'randomized')

  it('screens until every site has randomized its quota, over the recruitment period, in time order', () => {
    expect(randomized).toHaveLength(40)
    for (const site of protocol.sites) expect(randomized.filter((p) => p.siteId === site.id)).toHaveLength(10)
    expect(plans.length).toBeGreaterThan(40)
    expect(plans.every((p) => p.screeningDay >= 1 && p.screeningDay <= 365)).toBe(true)
    expect(plans.map((p) => p.screeningDay)).toEqual([...plans.map((p) => p.screeningDay)].sort((a, b) => a - b))
    expect(plans.map((p) => p.index)).toEqual(plans.map((_, i) => i))
  })

  it('gives screen failures a reason from the protocol’s list', () => {
    const reasons = protocol.disposition.screenFailureReasons
    for (const p of plans) {
      if (p.outcome.kind !== 'randomized') expect(reasons).toContain(p.outcome.reason)
      if (p.outcome.kind === 'ineligible') {
        const criteria = [...protocol.eligibility.inclusion, ...protocol.eligibility.exclusion].map((c) => c.id)
        expect(criteria).toContain(p.outcome.criterion)
      }
    }
  })

  it('performs visits in order, inside their windows unless flagged, from the actual anchor dates', () => {
    let outside = 0
    let total = 0
    for (const p of randomized) {
      const days = p.visits.map((v) => v.day)
      expect(days).toEqual([...days].sort((a, b) => a - b))
      expect(new Set(days).size).toBe(days.length)
      const dayOf = (id: string) => p.visits.find((v) => v.visit.id === id)?.day ?? NaN
      expect(p.randomizationDay).toBe(dayOf('BL'))
      expect(p.periodStarts).toEqual({ 'double-blind': dayOf('BL'), crossover: dayOf('M6'), extension: dayOf('M12') })
      const anchor = { screening: p.screeningDay, randomization: dayOf('BL'), infusion: dayOf('INF1') } as Record<
        string,
        number
      >
      for (const v of p.visits) {
        const base = v.visit.anchor.startsWith('period:')
          ? (p.periodStarts[v.visit.anchor.slice(7)] ?? NaN)
          : (anchor[v.visit.anchor] ?? NaN)
        const offset = v.day - (base + v.visit.day)
        const inside = offset >= -v.visit.window.before && offset <= v.visit.window.after
        expect(inside, `${v.visit.id} ${offset}`).toBe(!v.outOfWindow)
        if (v.outOfWindow) outside++
        total++
      }
      expect(p.manufactureDay).toBeGreaterThan(dayOf('EXT'))
      expect(p.releaseDay).toBeGreaterThan(p.manufactureDay)
      expect(p.releaseDay).toBeLessThanOrEqual(dayOf('INF1'))
    }
    expect(outside).toBeGreaterThan(0)
    expect(outside / total).toBeLessThan(0.06)
  })

  it('fails a few lots at release, on one criterion of the protocol', () => {
    const failing = randomized.filter((p) =>
      (protocol.product?.releaseCriteria ?? []).some((c) => {
        const v = p.releaseValues[c.id]
        return c.range
          ? typeof v !== 'number' || v < (c.range.min ?? -Infinity) || v > (c.range.max ?? Infinity)
          : v !== true
      }),
    )
    expect(failing.length).toBeGreaterThan(0)
    expect(failing.length).toBeLessThan(8)
  })

  it('is the same for the same seed and differs for another', () => {
    const again = planCandidates(compiled, 40, 365, createRng('plan-test').fork('plan'))
    const other = planCandidates(compiled, 40, 365, createRng('plan-test-2').fork('plan'))
    const key = (ps: typeof plans) =>
      ps.map((p) => `${p.siteId}:${p.screeningDay}:${p.outcome.kind}:${p.visits.map((v) => v.day).join(',')}`)
    expect(key(again)).toEqual(key(plans))
    expect(key(other)).not.toEqual(key(plans))
  })
})

describe('demo settings', () => {
  it('default to 40 patients over 12 months, no effect, and a data cut when everyone has finished', () => {
    const s = demoSettings(protocol)
    if (!s.ok) throw new Error(JSON.stringify(s.problems))
    expect(s.value).toMatchObject({
      seed: '20260112',
      patients: 40,
      recruitmentDays: 365,
      horizonDay: null,
      effectLabel: 'none',
    })
    expect(Object.values(s.value.effects).every((e) => e.slopeSlowing === 0 && e.hazardRatio === 1)).toBe(true)
  })

  it('give the active arms the effect asked for and recruit fewer patients over a shorter period', () => {
    const s = demoSettings(protocol, { patients: 12, months: 14, effect: 'slope=0.3+hr=0.8' })
    if (!s.ok) throw new Error(JSON.stringify(s.problems))
    expect(s.value.recruitmentDays).toBe(110)
    expect(s.value.horizonDay).toBe(426)
    expect(s.value.effects['D3']).toMatchObject({ slopeSlowing: 0.3, hazardRatio: 0.8 })
    expect(s.value.effects['P']).toMatchObject({ slopeSlowing: 0, hazardRatio: 1 })
  })

  it('report every bad option at once', () => {
    const s = demoSettings(protocol, { patients: 0, months: -1, effect: 'slope=0.2,0.3' })
    expect(s.ok ? [] : s.problems.map((p) => p.path).sort()).toEqual(['effect', 'months', 'patients'])
    const arm = demoSettings(protocol, { effect: 'slope:X9=0.3' })
    expect(arm.ok ? null : arm.problems[0]?.message).toMatch(/X9/)
  })
})
