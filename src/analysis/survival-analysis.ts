/**
 * Survival endpoints over the whole follow-up (including the extension), by randomized arm (intention to treat):
 * Kaplan-Meier curves with log-log confidence limits and numbers at risk, median survival, the k-sample log-rank
 * test and each arm against the control, and a Cox model of each arm against the control stratified by the
 * randomization's stratification factors (`Surv(time_months, event) ~ arm + strata(site)`), Efron ties.
 */
import { coxph, kaplanMeier, logRank } from '../stats/index.ts'
import type { AdtteRow } from './analysis-datasets.ts'
import type { CoxTerm, KmCurve, LogRankTest, SurvivalAnalysis } from './analysis-results.ts'
import { adjustForMultiplicity } from './multiplicity.ts'
import type { PlanContext } from './plan-context.ts'

type SurvivalEndpointDef = PlanContext['protocol']['endpoints']['survival'][number]

/** Months between numbers-at-risk columns. */
const AT_RISK_STEP_MONTHS = 6

export function survivalAnalyses(ctx: PlanContext): SurvivalAnalysis[] {
  return ctx.protocol.endpoints.survival.map((e) => survivalAnalysis(ctx, e))
}

function survivalAnalysis(ctx: PlanContext, endpoint: SurvivalEndpointDef): SurvivalAnalysis {
  const population = ctx.efficacyPopulation?.id ?? ''
  const rows = ctx.data.adtte.filter((r) => r.param === endpoint.id && ctx.inPopulation(population, r.subject))
  const head = { endpoint: endpoint.id, label: endpoint.label, events: [...endpoint.events], population }
  const empty = { curves: [], atRisk: { times: [], counts: [] }, logRank: null, pairwise: [], cox: null }
  if (rows.length === 0) return { ...head, status: 'not-estimable', reason: 'no time-to-event records', ...empty }
  const levels = ctx.groups.map((g) => g.key).filter((k) => rows.some((r) => r.arm === k))
  const time = rows.map((r) => r.time_months)
  const event = rows.map((r) => r.event)
  const arm = rows.map((r) => r.arm)
  const km = kaplanMeier(time, event, arm, { confType: 'log-log', confLevel: ctx.confLevel, levels })
  if (!km.ok)
    return { ...head, status: 'not-estimable', reason: km.problems.map((p) => p.message).join('; '), ...empty }
  const curves: KmCurve[] = km.value.strata.map((s) => ({
    key: String(s.group ?? s.label),
    n: s.n,
    events: s.events,
    median: { ...s.median },
    time: [...s.time],
    surv: [...s.surv],
    lower: [...s.lower],
    upper: [...s.upper],
    nRisk: [...s.nRisk],
    nEvent: [...s.nEvent],
    nCensor: [...s.nCensor],
  }))
  const maxTime = Math.max(...time)
  const times: number[] = []
  for (let t = 0; t <= maxTime + 1e-9; t += AT_RISK_STEP_MONTHS) times.push(t)
  const atRisk = {
    times,
    counts: levels.map((key) => ({
      key,
      n: times.map((t) => rows.filter((r) => r.arm === key && r.time_months >= t).length),
    })),
  }
  const reasons: string[] = km.value.warnings.map((w) => w.message)
  const control = ctx.control
  let logRankTest: LogRankTest | null = null
  const pairwise: SurvivalAnalysis['pairwise'] = []
  let cox: SurvivalAnalysis['cox'] = null
  if (control !== null && levels.length >= 2) {
    const overall = logRank(time, event, arm, { levels })
    if (overall.ok && overall.value.df > 0) {
      logRankTest = { chisq: overall.value.chisq, df: overall.value.df, p: overall.value.pValue }
    } else {
      reasons.push(
        overall.ok
          ? 'log-rank test: nothing to compare (no events)'
          : overall.problems.map((p) => p.message).join('; '),
      )
    }
    if (levels.includes(control)) {
      for (const key of levels.filter((k) => k !== control)) {
        const sub = rows.filter((r) => r.arm === key || r.arm === control)
        const test = logRank(
          sub.map((r) => r.time_months),
          sub.map((r) => r.event),
          sub.map((r) => r.arm),
          { levels: [control, key] },
        )
        if (test.ok && test.value.df > 0) {
          pairwise.push({ key, reference: control, chisq: test.value.chisq, df: test.value.df, p: test.value.pValue })
        }
      }
      cox = coxModel(ctx, rows, levels, control)
    }
  }
  return {
    ...head,
    status: 'estimated',
    reason: reasons.length > 0 ? reasons.join('; ') : null,
    curves,
    atRisk,
    logRank: logRankTest,
    pairwise,
    cox,
  }
}

/** Cox model of each arm against the control, stratified by the first allocation's stratification factors. */
function coxModel(
  ctx: PlanContext,
  rows: readonly AdtteRow[],
  levels: readonly string[],
  control: string,
): SurvivalAnalysis['cox'] {
  const factors = ctx.protocol.periods[0]?.allocation?.stratifyBy ?? []
  const active = levels.filter((k) => k !== control)
  const covariates: Record<string, number[]> = Object.fromEntries(
    active.map((k) => [k, rows.map((r) => (r.arm === k ? 1 : 0))]),
  )
  const stratum = rows.map((r) => factors.map((f) => ctx.adsl.get(r.subject)?.strata[f] ?? '').join('/'))
  const strataText = factors.length > 0 ? ` + strata(${factors.join(', ')})` : ''
  const formula = `Surv(time_months, event) ~ arm${strataText}  (reference ${control}; Efron ties)`
  const base = { formula, n: rows.length, events: rows.reduce((s, r) => s + r.event, 0) }
  const fit = coxph(
    {
      time: rows.map((r) => r.time_months),
      event: rows.map((r) => r.event),
      covariates,
      ...(factors.length > 0 ? { strata: stratum } : {}),
    },
    { confLevel: ctx.confLevel },
  )
  if (!fit.ok) {
    return {
      ...base,
      status: 'not-estimable',
      reason: fit.problems.map((p) => p.message).join('; '),
      converged: false,
      terms: [],
    }
  }
  const coefficients = fit.value.coefficients.filter((c) =>
    [c.coef, c.se, c.hazardRatio, c.lower, c.upper, c.z, c.pValue].every(Number.isFinite),
  )
  const adjusted = adjustForMultiplicity(
    coefficients.map((c) => c.pValue),
    ctx.protocol.endpoints.multiplicity,
  )
  const terms: CoxTerm[] = coefficients.map((c, i) => ({
    key: c.term,
    reference: control,
    coef: c.coef,
    se: c.se,
    hr: c.hazardRatio,
    ci: [c.lower, c.upper],
    z: c.z,
    p: c.pValue,
    pAdjusted: adjusted[i] as number,
  }))
  const problems = [
    ...fit.value.warnings.map((w) => w.message),
    ...(fit.value.aliased.length > 0 ? [`not estimable: ${fit.value.aliased.join(', ')}`] : []),
  ]
  return {
    ...base,
    status: terms.length > 0 ? 'estimated' : 'not-estimable',
    reason: problems.length > 0 ? problems.join('; ') : null,
    converged: fit.value.converged,
    terms,
  }
}
