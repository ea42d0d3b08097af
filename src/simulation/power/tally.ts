/**
 * Running tallies of simulated trials and the scenario summary built from them. A tally is a fixed handful of
 * counts and sums whatever the number of simulations (memory stays flat), and tallies of consecutive batches merge
 * by addition; merging batches in replicate order makes the floating-point sums, hence every figure, independent of
 * the number of worker threads.
 */
import { normalQuantile } from '../../stats/index.ts'
import { DAYS_PER_MONTH } from '../model/index.ts'
import { slopeComparisonPower } from './closed-form.ts'
import type { PowerScenario } from './scenario.ts'
import { contrastArms, type ReplicateOutcome } from './trial-replicate.ts'

export interface ScenarioTally {
  sims: number
  rejected: number
  favourable: number
  fitFailed: number
  notConverged: number
  singular: number
  /** Per contrast: adjusted rejections, and sums over fitted trials of the estimate, its square and its SE. */
  contrastRejected: number[]
  estimateSum: number[]
  estimateSumSq: number[]
  seSum: number[]
  fitted: number
  observations: number
  subjects: number
  completers: number
  screened: number
  simMs: number
  fitMs: number
}

export function emptyTally(contrasts: number): ScenarioTally {
  const zeros = () => Array.from({ length: contrasts }, () => 0)
  return {
    sims: 0,
    rejected: 0,
    favourable: 0,
    fitFailed: 0,
    notConverged: 0,
    singular: 0,
    contrastRejected: zeros(),
    estimateSum: zeros(),
    estimateSumSq: zeros(),
    seSum: zeros(),
    fitted: 0,
    observations: 0,
    subjects: 0,
    completers: 0,
    screened: 0,
    simMs: 0,
    fitMs: 0,
  }
}

/** Adds one trial to `tally` (in place: tallies are private accumulators). */
export function addOutcome(tally: ScenarioTally, o: ReplicateOutcome): void {
  tally.sims++
  if (o.rejected) tally.rejected++
  if (o.favourable) tally.favourable++
  if (o.status === 'fit-failed') tally.fitFailed++
  if (o.status === 'not-converged') tally.notConverged++
  if (o.singular) tally.singular++
  if (o.status === 'ok') {
    tally.fitted++
    o.estimate.forEach((e, i) => {
      tally.estimateSum[i]! += e
      tally.estimateSumSq[i]! += e * e
      tally.seSum[i]! += o.se[i]!
    })
  }
  o.contrastRejected.forEach((r, i) => {
    if (r) tally.contrastRejected[i]!++
  })
  tally.observations += o.observations
  tally.subjects += o.subjects
  tally.completers += o.completers
  tally.screened += o.screened
  tally.simMs += o.simMs
  tally.fitMs += o.fitMs
}

/** Adds `b` into `a` (in place). */
export function mergeTally(a: ScenarioTally, b: ScenarioTally): void {
  const keys = [
    'sims',
    'rejected',
    'favourable',
    'fitFailed',
    'notConverged',
    'singular',
    'fitted',
    'observations',
    'subjects',
    'completers',
    'screened',
    'simMs',
    'fitMs',
  ] as const
  for (const k of keys) a[k] += b[k]
  for (const k of ['contrastRejected', 'estimateSum', 'estimateSumSq', 'seSum'] as const) {
    b[k].forEach((v, i) => (a[k][i]! += v))
  }
}

/** Wilson score interval for a binomial proportion (good coverage near 0 and 1, unlike the Wald interval). */
export function wilsonInterval(successes: number, trials: number, confLevel = 0.95): readonly [number, number] {
  if (trials === 0) return [0, 1]
  const z = normalQuantile(1 - (1 - confLevel) / 2)
  const p = successes / trials
  const z2n = (z * z) / trials
  const centre = (p + z2n / 2) / (1 + z2n)
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials))
  return [Math.max(0, centre - half), Math.min(1, centre + half)]
}

export interface ContrastSummary {
  readonly arm: string
  readonly vs: string
  /** Share of trials in which this contrast is significant after the multiplicity adjustment. */
  readonly power: number
  /** Mean, over fitted trials, of the estimated slope difference (points/month; positive = slower decline). */
  readonly meanEstimate: number
  /** SD of the estimates across trials (the true standard error) and the mean model-based SE, to compare. */
  readonly empiricalSe: number
  readonly meanModelSe: number
  /** Complete-data closed-form power of this contrast at its Bonferroni level (exact for one contrast). */
  readonly closedFormPower: number | null
}

/** One row of the results: what a design study reports per scenario. */
export interface ScenarioSummary {
  readonly scenario: number
  readonly design: string
  readonly studyId: string
  readonly protocolHash: string
  readonly model: string
  readonly arms: readonly string[]
  readonly control: string
  /** Subjects per smallest-weight arm (see `PowerScenario.n`), and per arm. */
  readonly n: number
  readonly nPerArm: Readonly<Record<string, number>>
  readonly nTotal: number
  readonly visits: number
  readonly followUpMonths: number
  readonly effect: string
  readonly slopeSlowing: Readonly<Record<string, number>>
  readonly hazardRatio: Readonly<Record<string, number>>
  /** True for the no-effect scenario: its `power` is the type-I error. */
  readonly null: boolean
  readonly alpha: number
  readonly multiplicity: string
  readonly sims: number
  /** Share of trials with at least one significant active-vs-control contrast (two-sided, after adjustment). */
  readonly power: number
  /** 95 % Monte-Carlo (Wilson) interval and Monte-Carlo standard error of `power`. */
  readonly ci95: readonly [number, number]
  readonly mcse: number
  /** Share of trials with a significant contrast that favours the active arm. */
  readonly favourablePower: number
  readonly contrasts: readonly ContrastSummary[]
  /** Trials whose fit failed or did not converge: counted as not rejecting. */
  readonly failures: { readonly fitFailed: number; readonly notConverged: number }
  readonly singularFits: number
  readonly closedFormPower: number | null
  readonly meanObservationsPerSubject: number
  /** Share of subjects observed at the last visit (deaths, ventilation, withdrawals and missed visits reduce it). */
  readonly completion: number
  /** Candidates screened per subject enrolled (1 without enrichment). */
  readonly screenedPerEnrolled: number
  readonly seed: number | string
  /** Time spent simulating and fitting, summed over trials (thread wall time inside the workers, ms). */
  readonly workerMs: { readonly simulate: number; readonly fit: number }
}

/** Closed-form power of each contrast, complete data, with the model's variance components. */
function closedFormPowers(scenario: PowerScenario): (number | null)[] {
  const { design, effect } = scenario
  const model = design.model
  const others = contrastArms(design)
  const adjust = design.endpoint.adjustForBaseline
  const visitMonths = design.visitDays.map((d) => d / DAYS_PER_MONTH).filter((t) => !adjust || t > 0)
  if (visitMonths.length < 2) return others.map(() => null)
  // natural history: the population's slope moments (the eligible candidates' under enrichment); rounding to
  // integers adds 1/12 to the visit variance
  const v =
    model.kind === 'gaussian'
      ? { mean: model.slopeMean, sd: model.slopeSd, residual: model.residualSd, multiplicative: false }
      : {
          mean: design.enrichment?.slopeMean ?? model.params.alsfrs.slope.mean,
          sd: design.enrichment?.slopeSd ?? model.params.alsfrs.slope.sd,
          residual: Math.sqrt(model.params.alsfrs.visitNoiseSd ** 2 + 1 / 12),
          multiplicative: true,
        }
  const level = design.multiplicity === 'none' ? design.alpha : design.alpha / others.length
  return others.map((arm) => {
    const k = effect.slopeSlowing[arm] ?? 0
    return slopeComparisonPower({
      visitMonths,
      nControl: scenario.nPerArm[design.control]!,
      nActive: scenario.nPerArm[arm]!,
      slopeSd: v.sd,
      activeSlopeSd: v.multiplicative ? v.sd * (1 - k) : v.sd,
      residualSd: v.residual,
      difference: k * Math.abs(v.mean),
      alpha: level,
      df: scenario.nTotal - design.arms.length,
    }).power
  })
}

/** The summary of a scenario from its complete tally. */
export function summariseScenario(
  scenario: PowerScenario,
  tally: ScenarioTally,
  seed: number | string,
): ScenarioSummary {
  const { design, effect } = scenario
  const others = contrastArms(design)
  const sims = tally.sims
  const power = sims > 0 ? tally.rejected / sims : NaN
  const closed = closedFormPowers(scenario)
  const fitted = tally.fitted
  return {
    scenario: scenario.index + 1,
    design: design.label,
    studyId: design.studyId,
    protocolHash: design.protocolHash,
    model: design.model.kind,
    arms: design.arms,
    control: design.control,
    n: scenario.n,
    nPerArm: scenario.nPerArm,
    nTotal: scenario.nTotal,
    visits: design.visitDays.length,
    followUpMonths: Number((design.visitDays[design.visitDays.length - 1]! / DAYS_PER_MONTH).toFixed(2)),
    effect: effect.label,
    slopeSlowing: effect.slopeSlowing,
    hazardRatio: effect.hazardRatio,
    null: effect.isNull,
    alpha: design.alpha,
    multiplicity: design.multiplicity,
    sims,
    power,
    ci95: wilsonInterval(tally.rejected, sims),
    mcse: sims > 0 ? Math.sqrt((power * (1 - power)) / sims) : NaN,
    favourablePower: sims > 0 ? tally.favourable / sims : NaN,
    contrasts: others.map((arm, i) => {
      const mean = fitted > 0 ? tally.estimateSum[i]! / fitted : NaN
      const variance = fitted > 1 ? (tally.estimateSumSq[i]! - fitted * mean * mean) / (fitted - 1) : NaN
      return {
        arm,
        vs: design.control,
        power: sims > 0 ? tally.contrastRejected[i]! / sims : NaN,
        meanEstimate: mean,
        empiricalSe: Math.sqrt(Math.max(0, variance)),
        meanModelSe: fitted > 0 ? tally.seSum[i]! / fitted : NaN,
        closedFormPower: closed[i] ?? null,
      }
    }),
    failures: { fitFailed: tally.fitFailed, notConverged: tally.notConverged },
    singularFits: tally.singular,
    closedFormPower: others.length === 1 ? (closed[0] ?? null) : null,
    meanObservationsPerSubject: tally.subjects > 0 ? tally.observations / tally.subjects : NaN,
    completion: tally.subjects > 0 ? tally.completers / tally.subjects : NaN,
    screenedPerEnrolled: tally.subjects > 0 ? tally.screened / tally.subjects : NaN,
    seed,
    workerMs: { simulate: tally.simMs, fit: tally.fitMs },
  }
}
