/**
 * Input of the Cox model and its preparation: validation, covariate names, and the layout every pass sweeps
 * (rows sorted by stratum then time, covariates column-major in that order).
 */
import { checkSurv, codeGroups, orderByStratumTime, rankTimes } from './survival-input.ts'
import type { EventValue, GroupValue, SurvivalProblem, SurvivalWarning } from './survival-types.ts'

/**
 * Data for `coxph`. Covariates are numeric: either named columns (model order = key order) or rows
 * (`covariates[i]` = the covariate vector of subject i) with optional `covariateNames` (default x1, x2, ...).
 * Categorical covariates are passed as indicator columns (first level = reference, as R's treatment contrasts).
 */
export interface CoxData {
  readonly time: ArrayLike<number>
  readonly event: ArrayLike<EventValue>
  readonly covariates: Readonly<Record<string, ArrayLike<number>>> | readonly ArrayLike<number>[]
  readonly covariateNames?: readonly string[]
  /** Stratum per row: separate baseline hazards, common coefficients (R's `strata()` term). */
  readonly strata?: ArrayLike<GroupValue>
}

/** Prepared data: `sorted*` arrays are in (stratum, time) order, `x` column-major over the sorted rows. */
export interface CoxPrepared {
  readonly n: number
  readonly p: number
  readonly names: readonly string[]
  /** distinct times, ascending; `sortedRank` indexes them */
  readonly uniqueTimes: Float64Array
  readonly sortedRank: Int32Array
  readonly sortedStatus: Uint8Array
  /** 1 at the last sorted row of each stratum */
  readonly stratumEnd: Uint8Array
  /** x[i * p + j]: covariate j of sorted row i (row-major: the sweeps read one row at a time) */
  readonly x: Float64Array
}

function columnsOf(data: CoxData): { names: string[]; get: (j: number, i: number) => number; n: number } | string {
  const cov = data.covariates
  if (Array.isArray(cov)) {
    const rows = cov as readonly ArrayLike<number>[]
    const p = rows[0]?.length ?? 0
    const names = data.covariateNames ? [...data.covariateNames] : Array.from({ length: p }, (_, j) => `x${j + 1}`)
    if (names.length !== p) return `covariateNames has ${names.length} names for ${p} covariates`
    if (new Set(names).size !== p) return 'covariateNames must be distinct'
    for (let i = 0; i < rows.length; i++) {
      if ((rows[i] as ArrayLike<number>).length !== p)
        return `covariates[${i}] has ${(rows[i] as ArrayLike<number>).length} values, expected ${p}`
    }
    return { names, n: rows.length, get: (j, i) => (rows[i] as ArrayLike<number>)[j] as number }
  }
  const record = cov as Readonly<Record<string, ArrayLike<number>>>
  const names = Object.keys(record)
  const cols = names.map((k) => record[k] as ArrayLike<number>)
  const n = cols[0]?.length ?? 0
  const bad = names.find((k, j) => (cols[j] as ArrayLike<number>).length !== n)
  if (bad !== undefined)
    return `covariate ${bad} has ${(record[bad] as ArrayLike<number>).length} values, expected ${n}`
  return { names, n, get: (j, i) => (cols[j] as ArrayLike<number>)[i] as number }
}

export function prepareCox(
  data: CoxData,
  warnings: SurvivalWarning[],
): { ok: true; value: CoxPrepared } | { ok: false; problems: readonly SurvivalProblem[] } {
  const checked = checkSurv(data.time, data.event)
  if (!checked.ok) return checked
  const { n, time, event } = checked.value
  const cols = columnsOf(data)
  if (typeof cols === 'string') return { ok: false, problems: [{ code: 'invalid', path: 'covariates', message: cols }] }
  const p = cols.names.length
  if (p === 0) return { ok: false, problems: [{ code: 'invalid', path: 'covariates', message: 'no covariates' }] }
  if (cols.n !== n) {
    return {
      ok: false,
      problems: [{ code: 'invalid', path: 'covariates', message: `covariates have ${cols.n} rows, time has ${n}` }],
    }
  }
  let stratumOf: Int32Array | null = null
  let nStrata = 1
  if (data.strata !== undefined) {
    const s = codeGroups(data.strata, n, 'strata', undefined, warnings)
    if (!s.ok) return s
    stratumOf = s.value.code
    nStrata = s.value.levels.length
  }
  const { unique, rank } = rankTimes(time, checked.value.range)
  const order = orderByStratumTime(rank, unique.length, stratumOf, nStrata)
  const x = new Float64Array(n * p)
  const problems: SurvivalProblem[] = []
  for (let j = 0; j < p && problems.length < 10; j++) {
    for (let s = 0; s < n; s++) {
      const i = order[s] as number
      const v = cols.get(j, i)
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        problems.push({
          code: 'invalid',
          path: `covariates.${cols.names[j] as string}[${i}]`,
          message: `covariate values must be finite numbers, got ${String(v)}`,
        })
        if (problems.length >= 10) break
      }
      x[s * p + j] = v
    }
  }
  if (problems.length > 0) return { ok: false, problems }
  const sortedRank = new Int32Array(n)
  const sortedStatus = new Uint8Array(n)
  const stratumEnd = new Uint8Array(n)
  for (let s = 0; s < n; s++) {
    const i = order[s] as number
    sortedRank[s] = rank[i] as number
    sortedStatus[s] = event[i] as number
    if (s === n - 1 || (stratumOf !== null && stratumOf[order[s + 1] as number] !== stratumOf[i])) stratumEnd[s] = 1
  }
  return {
    ok: true,
    value: {
      n,
      p,
      names: cols.names,
      uniqueTimes: unique,
      sortedRank,
      sortedStatus,
      stratumEnd,
      x,
    },
  }
}
