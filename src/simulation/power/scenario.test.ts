import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { armSequence, armSizes, powerScenarios } from './scenario.ts'
import { twoArmDesign } from './two-arm-design.test-support.ts'
import type { PowerDesign } from './design.ts'

const threeArm: PowerDesign = { ...twoArmDesign(), arms: ['A', 'B', 'P'], active: ['A', 'B'], weights: [2, 1, 1] }

describe('arm sizes and sequence', () => {
  it('gives n to the smallest-weight arms and n × weight / min to the others', () => {
    expect(armSizes(threeArm, 10)).toEqual({ A: 20, B: 10, P: 10 })
    expect(Array.from(armSequence(threeArm, armSizes(threeArm, 2)))).toEqual([0, 0, 1, 2, 0, 0, 1, 2])
  })

  it('has exactly the arm sizes, and subjects keep their arm when n grows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 1, max: 60 }),
        (weights, n, more) => {
          const design = { ...threeArm, arms: weights.map((_, i) => `X${i}`), weights }
          const small = armSequence(design, armSizes(design, n))
          const large = armSequence(design, armSizes(design, n + more))
          const sizes = armSizes(design, n)
          design.arms.forEach((arm, i) => expect(small.filter((a) => a === i).length).toBe(sizes[arm]))
          // with a ratio in lowest terms that has a 1 (designs reduce theirs), the larger trial starts with the smaller
          if (Math.min(...weights) === 1) expect(Array.from(large.subarray(0, small.length))).toEqual(Array.from(small))
        },
      ),
    )
  })
})

describe('powerScenarios', () => {
  it('crosses designs × n × effects with the null effect first', () => {
    const r = powerScenarios([twoArmDesign()], [20, 40], [{ label: 'slope=0.3', slope: 0.3, hr: 1 }])
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.map((s) => [s.index, s.n, s.nTotal, s.effect.label, s.effect.isNull])).toEqual([
      [0, 20, 40, 'none', true],
      [1, 20, 40, 'slope=0.3', false],
      [2, 40, 80, 'none', true],
      [3, 40, 80, 'slope=0.3', false],
    ])
    expect(r.value[1]!.effect.slopeSlowing).toEqual({ A: 0.3, P: 0 })
  })

  it('refuses sample sizes outside 2…100000 and effects on arms the design lacks', () => {
    const r = powerScenarios([twoArmDesign()], [1, 2.5], [{ label: 'x', slope: { D3: 0.3 }, hr: 1 }])
    expect(!r.ok && r.problems.map((p) => p.path)).toEqual(['n[0]', 'n[1]', 'effect'])
  })
})
