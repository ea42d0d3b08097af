/**
 * Generic comparison of what a checker computed against a case's `expected` object (the oracle README's rules):
 *
 * - every numeric leaf of `expected` needs a numeric counterpart at the same path, within
 *   `abs + rel · |expected|` (tolerances from the case, `per_key` overriding for a key and everything under it),
 *   unless its top-level key is one of the checker's `informational` keys (then it is compared only if present);
 * - `null` expected (R's NA/NaN/Inf) matches only null, NaN or ±Infinity;
 * - booleans must be equal; strings are compared when the checker produced one (labels such as group names),
 *   since R-only text (e.g. an `r_call`) has no counterpart;
 * - arrays must have the same length; keys the checker adds beyond `expected` are ignored.
 */
import type { OracleTolerance } from './oracle-case.ts'

export interface LeafMismatch {
  readonly path: string
  readonly message: string
}

export interface Comparison {
  readonly pass: boolean
  /** Number of leaves compared. */
  readonly compared: number
  /** The numeric leaf farthest from its expected value relative to its tolerance, with its relative error. */
  readonly worst: { readonly path: string; readonly relError: number } | null
  readonly mismatches: readonly LeafMismatch[]
}

interface Tol {
  readonly rel: number
  readonly abs: number
}

const DEFAULT_TOL: Tol = { rel: 1e-6, abs: 1e-12 }

/**
 * Compares `got` against `expected`.
 * @example compareToExpected({ p_value: 0.0412 }, { p_value: 0.0412145 }, { rel: 1e-6 }) // fails at p_value
 */
export function compareToExpected(
  got: unknown,
  expected: unknown,
  tolerance: OracleTolerance,
  informational: readonly string[] = [],
): Comparison {
  const mismatches: LeafMismatch[] = []
  let compared = 0
  let worst: { path: string; relError: number; score: number } | null = null
  const base: Tol = { rel: tolerance.rel ?? DEFAULT_TOL.rel, abs: tolerance.abs ?? DEFAULT_TOL.abs }

  const walk = (g: unknown, e: unknown, path: string, tol: Tol, optional: boolean): void => {
    if (e === null) {
      if (g === undefined) {
        if (!optional) mismatches.push({ path, message: 'missing in the computed result (expected null, R: NA)' })
        return
      }
      compared++
      if (!(g === null || (typeof g === 'number' && !Number.isFinite(g)))) {
        mismatches.push({ path, message: `expected null (R: NA), got ${show(g)}` })
      }
      return
    }
    if (g === undefined) {
      if (!optional && typeof e !== 'string') mismatches.push({ path, message: 'missing in the computed result' })
      return
    }
    if (typeof e === 'number') {
      compared++
      if (typeof g !== 'number') {
        mismatches.push({ path, message: `expected ${e}, got ${show(g)}` })
        return
      }
      const diff = Math.abs(g - e)
      const allowed = tol.abs + tol.rel * Math.abs(e)
      const relError = e === 0 ? diff : diff / Math.abs(e)
      const score = Number.isNaN(diff) ? Infinity : allowed > 0 ? diff / allowed : diff === 0 ? 0 : Infinity
      if (!worst || score > worst.score) worst = { path, relError: Number.isNaN(relError) ? Infinity : relError, score }
      if (!(diff <= allowed))
        mismatches.push({ path, message: `expected ${e}, got ${g} (relative error ${fmt(relError)})` })
      return
    }
    if (typeof e === 'boolean') {
      compared++
      if (g !== e) mismatches.push({ path, message: `expected ${e}, got ${show(g)}` })
      return
    }
    if (typeof e === 'string') {
      if (typeof g === 'string' || typeof g === 'number' || typeof g === 'boolean') {
        compared++
        if (String(g) !== e) mismatches.push({ path, message: `expected "${e}", got ${show(g)}` })
      }
      return
    }
    if (Array.isArray(e)) {
      if (!isArrayLike(g)) {
        mismatches.push({ path, message: `expected an array of ${e.length}, got ${show(g)}` })
        return
      }
      if (g.length !== e.length) {
        mismatches.push({ path, message: `expected ${e.length} elements, got ${g.length}` })
        return
      }
      e.forEach((ei, i) => walk(g[i], ei, `${path}[${i}]`, tol, optional))
      return
    }
    if (typeof e === 'object') {
      if (typeof g !== 'object' || g === null) {
        mismatches.push({ path, message: `expected an object, got ${show(g)}` })
        return
      }
      for (const [k, ev] of Object.entries(e as Record<string, unknown>)) {
        const override = tolerance.per_key?.[k]
        const t = override ? { rel: override.rel ?? tol.rel, abs: override.abs ?? tol.abs } : tol
        const childPath = path === '' ? k : `${path}.${k}`
        walk(
          (g as Record<string, unknown>)[k],
          ev,
          childPath,
          t,
          optional || (path === '' && informational.includes(k)),
        )
      }
    }
  }

  walk(got, expected, '', base, false)
  const w = worst as { path: string; relError: number } | null
  return {
    pass: mismatches.length === 0,
    compared,
    worst: w ? { path: w.path, relError: w.relError } : null,
    mismatches,
  }
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || ArrayBuffer.isView(v)
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (typeof v === 'number') return String(v)
  const json = JSON.stringify(v) as string | undefined
  return json === undefined ? typeof v : json.slice(0, 60)
}

function fmt(x: number): string {
  return x.toExponential(2)
}
