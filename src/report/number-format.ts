/** How numbers are printed in the report: fixed decimals, p-values, intervals, counts with percentages. */
import type { Summary } from '../analysis/index.ts'

/** A number with `digits` decimals; an en dash for null. Negative zero prints as 0. */
export function fmt(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–'
  const s = x.toFixed(digits)
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s.replace('-', '−')
}

/** A p-value: three decimals, `<0.001` below. */
export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–'
  return p < 0.001 ? '<0.001' : p.toFixed(3)
}

/** `estimate (lower, upper)`. */
export function fmtCi(
  estimate: number | null,
  ci: readonly [number, number] | readonly [number | null, number | null] | null,
  digits = 2,
): string {
  if (estimate === null) return '–'
  if (ci === null) return fmt(estimate, digits)
  return `${fmt(estimate, digits)} (${fmt(ci[0], digits)}, ${fmt(ci[1], digits)})`
}

/** `n (pct %)`. */
export function fmtCount(n: number, pct: number | null): string {
  return pct === null ? String(n) : `${n} (${fmt(pct, 1)})`
}

/** Continuous summary lines: mean (SD), median [Q1, Q3], min–max, n. */
export function fmtSummary(s: Summary, digits = 1): readonly string[] {
  if (s.n === 0) return ['–']
  return [
    `${fmt(s.mean, digits)} (${fmt(s.sd, digits)})`,
    `${fmt(s.median, digits)} [${fmt(s.q1, digits)}, ${fmt(s.q3, digits)}]`,
    `${fmt(s.min, digits)} – ${fmt(s.max, digits)}`,
  ]
}

/** The first 12 hex digits of a hash, for headers. */
export function shortHash(hash: string | null): string {
  return hash === null ? 'none' : hash.slice(0, 12)
}
