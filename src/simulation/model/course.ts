/**
 * The latent disease course of one patient and what the primary analysis sees of it: ALSFRS-R totals at the
 * scheduled visits, death, tracheostomy/permanent ventilation and dropout. Both the fast cohort path and the
 * rich per-patient path call `simulateCourse`, with the same substreams, so they agree patient by patient.
 *
 * Disease clock. A treatment with `slopeSlowing` k makes the disease progress at speed 1 − k while it applies:
 * τ(t) = ∫₀ᵗ (1 − k(u)) du (τ = t before randomization and under no effect). Every progressive quantity is a
 * function of τ: latent ALSFRS-R A(τ) = B + s·τ + c·τ², latent FVC F(τ) = F₀ + f·τ, the item loss order,
 * neurophysiology and weight.
 */
import { deltaFsZ, sampleBaseline } from './baseline.ts'
import type { Baseline } from './baseline.ts'
import { breakpoints, firstPassage } from './hazard.ts'
import type { NaturalHistoryParams, TreatmentCourse } from './params.ts'
import type { Rng } from './rng.ts'
import { DAYS_PER_MONTH, clamp, logistic, logit } from './sampling.ts'

/** Per-patient progression parameters (natural history, before any treatment effect). */
export interface Progression {
  /** ALSFRS-R slope, points/month. */
  readonly slope: number
  /** ALSFRS-R quadratic term, points/month². */
  readonly curvature: number
  /** FVC slope, % predicted per month. */
  readonly fvcSlope: number
  /** The patient's standardised slope (≈ N(0,1); negative = faster than average), for the other declines. */
  readonly slopeZ: number
}

/**
 * s = μ + δ·(1[bulbar] − p) + σᵣ·(ρ·z_ΔFS + √(1−ρ²)·e), σᵣ² = σ² − p(1−p)δ², then min(s, slopeMax).
 * Centring the bulbar shift and standardising log ΔFS keep the cohort mean μ and SD σ of the parameters.
 */
export function sampleProgression(params: NaturalHistoryParams, baseline: Baseline, rng: Rng): Progression {
  const a = params.alsfrs
  const p = params.onset.bulbarProportion
  const shift = a.bulbarSlopeShift
  const residualSd = Math.sqrt(Math.max(0, a.slope.sd ** 2 - p * (1 - p) * shift ** 2))
  const rho = a.slopeDeltaFsCorrelation
  const z = deltaFsZ(params, baseline)
  const e1 = rng.normal()
  const e2 = rng.normal()
  const e3 = rng.normal()
  const raw =
    a.slope.mean +
    shift * ((baseline.onsetSite === 'bulbar' ? 1 : 0) - p) +
    residualSd * (rho * z + Math.sqrt(1 - rho * rho) * e1)
  const slopeZ = a.slope.sd > 0 ? (raw - a.slope.mean) / a.slope.sd : 0
  const f = params.fvc
  return {
    slope: Math.min(raw, a.slopeMax),
    curvature: a.curvature.mean + a.curvature.sd * e2,
    fvcSlope: f.slope.mean + f.slope.sd * (f.slopeCorrelation * slopeZ + Math.sqrt(1 - f.slopeCorrelation ** 2) * e3),
    slopeZ,
  }
}

// ---------------------------------------------------------------------------------------------------------
// Disease clock and direct hazard ratios over time

export interface DiseaseClock {
  /** Disease time τ (months) at calendar time t (months since randomization). */
  tau(t: number): number
  /** log of the direct hazard ratio in force at t. */
  logHazardRatio(t: number): number
  /** Months at which the effect changes (for hazard integration). */
  readonly changes: readonly number[]
}

interface ClockPiece {
  readonly start: number
  readonly speed: number
  readonly logHr: number
}

export function diseaseClock(course: TreatmentCourse): DiseaseClock {
  const pieces: ClockPiece[] = [{ start: 0, speed: 1, logHr: 0 }]
  for (const seg of course) {
    const start = Math.max(0, seg.fromDay / DAYS_PER_MONTH)
    const piece = { start, speed: 1 - seg.effect.slopeSlowing, logHr: Math.log(seg.effect.hazardRatio) }
    if (start === pieces[pieces.length - 1]?.start) pieces[pieces.length - 1] = piece
    else pieces.push(piece)
  }
  return {
    tau(t) {
      if (t <= 0) return t
      let tau = 0
      for (let i = 0; i < pieces.length; i++) {
        const p = pieces[i] as ClockPiece
        if (t <= p.start) break
        const end = Math.min(t, pieces[i + 1]?.start ?? Infinity)
        tau += p.speed * (end - p.start)
      }
      return tau
    },
    logHazardRatio(t) {
      let value = 0
      for (const p of pieces) if (t >= p.start) value = p.logHr
      return value
    },
    changes: pieces.map((p) => p.start).filter((s) => s > 0),
  }
}

/** A patient's latent state: baseline, progression parameters and the clock of their treatment course. */
export interface LatentCourse {
  readonly baseline: Baseline
  readonly progression: Progression
  readonly clock: DiseaseClock
}

/** Latent ALSFRS-R total (continuous, unbounded) at t months. */
export function latentAlsfrs(c: LatentCourse, t: number): number {
  const tau = c.clock.tau(t)
  return c.baseline.alsfrsTotal + c.progression.slope * tau + c.progression.curvature * tau * tau
}

/** Latent FVC % predicted (continuous, unbounded) at t months. */
export function latentFvc(c: LatentCourse, t: number): number {
  return c.baseline.fvcPct + c.progression.fvcSlope * c.clock.tau(t)
}

// ---------------------------------------------------------------------------------------------------------
// Events

function logStateHazard(params: NaturalHistoryParams, c: LatentCourse, t: number): number {
  const s = params.survival
  return (
    (s.alsfrsLogHrPer10 * (s.referenceAlsfrs - latentAlsfrs(c, t))) / 10 +
    (s.fvcLogHrPer10 * (s.referenceFvc - latentFvc(c, t))) / 10
  )
}

/** Months to ventilation (tracheostomy/PAV) and to death; `Infinity` when beyond `horizon` months. */
export function sampleEventTimes(
  params: NaturalHistoryParams,
  c: LatentCourse,
  rng: Rng,
  horizon: number,
): { readonly ventilation: number; readonly death: number } {
  const s = params.survival
  const eVent = rng.exponential()
  const eDeath = rng.exponential()
  const grid = c.progression.curvature !== 0 ? 1 : undefined
  const logVent = Math.log(s.ventilationRatePerMonth)
  const vent =
    s.ventilationRatePerMonth > 0
      ? firstPassage(
          (t, mid) => logVent + logStateHazard(params, c, t) + c.clock.logHazardRatio(mid),
          breakpoints(horizon, c.clock.changes, grid),
          eVent,
        )
      : Infinity
  if (s.deathRatePerMonth === 0) return { ventilation: vent, death: Infinity }
  const logDeath = Math.log(s.deathRatePerMonth)
  const logPostVent = Math.log(s.postVentilationDeathHr)
  const death = firstPassage(
    (t, mid) => logDeath + logStateHazard(params, c, t) + c.clock.logHazardRatio(mid) + (mid > vent ? logPostVent : 0),
    breakpoints(horizon, [...c.clock.changes, vent], grid),
    eDeath,
  )
  return { ventilation: vent < death ? vent : Infinity, death }
}

// ---------------------------------------------------------------------------------------------------------
// Visits, dropout and missed visits

/** What happened at a scheduled visit. Codes are the indices (typed arrays store the code). */
export const VISIT_STATUS = ['completed', 'missed', 'dropped-out', 'dead', 'ventilated'] as const
export type VisitStatus = (typeof VISIT_STATUS)[number]
export const VisitStatusCode = { completed: 0, missed: 1, droppedOut: 2, dead: 3, ventilated: 4 } as const

export interface CourseOutcome {
  readonly latent: LatentCourse
  /** Months since randomization; `Infinity` when not within the horizon (or, for dropout/ventilation, not before death). */
  readonly deathMonths: number
  readonly ventilationMonths: number
  readonly dropoutMonths: number
  /** Per visit, in schedule order: status code (VISIT_STATUS index) and observed total (NaN unless completed). */
  readonly status: Uint8Array
  readonly total: Float64Array
}

/**
 * Simulates the course of one patient: baseline, progression, events and the ALSFRS-R totals at `visitDays`
 * (days since randomization, strictly increasing; days ≤ 0 are pre-randomization visits, always completed).
 * Substreams of `rng`: `baseline`, `progression`, `events`, `dropout`, and `visit`/⟨day⟩ per visit.
 */
export function simulateCourse(
  params: NaturalHistoryParams,
  course: TreatmentCourse,
  rng: Rng,
  visitDays: ArrayLike<number>,
  horizonDay: number,
): CourseOutcome {
  const baseline = sampleBaseline(params, rng.fork('baseline'))
  const progression = sampleProgression(params, baseline, rng.fork('progression'))
  const latent: LatentCourse = { baseline, progression, clock: diseaseClock(course) }
  const horizon = Math.max(horizonDay, visitDays[visitDays.length - 1] ?? 0) / DAYS_PER_MONTH
  const events = sampleEventTimes(params, latent, rng.fork('events'), horizon)

  const d = params.dropout
  const m = params.missedVisits
  const a = params.alsfrs
  const missLogit = logit(m.probability)
  const dropoutTarget = rng.fork('dropout').exponential()
  const visitRng = rng.fork('visit')
  const n = visitDays.length
  const status = new Uint8Array(n)
  const total = new Float64Array(n).fill(NaN)
  let dropout = Infinity
  let cumulative = 0
  let previous = 0
  let lastObserved = Math.round(baseline.alsfrsTotal)
  for (let v = 0; v < n; v++) {
    const day = visitDays[v] as number
    if (v > 0 && !(day > (visitDays[v - 1] as number))) throw new RangeError('visit days must be strictly increasing')
    const t = day / DAYS_PER_MONTH
    const lat = latentAlsfrs(latent, t)
    const stream = visitRng.fork(day)
    const noise = a.visitNoiseSd * stream.normal()
    const u = stream.next()
    if (t > 0 && dropout === Infinity && t > previous) {
      // Withdrawal hazard over (previous visit, this visit], set by the state at the previous visit: the last
      // observed total (MAR) and the latent total (informative), so it never depends on later treatment.
      const rate =
        (d.ratePerYear / 12) *
        Math.exp(
          (d.observedLogHrPer10 * (d.referenceAlsfrs - lastObserved)) / 10 +
            (d.latentLogHrPer10 * (d.referenceAlsfrs - latentAlsfrs(latent, previous))) / 10,
        )
      const add = rate * (t - previous)
      if (cumulative + add >= dropoutTarget && rate > 0) {
        const at = previous + (dropoutTarget - cumulative) / rate
        if (at < events.death) dropout = at
      }
      cumulative += add
      previous = t
    }
    let code: number = VisitStatusCode.completed
    if (t > 0) {
      if (t >= events.death) code = VisitStatusCode.dead
      else if (t >= dropout) code = VisitStatusCode.droppedOut
      else if (t >= events.ventilation) code = VisitStatusCode.ventilated
      else if (u < logistic(missLogit + (m.latentLogOrPer10 * (m.referenceAlsfrs - lat)) / 10))
        code = VisitStatusCode.missed
    }
    status[v] = code
    if (code === VisitStatusCode.completed) {
      const y = clamp(Math.round(lat + noise), 0, 48)
      total[v] = y
      lastObserved = y
    }
  }
  return {
    latent,
    deathMonths: events.death,
    ventilationMonths: events.ventilation,
    dropoutMonths: dropout,
    status,
    total,
  }
}
