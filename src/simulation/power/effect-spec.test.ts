import { describe, expect, it } from 'vitest'
import { parseEffectSpecs, resolveEffect } from './effect-spec.ts'

describe('parseEffectSpecs', () => {
  it('reads a list of uniform slowings as one effect each', () => {
    const r = parseEffectSpecs(['slope=0.25,0.35'])
    expect(r.ok && r.value).toEqual([
      { label: 'slope=0.25', slope: 0.25, hr: 1 },
      { label: 'slope=0.35', slope: 0.35, hr: 1 },
    ])
  })

  it('reads per-arm values as one effect, and combines parts joined by + (lists give every combination)', () => {
    const perArm = parseEffectSpecs(['slope:D3=0.35,D1=0.1'])
    expect(perArm.ok && perArm.value).toEqual([{ label: 'slope:D3=0.35,D1=0.1', slope: { D3: 0.35, D1: 0.1 }, hr: 1 }])
    const combined = parseEffectSpecs(['slope=0.2,0.3+hr=0.8', 'none', 'slope=0.2+hr=0.8'])
    expect(combined.ok && combined.value.map((e) => e.label)).toEqual(['slope=0.2+hr=0.8', 'slope=0.3+hr=0.8'])
  })

  it('reports every unreadable or out-of-range part with the position of its flag', () => {
    const r = parseEffectSpecs(['slope=abc', 'hr=-1', 'size=3', 'slope:D3', 'slope=0.1+slope=0.2', 'slope=1.5'])
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems.map((p) => p.path)).toEqual([
      'effect[0]',
      'effect[1]',
      'effect[2]',
      'effect[3]',
      'effect[4]',
      'effect[5]',
    ])
    expect(r.problems[1]!.message).toMatch(/positive hazard ratio/)
  })
})

describe('resolveEffect', () => {
  const arms = ['D1', 'D2', 'D3', 'P']
  const active = ['D1', 'D2', 'D3']

  it('gives every active arm the uniform value and the control none', () => {
    const r = resolveEffect({ label: 'slope=0.3+hr=0.8', slope: 0.3, hr: 0.8 }, arms, active, 'P')
    expect(r.ok && r.value).toEqual({
      label: 'slope=0.3+hr=0.8',
      slopeSlowing: { D1: 0.3, D2: 0.3, D3: 0.3, P: 0 },
      hazardRatio: { D1: 0.8, D2: 0.8, D3: 0.8, P: 1 },
      isNull: false,
    })
  })

  it('gives unnamed arms no effect and refuses unknown arms and the control', () => {
    const r = resolveEffect({ label: 'x', slope: { D3: 0.35 }, hr: 1 }, arms, active, 'P')
    expect(r.ok && r.value.slopeSlowing).toEqual({ D1: 0, D2: 0, D3: 0.35, P: 0 })
    const bad = resolveEffect({ label: 'x', slope: { D9: 0.3, P: 0.1 }, hr: 1 }, arms, active, 'P')
    expect(!bad.ok && bad.problems.map((p) => p.message)).toEqual([
      'arm "D9" is not in the design',
      'the control arm P cannot carry an effect',
    ])
  })
})
