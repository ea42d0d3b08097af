/**
 * Oracle checkers for the survival methods (`km`, `logrank`, `cox`): each turns a reference case's input into
 * the engine's call and maps the result onto the case's `expected` layout (see shared/oracle/README.md).
 * Rows with a missing value in any column the call uses are dropped (R's na.omit); factor levels come from
 * `options.factor_levels` (first level = reference). Formula right-hand sides may hold several grouping
 * variables and `strata(...)` terms.
 */
import type { ConfType, CoxFit, GroupValue, KaplanMeierCurve } from '../survival/index.ts'
import { coxph, coxZph, kaplanMeier, logRank, rmst } from '../survival/index.ts'
import type { OracleCase, OracleChecker } from './oracle-case.ts'

type Cell = number | string | boolean | null
type Columns = Readonly<Record<string, readonly Cell[]>>

/** A failed engine call is a broken case for the checker: report it loudly. */
function unwrap<T>(
  r: { ok: true; value: T } | { ok: false; problems: readonly { path: string; message: string }[] },
  id: string,
): T {
  if (!r.ok) throw new Error(`${id}: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`)
  return r.value
}

function columnsOf(c: OracleCase): Columns {
  const cols = (c.input as { columns?: Columns }).columns
  if (!cols) throw new Error(`${c.id}: input has no columns`)
  return cols
}

function column(cols: Columns, name: string, id: string): readonly Cell[] {
  const col = cols[name]
  if (!col) throw new Error(`${id}: column ${name} not in input`)
  return col
}

/** Indexes of rows complete in every named column (R's na.omit over the variables of the call). */
function completeRows(cols: Columns, names: readonly string[], id: string): number[] {
  const used = names.map((nm) => column(cols, nm, id))
  const n = used[0]?.length ?? 0
  const rows: number[] = []
  for (let i = 0; i < n; i++) {
    if (
      used.every(
        (col) => col[i] !== null && col[i] !== undefined && !(typeof col[i] === 'number' && Number.isNaN(col[i])),
      )
    ) {
      rows.push(i)
    }
  }
  return rows
}

const pick = (col: readonly Cell[], rows: readonly number[]): Cell[] => rows.map((i) => col[i] as Cell)
const numbers = (col: readonly Cell[], rows: readonly number[]): number[] => rows.map((i) => Number(col[i]))

/** Levels of a column in R's order: `options.factor_levels`, else sorted distinct values. */
function levelsOf(c: OracleCase, name: string, values: readonly Cell[]): GroupValue[] {
  const declared = (c.options.factor_levels as Record<string, readonly string[]> | undefined)?.[name]
  if (declared) return [...declared]
  const distinct = [...new Set(values.filter((v): v is string | number => v !== null && typeof v !== 'boolean'))]
  return distinct.sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1,
  )
}

/** Splits a formula right-hand side such as `sex + ph.ecog + strata(inst)` into variables and strata variables. */
function splitRhs(rhs: string): { vars: string[]; strata: string[] } {
  const vars: string[] = []
  const strata: string[] = []
  for (const raw of rhs.split('+')) {
    const term = raw.trim()
    if (term === '' || term === '1') continue
    const m = /^strata\((.*)\)$/.exec(term)
    if (m) strata.push(...(m[1] as string).split(',').map((s) => s.trim()))
    else vars.push(term)
  }
  return { vars, strata }
}

/** One combined grouping over several variables, labelled and ordered as R's `strata()`. */
interface Grouping {
  readonly key: string[]
  readonly levels: string[]
}

function combine(c: OracleCase, cols: Columns, vars: readonly string[], rows: readonly number[]): Grouping {
  const per = vars.map((v) => {
    // R labels a logical grouping variable TRUE/FALSE
    const values = pick(column(cols, v, c.id), rows).map((x) => (typeof x === 'boolean' ? (x ? 'TRUE' : 'FALSE') : x))
    return { name: v, values, levels: levelsOf(c, v, values).map(String) }
  })
  // label "a=x, b=y"; combinations ordered by the first variable's level, then the next (R's strata())
  const rank = new Map<string, number[]>()
  const key = rows.map((_, r) => {
    const label = per.map((g) => `${g.name}=${String(g.values[r])}`).join(', ')
    if (!rank.has(label))
      rank.set(
        label,
        per.map((g) => g.levels.indexOf(String(g.values[r]))),
      )
    return label
  })
  const levels = [...rank.keys()].sort((a, b) => {
    const ra = rank.get(a) as number[]
    const rb = rank.get(b) as number[]
    const j = ra.findIndex((v, i) => v !== rb[i])
    return j < 0 ? 0 : (ra[j] as number) - (rb[j] as number)
  })
  return { key, levels }
}

const finiteOrNull = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x

function curveOut(curve: KaplanMeierCurve, stratum: string, groupValue: GroupValue | null): Record<string, unknown> {
  return {
    stratum,
    group_value: groupValue,
    n: curve.n,
    events: curve.events,
    time: curve.time,
    n_risk: curve.nRisk,
    n_event: curve.nEvent,
    n_censor: curve.nCensor,
    surv: curve.surv,
    std_err_cumhaz: curve.stdErrCumHaz,
    std_err_surv: curve.stdErrSurv,
    lower: curve.lower,
    upper: curve.upper,
    cumhaz_nelson_aalen: curve.cumHaz,
    median: curve.median,
    quantiles: curve.quantiles,
  }
}

function computeKm(c: OracleCase): unknown {
  const cols = columnsOf(c)
  const rhs = typeof c.options.group === 'string' ? c.options.group : '1'
  const { vars } = splitRhs(rhs)
  const rows = completeRows(cols, ['time', 'event', ...vars], c.id)
  const time = numbers(column(cols, 'time', c.id), rows)
  const event = numbers(column(cols, 'event', c.id), rows)
  const grouping = vars.length > 0 ? combine(c, cols, vars, rows) : null
  const confLevel = typeof c.options.conf_level === 'number' ? c.options.conf_level : 0.95
  const confType = (typeof c.options.conf_type === 'string' ? c.options.conf_type : 'log') as ConfType
  const fit = (type: ConfType) =>
    unwrap(
      grouping
        ? kaplanMeier(time, event, grouping.key, { confLevel, confType: type, levels: grouping.levels })
        : kaplanMeier(time, event, undefined, { confLevel, confType: type }),
      c.id,
    )
  const label = (curve: KaplanMeierCurve): string => (grouping ? String(curve.group) : 'all')
  // R's group_value: the label without its first "name=" (so "male", or "male, ph.ecog=0" for two variables)
  const groupValue = (curve: KaplanMeierCurve): string | null => (grouping ? label(curve).replace(/^[^=]*=/, '') : null)
  const main = fit(confType)
  const tau = typeof c.options.rmean_tau === 'number' ? c.options.rmean_tau : null
  const rm = tau === null ? null : unwrap(rmst(main, tau), c.id)
  // oracle_lib.R derives the alternatives by substituting 'conf.type = "log-log"' in the call (no-op otherwise)
  const LOG_LOG = 'conf.type = "log-log"'
  const rCall = c.r_call ?? ''
  const alternative = Object.fromEntries(
    (['log', 'plain'] as const).map((type) => [
      type,
      {
        r_call: rCall.replace(LOG_LOG, `conf.type = "${type}"`),
        strata: fit(rCall.includes(LOG_LOG) ? type : confType).strata.map((curve) => ({
          stratum: label(curve),
          lower: curve.lower,
          upper: curve.upper,
          median: curve.median,
        })),
      },
    ]),
  )
  return {
    conf_type: confType,
    conf_int: confLevel,
    strata: main.strata.map((curve, k) => ({
      ...curveOut(curve, label(curve), groupValue(curve)),
      ...(rm ? { rmst: { tau: rm[k]?.tau, rmean: rm[k]?.rmst, se_rmean: rm[k]?.se } } : {}),
    })),
    alternative_conf_types: alternative,
  }
}

function computeLogrank(c: OracleCase): unknown {
  const cols = columnsOf(c)
  const rhs =
    typeof c.options.group === 'string' ? c.options.group : (/~\s*([^,]*?),\s*data/.exec(c.r_call ?? '')?.[1] ?? '')
  const { vars, strata } = splitRhs(rhs)
  const rhoMatch = /rho\s*=\s*([0-9.eE+-]+)/.exec(c.r_call ?? '')
  const rho = typeof c.options.rho === 'number' ? c.options.rho : rhoMatch ? Number(rhoMatch[1]) : 0
  const rows = completeRows(cols, ['time', 'event', ...vars, ...strata], c.id)
  const grouping = combine(c, cols, vars, rows)
  const stratumKey = strata.length > 0 ? combine(c, cols, strata, rows) : null
  const r = unwrap(
    logRank(numbers(column(cols, 'time', c.id), rows), numbers(column(cols, 'event', c.id), rows), grouping.key, {
      rho,
      levels: grouping.levels,
      ...(stratumKey ? { strata: stratumKey.key.map((k) => stratumKey.levels.indexOf(k)) } : {}),
    }),
    c.id,
  )
  // stratified: totals over strata, as print.survdiff shows them and as the chi-square uses them
  return {
    groups: r.groups.map(String),
    n: r.n,
    observed: r.observed,
    expected: r.expected,
    o_minus_e: r.oMinusE,
    variance: r.variance,
    chisq: r.chisq,
    df: r.df,
    p_value: r.pValue,
  }
}

/** Numeric covariate columns; a text column becomes treatment-contrast indicators named as R does (`sexfemale`). */
function designColumns(
  c: OracleCase,
  cols: Columns,
  covariates: readonly string[],
  rows: readonly number[],
): Record<string, number[]> {
  const out: Record<string, number[]> = {}
  for (const name of covariates) {
    const values = pick(column(cols, name, c.id), rows)
    if (values.every((v) => typeof v === 'number' || typeof v === 'boolean')) {
      out[name] = values.map(Number)
      continue
    }
    for (const level of levelsOf(c, name, values).slice(1))
      out[`${name}${level}`] = values.map((v) => (v === level ? 1 : 0))
  }
  return out
}

function coxOut(fit: CoxFit, allTerms: readonly string[]): Record<string, unknown> {
  const byTerm = new Map(fit.coefficients.map((co) => [co.term, co]))
  const idx = new Map(fit.terms.map((t, i) => [t, i]))
  const col = <K extends 'coef' | 'z' | 'pValue' | 'hazardRatio' | 'lower' | 'upper'>(k: K) =>
    allTerms.map((t) => byTerm.get(t)?.[k] ?? null)
  const vcov = allTerms.map((a) =>
    allTerms.map((b) => {
      const i = idx.get(a)
      const j = idx.get(b)
      return i === undefined || j === undefined ? 0 : (fit.vcov[i]?.[j] as number)
    }),
  )
  const test = (t: { statistic: number; df: number; pValue: number }) => ({
    statistic: t.statistic,
    df: t.df,
    p_value: t.pValue,
  })
  return {
    ties: fit.ties,
    terms: allTerms,
    coef: col('coef'),
    se: allTerms.map((t) => byTerm.get(t)?.se ?? 0),
    z: col('z'),
    p_value: col('pValue'),
    hazard_ratio: col('hazardRatio'),
    hr_lower_95: col('lower'),
    hr_upper_95: col('upper'),
    vcov,
    loglik_null: fit.loglikNull,
    loglik: fit.loglik,
    lr_test: test(fit.lrTest),
    wald_test: test(fit.waldTest),
    score_test: test(fit.scoreTest),
    n: fit.n,
    nevent: fit.nEvent,
    iterations: fit.iterations,
    concordance: { estimate: finiteOrNull(fit.concordance?.estimate), std_err: finiteOrNull(fit.concordance?.stdErr) },
  }
}

function computeCox(c: OracleCase): unknown {
  const cols = columnsOf(c)
  const listed = Array.isArray(c.options.covariates) ? (c.options.covariates as string[]) : []
  const { vars, strata } = splitRhs(listed.join(' + '))
  const rows = completeRows(cols, ['time', 'event', ...vars, ...strata], c.id)
  const covariates = designColumns(c, cols, vars, rows)
  const ties = c.options.ties === 'breslow' ? 'breslow' : 'efron'
  const confLevel = typeof c.options.conf_level === 'number' ? c.options.conf_level : 0.95
  const stratumKey = strata.length > 0 ? combine(c, cols, strata, rows).key : undefined
  const data = {
    time: numbers(column(cols, 'time', c.id), rows),
    event: numbers(column(cols, 'event', c.id), rows),
    covariates,
    ...(stratumKey ? { strata: stratumKey } : {}),
  }
  const fit = unwrap(coxph(data, { ties, confLevel }), c.id)
  const out = coxOut(fit, Object.keys(covariates))
  const zph = coxZph(fit, data)
  if (zph.ok) {
    out.zph = {
      terms: zph.value.table.map((t) => t.term),
      chisq: zph.value.table.map((t) => t.chisq),
      df: zph.value.table.map((t) => t.df),
      p_value: zph.value.table.map((t) => t.pValue),
      global: { chisq: zph.value.global.chisq, df: zph.value.global.df, p_value: zph.value.global.pValue },
    }
  }
  return out
}

/** Kaplan-Meier cases: `survfit(Surv(time, event) ~ g)`. */
export const kmChecker: OracleChecker = { method: 'km', compute: computeKm }

/** Log-rank cases: `survdiff(Surv(time, event) ~ g [+ strata(s)], rho)`. */
export const logrankChecker: OracleChecker = { method: 'logrank', compute: computeLogrank }

/** Cox cases: `coxph(Surv(time, event) ~ x1 + ... [+ strata(s)], ties)`; iterations and concordance are informational. */
export const coxChecker: OracleChecker = {
  method: 'cox',
  informational: ['iterations', 'concordance', 'zph'],
  compute: computeCox,
}
