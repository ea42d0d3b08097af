/**
 * Seeded simulated longitudinal trials for the LMM tests: y = 38 + b0 + (slope_arm + b1) t + e per subject, with
 * (b0, b1) ~ N(0, G), e ~ N(0, sigma^2), visits 0..visits-1 (months), optional monotone dropout.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'

export interface TrialScenario {
  readonly subjects: number
  readonly visits: number
  readonly arms: readonly string[]
  /** True slope per arm (points per month). */
  readonly slopes: readonly number[]
  readonly sdIntercept: number
  readonly sdSlope: number
  readonly correlation: number
  readonly sdResidual: number
  /** Probability of dropping out after each visit. */
  readonly dropout: number
}

export const DEFAULT_SCENARIO: TrialScenario = {
  subjects: 40,
  visits: 7,
  arms: ['P', 'D'],
  slopes: [-1, -0.7],
  sdIntercept: 5,
  sdSlope: 0.5,
  correlation: -0.3,
  sdResidual: 2,
  dropout: 0.05,
}

export interface TrialColumns {
  readonly y: number[]
  readonly t: number[]
  readonly arm: string[]
  readonly id: string[]
}

/** One simulated trial; subjects are allocated to arms in rotation (balanced). */
export function simulateTrial(seed: number, scenario: TrialScenario = DEFAULT_SCENARIO): TrialColumns {
  const rng = xoroshiro128plus(seed)
  const normal = (): number =>
    Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng))) * Math.cos(2 * Math.PI * uniformFloat64(rng))
  const out: TrialColumns = { y: [], t: [], arm: [], id: [] }
  const s = scenario
  for (let i = 0; i < s.subjects; i++) {
    const k = i % s.arms.length
    const z0 = normal()
    const z1 = normal()
    const b0 = s.sdIntercept * z0
    const b1 = s.sdSlope * (s.correlation * z0 + Math.sqrt(1 - s.correlation ** 2) * z1)
    for (let v = 0; v < s.visits; v++) {
      if (v > 1 && uniformFloat64(rng) < s.dropout) break
      out.y.push(38 + b0 + (s.slopes[k]! + b1) * v + s.sdResidual * normal())
      out.t.push(v)
      out.arm.push(s.arms[k]!)
      out.id.push(`S${String(i + 1).padStart(3, '0')}`)
    }
  }
  return out
}
