/**
 * Event times from a time-varying hazard by inversion of the cumulative hazard: with E ~ Exp(1), the event
 * happens at the first t where H(t) = ∫₀ᵗ h = E. Because E is drawn once and H is built from the past only,
 * changing the hazard after day d (e.g. a new treatment from the month-6 re-randomization) never moves an
 * event that happens before d: simulated histories are consistent across treatment scenarios.
 *
 * The log hazard is taken as linear between consecutive breakpoints, which is exact for the model's default
 * linear trajectories (log h is linear in the disease clock, and the clock is piecewise linear in time); with
 * curvature the caller adds a monthly grid of breakpoints.
 */

/**
 * First time (months) at which the cumulative hazard reaches `target`, or `Infinity` if it does not by the last
 * breakpoint. `logHazard(t, inSegment)` gives log h at t, where `inSegment` is a time strictly inside the current
 * segment, so that jumps (hazard ratios switching on) are taken from the correct side.
 */
export function firstPassage(
  logHazard: (t: number, inSegment: number) => number,
  breaks: readonly number[],
  target: number,
): number {
  let cumulative = 0
  for (let i = 0; i + 1 < breaks.length; i++) {
    const a = breaks[i] ?? 0
    const b = breaks[i + 1] ?? 0
    if (!(b > a)) continue
    const mid = (a + b) / 2
    const la = logHazard(a, mid)
    const beta = (logHazard(b, mid) - la) / (b - a)
    const need = target - cumulative
    const segment = integralExpLinear(la, beta, b - a)
    if (segment >= need) return a + solveExpLinear(la, beta, need)
    cumulative += segment
  }
  return Infinity
}

/** ∫₀ᴸ exp(α + βu) du. */
function integralExpLinear(alpha: number, beta: number, length: number): number {
  if (Math.abs(beta * length) < 1e-9) return Math.exp(alpha) * length
  return (Math.exp(alpha) * Math.expm1(beta * length)) / beta
}

/** The x ≥ 0 with ∫₀ˣ exp(α + βu) du = r (caller guarantees it exists within the segment). */
function solveExpLinear(alpha: number, beta: number, r: number): number {
  const scaled = r * Math.exp(-alpha)
  if (Math.abs(beta * scaled) < 1e-9) return scaled
  return Math.log1p(beta * scaled) / beta
}

/** Sorted, de-duplicated breakpoints within [0, horizon], always including both ends. */
export function breakpoints(horizon: number, points: readonly number[], gridStep?: number): number[] {
  const all = [0, horizon, ...points.filter((p) => p > 0 && p < horizon)]
  if (gridStep !== undefined) for (let t = gridStep; t < horizon; t += gridStep) all.push(t)
  all.sort((x, y) => x - y)
  return all.filter((t, i) => i === 0 || t > (all[i - 1] ?? -Infinity))
}
