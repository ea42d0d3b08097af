/**
 * The design of the next trial, read from a protocol: arms and ratio of the randomized period, the control arm,
 * the visits of that period at which the primary endpoint is measured, alpha and the multiplicity rule. Options
 * override what a design study varies: which arms to keep, the ratio, follow-up length, visit frequency, dropout,
 * enrichment, and the trajectory model.
 */
import {
  fail,
  ok,
  problem,
  ProblemCode,
  type Problem,
  type ProtocolFile,
  type Result,
  type ScoreEndpoint,
} from '../../domain/index.ts'
import { nominalAnchorDays, nominalStudyDay, visitPeriod, type ProtocolVersion } from '../../protocol/index.ts'
import {
  createRng,
  DAYS_PER_MONTH,
  defaultNaturalHistory,
  logDeltaFsMoments,
  parseNaturalHistory,
  sampleBaseline,
  sampleProgression,
  type NaturalHistoryParams,
} from '../model/index.ts'
import type { MultiplicityMethod } from './multiplicity.ts'

/**
 * The textbook model behind the closed-form power: y = (a + b0) + (s + b1 + effect) t + e with Gaussian random
 * intercept and slope, no rounding, floor or informative dropout. A slowing k adds k |s| to the slope (an additive
 * shift, so both arms keep the slope SD the closed form assumes).
 */
export interface GaussianModel {
  readonly kind: 'gaussian'
  readonly interceptMean: number
  readonly interceptSd: number
  /** Mean slope of the control arm, points/month. */
  readonly slopeMean: number
  readonly slopeSd: number
  readonly interceptSlopeCorrelation: number
  readonly residualSd: number
}

/** Trajectories from the ALS natural-history model (`src/simulation/model`, docs/simulation-model.md). */
export interface NaturalHistoryModel {
  readonly kind: 'natural-history'
  readonly params: NaturalHistoryParams
}

export type TrajectoryModel = NaturalHistoryModel | GaussianModel
export type TrajectoryModelKind = TrajectoryModel['kind']

/** Enrolment restricted by ΔFS (points/month) at screening, e.g. fast progressors only. */
export interface Enrichment {
  readonly minDeltaFs: number | null
  readonly maxDeltaFs: number | null
  readonly label: string
  /** Share of the model's screened population that is eligible (from 4,000 simulated candidates). */
  readonly eligibleShare: number
  /** Mean and SD of the natural ALSFRS-R slope (points/month) of the eligible candidates, for the closed form. */
  readonly slopeMean: number
  readonly slopeSd: number
}

/** One design of the next trial: everything but the sample size and the treatment effect. */
export interface PowerDesign {
  readonly label: string
  readonly studyId: string
  readonly protocolHash: string
  /** Arms kept, in protocol order; the control arm among them. */
  readonly arms: readonly string[]
  readonly control: string
  /** Allocation weights aligned with `arms`, reduced by their greatest common divisor. */
  readonly weights: readonly number[]
  /** Arms of type `active`: the ones a treatment effect applies to. */
  readonly active: readonly string[]
  /** Days since randomization of the primary-endpoint visits (baseline = day 0). */
  readonly visitDays: readonly number[]
  /** Day the treatment starts acting (the first infusion in a dosed period, else randomization). */
  readonly effectFromDay: number
  readonly endpoint: { readonly id: string; readonly label: string; readonly adjustForBaseline: boolean }
  /** Two-sided level of the family of active-vs-control contrasts. */
  readonly alpha: number
  readonly multiplicity: MultiplicityMethod
  /** Annual probability of withdrawal (for the natural-history model: at the reference state); null = model default. */
  readonly dropoutPerYear: number | null
  readonly enrichment: Enrichment | null
  readonly model: TrajectoryModel
}

export type EnrichmentOption = { readonly kind: 'fast' | 'slow'; readonly cut?: number }

export interface DesignOptions {
  /** Arms to keep (must include the control arm); default every arm of the randomized period's ratio. */
  readonly arms?: readonly string[]
  /** Ratio weights by arm; default the protocol's. */
  readonly ratio?: Readonly<Record<string, number>>
  /** Follow-up of the primary analysis, months; with `visitEveryMonths`, a regular schedule replaces the protocol's. */
  readonly months?: number
  readonly visitEveryMonths?: number
  /** Annual withdrawal probability (deaths and ventilation come on top in the natural-history model). */
  readonly dropoutPerYear?: number
  readonly enrichment?: EnrichmentOption | null
  readonly alpha?: number
  readonly multiplicity?: MultiplicityMethod
  readonly model?: TrajectoryModelKind
  /** Natural-history parameters (default: the published-figure defaults). */
  readonly naturalHistory?: NaturalHistoryParams
}

const invalid = (path: string, message: string): Problem => problem(ProblemCode.Invalid, path, message)

/** The primary score endpoint, which must be the ALSFRS-R total: the only score the trajectory models produce. */
function primaryEndpoint(protocol: ProtocolFile): Result<ScoreEndpoint> {
  const endpoint = protocol.endpoints.scores.find((s) => s.role === 'primary')
  if (!endpoint) return fail(problem(ProblemCode.NotFound, 'endpoints.scores', 'the protocol has no primary endpoint'))
  const form = protocol.forms.find((f) => f.id === endpoint.form)
  if (form?.instrument !== 'ALSFRS-R' || endpoint.value !== 'total') {
    return fail(
      problem(
        ProblemCode.Unsupported,
        'endpoints.scores',
        `primary endpoint ${endpoint.id} is ${endpoint.form}.${endpoint.value}; the power simulator models the ALSFRS-R total only`,
      ),
    )
  }
  return ok(endpoint)
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

/** Regular schedule every `every` months up to `months` (the last visit at `months` even when not a multiple). */
function regularVisitDays(months: number, every: number): number[] {
  const out: number[] = []
  for (let m = 0; m < months - 1e-9; m += every) out.push(Math.round(m * DAYS_PER_MONTH))
  out.push(Math.round(months * DAYS_PER_MONTH))
  return out
}

/** The ΔFS cut of the protocol's stratification (a numeric factor on ΔFS), if it has one. */
function protocolDeltaFsCut(protocol: ProtocolFile): number | null {
  for (const f of protocol.stratification.factors) {
    const s = f.source
    if (typeof s === 'object' && /^(delta_?fs|dfs)$/i.test(s.value) && s.cuts.length === 1) return s.cuts[0]!.below
  }
  return null
}

/**
 * The eligible share of 4,000 simulated candidates (a fixed stream, drawn as the model draws a subject) and the
 * mean and SD of their natural slopes.
 */
function screenPopulation(
  params: NaturalHistoryParams,
  kind: EnrichmentOption['kind'],
  cut: number,
): { eligibleShare: number; slopeMean: number; slopeSd: number } {
  const rng = createRng('power/enrichment-screen')
  const draws = 4000
  let hits = 0
  let sum = 0
  let sumSq = 0
  for (let k = 0; k < draws; k++) {
    const subject = rng.fork(k)
    const baseline = sampleBaseline(params, subject.fork('baseline'))
    if (!(kind === 'fast' ? baseline.deltaFs >= cut : baseline.deltaFs < cut)) continue
    const slope = sampleProgression(params, baseline, subject.fork('progression')).slope
    hits++
    sum += slope
    sumSq += slope * slope
  }
  const mean = hits > 0 ? sum / hits : NaN
  return {
    eligibleShare: hits / draws,
    slopeMean: mean,
    slopeSd: hits > 1 ? Math.sqrt(Math.max(0, (sumSq - hits * mean * mean) / (hits - 1))) : NaN,
  }
}

function gaussianFrom(params: NaturalHistoryParams): GaussianModel {
  const a = params.alsfrs
  return {
    kind: 'gaussian',
    interceptMean: a.baseline.mean,
    interceptSd: a.baseline.sd,
    slopeMean: a.slope.mean,
    slopeSd: a.slope.sd,
    interceptSlopeCorrelation: 0,
    residualSd: a.visitNoiseSd,
  }
}

/**
 * Reads the design of the protocol's randomized period (the first period with an allocation) and applies the
 * options. Reports every problem at once (unknown arms, a control arm left out, a primary endpoint the models do
 * not produce, options out of range).
 */
export function designFromProtocol(version: ProtocolVersion, options: DesignOptions = {}): Result<PowerDesign> {
  const { protocol } = version
  const problems: Problem[] = []
  const endpoint = primaryEndpoint(protocol)
  if (!endpoint.ok) problems.push(...endpoint.problems)
  const period = protocol.periods.find((p) => p.allocation !== undefined)
  if (!period?.allocation) return fail([...problems, invalid('periods', 'no period has an allocation')])
  const control = protocol.endpoints.controlArm
  const ratioArms = protocol.arms.map((a) => a.id).filter((id) => period.allocation!.ratio[id] !== undefined)
  const arms = options.arms ? protocol.arms.map((a) => a.id).filter((id) => options.arms!.includes(id)) : ratioArms
  for (const id of options.arms ?? []) {
    if (!protocol.arms.some((a) => a.id === id)) problems.push(invalid('arms', `unknown arm "${id}"`))
  }
  if (!arms.includes(control)) problems.push(invalid('arms', `the control arm ${control} must be kept`))
  if (arms.length < 2) problems.push(invalid('arms', 'keep the control arm and at least one other arm'))
  const rawWeights = arms.map((id) => options.ratio?.[id] ?? period.allocation!.ratio[id] ?? 0)
  arms.forEach((id, i) => {
    if (!(Number.isInteger(rawWeights[i]) && rawWeights[i]! > 0))
      problems.push(invalid('ratio', `arm ${id} needs a positive integer ratio weight`))
  })
  for (const id of Object.keys(options.ratio ?? {})) {
    if (!arms.includes(id)) problems.push(invalid('ratio', `arm "${id}" is not in the design`))
  }
  const active = arms.filter((id) => protocol.arms.find((a) => a.id === id)?.type === 'active')
  if (active.length === 0 && arms.length >= 2) problems.push(invalid('arms', 'no active arm is kept'))

  const anchors = nominalAnchorDays(protocol)
  const form = endpoint.ok ? endpoint.value.form : ''
  const protocolDays = [
    ...new Set(
      protocol.visits
        .filter((v) => v.forms.includes(form) && visitPeriod(protocol, v, anchors) === period.id)
        .map((v) => nominalStudyDay(v, anchors))
        .filter((d): d is number => d !== null && d >= 0),
    ),
  ].sort((a, b) => a - b)
  let visitDays = protocolDays
  const scheduleChanged = options.months !== undefined || options.visitEveryMonths !== undefined
  if (scheduleChanged) {
    const lastMonth = Math.round((protocolDays[protocolDays.length - 1] ?? 0) / DAYS_PER_MONTH)
    const gaps = protocolDays.slice(1).map((d, i) => (d - protocolDays[i]!) / DAYS_PER_MONTH)
    const medianGap = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 1
    const months = options.months ?? lastMonth
    const every = options.visitEveryMonths ?? Math.max(1, Math.round(medianGap))
    if (!(months > 0 && months <= 120)) problems.push(invalid('months', 'follow-up must be in (0, 120] months'))
    else if (!(every > 0 && every <= months))
      problems.push(invalid('visitEveryMonths', 'the visit interval must be positive and at most the follow-up'))
    else visitDays = regularVisitDays(months, every)
  }
  if (visitDays.length < 2 && problems.length === 0) {
    problems.push(invalid('visits', `fewer than two visits of the randomized period measure ${form}`))
  }

  const alpha = options.alpha ?? protocol.endpoints.alpha
  if (!(alpha > 0 && alpha < 1)) problems.push(invalid('alpha', 'alpha must be in (0, 1)'))
  const dropout = options.dropoutPerYear ?? null
  if (dropout !== null && !(dropout >= 0 && dropout < 1))
    problems.push(invalid('dropoutPerYear', 'annual dropout must be in [0, 1)'))

  const baseParams = options.naturalHistory ?? defaultNaturalHistory
  let enrichment: Enrichment | null = null
  if (options.enrichment) {
    const e = options.enrichment
    const cut = e.cut ?? protocolDeltaFsCut(protocol) ?? Math.exp(logDeltaFsMoments(baseParams).mean)
    if (!(cut > 0)) problems.push(invalid('enrichment', 'the ΔFS cut must be positive'))
    const shown = Number(cut.toFixed(2))
    const screened = screenPopulation(baseParams, e.kind, cut)
    if (screened.eligibleShare < 0.01) {
      problems.push(
        invalid('enrichment', `fewer than 1 % of the population meet ${e.kind === 'fast' ? '≥' : '<'} ${shown}`),
      )
    }
    enrichment =
      e.kind === 'fast'
        ? { minDeltaFs: cut, maxDeltaFs: null, label: `ΔFS≥${shown}`, ...screened }
        : { minDeltaFs: null, maxDeltaFs: cut, label: `ΔFS<${shown}`, ...screened }
  }
  const kind = options.model ?? 'natural-history'
  if (kind === 'gaussian' && enrichment) {
    problems.push(invalid('enrichment', 'enrichment by ΔFS needs the natural-history model'))
  }
  let params = baseParams
  if (kind === 'natural-history' && dropout !== null) {
    // The model's withdrawal hazard at the reference state, per year, giving this annual probability.
    const parsed = parseNaturalHistory({
      ...baseParams,
      dropout: { ...baseParams.dropout, ratePerYear: -Math.log(1 - dropout) },
    })
    if (parsed.ok) params = parsed.value
    else problems.push(...parsed.problems)
  }
  if (problems.length > 0 || !endpoint.ok) return fail(problems)

  const divisor = rawWeights.reduce(gcd)
  const model: TrajectoryModel = kind === 'gaussian' ? gaussianFrom(baseParams) : { kind, params }
  const dosed = period.dosing ? (anchors['infusion'] ?? null) : null
  const labelParts = [
    options.arms ? arms.join(',') : null,
    options.ratio ? `ratio ${rawWeights.map((w) => w / divisor).join(':')}` : null,
    scheduleChanged
      ? `${Number((visitDays[visitDays.length - 1]! / DAYS_PER_MONTH).toFixed(1))} mo, ${visitDays.length} visits`
      : null,
    dropout !== null ? `dropout ${Math.round(dropout * 1000) / 10}%/y` : null,
    enrichment?.label ?? null,
    kind === 'gaussian' ? 'gaussian model' : null,
  ].filter((x): x is string => x !== null)
  return ok({
    label: labelParts.length > 0 ? labelParts.join(' · ') : 'protocol design',
    studyId: protocol.study.id,
    protocolHash: version.hash,
    arms,
    control,
    weights: rawWeights.map((w) => w / divisor),
    active,
    visitDays,
    effectFromDay: dosed !== null && dosed >= 0 ? dosed : 0,
    endpoint: {
      id: endpoint.value.id,
      label: endpoint.value.label,
      adjustForBaseline: endpoint.value.adjustForBaseline,
    },
    alpha,
    multiplicity: options.multiplicity ?? protocol.endpoints.multiplicity,
    dropoutPerYear: dropout,
    enrichment,
    model,
  })
}

/** The cartesian grid of options a design study varies; each list's entries are alternatives. */
export interface DesignGrid {
  readonly arms?: readonly (readonly string[])[]
  readonly ratio?: Readonly<Record<string, number>>
  readonly months?: readonly number[]
  readonly visitEveryMonths?: readonly number[]
  readonly dropoutPerYear?: readonly (number | null)[]
  readonly enrichment?: readonly (EnrichmentOption | null)[]
  readonly alpha?: number
  readonly multiplicity?: MultiplicityMethod
  readonly model?: TrajectoryModelKind
  readonly naturalHistory?: NaturalHistoryParams
}

/** Every combination of the grid's alternatives, in order (arms slowest, enrichment fastest). */
export function designGrid(version: ProtocolVersion, grid: DesignGrid = {}): Result<PowerDesign[]> {
  const alt = <T>(values: readonly T[] | undefined): readonly (T | undefined)[] =>
    values && values.length > 0 ? values : [undefined]
  const designs: PowerDesign[] = []
  const problems: Problem[] = []
  for (const arms of alt(grid.arms))
    for (const months of alt(grid.months))
      for (const every of alt(grid.visitEveryMonths))
        for (const dropout of alt(grid.dropoutPerYear))
          for (const enrichment of alt(grid.enrichment)) {
            const d = designFromProtocol(version, {
              ...(arms ? { arms } : {}),
              ...(grid.ratio ? { ratio: grid.ratio } : {}),
              ...(months !== undefined ? { months } : {}),
              ...(every !== undefined ? { visitEveryMonths: every } : {}),
              ...(dropout !== undefined && dropout !== null ? { dropoutPerYear: dropout } : {}),
              ...(enrichment ? { enrichment } : {}),
              ...(grid.alpha !== undefined ? { alpha: grid.alpha } : {}),
              ...(grid.multiplicity ? { multiplicity: grid.multiplicity } : {}),
              ...(grid.model ? { model: grid.model } : {}),
              ...(grid.naturalHistory ? { naturalHistory: grid.naturalHistory } : {}),
            })
            if (d.ok) designs.push(d.value)
            else for (const p of d.problems) if (!problems.some((q) => q.message === p.message)) problems.push(p)
          }
  return problems.length > 0 ? fail(problems) : ok(designs)
}

/** One line describing a design, for tables and report headers. */
export function describeDesign(d: PowerDesign): string {
  const others = d.arms.filter((a) => a !== d.control)
  const months = Number((d.visitDays[d.visitDays.length - 1]! / DAYS_PER_MONTH).toFixed(1))
  return [
    `${others.join(', ')} vs ${d.control} (${d.weights.join(':')})`,
    `${d.visitDays.length} visits over ${months} months`,
    `effect from day ${d.effectFromDay}`,
    `${d.endpoint.adjustForBaseline ? 'baseline-adjusted, ' : ''}${others.length > 1 ? `${d.multiplicity}, ` : ''}α ${d.alpha}`,
    d.dropoutPerYear === null ? 'model attrition' : `withdrawal ${Math.round(d.dropoutPerYear * 1000) / 10}%/year`,
    d.enrichment
      ? `enrolment ${d.enrichment.label} (${Math.round(d.enrichment.eligibleShare * 100)}% eligible)`
      : 'all comers',
    d.model.kind === 'gaussian' ? 'Gaussian model' : 'natural-history model',
  ].join(' · ')
}
