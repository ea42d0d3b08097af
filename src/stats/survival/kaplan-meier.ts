/**
 * Kaplan-Meier estimator with R `survival` 3.5's conventions (`survfit(Surv(time, event) ~ g)`): one row per
 * distinct time (event or censoring) per stratum, Greenwood standard error on the log scale, confidence limits
 * of `survfit_confint`, Nelson-Aalen cumulative hazard, and medians/quantiles by R's flat-stretch rules.
 */
import { normalQuantile } from '../distributions.ts'
import { curveQuantiles, tableMedian } from './curve-quantiles.ts'
import type { CountTable } from './survival-input.ts'
import { checkSurv, codeGroups, rankTimes, tabulate } from './survival-input.ts'
import type { EventValue, GroupValue, Interval, SurvivalResult, SurvivalWarning } from './survival-types.ts'
import { SurvivalWarningCode } from './survival-types.ts'

/** Scale on which the pointwise interval is built: R's `conf.type`. R's default is `'log'`. */
export type ConfType = 'log' | 'log-log' | 'plain'

export interface KaplanMeierOptions {
  /** Confidence level of the pointwise limits and of the median/quantile intervals. Default 0.95. */
  readonly confLevel?: number
  /** Default `'log'` (R's default); `'log-log'` is the usual choice in trial reports. */
  readonly confType?: ConfType
  /** Group levels in report order (default: sorted distinct values). Levels without rows are dropped. */
  readonly levels?: readonly GroupValue[]
  /** Probabilities for `quantiles` (default 0.25, 0.5, 0.75). */
  readonly probs?: readonly number[]
}

/** Quantiles of the curve and of its confidence limits, as `quantile(fit)`. `null` = not reached. */
export interface CurveQuantiles {
  readonly probs: readonly number[]
  readonly estimate: readonly (number | null)[]
  readonly lower: readonly (number | null)[]
  readonly upper: readonly (number | null)[]
}

/** One stratum's curve. Per-time arrays line up with `time`. `null` marks R's NA/Inf (not computable). */
export interface KaplanMeierCurve {
  /** `'all'` without groups, else the level as text. */
  readonly label: string
  /** The group level, `null` without groups. */
  readonly group: GroupValue | null
  /** Subjects in the stratum. */
  readonly n: number
  readonly events: number
  /** Every distinct time in the stratum, event or censoring, ascending (time units of the input). */
  readonly time: readonly number[]
  /** At risk just before `time`. */
  readonly nRisk: readonly number[]
  readonly nEvent: readonly number[]
  readonly nCensor: readonly number[]
  /** S(t) just after `time`. */
  readonly surv: readonly number[]
  /** Greenwood SE of the cumulative hazard -log S (R's `std.err`); `null` once S = 0 (R: Inf). */
  readonly stdErrCumHaz: readonly (number | null)[]
  /** Greenwood SE of S itself (`surv * stdErrCumHaz`, what `summary(fit)` prints); `null` once S = 0. */
  readonly stdErrSurv: readonly (number | null)[]
  /** Pointwise limits on the `confType` scale; `null` where R gives NA (S = 0, or S = 1 for log-log). */
  readonly lower: readonly (number | null)[]
  readonly upper: readonly (number | null)[]
  /** Nelson-Aalen cumulative hazard (R's `cumhaz`) and its SE (R's `std.chaz`). */
  readonly cumHaz: readonly number[]
  readonly stdErrCumHazNelsonAalen: readonly number[]
  /** Median with the limits' medians, as `summary(fit)$table` (`median`, `LCL`, `UCL`). */
  readonly median: Interval
  readonly quantiles: CurveQuantiles
}

export interface KaplanMeierFit {
  readonly confLevel: number
  readonly confType: ConfType
  /** One curve per group in level order, or a single `'all'` curve. */
  readonly strata: readonly KaplanMeierCurve[]
  readonly warnings: readonly SurvivalWarning[]
}

/**
 * Pointwise confidence limits of S from the SE of log S, as R's `survfit_confint` (conf.lower = "usual").
 * Undefined limits are `null`: R gives NA at S = 0 (SE infinite) and, on the log-log scale, at S = 1.
 */
export function survivalLimits(
  surv: number,
  seLog: number,
  confType: ConfType,
  z: number,
): { lower: number | null; upper: number | null } {
  if (!Number.isFinite(seLog)) return { lower: null, upper: null }
  if (confType === 'plain') {
    const se2 = seLog * surv * z
    return { lower: Math.max(surv - se2, 0), upper: Math.min(surv + se2, 1) }
  }
  if (confType === 'log') {
    if (surv === 0) return { lower: null, upper: null }
    const se2 = z * seLog
    return { lower: Math.exp(Math.log(surv) - se2), upper: Math.min(Math.exp(Math.log(surv) + se2), 1) }
  }
  if (surv === 0 || surv === 1) return { lower: null, upper: null }
  const se2 = (z * seLog) / Math.log(surv)
  const ll = Math.log(-Math.log(surv))
  return { lower: Math.exp(-Math.exp(ll - se2)), upper: Math.exp(-Math.exp(ll + se2)) }
}

const DEFAULT_PROBS: readonly number[] = [0.25, 0.5, 0.75]

/**
 * Kaplan-Meier curves, overall or by group, with R `survfit` 3.5's numbers.
 *
 * @param time follow-up time (>= 0, finite), any unit
 * @param event 1/true = event, 0/false = censored
 * @param group optional group value per row (one curve per level)
 * @example
 * const r = kaplanMeier([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1], undefined, { confType: 'log-log' })
 * if (r.ok) r.value.strata[0]?.median // { estimate: 4, lower: 1, upper: null }
 */
export function kaplanMeier(
  time: ArrayLike<number>,
  event: ArrayLike<EventValue>,
  group?: ArrayLike<GroupValue>,
  opts: KaplanMeierOptions = {},
): SurvivalResult<KaplanMeierFit> {
  const confLevel = opts.confLevel ?? 0.95
  const confType = opts.confType ?? 'log'
  const probs = opts.probs ?? DEFAULT_PROBS
  if (!(confLevel > 0 && confLevel < 1)) {
    return {
      ok: false,
      problems: [{ code: 'out_of_range', path: 'confLevel', message: 'confLevel must be in (0, 1)' }],
    }
  }
  if (probs.some((p) => !(p >= 0 && p <= 1))) {
    return { ok: false, problems: [{ code: 'out_of_range', path: 'probs', message: 'probs must be in [0, 1]' }] }
  }
  const checked = checkSurv(time, event)
  if (!checked.ok) return checked
  const { n, time: t, event: e } = checked.value
  const warnings: SurvivalWarning[] = []
  let levels: readonly (GroupValue | null)[] = [null]
  let code: Int32Array | null = null
  if (group !== undefined) {
    const g = codeGroups(group, n, 'group', opts.levels, warnings)
    if (!g.ok) return g
    levels = g.value.levels
    code = g.value.code
  }
  const { unique, rank } = rankTimes(t, checked.value.range)
  const table = tabulate(rank, unique.length, e, code, levels.length, null, 1)
  const z = normalQuantile(1 - (1 - confLevel) / 2)

  const strata: KaplanMeierCurve[] = []
  let from = 0
  for (let g = 0; g < levels.length; g++) {
    let to = from
    while (to < table.length && table.outer[to] === g) to++
    strata.push(sweepCurve(table, from, to, unique, levels[g] ?? null, confType, z, probs))
    from = to
  }
  if (strata.every((s) => s.events === 0)) {
    warnings.push({ code: SurvivalWarningCode.NoEvents, message: 'all observations are censored' })
  }
  return { ok: true, value: { confLevel, confType, strata, warnings } }
}

/** One curve: `table` entries `from..to` are its distinct times, ascending. */
function sweepCurve(
  table: CountTable,
  from: number,
  to: number,
  unique: Float64Array,
  group: GroupValue | null,
  confType: ConfType,
  z: number,
  probs: readonly number[],
): KaplanMeierCurve {
  const time: number[] = []
  const nRisk: number[] = []
  const nEvent: number[] = []
  const nCensor: number[] = []
  const surv: number[] = []
  const seCh: (number | null)[] = []
  const seS: (number | null)[] = []
  const lower: (number | null)[] = []
  const upper: (number | null)[] = []
  const cumHaz: number[] = []
  const seNa: number[] = []
  let atRisk = 0
  for (let j = from; j < to; j++) atRisk += (table.events[j] as number) + (table.censored[j] as number)
  const n = atRisk
  let km = 1
  let greenwood = 0
  let nelson = 0
  let nelsonVar = 0
  let events = 0
  for (let j = from; j < to; j++) {
    const d = table.events[j] as number
    const c = table.censored[j] as number
    // same arithmetic as survfitkm.c, so flat stretches at exactly 0.5 are recognised as R does
    if (d > 0) {
      km *= (atRisk - d) / atRisk
      greenwood += d / (atRisk * (atRisk - d))
      nelson += d / atRisk
      nelsonVar += d / (atRisk * atRisk)
    }
    const se = Math.sqrt(greenwood)
    const lim = survivalLimits(km, se, confType, z)
    time.push(unique[table.rank[j] as number] as number)
    nRisk.push(atRisk)
    nEvent.push(d)
    nCensor.push(c)
    surv.push(km)
    seCh.push(Number.isFinite(se) ? se : null)
    seS.push(Number.isFinite(se) ? km * se : null)
    lower.push(lim.lower)
    upper.push(lim.upper)
    cumHaz.push(nelson)
    seNa.push(Math.sqrt(nelsonVar))
    events += d
    atRisk -= d + c
  }
  return {
    label: group === null ? 'all' : String(group),
    group,
    n,
    events,
    time,
    nRisk,
    nEvent,
    nCensor,
    surv,
    stdErrCumHaz: seCh,
    stdErrSurv: seS,
    lower,
    upper,
    cumHaz,
    stdErrCumHazNelsonAalen: seNa,
    median: { estimate: tableMedian(time, surv), lower: tableMedian(time, lower), upper: tableMedian(time, upper) },
    quantiles: {
      probs,
      estimate: curveQuantiles(time, surv, probs),
      lower: curveQuantiles(time, lower, probs),
      upper: curveQuantiles(time, upper, probs),
    },
  }
}
