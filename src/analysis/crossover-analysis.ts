/**
 * Within-patient pre/post slopes of the control patients re-allocated to an active arm at the start of a later
 * period (the month-6 re-randomization of placebo patients): a piecewise-linear mixed model with a change of slope
 * at each patient's own switch, `value ~ month + post + (1 + month | subject)` with post = max(0, month - switch),
 * for all switchers, and `value ~ month + post:arm2 + (1 + month | subject)` for the slope after the switch by new arm.
 * The switch is the first dose of the new period.
 * Unblinded runs only: who switched reveals who was on the control arm.
 */
import type { LmmFit } from '../stats/index.ts'
import { fitLmm, lmmContrast } from '../stats/index.ts'
import type { AdqsRow } from './analysis-datasets.ts'
import type { CrossoverAnalysis, ModelInfo, SlopeEstimate } from './analysis-results.ts'
import { monthsBetween } from './data-cut.ts'
import type { PlanContext } from './plan-context.ts'
import { modelInfo } from './slope-model.ts'

type Group = CrossoverAnalysis['groups'][number]

/** One analysis per score endpoint for the first period that re-allocates control patients (none when blinded). */
export function crossoverAnalyses(
  ctx: PlanContext,
  byParam: ReadonlyMap<string, readonly AdqsRow[]>,
): CrossoverAnalysis[] {
  const control = ctx.control
  if (control === null) return []
  const k = ctx.protocol.periods.findIndex(
    (p, i) => i > 0 && p.allocation !== undefined && (p.allocateFrom?.includes(control) ?? true),
  )
  const before = ctx.protocol.periods[k - 1]
  const after = ctx.protocol.periods[k]
  if (k < 1 || !before || !after) return []
  // Switchers: randomized to the control, re-allocated to another arm at the start of period k. The switch is the
  // first dose of the period (assessments on that day precede it), or the period start when no dose is recorded.
  const switchMonth = new Map<string, { month: number; arm: string }>()
  const population = ctx.efficacyPopulation?.id
  for (const s of ctx.data.adsl) {
    const next = s.later_arms[k - 1]
    const entry = ctx.adds.get(s.subject)?.find((d) => d.period === after.id)
    if (s.arm !== control || !next || next === control || !entry || !ctx.inPopulation(population, s.subject)) continue
    const dose = ctx.data.adex
      .filter((x) => x.subject === s.subject && x.period === after.id)
      .map((x) => x.start.slice(0, 10))
      .sort()[0]
    switchMonth.set(s.subject, { month: monthsBetween(s.rand_date, dose ?? entry.start_date), arm: next })
  }
  const armOrder = ctx.groups.map((g) => g.key).filter((a) => a !== control)
  return ctx.protocol.endpoints.scores.map((endpoint): CrossoverAnalysis => {
    const head = {
      endpoint: endpoint.id,
      label: endpoint.label,
      unit: endpoint.unit ?? null,
      fromArm: control,
      periods: [before.id, after.id] as [string, string],
    }
    const rows = (byParam.get(endpoint.id) ?? []).filter(
      (r) => switchMonth.has(r.subject) && (r.ablfl || r.period === before.id || r.period === after.id),
    )
    const columns = {
      value: [] as number[],
      month: [] as number[],
      post: [] as number[],
      arm2: [] as string[],
      subject: [] as string[],
    }
    for (const r of rows) {
      const s = switchMonth.get(r.subject) as { month: number; arm: string }
      columns.value.push(r.value)
      columns.month.push(r.month)
      columns.post.push(Math.max(0, r.month - s.month))
      columns.arm2.push(s.arm)
      columns.subject.push(r.subject)
    }
    const subjectsWithPost = (arm: string | null): number =>
      new Set(
        columns.subject.filter((s, i) => (columns.post[i] as number) > 0 && (arm === null || columns.arm2[i] === arm)),
      ).size
    if (subjectsWithPost(null) < 2) {
      return {
        ...head,
        status: 'not-estimable',
        reason: 'fewer than two re-allocated subjects with assessments after the switch',
        models: [],
        groups: [],
      }
    }
    const models: ModelInfo[] = []
    const groups: Group[] = []
    const pooled = fitPiecewise(columns, ['month', 'post'])
    if (!pooled.ok) return { ...head, status: 'not-estimable', reason: pooled.reason, models: [], groups: [] }
    models.push(modelInfo(pooled.fit, `value ~ month + post + ${pooled.random}`, pooled.fallback))
    const all = prePost(pooled.fit, 'post', null, ctx.confLevel)
    if (all === null) return { ...head, status: 'not-estimable', reason: 'non-finite estimates', models, groups: [] }
    groups.push({ key: 'all', nSubjects: switchMonth.size, ...all })
    const arms = armOrder.filter((a) => subjectsWithPost(a) >= 1)
    const byArm = arms.length > 1 ? fitPiecewise(columns, ['month', 'post:arm2'], { arm2: arms }) : null
    if (byArm?.ok) {
      models.push(modelInfo(byArm.fit, `value ~ month + post:arm2 + ${byArm.random}`, byArm.fallback))
      for (const arm of arms) {
        const est = prePost(byArm.fit, 'post', arm, ctx.confLevel)
        const n = [...switchMonth.values()].filter((s) => s.arm === arm).length
        if (est !== null) groups.push({ key: arm, nSubjects: n, ...est })
      }
    }
    return {
      ...head,
      status: 'estimated',
      reason: byArm !== null && !byArm.ok ? `by-arm model: ${byArm.reason}` : null,
      models,
      groups,
    }
  })
}

type Piecewise =
  | { readonly ok: true; readonly fit: LmmFit; readonly random: string; readonly fallback: string | null }
  | { readonly ok: false; readonly reason: string }

function fitPiecewise(
  columns: Record<string, readonly (number | string)[]>,
  fixed: readonly string[],
  factorLevels?: Readonly<Record<string, readonly string[]>>,
): Piecewise {
  const base = { response: 'value', fixed, ...(factorLevels ? { factorLevels } : {}) }
  const slope = fitLmm({ columns }, { ...base, random: { group: 'subject', slope: 'month' } })
  if (slope.ok) return { ok: true, fit: slope.value, random: '(1 + month | subject)', fallback: null }
  const intercept = fitLmm({ columns }, { ...base, random: { group: 'subject' } })
  if (intercept.ok) {
    const why = slope.problems[0]?.message ?? 'fit failed'
    return {
      ok: true,
      fit: intercept.value,
      random: '(1 | subject)',
      fallback: `random slope not identifiable (${why}); random intercept only`,
    }
  }
  return { ok: false, reason: intercept.problems.map((p) => p.message).join('; ') }
}

/** Pre slope (month), post slope (month + post[:arm]) and change (post[:arm]) with Satterthwaite inference. */
function prePost(
  fit: LmmFit,
  post: string,
  arm: string | null,
  confLevel: number,
): Pick<Group, 'pre' | 'post' | 'change'> | null {
  const columns = fit.design.columns
  const isMonth = (c: (typeof columns)[number]): boolean =>
    c.parts.length === 1 && c.parts[0]?.kind === 'numeric' && c.parts[0].variable === 'month'
  const isPost = (c: (typeof columns)[number]): boolean =>
    c.parts.some((p) => p.kind === 'numeric' && p.variable === post) &&
    (arm === null ? c.parts.length === 1 : c.parts.some((p) => p.kind === 'level' && p.level === arm))
  const lMonth = columns.map((c) => (isMonth(c) ? 1 : 0))
  const lPost = columns.map((c) => (isPost(c) ? 1 : 0))
  if (!lPost.some((v) => v === 1)) return null
  const pre = lmmContrast(fit, lMonth, { confLevel })
  const after = lmmContrast(
    fit,
    lMonth.map((v, j) => v + (lPost[j] as number)),
    { confLevel },
  )
  const change = lmmContrast(fit, lPost, { confLevel })
  if (!pre.ok || !after.ok || !change.ok) return null
  const est = (r: typeof pre.value): SlopeEstimate => ({
    estimate: r.estimate,
    se: r.se,
    df: r.df,
    ci: [r.lower, r.upper],
  })
  const values = [pre.value, after.value, change.value].flatMap((r) => [
    r.estimate,
    r.se,
    r.df,
    r.lower,
    r.upper,
    r.t,
    r.p,
  ])
  if (!values.every(Number.isFinite)) return null
  return {
    pre: est(pre.value),
    post: est(after.value),
    change: { ...est(change.value), t: change.value.t, p: change.value.p },
  }
}
