/**
 * Generalized Cholesky (C = F D F', F unit lower triangular) with R `survival`'s tolerance rule: a pivot below
 * `toler` times the largest diagonal marks the column as redundant and zeroes it, so singular information
 * matrices give a generalized inverse instead of NaN. Ports of survival's cholesky2/chsolve2/chinv2.
 * Matrices are row-major n x n Float64Arrays; `a[i * n + j]` plays `matrix[i][j]` of the C code.
 */

/** `.Machine$double.eps^0.75`, coxph's default `toler.chol`. */
export const CHOLESKY_TOLERANCE = Math.pow(2.220446049250313e-16, 0.75)

/**
 * Factors the symmetric matrix in place (the upper triangle + diagonal are read; the factor is left in the lower
 * triangle with D on the diagonal). Returns the rank, negated when the matrix is not non-negative definite.
 */
export function cholesky2(a: Float64Array, n: number, toler: number): number {
  let nonneg = 1
  let eps = 0
  for (let i = 0; i < n; i++) {
    if ((a[i * n + i] as number) > eps) eps = a[i * n + i] as number
    for (let j = i + 1; j < n; j++) a[j * n + i] = a[i * n + j] as number
  }
  eps = eps === 0 ? toler : eps * toler
  let rank = 0
  for (let i = 0; i < n; i++) {
    const pivot = a[i * n + i] as number
    if (!Number.isFinite(pivot) || pivot < eps) {
      a[i * n + i] = 0
      if (pivot < -8 * eps) nonneg = -1
    } else {
      rank++
      for (let j = i + 1; j < n; j++) {
        const temp = (a[j * n + i] as number) / pivot
        a[j * n + i] = temp
        a[j * n + j] = (a[j * n + j] as number) - temp * temp * pivot
        for (let k = j + 1; k < n; k++) a[k * n + j] = (a[k * n + j] as number) - temp * (a[k * n + i] as number)
      }
    }
  }
  return rank * nonneg
}

/** Solves A b = y in place given the factor from `cholesky2`; redundant columns get b = 0. */
export function chsolve2(a: Float64Array, n: number, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let temp = y[i] as number
    for (let j = 0; j < i; j++) temp -= (y[j] as number) * (a[i * n + j] as number)
    y[i] = temp
  }
  for (let i = n - 1; i >= 0; i--) {
    if (a[i * n + i] === 0) y[i] = 0
    else {
      let temp = (y[i] as number) / (a[i * n + i] as number)
      for (let j = i + 1; j < n; j++) temp -= (y[j] as number) * (a[j * n + i] as number)
      y[i] = temp
    }
  }
}

/**
 * Turns the `cholesky2` factor into the (generalized) inverse, written to the upper triangle and diagonal;
 * rows/columns of redundant variables become 0. `symmetrize` copies it to the lower triangle.
 */
export function chinv2(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    if ((a[i * n + i] as number) > 0) {
      a[i * n + i] = 1 / (a[i * n + i] as number)
      for (let j = i + 1; j < n; j++) {
        a[j * n + i] = -(a[j * n + i] as number)
        for (let k = 0; k < i; k++)
          a[j * n + k] = (a[j * n + k] as number) + (a[j * n + i] as number) * (a[i * n + k] as number)
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (a[i * n + i] === 0) {
      for (let j = 0; j < i; j++) a[j * n + i] = 0
      for (let j = i; j < n; j++) a[i * n + j] = 0
    } else {
      for (let j = i + 1; j < n; j++) {
        const temp = (a[j * n + i] as number) * (a[j * n + j] as number)
        a[i * n + j] = temp
        for (let k = i; k < j; k++) a[i * n + k] = (a[i * n + k] as number) + temp * (a[j * n + k] as number)
      }
    }
  }
}

/** Copies the upper triangle to the lower one. */
export function symmetrize(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i] as number
}

/**
 * Quadratic form b' V^- b with the generalized inverse above, and the rank of V (the test's degrees of freedom),
 * as survival's `coxph.wtest`. V is not modified.
 */
export function quadraticForm(
  v: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  toler = CHOLESKY_TOLERANCE,
): { value: number; rank: number } {
  const a = Float64Array.from(v)
  cholesky2(a, n, toler)
  let rank = 0
  for (let i = 0; i < n; i++) if ((a[i * n + i] as number) > 0) rank++
  const y = Float64Array.from(b)
  chsolve2(a, n, y)
  let value = 0
  for (let i = 0; i < n; i++) value += (b[i] as number) * (y[i] as number)
  return { value, rank }
}
