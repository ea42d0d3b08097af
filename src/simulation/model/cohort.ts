/**
 * The fast path for the power simulator: a cohort's ALSFRS-R totals, dropout and event times in flat typed
 * arrays, nothing else (no items, forms or AEs).
 *
 * Subject i's numbers come from `rng.fork(i)` (i = `firstSubject` + position), the same substream the rich
 * path uses for a patient, so a worker can simulate subjects 5,000–9,999 of a replicate and get exactly the
 * rows the single-threaded run gives, and `simulatePatient(…, rng.fork(i), …)` reproduces subject i's totals.
 */
import { simulateCourse } from './course.ts'
import { toCourse } from './params.ts'
import type { ArmEffect, NaturalHistoryParams, TreatmentCourse } from './params.ts'
import type { Rng } from './rng.ts'
import { DAYS_PER_MONTH } from './sampling.ts'

export interface CohortOptions {
  /** Arm index (into the keys of `effectsByArm`) per subject; default: subject index modulo the number of arms. */
  readonly arms?: ArrayLike<number>
  /** Global index of the first subject (for slicing a replicate across workers). Default 0. */
  readonly firstSubject?: number
  /** Event times are followed to this day (default: the last visit day); later events are reported as Infinity. */
  readonly horizonDay?: number
}

/**
 * Long-format arrays: row r = i × nVisits + v for subject position i and visit v. A value that was not observed
 * is NaN in `total`, with the reason in `status` (`VisitStatusCode`: completed, missed, dropped out, dead,
 * ventilated).
 */
export interface AlsfrsTotalsCohort {
  readonly n: number
  readonly nVisits: number
  readonly armIds: readonly string[]
  readonly visitDays: Float64Array
  /** Per row. */
  readonly subject: Uint32Array
  readonly arm: Uint16Array
  readonly timeMonths: Float64Array
  readonly total: Float64Array
  readonly status: Uint8Array
  /** Per subject (position i). */
  readonly subjectArm: Uint16Array
  readonly baselineTotal: Float64Array
  readonly deltaFs: Float64Array
  readonly bulbarOnset: Uint8Array
  /** Natural (untreated) latent slope, points/month: the truth against which estimates can be checked. */
  readonly latentSlope: Float64Array
  /** Months since randomization; Infinity = no such event before the horizon (dropout/ventilation: or before death). */
  readonly deathMonths: Float64Array
  readonly ventilationMonths: Float64Array
  readonly dropoutMonths: Float64Array
}

/**
 * Simulates `n` subjects' ALSFRS-R totals at `visitDays` (days since randomization, strictly increasing).
 * `effectsByArm` maps arm id → effect (or a course of effects over time); its key order defines the arm indices.
 */
export function simulateAlsfrsTotals(
  params: NaturalHistoryParams,
  effectsByArm: Readonly<Record<string, ArmEffect | TreatmentCourse>>,
  n: number,
  visitDays: ArrayLike<number>,
  rng: Rng,
  opts: CohortOptions = {},
): AlsfrsTotalsCohort {
  const armIds = Object.keys(effectsByArm)
  if (armIds.length === 0) throw new RangeError('effectsByArm must name at least one arm')
  const courses = armIds.map((id) => toCourse(effectsByArm[id] as ArmEffect | TreatmentCourse))
  const nVisits = visitDays.length
  const first = opts.firstSubject ?? 0
  const horizonDay = opts.horizonDay ?? visitDays[nVisits - 1] ?? 0
  const rows = n * nVisits
  const out = {
    n,
    nVisits,
    armIds,
    visitDays: Float64Array.from(visitDays),
    subject: new Uint32Array(rows),
    arm: new Uint16Array(rows),
    timeMonths: new Float64Array(rows),
    total: new Float64Array(rows),
    status: new Uint8Array(rows),
    subjectArm: new Uint16Array(n),
    baselineTotal: new Float64Array(n),
    deltaFs: new Float64Array(n),
    bulbarOnset: new Uint8Array(n),
    latentSlope: new Float64Array(n),
    deathMonths: new Float64Array(n),
    ventilationMonths: new Float64Array(n),
    dropoutMonths: new Float64Array(n),
  }
  for (let i = 0; i < n; i++) {
    const id = first + i
    const armIndex = opts.arms ? (opts.arms[i] as number) : id % armIds.length
    const course = courses[armIndex]
    if (course === undefined) throw new RangeError(`arm index ${armIndex} of subject ${id} is not an arm`)
    const c = simulateCourse(params, course, rng.fork(id), visitDays, horizonDay)
    out.subjectArm[i] = armIndex
    out.baselineTotal[i] = c.latent.baseline.alsfrsTotal
    out.deltaFs[i] = c.latent.baseline.deltaFs
    out.bulbarOnset[i] = c.latent.baseline.onsetRegion === 'bulbar' ? 1 : 0
    out.latentSlope[i] = c.latent.progression.slope
    out.deathMonths[i] = c.deathMonths
    out.ventilationMonths[i] = c.ventilationMonths
    out.dropoutMonths[i] = c.dropoutMonths
    for (let v = 0; v < nVisits; v++) {
      const r = i * nVisits + v
      out.subject[r] = id
      out.arm[r] = armIndex
      out.timeMonths[r] = (visitDays[v] as number) / DAYS_PER_MONTH
      out.total[r] = c.total[v] as number
      out.status[r] = c.status[v] as number
    }
  }
  return out
}
