/**
 * Pearson's chi-square test of independence in an r × c table, as R's `chisq.test(tab, correct = ...)`:
 * expected counts under independence, Pearson residuals (O - E)/sqrt(E), adjusted standardized residuals
 * (O - E)/sqrt(E (1 - r_i/n)(1 - c_j/n)), and Yates' continuity correction for 2 × 2 tables only.
 */
import { chisqSf } from '../distributions.ts'
import { statsFail, statsOk, type StatsResult } from '../data/index.ts'
import { checkCountTable } from './count-table.ts'

export interface ChisqOptions {
  /** Yates' continuity correction, applied (as R does) only to 2 × 2 tables; default true. */
  readonly correct?: boolean
}

export interface ChisqResult {
  readonly statistic: number
  readonly df: number
  readonly pValue: number
  /** True when the continuity correction was used (2 × 2, `correct`, and some |O - E| > 0). */
  readonly yatesApplied: boolean
  readonly expected: readonly (readonly number[])[]
  readonly residualsPearson: readonly (readonly number[])[]
  readonly residualsStd: readonly (readonly number[])[]
  /** R's warning when some expected count is below 5. */
  readonly warnings: readonly string[]
}

/**
 * Chi-square test of independence.
 * @example
 * chisqTest([[1198, 1493], [557, 1278]], { correct: false }).value.statistic // 92.205 (UCBAdmissions gender × admit)
 */
export function chisqTest(table: readonly (readonly number[])[], options: ChisqOptions = {}): StatsResult<ChisqResult> {
  const checked = checkCountTable(table)
  if (!checked.ok) return checked
  const t = checked.value
  const nr = t.length
  const nc = t[0]?.length ?? 0
  const sr = t.map((row) => row.reduce((a, b) => a + b, 0))
  const sc = Array.from({ length: nc }, (_, j) => t.reduce((a, row) => a + (row[j] as number), 0))
  const n = sr.reduce((a, b) => a + b, 0)
  const zeroRow = sr.findIndex((s) => s === 0)
  if (zeroRow >= 0)
    return statsFail(
      'degenerate',
      `table[${zeroRow}]`,
      `row ${zeroRow + 1} is all zero: its expected counts are 0 and the statistic is undefined`,
    )
  const zeroCol = sc.findIndex((s) => s === 0)
  if (zeroCol >= 0)
    return statsFail(
      'degenerate',
      `table[][${zeroCol}]`,
      `column ${zeroCol + 1} is all zero: its expected counts are 0 and the statistic is undefined`,
    )

  const expected = sr.map((r) => sc.map((c) => (r * c) / n))
  let yates = 0
  if ((options.correct ?? true) && nr === 2 && nc === 2) {
    yates = 0.5
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        yates = Math.min(yates, Math.abs((t[i]?.[j] as number) - (expected[i]?.[j] as number)))
  }
  let statistic = 0
  const residualsPearson: number[][] = []
  const residualsStd: number[][] = []
  for (let i = 0; i < nr; i++) {
    const rp: number[] = []
    const rs: number[] = []
    for (let j = 0; j < nc; j++) {
      const o = t[i]?.[j] as number
      const e = expected[i]?.[j] as number
      const dev = Math.abs(o - e) - yates
      statistic += (dev * dev) / e
      rp.push((o - e) / Math.sqrt(e))
      // V = c r (n - r)(n - c) / n^3, R's variance of O - E
      const r = sr[i] as number
      const c = sc[j] as number
      rs.push((o - e) / Math.sqrt((c * r * (n - r) * (n - c)) / (n * n * n)))
    }
    residualsPearson.push(rp)
    residualsStd.push(rs)
  }
  const df = (nr - 1) * (nc - 1)
  const warnings = expected.some((row) => row.some((e) => e < 5))
    ? ['Chi-squared approximation may be incorrect (some expected counts are below 5)']
    : []
  return statsOk({
    statistic,
    df,
    pValue: chisqSf(statistic, df),
    yatesApplied: yates > 0,
    expected,
    residualsPearson,
    residualsStd,
    warnings,
  })
}
