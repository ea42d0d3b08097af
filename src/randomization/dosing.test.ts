import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { computeDose, PLAUSIBLE_WEIGHT_KG, roundToStep, type DoseRequest } from './dosing.ts'
import { editedProtocol, referenceProtocol } from './test-protocols.ts'

const { protocol } = referenceProtocol()
const request = (armId: string, weightKg: number, extra: Partial<DoseRequest> = {}): DoseRequest => ({
  armId,
  weightKg,
  weightDate: '2026-03-01',
  infusionDate: '2026-03-02',
  ...extra,
})

function dose(armId: string, weightKg: number, extra: Partial<DoseRequest> = {}, p = protocol) {
  const r = computeDose(p, request(armId, weightKg, extra))
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

describe('computeDose (reference protocol: 1, 2, 4 ×10^6 cells/kg; weight capped at 100 kg; rounded to 10^5; max 4×10^8)', () => {
  it('multiplies dose/kg by weight: 70 kg → 7.0, 14.0, 28.0 ×10^7 cells', () => {
    expect([dose('D1', 70).total, dose('D2', 70).total, dose('D3', 70).total]).toEqual([7.0e7, 1.4e8, 2.8e8])
    expect(dose('D1', 70)).toMatchObject({
      unit: 'cells',
      perKg: 1e6,
      weightUsedKg: 70,
      weightCapped: false,
      totalCapped: false,
      volumeMl: 50,
    })
  })

  it('rounds to the nearest 10^5 cells, halves up, without binary noise (72.35 kg × 10^6 = 723.5 steps)', () => {
    expect(dose('D1', 72.35)).toMatchObject({ calculated: 72_350_000, rounded: 72_400_000, total: 72_400_000 })
    expect(dose('D1', 72.34).total).toBe(72_300_000)
    expect(dose('D3', 61.07).total).toBe(244_300_000)
  })

  it('applies the rounding mode the protocol names', () => {
    const down = editedProtocol((p) => (p.dosing!.rounding.mode = 'down')).protocol
    const up = editedProtocol((p) => (p.dosing!.rounding.mode = 'up')).protocol
    expect(dose('D1', 72.39, {}, down).total).toBe(72_300_000)
    expect(dose('D1', 72.31, {}, up).total).toBe(72_400_000)
    expect(dose('D1', 72.3, {}, up).total).toBe(72_300_000)
  })

  it('caps the weight at 100 kg: 100 and 135 kg give the same dose, flagged', () => {
    expect(dose('D3', 100)).toMatchObject({ total: 4e8, weightCapped: false })
    expect(dose('D3', 135)).toMatchObject({ total: 4e8, weightUsedKg: 100, weightCapped: true, totalCapped: false })
    expect(dose('D1', 135).total).toBe(1e8)
  })

  it('caps the total at maxTotal when the weight cap does not bind', () => {
    const uncapped = editedProtocol((p) => delete p.dosing!.maxWeightKg).protocol
    expect(dose('D3', 120, {}, uncapped)).toMatchObject({
      rounded: 4.8e8,
      total: 4e8,
      totalCapped: true,
      weightCapped: false,
    })
  })

  it('accepts the edge weights of the plausible range and refuses just outside it', () => {
    expect(dose('D2', PLAUSIBLE_WEIGHT_KG.min).total).toBe(5e7)
    expect(dose('D2', PLAUSIBLE_WEIGHT_KG.max).weightUsedKg).toBe(100)
    for (const w of [24.9, 300.1, 0, -70, Number.NaN, Number.POSITIVE_INFINITY]) {
      const r = computeDose(protocol, request('D2', w))
      expect(r.ok || r.problems.map((p) => [p.code, p.path])).toEqual([['out_of_range', 'weightKg']])
    }
  })

  it('refuses a weight older than 14 days, dated after the infusion, or not a date', () => {
    expect(dose('D1', 70, { weightDate: '2026-02-16', infusionDate: '2026-03-02' }).weightAgeDays).toBe(14)
    const stale = computeDose(protocol, request('D1', 70, { weightDate: '2026-02-15' }))
    expect(stale.ok || stale.problems[0]).toMatchObject({ code: 'out_of_range', path: 'weightDate' })
    expect(stale.ok || stale.problems[0]?.message).toContain('15 days old')
    const future = computeDose(protocol, request('D1', 70, { weightDate: '2026-03-03' }))
    expect(future.ok || future.problems[0]?.message).toBe('the weight is dated after the infusion')
    const bad = computeDose(protocol, request('D1', 70, { weightDate: '2026-02-30' }))
    expect(bad.ok || bad.problems[0]?.path).toBe('weightDate')
  })

  it('gives placebo the matched preparation: zero cells, same volume, and the same checks and messages', () => {
    expect(dose('P', 70)).toMatchObject({ armType: 'placebo', total: 0, perKg: 0, volumeMl: 50, unit: 'cells' })
    const stale = (arm: string) => computeDose(protocol, request(arm, 20, { weightDate: '2026-01-01' }))
    expect(stale('P')).toEqual(stale('D3'))
  })

  it('unknown arm and missing dosing rule are values', () => {
    const r = computeDose(protocol, request('D9', 70))
    expect(r.ok || r.problems[0]?.code).toBe('not_found')
    const none = editedProtocol((p) => delete p.dosing).protocol
    const n = computeDose(none, request('D1', 70))
    expect(n.ok || n.problems[0]?.code).toBe('unsupported')
  })

  it('for every plausible weight and arm: a multiple of the step, within half a step of the capped product, never above the maximum, same volume', () => {
    fc.assert(
      fc.property(fc.double({ min: 25, max: 300, noNaN: true }), fc.constantFrom('D1', 'D2', 'D3', 'P'), (w, arm) => {
        const d = dose(arm, w)
        expect(d.volumeMl).toBe(50)
        expect(d.total).toBeLessThanOrEqual(4e8)
        expect(
          Number.isInteger(Math.round(d.total / 1e5)) && Math.abs(d.total / 1e5 - Math.round(d.total / 1e5)) < 1e-9,
        ).toBe(true)
        expect(Math.abs(d.total - Math.min(d.perKg * Math.min(w, 100), 4e8))).toBeLessThanOrEqual(0.5e5 + 1e-6)
      }),
      { numRuns: 2000 },
    )
  })

  it('roundToStep cleans the binary tail of fractional steps', () => {
    expect(roundToStep(0.3, 0.1, 'nearest')).toBe(0.3)
    expect(roundToStep(0.25, 0.1, 'nearest')).toBe(0.3)
    expect(roundToStep(0.25, 0.1, 'down')).toBe(0.2)
  })
})
