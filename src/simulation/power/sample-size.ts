/**
 * The sample size a design study is after: for each design and effect, the n per arm at which the simulated power
 * curve crosses a target (80 %, 90 %), interpolated between the two simulated sizes that bracket it. For a z test
 * probit(power) = delta sqrt(n) - z_alpha/2 (ignoring the far tail), a straight line in sqrt(n), so the
 * interpolation is linear on those scales.
 */
import { normalQuantile } from '../../stats/index.ts'
import type { ScenarioSummary } from './tally.ts'

export interface SampleSizeEstimate {
  readonly design: string
  readonly effect: string
  readonly target: number
  /** Interpolated n per arm (rounded up); null when the target is not bracketed by the simulated sizes. */
  readonly n: number | null
  /** The simulated sizes around the crossing: [largest below target, smallest at or above]; null ends are open. */
  readonly between: readonly [number | null, number | null]
}

const probit = (p: number): number => normalQuantile(Math.min(0.999, Math.max(0.001, p)))

/** Crossing of `target` for each design × effect with at least one simulated size (the no-effect rows excluded). */
export function sampleSizeForPower(summaries: readonly ScenarioSummary[], target: number): SampleSizeEstimate[] {
  const series = new Map<string, ScenarioSummary[]>()
  for (const s of summaries) {
    if (s.null) continue
    const key = JSON.stringify([s.design, s.effect])
    series.set(key, [...(series.get(key) ?? []), s])
  }
  return [...series.values()].map((rows) => {
    const points = [...rows].sort((a, b) => a.n - b.n)
    const { design, effect } = points[0]!
    const k = points.findIndex((p) => p.power >= target)
    if (k === -1) return { design, effect, target, n: null, between: [points[points.length - 1]!.n, null] }
    if (k === 0) return { design, effect, target, n: null, between: [null, points[0]!.n] }
    const lo = points[k - 1]!
    const hi = points[k]!
    const z1 = probit(lo.power)
    const z2 = probit(hi.power)
    const f = z2 > z1 ? (probit(target) - z1) / (z2 - z1) : 1
    const n = (Math.sqrt(lo.n) + f * (Math.sqrt(hi.n) - Math.sqrt(lo.n))) ** 2
    return { design, effect, target, n: Math.min(hi.n, Math.ceil(n - 1e-9)), between: [lo.n, hi.n] }
  })
}
