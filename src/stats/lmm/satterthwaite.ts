/**
 * Tests of linear hypotheses on the fixed effects with Satterthwaite's denominator df, as lmerTest's `contest1D`
 * (t test of one contrast) and `contestMD` (joint F test; `anova(fit, type = 3)` for a highest-order term).
 */
import { fSf, tQuantile, tTwoSidedP } from '../distributions.ts'
import { satterthwaiteDf1 } from './fit-lmm.ts'
import type { LmmContrastResult, LmmFit, LmmFTestResult, LmmResult } from './lmm-types.ts'
import { fromRows, symmetricEigen } from './small-linalg.ts'

const fail = (code: 'invalid' | 'unsupported' | 'not_found', path: string, message: string): LmmResult<never> => ({
  ok: false,
  problems: [{ code, path, message }],
})

/** L' M L for a p-vector L and p x p matrix M given as rows. */
function quadratic(l: readonly number[], m: readonly (readonly number[])[]): number {
  let s = 0
  for (let i = 0; i < l.length; i++) {
    if (l[i] === 0) continue
    const row = m[i]!
    let r = 0
    for (let j = 0; j < l.length; j++) r += row[j]! * l[j]!
    s += l[i]! * r
  }
  return s
}

function checkVector(fit: LmmFit, l: readonly number[], path: string): LmmResult<readonly number[]> {
  const p = fit.fixed.estimate.length
  if (l.length !== p)
    return fail('invalid', path, `a contrast needs ${p} coefficients (${fit.fixed.terms.join(', ')}), got ${l.length}`)
  if (!l.every(Number.isFinite)) return fail('invalid', path, 'contrast coefficients must be finite numbers')
  if (l.every((v) => v === 0)) return fail('invalid', path, 'the contrast is zero')
  return { ok: true, value: l }
}

/** Estimate, variance and Satterthwaite df of L'beta (no checks). */
function contrast1D(fit: LmmFit, l: readonly number[]): { estimate: number; variance: number; df: number } {
  let estimate = 0
  l.forEach((v, j) => (estimate += v * fit.fixed.estimate[j]!))
  const variance = quadratic(l, fit.vcov)
  const df = satterthwaiteDf1(fit.satterthwaite, variance, (jac) => quadratic(l, jac))
  return { estimate, variance, df }
}

/**
 * t test and confidence interval of one linear combination L'beta of the fixed effects, with Satterthwaite df, as
 * `lmerTest::contest1D(fit, L, confint = TRUE)`. `rhs` is the null value (default 0).
 *
 * @example
 * ```ts
 * // difference of the time slopes of arm D1 and placebo in y ~ t * arm: coefficients (Intercept), t, armD1, t:armD1
 * const r = lmmContrast(fit, [0, 0, 0, 1], { confLevel: 0.95 })
 * if (r.ok) console.log(r.value.estimate, r.value.df, r.value.p, r.value.lower, r.value.upper)
 * ```
 */
export function lmmContrast(
  fit: LmmFit,
  l: readonly number[],
  options: { readonly confLevel?: number; readonly rhs?: number } = {},
): LmmResult<LmmContrastResult> {
  const checked = checkVector(fit, l, 'L')
  if (!checked.ok) return checked
  const confLevel = options.confLevel ?? 0.95
  if (!(confLevel > 0 && confLevel < 1)) return fail('invalid', 'options.confLevel', 'confLevel must be in (0, 1)')
  const { estimate, variance, df } = contrast1D(fit, l)
  const se = Math.sqrt(variance)
  const t = (estimate - (options.rhs ?? 0)) / se
  const half = tQuantile(1 - (1 - confLevel) / 2, df) * se
  return {
    ok: true,
    value: { estimate, se, df, t, p: tTwoSidedP(t, df), lower: estimate - half, upper: estimate + half, confLevel },
  }
}

/** lmerTest's combination of the per-direction df into the F test's denominator df. */
function fStatDdf(nu: readonly number[]): number {
  if (nu.length === 1) return nu[0]!
  if (nu.every((v, i) => i === 0 || Math.abs(v - nu[i - 1]!) < 1e-8)) return nu.reduce((a, b) => a + b, 0) / nu.length
  if (nu.some((v) => v <= 2)) return 2
  const e = nu.reduce((a, v) => a + v / (v - 2), 0)
  return (2 * e) / (e - nu.length)
}

/** Which coefficients a hypothesis is about: a term label, coefficient indices, or an explicit L matrix (rows). */
export type LmmHypothesis = string | readonly number[] | { readonly L: readonly (readonly number[])[] }

function hypothesisMatrix(
  fit: LmmFit,
  what: LmmHypothesis,
): LmmResult<{ label: string; rows: readonly (readonly number[])[] }> {
  const p = fit.fixed.estimate.length
  const unit = (j: number): number[] => Array.from({ length: p }, (_, k) => (k === j ? 1 : 0))
  if (typeof what === 'string') {
    const { design } = fit
    const key = (label: string): string =>
      label
        .split(':')
        .map((s) => s.trim())
        .sort()
        .join(':')
    const ti = design.terms.findIndex((t) => key(t) === key(what))
    if (ti < 0) return fail('not_found', 'term', `no term "${what}" in the model (terms: ${design.terms.join(', ')})`)
    const vars = design.terms[ti]!.split(':')
    const factorNames = new Set(design.variables.filter((v) => v.kind === 'factor').map((v) => v.name))
    const marginalTo = design.terms.find((t) => {
      const tv = t.split(':')
      return (
        tv.length > vars.length &&
        vars.every((v) => tv.includes(v)) &&
        tv.some((v) => !vars.includes(v) && factorNames.has(v))
      )
    })
    if (marginalTo !== undefined) {
      return fail(
        'unsupported',
        'term',
        `"${design.terms[ti]}" is marginal to "${marginalTo}": its type-3 test averages over a factor; pass an explicit L matrix`,
      )
    }
    const rows = design.columnTerm.flatMap((t, j) => (t === ti ? [unit(j)] : []))
    return { ok: true, value: { label: design.terms[ti]!, rows } }
  }
  if (!('L' in what)) {
    const idx = what
    if (idx.length === 0 || !idx.every((j) => Number.isInteger(j) && j >= 0 && j < p)) {
      return fail('invalid', 'coefficients', `coefficient indices must be integers in [0, ${p - 1}]`)
    }
    return {
      ok: true,
      value: { label: idx.map((j) => fit.fixed.terms[j]).join(', '), rows: [...new Set(idx)].map(unit) },
    }
  }
  if (what.L.length === 0) return fail('invalid', 'L', 'L has no rows')
  for (const [i, row] of what.L.entries()) {
    const checked = checkVector(fit, row, `L[${i}]`)
    if (!checked.ok) return checked
  }
  return { ok: true, value: { label: 'L', rows: what.L } }
}

/**
 * Joint Wald F test that the given coefficients (or rows of L) are zero, with Satterthwaite's denominator df, as
 * `lmerTest::contestMD`. For a term label it is `anova(fit, type = 3)`'s row for that term, which is the joint test of
 * the term's coefficients when no higher-order term crosses it with a factor (e.g. the time x arm interaction of
 * `y ~ t * arm`); for a term marginal to such an interaction the test is refused (pass an explicit L instead).
 *
 * @example
 * ```ts
 * const f = lmmFTest(fit, 't:arm') // does the slope differ between the arms?
 * if (f.ok) console.log(f.value.F, f.value.numDf, f.value.denDf, f.value.p)
 * lmmFTest(fit, [4, 5, 6]) // the same by coefficient index
 * lmmFTest(fit, { L: [[0, 0, 0, 0, 1, -1, 0, 0]] }) // any set of contrasts
 * ```
 */
export function lmmFTest(fit: LmmFit, what: LmmHypothesis): LmmResult<LmmFTestResult> {
  const hyp = hypothesisMatrix(fit, what)
  if (!hyp.ok) return hyp
  const { label, rows } = hyp.value
  const beta = fit.fixed.estimate
  const p = beta.length
  const oneRow = (l: readonly number[]): LmmFTestResult => {
    const c = contrast1D(fit, l)
    const f = (c.estimate * c.estimate) / c.variance
    return { term: label, numDf: 1, denDf: c.df, F: f, p: fSf(f, 1, c.df) }
  }
  if (rows.length === 1) return { ok: true, value: oneRow(rows[0]!) }
  // Eigen-directions of L vcov L' (lmerTest: drop directions with eigenvalue <= sqrt(eps) * largest).
  const r = rows.length
  const vl = new Float64Array(r * r)
  for (let a = 0; a < r; a++) {
    for (let b = 0; b < r; b++) {
      let s = 0
      for (let i = 0; i < p; i++) {
        if (rows[a]![i] === 0) continue
        let t = 0
        for (let j = 0; j < p; j++) t += fit.vcov[i]![j]! * rows[b]![j]!
        s += rows[a]![i]! * t
      }
      vl[a * r + b] = s
    }
  }
  const { values, vectors } = symmetricEigen(vl, r)
  const tol = Math.max(Math.sqrt(Number.EPSILON) * values[0]!, 0)
  const kept = [...values].filter((d) => d > tol).length
  if (kept === 0) return fail('invalid', 'L', "the hypothesis has no estimable direction (L vcov L' is zero)")
  const ptl = Array.from({ length: kept }, (_, m) =>
    Array.from({ length: p }, (_, j) => rows.reduce((acc, row, a) => acc + vectors[a * r + m]! * row[j]!, 0)),
  )
  if (kept === 1) return { ok: true, value: { ...oneRow(ptl[0]!), numDf: 1 } }
  let f = 0
  const nu: number[] = []
  const vcovVarpar = fromRows(fit.satterthwaite.vcovVarpar)
  const k = fit.satterthwaite.jacobian.length
  for (let m = 0; m < kept; m++) {
    const l = ptl[m]!
    const est = l.reduce((acc, v, j) => acc + v * beta[j]!, 0)
    f += (est * est) / values[m]!
    const grad = fit.satterthwaite.jacobian.map((jac) => quadratic(l, jac))
    let denom = 0
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) denom += grad[a]! * vcovVarpar[a * k + b]! * grad[b]!
    nu.push((2 * values[m]! * values[m]!) / denom)
  }
  f /= kept
  const denDf = fStatDdf(nu)
  return { ok: true, value: { term: label, numDf: kept, denDf, F: f, p: fSf(f, kept, denDf) } }
}
