import { describe, expect, it } from 'vitest'
import { normalCdf, normalQuantile } from '../../stats/index.ts'
import { sampleSizeForPower } from './sample-size.ts'
import type { ScenarioSummary } from './tally.ts'

const row = (effect: string, n: number, power: number): ScenarioSummary =>
  ({ design: 'd', effect, n, power, null: effect === 'none' }) as ScenarioSummary

describe('sampleSizeForPower', () => {
  it('recovers the n of a z-test power curve from two bracketing sizes', () => {
    // power(n) = Phi(0.3 sqrt(n) - 1.96): 80 % at n = ((0.8416 + 1.96) / 0.3)^2 = 87.2
    const z = normalQuantile(0.975)
    const power = (n: number) => normalCdf(0.3 * Math.sqrt(n) - z)
    const exact = ((normalQuantile(0.8) + z) / 0.3) ** 2
    const [e] = sampleSizeForPower([row('none', 40, 0.05), row('a', 40, power(40)), row('a', 160, power(160))], 0.8)
    expect(e).toEqual({ design: 'd', effect: 'a', target: 0.8, n: Math.ceil(exact), between: [40, 160] })
  })

  it('says when the target lies outside the simulated sizes, per effect', () => {
    const rows = [row('a', 40, 0.85), row('a', 80, 0.99), row('b', 40, 0.2), row('b', 80, 0.5)]
    expect(sampleSizeForPower(rows, 0.8)).toEqual([
      { design: 'd', effect: 'a', target: 0.8, n: null, between: [null, 40] },
      { design: 'd', effect: 'b', target: 0.8, n: null, between: [80, null] },
    ])
  })
})
