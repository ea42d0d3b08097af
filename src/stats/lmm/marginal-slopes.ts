/**
 * Estimated marginal slopes (emmeans' `emtrends`) of a numeric covariate, typically time, per level of a factor,
 * typically the arm, and their contrasts with a reference level: the rates of change of a score compared between
 * arms. Reference grid as emmeans builds it: other factors averaged with equal weights, other numeric covariates at
 * their mean. Inference is Satterthwaite's (lmerTest), i.e. `emmeans(..., lmer.df = "satterthwaite")`.
 */
import { lmmContrast } from './satterthwaite.ts'
import type { LmmContrastResult, LmmFit, LmmResult } from './lmm-types.ts'

/** The slope of `time` within one level of the `by` factor (level null when there is no `by`). */
export interface LmmSlope extends LmmContrastResult {
  readonly level: string | null
  /** The contrast vector on the fixed effects that gives this slope. */
  readonly L: readonly number[]
}

/** Slope of `level` minus slope of `reference`. */
export interface LmmSlopeContrast extends LmmContrastResult {
  readonly level: string
  readonly reference: string
  readonly L: readonly number[]
}

export interface SlopeOptions {
  /** The numeric covariate whose slope is wanted (e.g. months since randomisation). */
  readonly time: string
  /** The factor whose levels get one slope each (e.g. the arm); omit for one overall slope. */
  readonly by?: string
  readonly confLevel?: number
}

const fail = (code: 'invalid' | 'not_found', path: string, message: string): LmmResult<never> => ({
  ok: false,
  problems: [{ code, path, message }],
})

/** d(x'beta)/d time on the reference grid, with `by` fixed at `level` (or averaged when level is null). */
function slopeVector(fit: LmmFit, time: string, by: string | undefined, level: string | null): number[] {
  const vars = new Map(fit.design.variables.map((v) => [v.name, v]))
  return fit.design.columns.map((column) => {
    const timeParts = column.parts.filter((pt) => pt.kind === 'numeric' && pt.variable === time).length
    if (timeParts !== 1) return 0
    let value = 1
    for (const pt of column.parts) {
      if (pt.kind === 'numeric') {
        if (pt.variable !== time) value *= (vars.get(pt.variable) as { mean: number }).mean
      } else if (pt.variable === by && level !== null) {
        if (pt.level !== level) value = 0
      } else {
        value /= (vars.get(pt.variable) as { levels: readonly string[] }).levels.length
      }
    }
    return value
  })
}

function checkOptions(fit: LmmFit, options: SlopeOptions): LmmResult<readonly string[] | null> {
  const time = fit.design.variables.find((v) => v.name === options.time)
  if (time === undefined)
    return fail('not_found', 'options.time', `"${options.time}" is not a variable of the fixed part`)
  if (time.kind !== 'numeric')
    return fail('invalid', 'options.time', `"${options.time}" is a factor; a slope needs a numeric covariate`)
  if (options.by === undefined) return { ok: true, value: null }
  const by = fit.design.variables.find((v) => v.name === options.by)
  if (by === undefined) return fail('not_found', 'options.by', `"${options.by}" is not a variable of the fixed part`)
  if (by.kind !== 'factor')
    return fail('invalid', 'options.by', `"${options.by}" is numeric; slopes are compared between levels of a factor`)
  return { ok: true, value: by.levels }
}

/**
 * Marginal slope of `time` for each level of `by` (estimate, SE, Satterthwaite df, t test against 0 and CI), as
 * `emtrends(fit, ~ by, var = time)` with Satterthwaite df. In `y ~ t * arm` the slope of arm a is
 * beta_t + beta_t:arma.
 *
 * @example
 * ```ts
 * const slopes = emmeansSlopes(fit, { time: 't', by: 'arm' })
 * if (slopes.ok) for (const s of slopes.value) console.log(s.level, s.estimate, s.lower, s.upper)
 * // P -1.02 -1.10 -0.94 / D1 -0.77 ...   (ALSFRS-R points per month)
 * ```
 */
export function emmeansSlopes(fit: LmmFit, options: SlopeOptions): LmmResult<readonly LmmSlope[]> {
  const checked = checkOptions(fit, options)
  if (!checked.ok) return checked
  const levels: readonly (string | null)[] = checked.value ?? [null]
  const out: LmmSlope[] = []
  for (const level of levels) {
    const l = slopeVector(fit, options.time, options.by, level)
    const r = lmmContrast(fit, l, options.confLevel === undefined ? {} : { confLevel: options.confLevel })
    if (!r.ok) return fail('invalid', 'options.time', `the model has no slope in "${options.time}"`)
    out.push({ ...r.value, level, L: l })
  }
  return { ok: true, value: out }
}

/**
 * Differences of the `time` slopes between each level of `by` and a reference level (default: the first level,
 * e.g. placebo), with Satterthwaite df, t test and CI, unadjusted for multiplicity (as
 * `contrast(emtrends(...), "trt.vs.ctrl", adjust = "none")`).
 *
 * @example
 * ```ts
 * const c = slopeContrasts(fit, { time: 't', by: 'arm', reference: 'P' })
 * if (c.ok) for (const d of c.value) console.log(`${d.level} - ${d.reference}`, d.estimate, d.df, d.p)
 * ```
 */
export function slopeContrasts(
  fit: LmmFit,
  options: SlopeOptions & { readonly by: string; readonly reference?: string },
): LmmResult<readonly LmmSlopeContrast[]> {
  const checked = checkOptions(fit, options)
  if (!checked.ok) return checked
  const levels = checked.value!
  const reference = options.reference ?? levels[0]!
  if (!levels.includes(reference)) {
    return fail(
      'not_found',
      'options.reference',
      `"${reference}" is not a level of "${options.by}" (${levels.join(', ')})`,
    )
  }
  const base = slopeVector(fit, options.time, options.by, reference)
  const out: LmmSlopeContrast[] = []
  for (const level of levels) {
    if (level === reference) continue
    const l = slopeVector(fit, options.time, options.by, level).map((v, j) => v - base[j]!)
    const r = lmmContrast(fit, l, options.confLevel === undefined ? {} : { confLevel: options.confLevel })
    if (!r.ok)
      return fail(
        'invalid',
        'options.by',
        `the slope of "${options.time}" does not depend on "${options.by}" in this model`,
      )
    out.push({ ...r.value, level, reference, L: l })
  }
  return { ok: true, value: out }
}
