/**
 * Brent's root finder in the form of Forsythe, Malcolm & Moler's ZEROIN, with R's `uniroot` defaults
 * (tolerance eps^0.25, 1000 iterations). Several of R's estimates (Fisher's conditional MLE and exact CI, the
 * asymptotic Hodges-Lehmann interval) are defined as *this* iteration's result, which stops within the tolerance
 * rather than at the exact root, so reproducing R means running the same iteration.
 */
const EPS = 2.220446049250313e-16

export interface RootOptions {
  readonly tol?: number
  readonly maxIter?: number
  /** f(lower) and f(upper) when the caller already has them (R's `f.lower`, `f.upper`). */
  readonly fLower?: number
  readonly fUpper?: number
}

/**
 * A root of `f` in [lower, upper], where f changes sign; NaN when it does not.
 * @example uniroot((x) => x * x - 2, 0, 2) // ≈ 1.41421 (within 1.2e-4, as R)
 */
export function uniroot(f: (x: number) => number, lower: number, upper: number, options: RootOptions = {}): number {
  const tol = options.tol ?? Math.pow(EPS, 0.25)
  let fa = options.fLower ?? f(lower)
  let fb = options.fUpper ?? f(upper)
  if (Number.isNaN(fa) || Number.isNaN(fb) || fa * fb > 0) return NaN
  let a = lower
  let b = upper
  let c = a
  let fc = fa
  if (fa === 0) return a
  if (fb === 0) return b
  for (let iter = (options.maxIter ?? 1000) + 1; iter > 0; iter--) {
    const prevStep = b - a
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b
      b = c
      c = a
      fa = fb
      fb = fc
      fc = fa
    }
    const tolAct = 2 * EPS * Math.abs(b) + tol / 2
    let newStep = (c - b) / 2
    if (Math.abs(newStep) <= tolAct || fb === 0) return b
    if (Math.abs(prevStep) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
      // Interpolation: secant with two distinct points, inverse quadratic with three.
      let p: number
      let q: number
      const cb = c - b
      if (a === c) {
        const t1 = fb / fa
        p = cb * t1
        q = 1 - t1
      } else {
        const qa = fa / fc
        const t1 = fb / fc
        const t2 = fb / fa
        p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1))
        q = (qa - 1) * (t1 - 1) * (t2 - 1)
      }
      if (p > 0) q = -q
      else p = -p
      if (p < 0.75 * cb * q - Math.abs(tolAct * q) / 2 && p < Math.abs((prevStep * q) / 2)) newStep = p / q
    }
    if (Math.abs(newStep) < tolAct) newStep = newStep > 0 ? tolAct : -tolAct
    a = b
    fa = fb
    b += newStep
    fb = f(b)
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a
      fc = fa
    }
  }
  return b
}
