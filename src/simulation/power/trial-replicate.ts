/**
 * One simulated trial and its primary analysis, the unit of work of the power simulator.
 *
 * Simulation: the scenario's subjects (fixed arm sizes, arms in ratio blocks) get ALSFRS-R totals at the design's
 * visits from the natural-history model's fast path (or the Gaussian textbook model), with the model's deaths,
 * ventilation, withdrawals and missed visits; enrichment screens candidates on ΔFS first.
 *
 * Analysis, as pre-specified: `y ~ month * arm + (month | subject)` by REML (with the baseline total as a covariate
 * and post-baseline visits as the response when the endpoint says `adjustForBaseline`), every active arm's slope
 * contrasted with the control's (Satterthwaite t tests), p-values adjusted by the protocol's multiplicity rule.
 * Success rule: the trial rejects when at least one adjusted p-value is below alpha (two-sided), and is
 * "favourable" when such a contrast also shows a slower decline on the active arm.
 * A fit that fails or does not converge counts as a trial that did not reject and is reported as a failure.
 */
import { fitLmm, slopeContrasts, type LmmData } from '../../stats/index.ts'
import {
  DAYS_PER_MONTH,
  noEffect,
  sampleBaseline,
  simulateAlsfrsTotals,
  type ArmEffect,
  type NaturalHistoryParams,
  type Rng,
  type TreatmentCourse,
} from '../model/index.ts'
import type { Enrichment, GaussianModel, PowerDesign } from './design.ts'
import { adjustPValues } from './multiplicity.ts'
import { armSequence, type PowerScenario } from './scenario.ts'

/** Long-format data of one simulated trial: observed visits only. */
export interface SimulatedTrial {
  readonly y: Float64Array
  readonly month: Float64Array
  readonly subject: Uint32Array
  /** Arm index (into `design.arms`) per row. */
  readonly arm: Uint16Array
  /** Observed baseline total of the row's subject (for the baseline-adjusted analysis). */
  readonly baseline: Float64Array
  readonly subjects: number
  /** ΔFS at screening per subject (points/month; NaN for the Gaussian model, which has no ΔFS). */
  readonly deltaFs: Float64Array
  /** Subjects with an observed value at the last scheduled visit. */
  readonly completers: number
  /** Candidates screened to enrol `subjects` (= subjects without enrichment). */
  readonly screened: number
}

export type ReplicateStatus = 'ok' | 'fit-failed' | 'not-converged'

/** What one trial contributes to the power estimate: a few numbers. */
export interface ReplicateOutcome {
  readonly status: ReplicateStatus
  readonly rejected: boolean
  readonly favourable: boolean
  readonly singular: boolean
  /** Per active-vs-control contrast, in `design.arms` order without the control (NaN when the fit failed). */
  readonly estimate: readonly number[]
  readonly se: readonly number[]
  readonly p: readonly number[]
  readonly contrastRejected: readonly boolean[]
  readonly observations: number
  readonly subjects: number
  readonly completers: number
  readonly screened: number
  readonly simMs: number
  readonly fitMs: number
}

/** The arms compared with the control, in design order. */
export const contrastArms = (design: PowerDesign): string[] => design.arms.filter((a) => a !== design.control)

/** Per arm, the course of effects: none before `effectFromDay`, the scenario's effect from then on. */
function armCourses(scenario: PowerScenario): Record<string, ArmEffect | TreatmentCourse> {
  const { design, effect } = scenario
  const courses: Record<string, ArmEffect | TreatmentCourse> = {}
  for (const arm of design.arms) {
    const slopeSlowing = effect.slopeSlowing[arm] ?? 0
    const hazardRatio = effect.hazardRatio[arm] ?? 1
    courses[arm] =
      slopeSlowing === 0 && hazardRatio === 1
        ? noEffect
        : [{ fromDay: design.effectFromDay, effect: { ...noEffect, slopeSlowing, hazardRatio } }]
  }
  return courses
}

const eligible = (e: Enrichment, deltaFs: number): boolean =>
  (e.minDeltaFs === null || deltaFs >= e.minDeltaFs) && (e.maxDeltaFs === null || deltaFs < e.maxDeltaFs)

/**
 * Candidate ids of the first `n` eligible subjects: candidate k's baseline comes from `rng.fork(k).fork('baseline')`,
 * the very stream the model draws subject k's baseline from, so screening costs one baseline per candidate.
 */
function screen(params: NaturalHistoryParams, e: Enrichment, n: number, rng: Rng): Uint32Array {
  const ids = new Uint32Array(n)
  let found = 0
  for (let k = 0; found < n; k++) {
    if (k > 1_000 * n + 10_000) throw new Error(`enrichment ${e.label}: too few eligible candidates`)
    if (eligible(e, sampleBaseline(params, rng.fork(k).fork('baseline')).deltaFs)) ids[found++] = k
  }
  return ids
}

/** A stream whose subject substream i is the parent's substream `ids[i]` (screened candidates keep their streams). */
function relabelled(rng: Rng, ids: Uint32Array): Rng {
  return {
    next: () => rng.next(),
    normal: () => rng.normal(),
    exponential: () => rng.exponential(),
    int: (n) => rng.int(n),
    fork: (label) => rng.fork(typeof label === 'number' ? ids[label]! : label),
    key: rng.key,
  }
}

function simulateNaturalHistory(scenario: PowerScenario, params: NaturalHistoryParams, rng: Rng): SimulatedTrial {
  const { design } = scenario
  const arms = armSequence(design, scenario.nPerArm)
  const n = arms.length
  const ids = design.enrichment ? screen(params, design.enrichment, n, rng) : null
  const cohort = simulateAlsfrsTotals(
    params,
    armCourses(scenario),
    n,
    design.visitDays,
    ids ? relabelled(rng, ids) : rng,
    {
      arms,
    },
  )
  const nVisits = cohort.nVisits
  let rows = 0
  for (let r = 0; r < cohort.total.length; r++) if (!Number.isNaN(cohort.total[r]!)) rows++
  const out = allocateTrial(rows)
  let completers = 0
  let k = 0
  for (let i = 0; i < n; i++) {
    const base = cohort.total[i * nVisits]!
    if (!Number.isNaN(cohort.total[i * nVisits + nVisits - 1]!)) completers++
    for (let v = 0; v < nVisits; v++) {
      const y = cohort.total[i * nVisits + v]!
      if (Number.isNaN(y)) continue
      out.y[k] = y
      out.month[k] = cohort.timeMonths[i * nVisits + v]!
      out.subject[k] = i
      out.arm[k] = arms[i]!
      out.baseline[k] = base
      k++
    }
  }
  return { ...out, subjects: n, deltaFs: cohort.deltaFs, completers, screened: ids ? ids[n - 1]! + 1 : n }
}

function allocateTrial(rows: number) {
  return {
    y: new Float64Array(rows),
    month: new Float64Array(rows),
    subject: new Uint32Array(rows),
    arm: new Uint16Array(rows),
    baseline: new Float64Array(rows),
  }
}

/**
 * The Gaussian textbook model: subject j draws from `rng.fork(j)` a random intercept and slope and one residual per
 * visit; the effect adds k |slopeMean| to the slope of an active arm from randomization; withdrawal (if the design
 * sets it) is at random, exponential with the design's annual probability.
 */
function simulateGaussian(scenario: PowerScenario, model: GaussianModel, rng: Rng): SimulatedTrial {
  const { design } = scenario
  const arms = armSequence(design, scenario.nPerArm)
  const n = arms.length
  const months = design.visitDays.map((d) => d / DAYS_PER_MONTH)
  const nVisits = months.length
  const last = months[nVisits - 1]!
  const shift = design.arms.map((a) => (scenario.effect.slopeSlowing[a] ?? 0) * Math.abs(model.slopeMean))
  const ratePerMonth = design.dropoutPerYear ? -Math.log(1 - design.dropoutPerYear) / 12 : 0
  const rho = model.interceptSlopeCorrelation
  const full = allocateTrial(n * nVisits)
  let k = 0
  let completers = 0
  for (let i = 0; i < n; i++) {
    const s = rng.fork(i)
    const z0 = s.normal()
    const z1 = s.normal()
    const dropout = ratePerMonth > 0 ? s.exponential() / ratePerMonth : Infinity
    const b0 = model.interceptMean + model.interceptSd * z0
    const b1 = model.slopeMean + shift[arms[i]!]! + model.slopeSd * (rho * z0 + Math.sqrt(1 - rho * rho) * z1)
    const base = b0 + model.residualSd * s.normal()
    if (dropout >= last) completers++
    for (let v = 0; v < nVisits; v++) {
      const t = months[v]!
      if (t > 0 && t > dropout) break
      full.y[k] = v === 0 && t === 0 ? base : b0 + b1 * t + model.residualSd * s.normal()
      full.month[k] = t
      full.subject[k] = i
      full.arm[k] = arms[i]!
      full.baseline[k] = base
      k++
    }
  }
  const trim = <T extends Float64Array | Uint32Array | Uint16Array>(a: T): T => a.subarray(0, k) as T
  return {
    y: trim(full.y),
    month: trim(full.month),
    subject: trim(full.subject),
    arm: trim(full.arm),
    baseline: trim(full.baseline),
    subjects: n,
    deltaFs: new Float64Array(n).fill(NaN),
    completers,
    screened: n,
  }
}

/** Simulates one trial of the scenario from the replicate's stream. */
export function simulateTrial(scenario: PowerScenario, rng: Rng): SimulatedTrial {
  const model = scenario.design.model
  return model.kind === 'gaussian'
    ? simulateGaussian(scenario, model, rng)
    : simulateNaturalHistory(scenario, model.params, rng)
}

export interface TrialAnalysis {
  readonly status: ReplicateStatus
  readonly singular: boolean
  readonly estimate: number[]
  readonly se: number[]
  readonly p: number[]
  readonly adjustedP: number[]
  readonly contrastRejected: boolean[]
  readonly rejected: boolean
  readonly favourable: boolean
  readonly observations: number
}

/** The pre-specified primary analysis of one trial (see the file comment for the model and the success rule). */
export function analyseTrial(design: PowerDesign, trial: SimulatedTrial): TrialAnalysis {
  const others = contrastArms(design)
  const m = others.length
  const adjust = design.endpoint.adjustForBaseline
  const keep: number[] = []
  for (let r = 0; r < trial.y.length; r++) if (!adjust || trial.month[r]! > 0) keep.push(r)
  const columns: Record<string, ArrayLike<number | string>> = {
    y: Float64Array.from(keep, (r) => trial.y[r]!),
    month: Float64Array.from(keep, (r) => trial.month[r]!),
    arm: keep.map((r) => design.arms[trial.arm[r]!]!),
    subject: Float64Array.from(keep, (r) => trial.subject[r]!),
  }
  if (adjust) columns['baseline'] = Float64Array.from(keep, (r) => trial.baseline[r]!)
  const data: LmmData = { columns }
  const failed = (status: ReplicateStatus, singular = false): TrialAnalysis => ({
    status,
    singular,
    estimate: others.map(() => NaN),
    se: others.map(() => NaN),
    p: others.map(() => NaN),
    adjustedP: others.map(() => NaN),
    contrastRejected: others.map(() => false),
    rejected: false,
    favourable: false,
    observations: keep.length,
  })
  const fit = fitLmm(data, {
    response: 'y',
    fixed: adjust ? ['baseline', 'month*arm'] : ['month*arm'],
    random: { group: 'subject', slope: 'month' },
    factorLevels: { arm: [design.control, ...others] },
  })
  if (!fit.ok) return failed('fit-failed')
  if (!fit.value.converged) return failed('not-converged', fit.value.singular)
  const contrasts = slopeContrasts(fit.value, { time: 'month', by: 'arm', reference: design.control })
  if (!contrasts.ok || contrasts.value.length !== m) return failed('fit-failed', fit.value.singular)
  const estimate = contrasts.value.map((c) => c.estimate)
  const p = contrasts.value.map((c) => c.p)
  const adjustedP = adjustPValues(p, design.multiplicity)
  const contrastRejected = adjustedP.map((q) => q < design.alpha)
  // ALSFRS-R is higher-better: a positive slope contrast is a slower decline on the active arm.
  return {
    status: 'ok',
    singular: fit.value.singular,
    estimate,
    se: contrasts.value.map((c) => c.se),
    p,
    adjustedP,
    contrastRejected,
    rejected: contrastRejected.some(Boolean),
    favourable: contrastRejected.some((r, i) => r && estimate[i]! > 0),
    observations: keep.length,
  }
}

/** Simulates and analyses one trial; `rng` is the replicate's own stream. */
export function runReplicate(
  scenario: PowerScenario,
  rng: Rng,
  now: () => number = performance.now.bind(performance),
): ReplicateOutcome {
  const t0 = now()
  const trial = simulateTrial(scenario, rng)
  const t1 = now()
  const a = analyseTrial(scenario.design, trial)
  const t2 = now()
  return {
    status: a.status,
    rejected: a.rejected,
    favourable: a.favourable,
    singular: a.singular,
    estimate: a.estimate,
    se: a.se,
    p: a.p,
    contrastRejected: a.contrastRejected,
    observations: a.observations,
    subjects: trial.subjects,
    completers: trial.completers,
    screened: trial.screened,
    simMs: t1 - t0,
    fitMs: t2 - t1,
  }
}
