/**
 * Dense helpers for the small systems of the mixed model (p x p fixed effects, at most 4 x 4 variance parameters).
 * Matrices are row-major `Float64Array`s of n*n; plain loops beat a general library at these sizes.
 */

/** In-place Cholesky A = L L' (lower triangle written, upper zeroed). Returns false if A is not positive definite. */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!
    if (!(d > 0)) return false
    const ljj = Math.sqrt(d)
    a[j * n + j] = ljj
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!
      a[i * n + j] = s / ljj
    }
    for (let i = 0; i < j; i++) a[i * n + j] = 0
  }
  return true
}

/** Solves L x = b in place (L lower triangular, row-major n x n). */
export function forwardSolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!
    b[i] = s / l[i * n + i]!
  }
}

/** Solves L' x = b in place (L lower triangular). */
export function backSolveTransposed(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!
    b[i] = s / l[i * n + i]!
  }
}

/** (L L')^-1 from the Cholesky factor L. */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n)
  const col = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    col.fill(0)
    col[j] = 1
    forwardSolve(l, n, col)
    backSolveTransposed(l, n, col)
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i]!
  }
  return inv
}

export interface SymmetricEigen {
  /** Eigenvalues in decreasing order (as R's `eigen`). */
  readonly values: Float64Array
  /** Row-major n x n; column j is the eigenvector of `values[j]`. */
  readonly vectors: Float64Array
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (accurate to rounding for these sizes). */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix)
  const v = new Float64Array(n * n)
  for (let i = 0; i < n; i++) v[i * n + i] = 1
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    let total = 0
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = a[i * n + j]! * a[i * n + j]!
        total += x
        if (i !== j) off += x
      }
    }
    if (off <= 1e-30 * total || off === 0) break
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!
        if (apq === 0) continue
        const app = a[p * n + p]!
        const aqq = a[q * n + q]!
        const tau = (aqq - app) / (2 * apq)
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau))
        const c = 1 / Math.sqrt(1 + t * t)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!
          const akq = a[k * n + q]!
          a[k * n + p] = c * akp - s * akq
          a[k * n + q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!
          const aqk = a[q * n + k]!
          a[p * n + k] = c * apk - s * aqk
          a[q * n + k] = s * apk + c * aqk
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!
          const vkq = v[k * n + q]!
          v[k * n + p] = c * vkp - s * vkq
          v[k * n + q] = s * vkp + c * vkq
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!)
  const values = new Float64Array(n)
  const vectors = new Float64Array(n * n)
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src]!
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!
  })
  return { values, vectors }
}

/** x' A y for a row-major n x n matrix. */
export function bilinear(x: ArrayLike<number>, a: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  let s = 0
  for (let i = 0; i < n; i++) {
    let r = 0
    for (let j = 0; j < n; j++) r += a[i * n + j]! * y[j]!
    s += x[i]! * r
  }
  return s
}

/** Row-major Float64Array -> array of rows (the JSON-friendly layout of the public results). */
export function toRows(a: ArrayLike<number>, n: number, m = n): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => a[i * m + j]!))
}

/** Array of rows -> row-major Float64Array. */
export function fromRows(rows: readonly (readonly number[])[]): Float64Array {
  const n = rows.length
  const m = rows[0]?.length ?? 0
  const out = new Float64Array(n * m)
  rows.forEach((row, i) => row.forEach((x, j) => (out[i * m + j] = x)))
  return out
}
