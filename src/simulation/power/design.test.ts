import { beforeAll, describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { loadProtocolFile, type ProtocolVersion } from '../../protocol/index.ts'
import { defaultNaturalHistory } from '../model/index.ts'
import { describeDesign, designFromProtocol, designGrid } from './design.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
let admsc: ProtocolVersion
let oral: ProtocolVersion

beforeAll(async () => {
  const a = await loadProtocolFile(resolve(ROOT, 'protocols/admsc-als.yaml'))
  const o = await loadProtocolFile(resolve(ROOT, 'protocols/oral-als-2arm.yaml'))
  if (!a.ok || !o.ok) throw new Error('example protocols must load')
  admsc = a.value
  oral = o.value
})

describe('designFromProtocol', () => {
  it('reads the randomized period of the reference trial: 4 arms 1:1:1:1, ALSFRS-R visits to month 6, Holm', () => {
    const d = designFromProtocol(admsc)
    expect(d.ok).toBe(true)
    if (!d.ok) return
    expect(d.value).toMatchObject({
      arms: ['D1', 'D2', 'D3', 'P'],
      control: 'P',
      weights: [1, 1, 1, 1],
      active: ['D1', 'D2', 'D3'],
      // BL (day 0) and M1–M6, anchored 30, 61, … days after the infusion on day 3; the crossover is not included
      visitDays: [0, 33, 64, 94, 125, 155, 186],
      effectFromDay: 3,
      alpha: 0.05,
      multiplicity: 'holm',
      endpoint: { id: 'ALSFRSR', adjustForBaseline: false },
      enrichment: null,
      label: 'protocol design',
    })
    expect(d.value.model.kind).toBe('natural-history')
  })

  it('reads the 2:1 oral protocol: baseline-adjusted analysis, treatment-period visits only, effect from day 0', () => {
    const d = designFromProtocol(oral)
    expect(d.ok && d.value).toMatchObject({
      arms: ['TDX', 'PBO'],
      weights: [2, 1],
      visitDays: [0, 28, 56, 84, 112, 168, 224, 280, 336],
      effectFromDay: 0,
      multiplicity: 'none',
      endpoint: { adjustForBaseline: true },
    })
  })

  it('applies the options: arms kept, ratio, a regular schedule, dropout, enrichment, the Gaussian model', () => {
    const d = designFromProtocol(admsc, {
      arms: ['D3', 'P'],
      ratio: { D3: 4, P: 2 },
      months: 12,
      visitEveryMonths: 3,
      dropoutPerYear: 0.2,
      enrichment: { kind: 'fast', cut: 0.8 },
    })
    expect(d.ok).toBe(true)
    if (!d.ok) return
    expect(d.value.arms).toEqual(['D3', 'P'])
    expect(d.value.weights).toEqual([2, 1])
    expect(d.value.visitDays).toEqual([0, 91, 183, 274, 365])
    expect(d.value.model.kind === 'natural-history' && d.value.model.params.dropout.ratePerYear).toBeCloseTo(
      -Math.log(0.8),
      12,
    )
    const e = d.value.enrichment!
    expect(e.minDeltaFs).toBe(0.8)
    // ΔFS >= 0.8 keeps roughly the upper third of the population, who decline faster than average
    expect(e.eligibleShare).toBeGreaterThan(0.25)
    expect(e.eligibleShare).toBeLessThan(0.45)
    expect(e.slopeMean).toBeLessThan(defaultNaturalHistory.alsfrs.slope.mean - 0.1)
    expect(d.value.label).toBe('D3,P · ratio 2:1 · 12 mo, 5 visits · dropout 20%/y · ΔFS≥0.8')
    expect(describeDesign(d.value)).toContain('5 visits over 12 months')

    const g = designFromProtocol(oral, { model: 'gaussian', months: 6, visitEveryMonths: 1 })
    expect(g.ok && g.value.model).toEqual({
      kind: 'gaussian',
      interceptMean: 38,
      interceptSd: 5,
      slopeMean: -0.95,
      slopeSd: 0.6,
      interceptSlopeCorrelation: 0,
      residualSd: 1.5,
    })
  })

  it('uses the protocol’s ΔFS stratification cut for enrichment when no cut is given', () => {
    const d = designFromProtocol(oral, { enrichment: { kind: 'slow' } })
    expect(d.ok && d.value.enrichment).toMatchObject({ minDeltaFs: null, maxDeltaFs: 0.8, label: 'ΔFS<0.8' })
  })

  it('reports every problem at once', () => {
    const d = designFromProtocol(admsc, {
      arms: ['D3', 'X9'],
      ratio: { D3: 1, Q: 2 },
      alpha: 1.5,
      dropoutPerYear: 1,
      model: 'gaussian',
      enrichment: { kind: 'fast', cut: 0.8 },
    })
    expect(d.ok).toBe(false)
    if (d.ok) return
    expect(d.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'arms: unknown arm "X9"',
      'arms: the control arm P must be kept',
      'arms: keep the control arm and at least one other arm',
      'ratio: arm "Q" is not in the design',
      'alpha: alpha must be in (0, 1)',
      'dropoutPerYear: annual dropout must be in [0, 1)',
      'enrichment: enrichment by ΔFS needs the natural-history model',
    ])
  })
})

describe('designGrid', () => {
  it('crosses the alternatives, arms slowest and enrichment fastest', () => {
    const g = designGrid(admsc, {
      arms: [
        ['D1', 'D2', 'D3', 'P'],
        ['D3', 'P'],
      ],
      months: [6, 12],
      enrichment: [null, { kind: 'fast' }],
    })
    expect(g.ok && g.value.map((d) => d.label)).toEqual([
      'D1,D2,D3,P · 6 mo, 7 visits',
      'D1,D2,D3,P · 6 mo, 7 visits · ΔFS≥0.59',
      'D1,D2,D3,P · 12 mo, 13 visits',
      'D1,D2,D3,P · 12 mo, 13 visits · ΔFS≥0.59',
      'D3,P · 6 mo, 7 visits',
      'D3,P · 6 mo, 7 visits · ΔFS≥0.59',
      'D3,P · 12 mo, 13 visits',
      'D3,P · 12 mo, 13 visits · ΔFS≥0.59',
    ])
  })
})
