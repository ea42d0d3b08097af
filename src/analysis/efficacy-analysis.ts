/**
 * Efficacy: for each score endpoint of the protocol, the rate of change per month in the randomized, controlled
 * first period by arm (slope model), its difference from the control with multiplicity-adjusted p-values, the same
 * model in the per-protocol and completers populations as sensitivity analyses, and mean trajectories by visit.
 */
import type { ScoreEndpoint } from '../domain/index.ts'
import { tQuantile } from '../stats/index.ts'
import type { AdqsRow } from './analysis-datasets.ts'
import type { Contrast, EfficacyAnalysis, TrajectoryPoint } from './analysis-results.ts'
import { adjustForMultiplicity } from './multiplicity.ts'
import type { PlanContext } from './plan-context.ts'
import { describeValues } from './describe.ts'
import type { SlopeRows } from './slope-model.ts'
import { fitSlopeModel } from './slope-model.ts'

/** Rows of each parameter, built once. */
export function rowsByParam(adqs: readonly AdqsRow[]): ReadonlyMap<string, readonly AdqsRow[]> {
  const map = new Map<string, AdqsRow[]>()
  for (const r of adqs) {
    const list = map.get(r.param) ?? []
    list.push(r)
    map.set(r.param, list)
  }
  return map
}

type AnalysisSet = EfficacyAnalysis['set']

/** The efficacy analyses of the first period, per endpoint and analysis set, with the subjects each model used. */
export function efficacyAnalyses(
  ctx: PlanContext,
  byParam: ReadonlyMap<string, readonly AdqsRow[]>,
): { analyses: EfficacyAnalysis[]; primarySubjects: ReadonlySet<string> } {
  const period = ctx.protocol.periods[0]
  const analyses: EfficacyAnalysis[] = []
  let primarySubjects: ReadonlySet<string> = new Set()
  if (!period) return { analyses, primarySubjects }
  const sets: { set: AnalysisSet; population: string | undefined }[] = [
    { set: 'primary', population: ctx.efficacyPopulation?.id },
    { set: 'per-protocol', population: ctx.perProtocolPopulation?.id },
    { set: 'completers', population: ctx.completersPopulation?.id },
  ]
  const primaryEndpoint =
    ctx.protocol.endpoints.scores.find((e) => e.role === 'primary') ?? ctx.protocol.endpoints.scores[0]
  for (const endpoint of ctx.protocol.endpoints.scores) {
    for (const { set, population } of sets) {
      if (population === undefined) continue
      const rows = (byParam.get(endpoint.id) ?? []).filter((r) => ctx.inPopulation(population, r.subject))
      const analysis = slopeAnalysis(ctx, endpoint, period.id, population, set, rows)
      analyses.push(analysis.result)
      if (endpoint === primaryEndpoint && set === 'primary') primarySubjects = analysis.subjects
    }
  }
  return { analyses, primarySubjects }
}

/** One endpoint, period and analysis set. */
function slopeAnalysis(
  ctx: PlanContext,
  endpoint: ScoreEndpoint,
  periodId: string,
  population: string,
  set: AnalysisSet,
  rows: readonly AdqsRow[],
): { result: EfficacyAnalysis; subjects: ReadonlySet<string> } {
  const adjust = endpoint.adjustForBaseline
  const used = rows.filter((r) =>
    adjust ? r.period === periodId && !r.ablfl && r.day > 0 : r.period === periodId || r.ablfl,
  )
  const data: { value: number[]; month: number[]; arm: string[]; subject: string[]; base: number[] } = {
    value: [],
    month: [],
    arm: [],
    subject: [],
    base: [],
  }
  for (const r of used) {
    const base = ctx.adsl.get(r.subject)?.base[endpoint.id] ?? null
    if (adjust && base === null) continue
    data.value.push(r.value)
    data.month.push(r.month)
    data.arm.push(r.arm)
    data.subject.push(r.subject)
    data.base.push(base ?? 0)
  }
  const slopeRows: SlopeRows = adjust
    ? data
    : { value: data.value, month: data.month, arm: data.arm, subject: data.subject }
  const head = {
    endpoint: endpoint.id,
    label: endpoint.label,
    unit: endpoint.unit ?? null,
    direction: endpoint.direction,
    role: endpoint.role,
    period: periodId,
    population,
    set,
  }
  const outcome = fitSlopeModel({
    rows: slopeRows,
    arms: ctx.groups.map((g) => g.key),
    control: ctx.control,
    confLevel: ctx.confLevel,
  })
  if (outcome.status === 'not-estimable') {
    return {
      result: { ...head, status: 'not-estimable', reason: outcome.reason, model: null, slopes: [], contrasts: [] },
      subjects: new Set(),
    }
  }
  const adjusted = adjustForMultiplicity(
    outcome.contrasts.map((c) => c.p),
    ctx.protocol.endpoints.multiplicity,
  )
  const contrasts: Contrast[] = outcome.contrasts.map((c, i) => ({
    ...c,
    ci: [c.ci[0], c.ci[1]],
    pAdjusted: adjusted[i] as number,
  }))
  const notes: string[] = []
  if (outcome.missingArms.length > 0)
    notes.push(`no slope for ${outcome.missingArms.join(', ')} (fewer than two assessment times)`)
  if (ctx.control !== null && !outcome.slopes.some((s) => s.key === ctx.control))
    notes.push('no contrasts: the control arm has no slope')
  return {
    result: {
      ...head,
      status: 'estimated',
      reason: notes.length > 0 ? notes.join('; ') : null,
      model: outcome.model,
      slopes: [...outcome.slopes],
      contrasts,
    },
    subjects: outcome.subjects,
  }
}

/**
 * Mean of each endpoint by randomized arm and visit over the whole follow-up (efficacy population), with the
 * t-based confidence interval of the mean (null below two values).
 */
export function trajectories(
  ctx: PlanContext,
  byParam: ReadonlyMap<string, readonly AdqsRow[]>,
): { endpoint: string; population: string; points: TrajectoryPoint[] }[] {
  const population = ctx.efficacyPopulation?.id
  if (population === undefined) return []
  const visitOrder = new Map(ctx.protocol.visits.map((v, i) => [v.id, i]))
  return ctx.protocol.endpoints.scores.map((endpoint) => {
    const cells = new Map<string, { key: string; visit: string; values: number[]; months: number[] }>()
    for (const r of byParam.get(endpoint.id) ?? []) {
      if (!ctx.inPopulation(population, r.subject)) continue
      const id = `${r.arm}\u0000${r.visit}`
      const cell = cells.get(id) ?? { key: r.arm, visit: r.visit, values: [], months: [] }
      cell.values.push(r.value)
      cell.months.push(r.month)
      cells.set(id, cell)
    }
    const groupOrder = new Map(ctx.groups.map((g, i) => [g.key, i]))
    const points = [...cells.values()]
      .sort(
        (a, b) =>
          (groupOrder.get(a.key) ?? 0) - (groupOrder.get(b.key) ?? 0) ||
          (visitOrder.get(a.visit) ?? 0) - (visitOrder.get(b.visit) ?? 0),
      )
      .map((c): TrajectoryPoint => {
        const d = describeValues(c.values)
        const m = describeValues(c.months)
        const half = d.n >= 2 && d.sd !== null ? tQuantile(1 - ctx.alpha / 2, d.n - 1) * (d.sd / Math.sqrt(d.n)) : null
        const mean = d.mean as number
        return {
          key: c.key,
          visit: c.visit,
          month: m.mean as number,
          n: d.n,
          mean,
          sd: d.sd,
          ci: half === null || !Number.isFinite(half) ? null : [mean - half, mean + half],
        }
      })
    return { endpoint: endpoint.id, population, points }
  })
}
