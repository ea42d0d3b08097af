/**
 * Fisher's exact test of independence in an r × c table, as R's `fisher.test`: for 2 × 2 tables the conditional
 * maximum-likelihood odds ratio, its exact confidence interval and the one-sided p-values (from the noncentral
 * hypergeometric distribution, with R's root finder); for larger tables the exact p-value by the network
 * algorithm of `fisher-network.ts`.
 */
import { hypergeometricCdf, hypergeometricLogPmf } from '../distributions.ts'
import { statsFail, statsOk, type StatsResult } from '../data/index.ts'
import { Alternative } from './alternative.ts'
import { uniroot } from './brent-root.ts'
import { fisherNetworkPValue } from './fisher-network.ts'
import { checkCountTable } from './count-table.ts'

export interface FisherOptions {
  readonly alternative?: Alternative
  /** Confidence level of the odds-ratio interval (2 × 2 only); default 0.95. */
  readonly confLevel?: number
}

export interface Fisher2x2Result {
  readonly kind: '2x2'
  /** p-value for the requested alternative. */
  readonly pValue: number
  readonly pValueTwoSided: number
  /** P(X ≤ x): evidence for an odds ratio below 1. */
  readonly pValueLess: number
  /** P(X ≥ x): evidence for an odds ratio above 1. */
  readonly pValueGreater: number
  /** Conditional maximum-likelihood estimate of the odds ratio (not ad/bc); 0 or Infinity at the ends of the support. */
  readonly oddsRatio: number
  readonly confInt: readonly [number, number]
  readonly confLevel: number
  readonly alternative: Alternative
  readonly warnings: readonly string[]
}

export interface FisherRxCResult {
  readonly kind: 'rxc'
  readonly pValue: number
  /** Rows and columns after dropping all-zero ones (they carry no information). */
  readonly rows: number
  readonly cols: number
  readonly warnings: readonly string[]
}

export type FisherResult = Fisher2x2Result | FisherRxCResult

/**
 * Fisher's exact test on a table of counts (rows of non-negative integers).
 * @example
 * const r = fisherExact([[3, 1], [1, 3]])
 * // r.value.pValue ≈ 0.4857, oddsRatio ≈ 6.408, confInt ≈ [0.2117, 621.9] (R: fisher.test, tea tasting)
 * @example
 * fisherExact([[3, 1, 0, 2], [1, 4, 2, 0], [0, 2, 5, 3]]) // pValue ≈ 0.03797
 */
export function fisherExact(
  table: readonly (readonly number[])[],
  options: FisherOptions = {},
): StatsResult<FisherResult> {
  const checked = checkCountTable(table)
  if (!checked.ok) return checked
  const alternative = options.alternative ?? Alternative.TwoSided
  const confLevel = options.confLevel ?? 0.95
  if (!(confLevel > 0 && confLevel < 1))
    return statsFail('out_of_range', 'confLevel', 'the confidence level must be strictly between 0 and 1')
  const t = checked.value
  if (t.length === 2 && t[0]?.length === 2) return statsOk(fisher2x2(t, alternative, confLevel))
  // All-zero rows/columns do not change the p-value: drop them (FEXACT needs positive margins).
  const kept = dropEmpty(t)
  const rows = kept.length
  const cols = kept[0]?.length ?? 0
  const warnings = rows < t.length || cols < (t[0]?.length ?? 0) ? ['all-zero rows or columns were dropped'] : []
  if (rows < 2 || cols < 2) {
    return statsOk({
      kind: 'rxc',
      pValue: 1,
      rows,
      cols,
      warnings: [...warnings, 'fewer than 2 non-empty rows or columns: p = 1'],
    })
  }
  return statsOk({ kind: 'rxc', pValue: fisherNetworkPValue(kept), rows, cols, warnings })
}

function dropEmpty(t: readonly (readonly number[])[]): number[][] {
  const colSums = (t[0] ?? []).map((_, j) => t.reduce((a, row) => a + (row[j] as number), 0))
  return t.filter((row) => row.some((x) => x > 0)).map((row) => row.filter((_, j) => (colSums[j] as number) > 0))
}

/**
 * The 2 × 2 case, following R's `fisher.test` step by step: x = table[0][0] has, given the margins, a
 * noncentral hypergeometric distribution with the odds ratio as parameter.
 */
function fisher2x2(t: readonly (readonly number[])[], alternative: Alternative, confLevel: number): Fisher2x2Result {
  const a = t[0]?.[0] as number
  const b = t[0]?.[1] as number
  const c = t[1]?.[0] as number
  const d = t[1]?.[1] as number
  const m = a + c // first column total
  const n = b + d // second column total
  const k = a + b // first row total
  const x = a
  const lo = Math.max(0, k - n)
  const hi = Math.min(k, m)
  const support: number[] = []
  for (let s = lo; s <= hi; s++) support.push(s)
  const logdc = support.map((s) => hypergeometricLogPmf(s, m, n, k))

  const dnhyper = (ncp: number): number[] => {
    const d0 = logdc.map((l, i) => l + Math.log(ncp) * (support[i] as number))
    const max = Math.max(...d0)
    const e = d0.map((v) => Math.exp(v - max))
    const s = e.reduce((p, q) => p + q, 0)
    return e.map((v) => v / s)
  }
  const mnhyper = (ncp: number): number => {
    if (ncp === 0) return lo
    if (ncp === Infinity) return hi
    const d0 = dnhyper(ncp)
    return support.reduce((acc, s, i) => acc + s * (d0[i] as number), 0)
  }
  const pnhyper = (q: number, ncp: number, upperTail: boolean): number => {
    if (ncp === 1) return upperTail ? hypergeometricCdf(x - 1, m, n, k, true) : hypergeometricCdf(x, m, n, k)
    if (ncp === 0) return upperTail ? Number(q <= lo) : Number(q >= lo)
    if (ncp === Infinity) return upperTail ? Number(q <= hi) : Number(q >= hi)
    const d0 = dnhyper(ncp)
    let sum = 0
    support.forEach((s, i) => {
      if (upperTail ? s >= q : s <= q) sum += d0[i] as number
    })
    return sum
  }

  const pValueLess = pnhyper(x, 1, false)
  const pValueGreater = pnhyper(x, 1, true)
  // Two-sided: tables at most as probable as the observed one, within R's relative 1e-7.
  const d1 = dnhyper(1)
  const dObs = (d1[x - lo] as number) * (1 + 1e-7)
  const pValueTwoSided = Math.min(
    1,
    d1.reduce((acc, v) => (v <= dObs ? acc + v : acc), 0),
  )

  const mle = (): number => {
    if (x === lo) return 0
    if (x === hi) return Infinity
    const mu = mnhyper(1)
    if (mu > x) return uniroot((s) => mnhyper(s) - x, 0, 1)
    if (mu < x) return 1 / uniroot((s) => mnhyper(1 / s) - x, EPS, 1)
    return 1
  }
  const ncpUpper = (alpha: number): number => {
    if (x === hi) return Infinity
    const p = pnhyper(x, 1, false)
    if (p < alpha) return uniroot((s) => pnhyper(x, s, false) - alpha, 0, 1)
    if (p > alpha) return 1 / uniroot((s) => pnhyper(x, 1 / s, false) - alpha, EPS, 1)
    return 1
  }
  const ncpLower = (alpha: number): number => {
    if (x === lo) return 0
    const p = pnhyper(x, 1, true)
    if (p > alpha) return uniroot((s) => pnhyper(x, s, true) - alpha, 0, 1)
    if (p < alpha) return 1 / uniroot((s) => pnhyper(x, 1 / s, true) - alpha, EPS, 1)
    return 1
  }
  const alpha = 1 - confLevel
  const confInt: [number, number] =
    alternative === 'less'
      ? [0, ncpUpper(alpha)]
      : alternative === 'greater'
        ? [ncpLower(alpha), Infinity]
        : [ncpLower(alpha / 2), ncpUpper(alpha / 2)]
  const pValue = alternative === 'less' ? pValueLess : alternative === 'greater' ? pValueGreater : pValueTwoSided
  const warnings: string[] = []
  if (lo === hi) warnings.push('a margin is zero: only one table is possible (p = 1, odds ratio not estimable)')
  return {
    kind: '2x2',
    pValue,
    pValueTwoSided,
    pValueLess,
    pValueGreater,
    oddsRatio: mle(),
    confInt,
    confLevel,
    alternative,
    warnings,
  }
}

const EPS = 2.220446049250313e-16
