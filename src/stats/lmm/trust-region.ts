/**
 * Newton's method in a trust region for the 1-3 variance parameters, with exact gradient and Hessian and a
 * Hessian-scaled region (Moré's scaling), solving each subproblem exactly by eigen-decomposition. Quadratic
 * convergence takes theta to rounding accuracy in a handful of iterations, where a derivative-free search needs
 * hundreds of deviance evaluations.
 */
import { symmetricEigen } from './small-linalg.ts'

export interface TrustRegionObjective {
  /** f(x), or a non-finite number where f is undefined. */
  value(x: Float64Array): number
  /** Gradient and row-major Hessian at the point last passed to `value`. */
  derivatives(): { readonly grad: Float64Array; readonly hess: Float64Array }
}

export interface TrustRegionResult {
  readonly x: Float64Array
  readonly value: number
  readonly iterations: number
  readonly converged: boolean
  readonly message: string
}

/** Exact minimiser of g's + s'Hs/2 over ||s|| <= radius (n <= 4). */
function solveSubproblem(g: Float64Array, h: Float64Array, n: number, radius: number): Float64Array {
  const { values, vectors } = symmetricEigen(h, n)
  const gamma = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    let s = 0
    for (let i = 0; i < n; i++) s += vectors[i * n + j]! * g[i]!
    gamma[j] = s
  }
  const step = (lambda: number, skip: number): Float64Array => {
    const s = new Float64Array(n)
    for (let j = 0; j < n; j++) {
      if (j === skip || gamma[j] === 0) continue
      const coef = -gamma[j]! / (values[j]! + lambda)
      for (let i = 0; i < n; i++) s[i]! += coef * vectors[i * n + j]!
    }
    return s
  }
  const norm = (s: Float64Array): number => Math.hypot(...s)
  const muMin = values[n - 1]!
  if (muMin > 0) {
    const newton = step(0, -1)
    if (norm(newton) <= radius) return newton
  }
  const lo = Math.max(0, -muMin)
  const gNorm = Math.hypot(...gamma)
  // Hard case: no lambda > lo reaches the boundary; add a multiple of the lowest eigenvector.
  const atLo = step(lo, muMin <= 0 ? n - 1 : -1)
  if (muMin <= 0 && Math.abs(gamma[n - 1]!) <= 1e-12 * (gNorm + 1e-300) && norm(atLo) < radius) {
    const tau = Math.sqrt(radius * radius - norm(atLo) ** 2)
    for (let i = 0; i < n; i++) atLo[i]! += tau * vectors[i * n + n - 1]!
    return atLo
  }
  let a = lo
  let b = lo + gNorm / radius + 1e-300
  for (let it = 0; it < 200 && b - a > 1e-15 * b; it++) {
    const mid = 0.5 * (a + b)
    if (norm(step(mid, -1)) > radius) a = mid
    else b = mid
  }
  return step(b, -1)
}

/**
 * Minimises f from x0 (the objective's state afterwards is that of its last evaluation, not necessarily of the
 * returned x). Stops when the Hessian is positive definite and the Newton step is below `xtol` relative to
 * x (the step is then taken), or when the model predicts no decrease larger than the rounding of f and a few
 * Newton steps on the exact gradient have polished x.
 */
export function minimizeTrustRegion(
  f: TrustRegionObjective,
  x0: ArrayLike<number>,
  options: { readonly maxIterations: number; readonly xtol?: number },
): TrustRegionResult {
  const n = x0.length
  const xtol = options.xtol ?? 1e-10
  let x = Float64Array.from(x0)
  let fx = f.value(x)
  if (!Number.isFinite(fx))
    return { x, value: fx, iterations: 0, converged: false, message: 'objective not finite at the start' }
  let { grad, hess } = f.derivatives()
  const scale = new Float64Array(n).fill(1e-300)
  const updateScale = (): void => {
    for (let j = 0; j < n; j++) scale[j] = Math.max(scale[j]!, Math.sqrt(Math.abs(hess[j * n + j]!)))
    const top = Math.max(...scale)
    for (let j = 0; j < n; j++) scale[j] = Math.max(scale[j]!, 1e-8 * top, 1e-300)
  }
  updateScale()
  let radius = Math.max(...Array.from(x0, (v, j) => Math.abs(v) * scale[j]!), 1)
  let polishing = 0
  for (let iter = 1; iter <= options.maxIterations; iter++) {
    const gs = new Float64Array(n)
    const hs = new Float64Array(n * n)
    for (let i = 0; i < n; i++) {
      gs[i] = grad[i]! / scale[i]!
      for (let j = 0; j < n; j++) hs[i * n + j] = hess[i * n + j]! / (scale[i]! * scale[j]!)
    }
    const ss = solveSubproblem(gs, hs, n, radius)
    let pred = 0
    for (let i = 0; i < n; i++) {
      let hsi = 0
      for (let j = 0; j < n; j++) hsi += hs[i * n + j]! * ss[j]!
      pred -= gs[i]! * ss[i]! + 0.5 * ss[i]! * hsi
    }
    const s = ss.map((v, i) => v / scale[i]!)
    const xNew = x.map((v, i) => v + s[i]!)
    const ssNorm = Math.hypot(...ss)
    const newtonInside = ssNorm < radius * (1 - 1e-12) && symmetricEigen(hs, n).values[n - 1]! > 0
    const small = Math.max(...s.map(Math.abs)) <= xtol * (1 + Math.max(...x.map(Math.abs)))
    const noise = 1e-13 * (1 + Math.abs(fx))
    if (newtonInside && small) {
      const fNew = f.value(xNew)
      if (fNew <= fx + 10 * noise) {
        x = xNew
        fx = fNew
      }
      return { x, value: fx, iterations: iter, converged: true, message: 'converged' }
    }
    if (!(pred > noise)) {
      // Rounding regime: f can no longer rank the points but the exact gradient still can, so take a few plain
      // Newton steps while the Hessian is positive definite and f does not rise beyond its rounding.
      if (!newtonInside || polishing >= 5)
        return { x, value: fx, iterations: iter, converged: true, message: 'converged' }
      const fNew = f.value(xNew)
      if (!(fNew <= fx + 10 * noise)) return { x, value: fx, iterations: iter, converged: true, message: 'converged' }
      x = xNew
      fx = fNew
      ;({ grad, hess } = f.derivatives())
      polishing++
      continue
    }
    const fNew = f.value(xNew)
    const rho = Number.isFinite(fNew) ? (fx - fNew) / pred : -1
    if (rho < 0.25) radius = 0.25 * ssNorm
    else if (rho > 0.75 && ssNorm > 0.99 * radius) radius = 2 * radius
    if (rho > 1e-4) {
      x = xNew
      fx = fNew
      ;({ grad, hess } = f.derivatives())
      updateScale()
    }
    if (radius < 1e-15 * (1 + Math.hypot(...x.map((v, i) => v * scale[i]!)))) {
      return { x, value: fx, iterations: iter, converged: false, message: 'trust region collapsed before convergence' }
    }
  }
  return { x, value: fx, iterations: options.maxIterations, converged: false, message: 'iteration limit reached' }
}
