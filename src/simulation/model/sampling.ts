/** Small samplers and numeric helpers over an `Rng`, shared by the model's parts. */
import type { Rng } from './rng.ts'

/** Days per month: the protocol convention (months = days / 30.4375). */
export const DAYS_PER_MONTH = 30.4375

/**
 * N(mean, sd) truncated to [lo, hi] by rejection. Sampling parameters are validated, so a window that
 * rejects almost everything is a caller's bug; after 10,000 tries the draw is clamped rather than loop forever.
 */
export function truncatedNormal(rng: Rng, mean: number, sd: number, lo: number, hi: number): number {
  if (sd === 0) return Math.min(hi, Math.max(lo, mean))
  for (let i = 0; i < 10_000; i++) {
    const x = mean + sd * rng.normal()
    if (x >= lo && x <= hi) return x
  }
  return Math.min(hi, Math.max(lo, mean))
}

/** Index drawn with probability proportional to `weights` (at least one positive). */
export function pickWeighted(rng: Rng, weights: readonly number[]): number {
  let sum = 0
  for (const w of weights) sum += w
  let u = rng.next() * sum
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] ?? 0
    if (u < 0) return i
  }
  // Rounding can leave u ≥ 0 after the last subtraction: return the last positive weight.
  for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] ?? 0) > 0) return i
  throw new RangeError('pickWeighted needs at least one positive weight')
}

/** A key of `weights` drawn with probability proportional to its value. */
export function pickKey<K extends string>(rng: Rng, weights: Readonly<Partial<Record<K, number>>>): K {
  const keys = Object.keys(weights) as K[]
  return keys[
    pickWeighted(
      rng,
      keys.map((k) => weights[k] ?? 0),
    )
  ] as K
}

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x))

export const logistic = (x: number): number => 1 / (1 + Math.exp(-x))
export const logit = (p: number): number => Math.log(p / (1 - p))

/**
 * Mean and variance of g(X) for X ~ N(mean, sd) truncated to [lo, hi], by Simpson's rule (deterministic,
 * used once per parameter set to standardise derived quantities such as log ΔFS).
 */
export function truncatedNormalMoments(
  g: (x: number) => number,
  mean: number,
  sd: number,
  lo: number,
  hi: number,
): { mean: number; variance: number } {
  if (sd === 0) {
    const v = g(clamp(mean, lo, hi))
    return { mean: v, variance: 0 }
  }
  const a = Math.max(lo, mean - 10 * sd)
  const b = Math.min(hi, mean + 10 * sd)
  const n = 2000
  const h = (b - a) / n
  let z = 0
  let s1 = 0
  let s2 = 0
  for (let i = 0; i <= n; i++) {
    const x = a + i * h
    const w = (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2) * Math.exp(-0.5 * ((x - mean) / sd) ** 2)
    const gx = g(x)
    z += w
    s1 += w * gx
    s2 += w * gx * gx
  }
  const m = s1 / z
  return { mean: m, variance: Math.max(0, s2 / z - m * m) }
}
