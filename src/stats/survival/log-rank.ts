/**
 * k-sample log-rank test and its weighted relatives, following R `survival` 3.5's `survdiff` (survdiff2.c): per
 * stratum, a backward sweep over distinct times accumulates observed, expected and the hypergeometric covariance
 * of O - E; the chi-square is the quadratic form on all groups with expected > 0 but the first.
 */
import { chisqSf } from '../distributions.ts'
import { quadraticForm } from './cholesky.ts'
import type { CountTable } from './survival-input.ts'
import { checkSurv, codeGroups, rankTimes, tabulate } from './survival-input.ts'
import type { EventValue, GroupValue, SurvivalResult, SurvivalWarning } from './survival-types.ts'
import { SurvivalWarningCode } from './survival-types.ts'

/**
 * Weight of each event time: `'fleming-harrington'` is S(t-)^rho with the pooled left-continuous Kaplan-Meier
 * of the stratum (R's `survdiff(rho = )`: rho = 0 log-rank, rho = 1 Peto-Peto); `'gehan'` is the number at risk
 * (Gehan-Breslow generalized Wilcoxon); `'tarone-ware'` its square root.
 */
export type LogRankWeighting = 'fleming-harrington' | 'gehan' | 'tarone-ware'

export interface LogRankOptions {
  /** Stratum per row: the test is summed over strata (R's `strata()` term). */
  readonly strata?: ArrayLike<GroupValue>
  /** Fleming-Harrington rho (default 0, the log-rank test; 1 is Peto-Peto). Ignored by the other weightings. */
  readonly rho?: number
  /** Default `'fleming-harrington'`. */
  readonly weighting?: LogRankWeighting
  /** Group levels in report order (default: sorted distinct values). */
  readonly levels?: readonly GroupValue[]
}

export interface LogRankResult {
  readonly weighting: LogRankWeighting
  readonly rho: number
  /** Group levels, in order. */
  readonly groups: readonly GroupValue[]
  /** Subjects per group. */
  readonly n: readonly number[]
  /** Weighted observed events per group, summed over strata (plain counts for the log-rank test). */
  readonly observed: readonly number[]
  /** Weighted expected events: sum over event times of w * n_group * d / n. */
  readonly expected: readonly number[]
  readonly oMinusE: readonly number[]
  /** k x k covariance matrix of O - E (rows of a row-major matrix). */
  readonly variance: readonly (readonly number[])[]
  readonly chisq: number
  /** Groups with expected > 0, minus 1 (R's convention); 0 when there is nothing to compare. */
  readonly df: number
  /** Upper chi-square tail; 1 when df = 0. */
  readonly pValue: number
  /** Per stratum (stratified test only): level, observed and expected per group. */
  readonly byStratum: readonly {
    readonly stratum: GroupValue
    readonly observed: readonly number[]
    readonly expected: readonly number[]
  }[]
  readonly warnings: readonly SurvivalWarning[]
}

/**
 * Log-rank test (R `survdiff`, rho = 0) for 2 or more groups, optionally stratified, or its G-rho / Gehan /
 * Tarone-Ware variants.
 *
 * @example
 * const r = logRank(time, event, arm)                                  // log-rank
 * const pp = logRank(time, event, arm, { rho: 1 })                     // Peto-Peto
 * const s = logRank(time, event, arm, { strata: site })                // stratified by site
 * if (r.ok) console.log(r.value.chisq, r.value.df, r.value.pValue)
 */
export function logRank(
  time: ArrayLike<number>,
  event: ArrayLike<EventValue>,
  group: ArrayLike<GroupValue>,
  opts: LogRankOptions = {},
): SurvivalResult<LogRankResult> {
  const weighting = opts.weighting ?? 'fleming-harrington'
  const rho = opts.rho ?? 0
  if (!Number.isFinite(rho)) {
    return { ok: false, problems: [{ code: 'invalid', path: 'rho', message: 'rho must be a finite number' }] }
  }
  const checked = checkSurv(time, event)
  if (!checked.ok) return checked
  const { n, time: t, event: e } = checked.value
  const warnings: SurvivalWarning[] = []
  const g = codeGroups(group, n, 'group', opts.levels, warnings)
  if (!g.ok) return g
  const k = g.value.levels.length
  const gcode = g.value.code
  let scode: Int32Array | null = null
  let slevels: readonly GroupValue[] = []
  if (opts.strata !== undefined) {
    const s = codeGroups(opts.strata, n, 'strata', undefined, warnings)
    if (!s.ok) return s
    scode = s.value.code
    slevels = s.value.levels
  }
  const nStrata = scode === null ? 1 : slevels.length
  const { unique, rank } = rankTimes(t, checked.value.range)
  const table = tabulate(rank, unique.length, e, scode, nStrata, gcode, k)

  const obs = new Float64Array(k * nStrata)
  const exp = new Float64Array(k * nStrata)
  const v = new Float64Array(k * k)
  const scratch = { risk: new Float64Array(k), deaths: new Float64Array(k) }
  let from = 0
  for (let s = 0; s < nStrata; s++) {
    let to = from
    while (to < table.length && table.outer[to] === s) to++
    sweepStratum(table, from, to, k, weighting, rho, obs, exp, v, scratch, s * k)
    from = to
  }

  const observed = new Array<number>(k).fill(0)
  const expected = new Array<number>(k).fill(0)
  for (let s = 0; s < nStrata; s++) {
    for (let j = 0; j < k; j++) {
      observed[j]! += obs[s * k + j] as number
      expected[j]! += exp[s * k + j] as number
    }
  }
  const oMinusE = observed.map((o, j) => o - (expected[j] as number))
  // chi-square on the groups with expected > 0, dropping the first of them (R: solve(vv, (O-E)[-1]))
  const used: number[] = []
  for (let j = 0; j < k; j++) if ((expected[j] as number) > 0) used.push(j)
  const df = Math.max(used.length - 1, 0)
  let chisq = 0
  if (used.length >= 2) {
    const idx = used.slice(1)
    const m = idx.length
    const vv = new Float64Array(m * m)
    const b = new Float64Array(m)
    idx.forEach((a, r) => {
      b[r] = oMinusE[a] as number
      idx.forEach((c, cc) => (vv[r * m + cc] = v[a * k + c] as number))
    })
    chisq = quadraticForm(vv, b, m).value
  } else {
    warnings.push({
      code: used.length === 0 ? SurvivalWarningCode.NoEvents : SurvivalWarningCode.NothingToCompare,
      message: 'fewer than two groups have expected events > 0: nothing to test',
    })
  }
  const variance: number[][] = []
  for (let r = 0; r < k; r++) variance.push(Array.from(v.subarray(r * k, r * k + k)))
  return {
    ok: true,
    value: {
      weighting,
      rho: weighting === 'fleming-harrington' ? rho : 0,
      groups: g.value.levels,
      n: Array.from(g.value.size),
      observed,
      expected,
      oMinusE,
      variance,
      chisq,
      df,
      pValue: df > 0 ? chisqSf(chisq, df) : 1,
      byStratum:
        scode === null
          ? []
          : slevels.map((stratum, s) => ({
              stratum,
              observed: Array.from(obs.subarray(s * k, s * k + k)),
              expected: Array.from(exp.subarray(s * k, s * k + k)),
            })),
      warnings,
    },
  }
}

/** survdiff2.c for one stratum: `table` entries `from..to`, ascending in time then group. */
function sweepStratum(
  table: CountTable,
  from: number,
  to: number,
  k: number,
  weighting: LogRankWeighting,
  rho: number,
  obs: Float64Array,
  exp: Float64Array,
  v: Float64Array,
  scratch: { readonly risk: Float64Array; readonly deaths: Float64Array },
  off: number,
): void {
  const { risk, deaths: dByGroup } = scratch
  let size = 0
  for (let j = from; j < to; j++) size += (table.events[j] as number) + (table.censored[j] as number)
  // pooled left-continuous KM at each entry, needed only for rho != 0
  let kaplan: Float64Array | null = null
  if (weighting === 'fleming-harrington' && rho !== 0) {
    kaplan = new Float64Array(to - from)
    let km = 1
    let nrisk = size
    for (let i = from; i < to;) {
      const r = table.rank[i]
      let deaths = 0
      let leaving = 0
      let j = i
      for (; j < to && table.rank[j] === r; j++) {
        kaplan[j - from] = km
        deaths += table.events[j] as number
        leaving += (table.events[j] as number) + (table.censored[j] as number)
      }
      km = (km * (nrisk - deaths)) / nrisk
      nrisk -= leaving
      i = j
    }
  }
  risk.fill(0)
  let nrisk = 0
  for (let i = to - 1; i >= from;) {
    const r = table.rank[i]
    const wtKm = kaplan === null ? 1 : Math.pow(kaplan[i - from] as number, rho)
    dByGroup.fill(0)
    let deaths = 0
    let j = i
    for (; j >= from && table.rank[j] === r; j--) {
      const g = table.inner[j] as number
      const d = table.events[j] as number
      deaths += d
      risk[g]! += d + (table.censored[j] as number)
      nrisk += d + (table.censored[j] as number)
      dByGroup[g] = d
    }
    i = j
    if (deaths === 0) continue
    const wt = weighting === 'gehan' ? nrisk : weighting === 'tarone-ware' ? Math.sqrt(nrisk) : wtKm
    for (let g = 0; g < k; g++) {
      obs[off + g]! += (dByGroup[g] as number) * wt
      exp[off + g]! += (wt * deaths * (risk[g] as number)) / nrisk
    }
    if (nrisk === 1) continue // a single subject at risk: no variance
    const w2 = wt * wt
    for (let a = 0; a < k; a++) {
      const tmp = (w2 * deaths * (risk[a] as number) * (nrisk - deaths)) / (nrisk * (nrisk - 1))
      if (tmp === 0) continue
      v[a * k + a]! += tmp
      for (let b = 0; b < k; b++) v[a * k + b]! -= (tmp * (risk[b] as number)) / nrisk
    }
  }
}
