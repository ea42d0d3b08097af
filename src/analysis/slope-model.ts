/**
 * The slope model of the plan: a linear mixed model with a random intercept and slope per subject,
 * `value ~ month * arm (+ base) + (1 + month | subject)`, fitted by REML with Satterthwaite df (lmerTest), giving
 * each arm's rate of change per month and each arm's difference from the control. Every way it can fail on small or
 * degenerate data becomes a "not estimable" reason, never an exception or a NaN.
 */
import type { LmmData, LmmFit, LmmSpec } from '../stats/index.ts'
import { emmeansSlopes, fitLmm, slopeContrasts } from '../stats/index.ts'
import type { ModelInfo, Slope } from './analysis-results.ts'

/** Long-format rows of one model. */
export interface SlopeRows {
  readonly value: readonly number[]
  readonly month: readonly number[]
  readonly arm: readonly string[]
  readonly subject: readonly string[]
  /** Baseline covariate per row, when the model adjusts for it. */
  readonly base?: readonly number[]
}

export interface SlopeModelRequest {
  readonly rows: SlopeRows
  /** Arms in display order; the model uses those with data, the control first (treatment contrasts). */
  readonly arms: readonly string[]
  /** Control arm for the contrasts; null = one pooled slope (blinded run). */
  readonly control: string | null
  readonly confLevel: number
}

/** An unadjusted contrast; the plan adds the multiplicity-adjusted p. */
export interface RawContrast {
  readonly key: string
  readonly reference: string
  readonly estimate: number
  readonly se: number
  readonly df: number
  readonly t: number
  readonly p: number
  readonly ci: readonly [number, number]
}

export type SlopeModelOutcome =
  | {
      readonly status: 'estimated'
      readonly model: ModelInfo
      readonly slopes: readonly Slope[]
      readonly contrasts: readonly RawContrast[]
      /** Arms without enough data for a slope (left out of the model). */
      readonly missingArms: readonly string[]
      readonly subjects: ReadonlySet<string>
    }
  | { readonly status: 'not-estimable'; readonly reason: string }

/** Fewest subjects (and distinct times within an arm) for a slope to be attempted. */
const MIN_SUBJECTS = 3

/** Fits the slope model; falls back to a random intercept only when the random slope is not identifiable. */
export function fitSlopeModel(request: SlopeModelRequest): SlopeModelOutcome {
  const { rows, control, confLevel } = request
  const byArm = control !== null
  const present = request.arms.filter((a) => {
    const months = new Set<number>()
    rows.arm.forEach((x, i) => x === a && months.add(rows.month[i] as number))
    return months.size >= 2
  })
  const keep = rows.arm.map((a) => present.includes(a))
  const pick = <T>(xs: readonly T[]): T[] => xs.filter((_, i) => keep[i])
  const data = {
    value: pick(rows.value),
    month: pick(rows.month),
    arm: pick(rows.arm),
    subject: pick(rows.subject),
    ...(rows.base ? { base: pick(rows.base) } : {}),
  }
  const subjects = new Set(data.subject)
  if (subjects.size < MIN_SUBJECTS) {
    return {
      status: 'not-estimable',
      reason: `too few subjects with data (${subjects.size}; at least ${MIN_SUBJECTS} needed)`,
    }
  }
  if (present.length === 0) return { status: 'not-estimable', reason: 'no arm has assessments at two or more times' }
  const levels = byArm ? [...(present.includes(control) ? [control] : []), ...present.filter((a) => a !== control)] : []
  const fixed = [...(byArm && levels.length > 1 ? ['month*arm'] : ['month']), ...(data.base ? ['base'] : [])]
  const columns: LmmData['columns'] = data
  const spec = (slope: boolean): LmmSpec => ({
    response: 'value',
    fixed,
    random: slope ? { group: 'subject', slope: 'month' } : { group: 'subject' },
    ...(byArm && levels.length > 1 ? { factorLevels: { arm: levels } } : {}),
  })
  let fitted = fitLmm({ columns }, spec(true))
  let randomPart = '(1 + month | subject)'
  let fallback: string | null = null
  if (!fitted.ok) {
    const first = fitted.problems[0]?.message ?? 'fit failed'
    fitted = fitLmm({ columns }, spec(false))
    randomPart = '(1 | subject)'
    fallback = `random slope not identifiable (${first}); fitted with a random intercept only`
    if (!fitted.ok) return { status: 'not-estimable', reason: fitted.problems.map((p) => p.message).join('; ') }
  }
  const fit = fitted.value
  const fixedText = fixed.map((f) => f.replace('*', ' * ')).join(' + ')
  const model = modelInfo(fit, `value ~ ${fixedText} + ${randomPart}`, fallback)
  const armInModel = byArm && levels.length > 1
  const slopes = emmeansSlopes(fit, { time: 'month', ...(armInModel ? { by: 'arm' } : {}), confLevel })
  if (!slopes.ok) return { status: 'not-estimable', reason: slopes.problems.map((p) => p.message).join('; ') }
  const slopeRows: Slope[] = slopes.value.map((s) => ({
    // one slope without an arm term: the single arm with data (or the pooled group of a blinded run)
    key: s.level ?? (present.length === 1 ? (present[0] as string) : 'all'),
    estimate: s.estimate,
    se: s.se,
    df: s.df,
    ci: [s.lower, s.upper],
  }))
  const contrasts: RawContrast[] = []
  if (armInModel && control !== null && levels.includes(control)) {
    const c = slopeContrasts(fit, { time: 'month', by: 'arm', reference: control, confLevel })
    if (!c.ok) return { status: 'not-estimable', reason: c.problems.map((p) => p.message).join('; ') }
    for (const d of c.value) {
      contrasts.push({
        key: d.level,
        reference: d.reference,
        estimate: d.estimate,
        se: d.se,
        df: d.df,
        t: d.t,
        p: d.p,
        ci: [d.lower, d.upper],
      })
    }
  }
  const numbers = [
    ...slopeRows.flatMap((s) => [s.estimate, s.se, s.df, ...s.ci]),
    ...contrasts.flatMap((c) => [c.estimate, c.se, c.df, c.t, c.p, ...c.ci]),
    ...model.fixed.flatMap((f) => [f.estimate, f.se, f.df, f.t, f.p]),
    model.residualSd,
  ]
  if (!numbers.every(Number.isFinite)) {
    return {
      status: 'not-estimable',
      reason: 'the model gave non-finite estimates or degrees of freedom (data too sparse)',
    }
  }
  return {
    status: 'estimated',
    model,
    slopes: slopeRows,
    contrasts,
    missingArms: request.arms.filter((a) => !present.includes(a)),
    subjects,
  }
}

/** The model as the report states it: formula, method, sizes, convergence, variance components, fixed effects. */
export function modelInfo(fit: LmmFit, formula: string, extraWarning: string | null = null): ModelInfo {
  return {
    formula,
    method: `${fit.reml ? 'REML' : 'ML'}; Satterthwaite degrees of freedom (lmerTest); marginal slopes as emmeans::emtrends`,
    nObs: fit.nObs,
    nSubjects: fit.random.nLevels,
    converged: fit.converged,
    singular: fit.singular,
    warnings: [...(extraWarning === null ? [] : [extraWarning]), ...fit.warnings.map((w) => w.message)],
    residualSd: fit.residualSd,
    randomSd: fit.random.terms.map((term, i) => ({ term, sd: fit.random.sd[i] ?? 0 })),
    fixed: fit.fixed.terms.map((term, i) => ({
      term,
      estimate: fit.fixed.estimate[i] as number,
      se: fit.fixed.se[i] as number,
      df: fit.fixed.df[i] as number,
      t: fit.fixed.t[i] as number,
      p: fit.fixed.p[i] as number,
    })),
  }
}
