/**
 * The profiled deviance of y = X beta + Z b + e, b_i ~ N(0, sigma^2 Lambda Lambda'), e ~ N(0, sigma^2 I), with one
 * grouping factor and q = 1 (intercept) or 2 (intercept + slope) random effects per group, computed block by block
 * from per-group crossproducts (lme4's penalized least squares, never an n x n matrix), plus its exact first and
 * second derivatives in theta (lme4's relative Cholesky factor, lower triangle column-wise).
 *
 * Notation: V0 = I + Z Lambda Lambda' Z' (so Var(y) = sigma^2 V0), A = X' V0^-1 X, Q = min_beta (y - X beta)' V0^-1
 * (y - X beta) (the penalized residual sum of squares), dV0/dtheta_k = Z D_k Z' with D_k = E_k Lambda' + Lambda E_k'
 * (E_k the unit matrix of theta_k's position). Per group: K = Z'Z, M = Lambda' K Lambda + I = L L'.
 *
 *   ML:   -2 log L(theta) = log|M| + n (1 + log(2 pi Q / n))
 *   REML: -2 log L(theta) = log|M| + log|A| + (n - p)(1 + log(2 pi Q / (n - p)))
 */
import type { ModelFrame } from './model-frame.ts'
import { backSolveTransposed, choleskyInPlace, forwardSolve, inverseFromCholesky } from './small-linalg.ts'

/** Sufficient statistics of the model, per group and overall, for a working response r = y - X betaOls. */
export interface Crossproducts {
  readonly n: number
  readonly p: number
  readonly q: number
  readonly nGroups: number
  readonly xtx: Float64Array
  readonly xtr: Float64Array
  readonly rtr: number
  /** Per group, q x q, q x p and q blocks. */
  readonly ztz: Float64Array
  readonly ztx: Float64Array
  readonly ztr: Float64Array
  readonly groupSize: Int32Array
  /** OLS coefficients subtracted from y: beta = betaOls + (GLS coefficients of r). */
  readonly betaOls: Float64Array
}

/**
 * Accumulates the crossproducts. The response is replaced by its OLS residual, which leaves Q, the variance
 * parameters and the random effects unchanged and shifts beta by betaOls, so that Q is never the small difference of
 * two large sums (y'y can exceed Q by many orders of magnitude). Fails with the index of an aliased column when X is
 * rank deficient, or when X beta reproduces y exactly.
 */
export function crossproducts(
  frame: ModelFrame,
):
  | { ok: true; value: Crossproducts }
  | { ok: false; reason: 'aliased'; column: number }
  | { ok: false; reason: 'exact_fit' } {
  const { n, p, x, y, slope, group } = frame
  const q = slope === null ? 1 : 2
  const nGroups = frame.groupLevels.length
  const xtx = new Float64Array(p * p)
  const xty = new Float64Array(p)
  for (let i = 0; i < n; i++) {
    const o = i * p
    const yi = y[i]!
    for (let j = 0; j < p; j++) {
      const xij = x[o + j]!
      if (xij === 0) continue
      xty[j]! += xij * yi
      for (let k = j; k < p; k++) xtx[j * p + k]! += xij * x[o + k]!
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) xtx[j * p + k] = xtx[k * p + j]!
  // Rank check on the correlation-scaled X'X (scale-free), then OLS.
  const scaled = new Float64Array(p * p)
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < p; k++) {
      const d = Math.sqrt(xtx[j * p + j]! * xtx[k * p + k]!)
      scaled[j * p + k] = d > 0 ? xtx[j * p + k]! / d : 0
    }
  }
  for (let j = 0; j < p; j++) {
    let d = scaled[j * p + j]!
    for (let k = 0; k < j; k++) d -= scaled[j * p + k]! * scaled[j * p + k]!
    if (!(d > 1e-10)) return { ok: false, reason: 'aliased', column: j }
    const ljj = Math.sqrt(d)
    scaled[j * p + j] = ljj
    for (let i = j + 1; i < p; i++) {
      let s = scaled[i * p + j]!
      for (let k = 0; k < j; k++) s -= scaled[i * p + k]! * scaled[j * p + k]!
      scaled[i * p + j] = s / ljj
    }
  }
  const lx = Float64Array.from(xtx)
  if (!choleskyInPlace(lx, p)) return { ok: false, reason: 'aliased', column: p - 1 }
  const betaOls = Float64Array.from(xty)
  forwardSolve(lx, p, betaOls)
  backSolveTransposed(lx, p, betaOls)

  const ztz = new Float64Array(nGroups * q * q)
  const ztx = new Float64Array(nGroups * q * p)
  const ztr = new Float64Array(nGroups * q)
  const groupSize = new Int32Array(nGroups)
  const xtr = new Float64Array(p)
  let rtr = 0
  for (let i = 0; i < n; i++) {
    const o = i * p
    let fitted = 0
    for (let j = 0; j < p; j++) fitted += x[o + j]! * betaOls[j]!
    const r = y[i]! - fitted
    rtr += r * r
    for (let j = 0; j < p; j++) xtr[j]! += x[o + j]! * r
    const g = group[i]!
    groupSize[g]!++
    if (q === 1) {
      ztz[g]! += 1
      ztr[g]! += r
      const go = g * p
      for (let j = 0; j < p; j++) ztx[go + j]! += x[o + j]!
    } else {
      const t = slope![i]!
      const zo = g * 4
      ztz[zo]! += 1
      ztz[zo + 1]! += t
      ztz[zo + 2]! += t
      ztz[zo + 3]! += t * t
      ztr[2 * g]! += r
      ztr[2 * g + 1]! += t * r
      const go = g * 2 * p
      for (let j = 0; j < p; j++) {
        const xij = x[o + j]!
        ztx[go + j]! += xij
        ztx[go + p + j]! += t * xij
      }
    }
  }
  let yty = 0
  for (let i = 0; i < n; i++) yty += y[i]! * y[i]!
  // the fixed effects reproduce y to rounding: no residual variance to estimate
  if (rtr <= 1e-24 * yty) return { ok: false, reason: 'exact_fit' }
  return { ok: true, value: { n, p, q, nGroups, xtx, xtr, rtr, ztz, ztx, ztr, groupSize, betaOls } }
}

/** Number of theta parameters for q random effects (lower triangle of Lambda). */
export const thetaLength = (q: number): number => (q * (q + 1)) / 2

/** Row/column of each theta entry in Lambda: lower triangle, column-wise (lme4's order). */
function thetaPositions(q: number): readonly (readonly [number, number])[] {
  return q === 1
    ? [[0, 0]]
    : [
        [0, 0],
        [1, 0],
        [1, 1],
      ]
}

/** Lambda (q x q, row-major, lower triangular) from theta. */
export function lambdaOf(theta: ArrayLike<number>, q: number): Float64Array {
  const lam = new Float64Array(q * q)
  thetaPositions(q).forEach(([r, c], k) => (lam[r * q + c] = theta[k]!))
  return lam
}

/** Per-group intermediate results kept between the deviance pass and the derivative pass. */
export interface Workspace {
  /** L^-1 Lambda' Z'X per group (q x p). */
  readonly cx: Float64Array
  /** L^-1 Lambda' Z'r per group (q). */
  readonly cr: Float64Array
  /** Cholesky factor of M per group (q x q). */
  readonly chol: Float64Array
}

export function newWorkspace(cp: Crossproducts): Workspace {
  return {
    cx: new Float64Array(cp.nGroups * cp.q * cp.p),
    cr: new Float64Array(cp.nGroups * cp.q),
    chol: new Float64Array(cp.nGroups * cp.q * cp.q),
  }
}

export interface DevianceEvaluation {
  readonly theta: Float64Array
  /** -2 log-likelihood profiled over beta and sigma (REML or ML as asked). */
  readonly deviance: number
  /** Penalized residual sum of squares (lme4's pwrss). */
  readonly pwrss: number
  readonly logDetM: number
  readonly logDetA: number
  /** GLS coefficients of the working response (add betaOls for beta). */
  readonly betaWork: Float64Array
  /** Cholesky factor of A = X' V0^-1 X (p x p lower). */
  readonly cholA: Float64Array
}

/** Sums over groups from the deviance pass: C'C (upper triangle), C'c, c'c and log|M|. */
interface DevianceSums {
  readonly ctc: Float64Array
  readonly ctr: Float64Array
  crr: number
  logDetM: number
}

/**
 * Deviance pass for q = 1: M = 1 + lambda^2 n_g, C = lambda Z'X / L, c = lambda Z'r / L. The loops sit in their own
 * small functions so that V8 optimises them on the first large fit instead of deoptimising a long function.
 */
function deviancePassQ1(cp: Crossproducts, lm: number, ws: Workspace, sums: DevianceSums): void {
  const { p, nGroups, ztz, ztx, ztr } = cp
  const { ctc, ctr } = sums
  const { cx, cr, chol } = ws
  let logDetM = 0
  let crr = 0
  for (let g = 0; g < nGroups; g++) {
    const l00 = Math.sqrt(lm * lm * ztz[g]! + 1)
    chol[g] = l00
    logDetM += 2 * Math.log(l00)
    const f = lm / l00
    const cr0 = f * ztr[g]!
    cr[g] = cr0
    crr += cr0 * cr0
    const xo = g * p
    for (let j = 0; j < p; j++) cx[xo + j] = f * ztx[xo + j]!
    for (let j = 0; j < p; j++) {
      const cj = cx[xo + j]!
      if (cj === 0) continue
      ctr[j]! += cj * cr0
      const base = j * p
      for (let k = j; k < p; k++) ctc[base + k]! += cj * cx[xo + k]!
    }
  }
  sums.logDetM = logDetM
  sums.crr = crr
}

/** Deviance pass for q = 2, Lambda = [[a, 0], [b, c]], with the 2 x 2 Cholesky factor of M written out. */
function deviancePassQ2(cp: Crossproducts, a: number, b: number, c: number, ws: Workspace, sums: DevianceSums): void {
  const { p, nGroups, ztz, ztx, ztr } = cp
  const { ctc, ctr } = sums
  const { cx, cr, chol } = ws
  let logDetM = 0
  let crr = 0
  for (let g = 0; g < nGroups; g++) {
    const zo = g * 4
    const k00 = ztz[zo]!
    const k01 = ztz[zo + 1]!
    const k11 = ztz[zo + 3]!
    // M = Lambda' K Lambda + I
    const t0 = a * k00 + b * k01
    const t1 = a * k01 + b * k11
    const m00 = t0 * a + t1 * b + 1
    const m10 = c * (k01 * a + k11 * b)
    const m11 = c * c * k11 + 1
    const l00 = Math.sqrt(m00)
    const l10 = m10 / l00
    const l11 = Math.sqrt(m11 - l10 * l10)
    chol[zo] = l00
    chol[zo + 1] = 0
    chol[zo + 2] = l10
    chol[zo + 3] = l11
    logDetM += 2 * Math.log(l00 * l11)
    const ro = 2 * g
    const r0 = ztr[ro]!
    const r1 = ztr[ro + 1]!
    const cr0 = (a * r0 + b * r1) / l00
    const cr1 = (c * r1 - l10 * cr0) / l11
    cr[ro] = cr0
    cr[ro + 1] = cr1
    crr += cr0 * cr0 + cr1 * cr1
    const row0 = g * 2 * p
    const row1 = row0 + p
    for (let j = 0; j < p; j++) {
      const x0 = ztx[row0 + j]!
      const x1 = ztx[row1 + j]!
      const c0 = (a * x0 + b * x1) / l00
      cx[row0 + j] = c0
      cx[row1 + j] = (c * x1 - l10 * c0) / l11
    }
    for (let j = 0; j < p; j++) {
      const c0 = cx[row0 + j]!
      const c1 = cx[row1 + j]!
      ctr[j]! += c0 * cr0 + c1 * cr1
      const base = j * p
      for (let k = j; k < p; k++) ctc[base + k]! += c0 * cx[row0 + k]! + c1 * cx[row1 + k]!
    }
  }
  sums.logDetM = logDetM
  sums.crr = crr
}

/** The profiled deviance at theta; null when it is not finite there (A singular or a perfect fit). */
export function evaluateDeviance(
  cp: Crossproducts,
  theta: ArrayLike<number>,
  reml: boolean,
  ws: Workspace,
): DevianceEvaluation | null {
  const { p, q, n } = cp
  const sums: DevianceSums = { ctc: new Float64Array(p * p), ctr: new Float64Array(p), crr: 0, logDetM: 0 }
  if (q === 1) deviancePassQ1(cp, theta[0]!, ws, sums)
  else deviancePassQ2(cp, theta[0]!, theta[1]!, theta[2]!, ws, sums)
  const { ctc, ctr, crr, logDetM } = sums
  const cholA = new Float64Array(p * p)
  const rhs = new Float64Array(p)
  for (let j = 0; j < p; j++) {
    rhs[j] = cp.xtr[j]! - ctr[j]!
    for (let k = j; k < p; k++) {
      const v = cp.xtx[j * p + k]! - ctc[j * p + k]!
      cholA[j * p + k] = v
      cholA[k * p + j] = v
    }
  }
  if (!choleskyInPlace(cholA, p)) return null
  const z = Float64Array.from(rhs)
  forwardSolve(cholA, p, z)
  let zz = 0
  for (let j = 0; j < p; j++) zz += z[j]! * z[j]!
  const betaWork = Float64Array.from(z)
  backSolveTransposed(cholA, p, betaWork)
  const pwrss = cp.rtr - crr - zz
  // Q <= r'r always; below 1e-14 r'r it is rounding noise (the random effects reproduce y exactly)
  if (!(pwrss > 1e-14 * cp.rtr) || !Number.isFinite(logDetM)) return null
  let logDetA = 0
  for (let j = 0; j < p; j++) logDetA += 2 * Math.log(cholA[j * p + j]!)
  const m = reml ? n - p : n
  const deviance = logDetM + (reml ? logDetA : 0) + m * (1 + Math.log((2 * Math.PI * pwrss) / m))
  return { theta: Float64Array.from(theta), deviance, pwrss, logDetM, logDetA, betaWork, cholA }
}

/**
 * Exact derivatives at an evaluated theta, as the pieces the optimizer and Satterthwaite's method combine:
 * LD = log|V0| (+ log|A| for REML) and Q = pwrss as functions of theta, and G_k = -dA/dtheta_k = X'V0^-1 Z D_k Z'V0^-1 X.
 */
export interface DevianceDerivatives {
  readonly s: number
  readonly ldGrad: Float64Array
  readonly ldHess: Float64Array
  readonly qGrad: Float64Array
  readonly qHess: Float64Array
  /** G_k, p x p each. */
  readonly g: readonly Float64Array[]
  /** A^-1 (p x p). */
  readonly aInv: Float64Array
}

/** D_k = E_k Lambda' + Lambda E_k' (q x q) for each theta_k. */
function dLambdaLambdaT(lam: Float64Array, q: number): Float64Array[] {
  return thetaPositions(q).map(([r, c]) => {
    const d = new Float64Array(q * q)
    for (let a = 0; a < q; a++) {
      for (let b = 0; b < q; b++) d[a * q + b] = (a === r ? lam[b * q + c]! : 0) + (b === r ? lam[a * q + c]! : 0)
    }
    return d
  })
}

/** D_kl = E_k E_l' + E_l E_k' (constant: Lambda Lambda' is quadratic in theta). */
function d2LambdaLambdaT(q: number, k: number, l: number): Float64Array {
  const pos = thetaPositions(q)
  const [rk, ck] = pos[k]!
  const [rl, cl] = pos[l]!
  const d = new Float64Array(q * q)
  if (ck === cl) {
    d[rk * q + rl]! += 1
    d[rl * q + rk]! += 1
  }
  return d
}

/** tr(D X) for q x q matrices. */
function traceProduct(d: Float64Array, x: Float64Array, q: number): number {
  let s = 0
  for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) s += d[a * q + b]! * x[b * q + a]!
  return s
}

/** Index of the pair (a, b), a <= b, among the q(q+1)/2 blocks of sum_i W_i[a,:]' W_i[b,:]. */
const pairIndex = (a: number, b: number, q: number): number => (q === 1 ? 0 : a + b)

/** Sums over groups for the derivative pass, with per-group scratch space. */
interface GroupSums {
  readonly sB: Float64Array
  readonly sH: Float64Array
  readonly sUU: Float64Array
  /** sum_i B[a,b] B[c,d], sum_i B[a,b] H[c,d], sum_i u[a] B[b,c] u[d] (q^4 each, index ((a q + b) q + c) q + d). */
  readonly bb: Float64Array
  readonly bh: Float64Array
  readonly ubu: Float64Array
  /** sum_i W[a,:] u[b] (q^2 vectors of p). */
  readonly wu: Float64Array
  /** sum_i W[a,:]' W[b,:] for a <= b (p x p each; upper triangle only while accumulating when a = b). */
  readonly sw: Float64Array
  readonly ltk: Float64Array
  readonly nm: Float64Array
  readonly bmat: Float64Array
  readonly hmat: Float64Array
  readonly u: Float64Array
  readonly e: Float64Array
  readonly w: Float64Array
  readonly y: Float64Array
}

function newGroupSums(q: number, p: number): GroupSums {
  const qq = q * q
  return {
    sB: new Float64Array(qq),
    sH: new Float64Array(qq),
    sUU: new Float64Array(qq),
    bb: new Float64Array(qq * qq),
    bh: new Float64Array(qq * qq),
    ubu: new Float64Array(qq * qq),
    wu: new Float64Array(qq * p),
    sw: new Float64Array(((q * (q + 1)) / 2) * p * p),
    ltk: new Float64Array(qq),
    nm: new Float64Array(qq),
    bmat: new Float64Array(qq),
    hmat: new Float64Array(qq),
    u: new Float64Array(q),
    e: new Float64Array(q),
    w: new Float64Array(q * p),
    y: new Float64Array(q * p),
  }
}

/**
 * One group's B = Z'V0^-1 Z, u = Z'V0^-1 (r - X beta), W = Z'V0^-1 X and H = W A^-1 W', added to the sums (a small
 * function of its own so that V8 optimises it within the first pass over the groups).
 */
function addGroup(
  cp: Crossproducts,
  g: number,
  lam: Float64Array,
  beta: Float64Array,
  cholA: Float64Array,
  ws: Workspace,
  acc: GroupSums,
): void {
  const { p, q } = cp
  const qq = q * q
  const zo = g * qq
  const xo = g * q * p
  const ro = g * q
  const { ltk, nm, bmat, hmat, u, e, w, y } = acc
  // Lambda' K and N = L^-1 Lambda' K
  for (let a = 0; a < q; a++) {
    for (let b = 0; b < q; b++) {
      let s = 0
      for (let c = a; c < q; c++) s += lam[c * q + a]! * cp.ztz[zo + c * q + b]!
      ltk[a * q + b] = s
    }
  }
  for (let b = 0; b < q; b++) {
    for (let a = 0; a < q; a++) {
      let s = ltk[a * q + b]!
      for (let c = 0; c < a; c++) s -= ws.chol[zo + a * q + c]! * nm[c * q + b]!
      nm[a * q + b] = s / ws.chol[zo + a * q + a]!
    }
  }
  // B = K - N'N
  for (let a = 0; a < q; a++) {
    for (let b = 0; b < q; b++) {
      let s = cp.ztz[zo + a * q + b]!
      for (let c = 0; c < q; c++) s -= nm[c * q + a]! * nm[c * q + b]!
      bmat[a * q + b] = s
    }
  }
  // e = L^-1 Lambda' Z'(r - X beta); u = Z'(r - X beta) - N'e
  for (let a = 0; a < q; a++) {
    let s = ws.cr[ro + a]!
    let t = cp.ztr[ro + a]!
    for (let j = 0; j < p; j++) {
      s -= ws.cx[xo + a * p + j]! * beta[j]!
      t -= cp.ztx[xo + a * p + j]! * beta[j]!
    }
    e[a] = s
    u[a] = t
  }
  for (let a = 0; a < q; a++) for (let c = 0; c < q; c++) u[a]! -= nm[c * q + a]! * e[c]!
  // W = Z'X - N'(L^-1 Lambda' Z'X); y = L_A^-1 W' so that H = y'y
  for (let a = 0; a < q; a++) {
    const off = a * p
    for (let j = 0; j < p; j++) {
      let s = cp.ztx[xo + off + j]!
      for (let c = 0; c < q; c++) s -= nm[c * q + a]! * ws.cx[xo + c * p + j]!
      w[off + j] = s
    }
    for (let i = 0; i < p; i++) {
      let s = w[off + i]!
      for (let k = 0; k < i; k++) s -= cholA[i * p + k]! * y[off + k]!
      y[off + i] = s / cholA[i * p + i]!
    }
  }
  for (let a = 0; a < q; a++) {
    for (let b = a; b < q; b++) {
      let s = 0
      for (let i = 0; i < p; i++) s += y[a * p + i]! * y[b * p + i]!
      hmat[a * q + b] = s
      hmat[b * q + a] = s
    }
  }
  for (let ab = 0; ab < qq; ab++) {
    const bab = bmat[ab]!
    acc.sB[ab]! += bab
    acc.sH[ab]! += hmat[ab]!
    acc.sUU[ab]! += u[Math.floor(ab / q)]! * u[ab % q]!
    for (let cd = 0; cd < qq; cd++) {
      acc.bb[ab * qq + cd]! += bab * bmat[cd]!
      acc.bh[ab * qq + cd]! += bab * hmat[cd]!
    }
  }
  for (let a = 0; a < q; a++) {
    for (let bc = 0; bc < qq; bc++) {
      const ubc = u[a]! * bmat[bc]!
      for (let d = 0; d < q; d++) acc.ubu[(a * qq + bc) * q + d]! += ubc * u[d]!
    }
  }
  for (let a = 0; a < q; a++) {
    for (let b = 0; b < q; b++) {
      const ub = u[b]!
      const wo = (a * q + b) * p
      for (let j = 0; j < p; j++) acc.wu[wo + j]! += w[a * p + j]! * ub
      if (b < a) continue
      const so = pairIndex(a, b, q) * p * p
      for (let j = 0; j < p; j++) {
        const waj = w[a * p + j]!
        if (waj === 0) continue
        const base = so + j * p
        for (let k = a === b ? j : 0; k < p; k++) acc.sw[base + k]! += waj * w[b * p + k]!
      }
    }
  }
}

/** G_k = sum_i W_i' D_k W_i and v_k = sum_i W_i' D_k u_i from the accumulated blocks (D_k symmetric). */
function assembleG(d: Float64Array, acc: GroupSums, q: number, p: number): { gm: Float64Array; vv: Float64Array } {
  const gm = new Float64Array(p * p)
  const vv = new Float64Array(p)
  for (let a = 0; a < q; a++) {
    for (let b = 0; b < q; b++) {
      const dab = d[a * q + b]!
      if (dab === 0) continue
      const wo = (a * q + b) * p
      for (let j = 0; j < p; j++) vv[j]! += dab * acc.wu[wo + j]!
      // sum_i W[a,:]' W[b,:] is block (min, max), transposed when a > b
      const so = pairIndex(Math.min(a, b), Math.max(a, b), q) * p * p
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) gm[i * p + j]! += dab * (a <= b ? acc.sw[so + i * p + j]! : acc.sw[so + j * p + i]!)
      }
    }
  }
  return { gm, vv }
}

/** Derivatives at `ev` (the workspace must hold the pass of `evaluateDeviance` for the same theta). */
export function evaluateDerivatives(
  cp: Crossproducts,
  ev: DevianceEvaluation,
  reml: boolean,
  ws: Workspace,
): DevianceDerivatives {
  const { p, q, nGroups } = cp
  const qq = q * q
  const lam = lambdaOf(ev.theta, q)
  const acc = newGroupSums(q, p)
  for (let g = 0; g < nGroups; g++) addGroup(cp, g, lam, ev.betaWork, ev.cholA, ws, acc)
  const { sB, sH, sUU, bb, bh, ubu, sw } = acc
  for (let a = 0; a < q; a++) {
    const so = pairIndex(a, a, q) * p * p
    for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) sw[so + j * p + k] = sw[so + k * p + j]!
  }
  const s = thetaLength(q)
  const dk = dLambdaLambdaT(lam, q)
  const aInv = inverseFromCholesky(ev.cholA, p)
  const sBH = new Float64Array(qq)
  for (let a = 0; a < qq; a++) sBH[a] = sB[a]! - (reml ? sH[a]! : 0)
  const ldGrad = new Float64Array(s)
  const qGrad = new Float64Array(s)
  const gk: Float64Array[] = []
  const vk: Float64Array[] = []
  for (let k = 0; k < s; k++) {
    const d = dk[k]!
    ldGrad[k] = traceProduct(d, sBH, q)
    qGrad[k] = -traceProduct(d, sUU, q)
    const { gm, vv } = assembleG(d, acc, q, p)
    gk.push(gm)
    vk.push(vv)
  }
  // A^-1 G_k, for tr(A^-1 G_k A^-1 G_l)
  const aig = gk.map((gm) => {
    const out = new Float64Array(p * p)
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        let x = 0
        for (let m = 0; m < p; m++) x += aInv[i * p + m]! * gm[m * p + j]!
        out[i * p + j] = x
      }
    }
    return out
  })
  const ldHess = new Float64Array(s * s)
  const qHess = new Float64Array(s * s)
  for (let k = 0; k < s; k++) {
    for (let l = k; l < s; l++) {
      const dK = dk[k]!
      const dL = dk[l]!
      const dkl = d2LambdaLambdaT(q, k, l)
      // sum_i tr(B D_l B D_k), sum_i tr(B D_l H D_k), sum_i u' D_k B D_l u: contractions of the accumulated tensors
      let tbb = 0
      let tbh = 0
      let udbdu = 0
      for (let a = 0; a < q; a++) {
        for (let b = 0; b < q; b++) {
          for (let c = 0; c < q; c++) {
            for (let d = 0; d < q; d++) {
              const idx = ((a * q + b) * q + c) * q + d
              const wlk = dL[b * q + c]! * dK[d * q + a]!
              tbb += wlk * bb[idx]!
              tbh += wlk * bh[idx]!
              udbdu += dK[a * q + b]! * dL[c * q + d]! * ubu[idx]!
            }
          }
        }
      }
      let tag = 0
      const x1 = aig[k]!
      const x2 = aig[l]!
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) tag += x1[i * p + j]! * x2[j * p + i]!
      let vav = 0
      for (let i = 0; i < p; i++) {
        let x = 0
        for (let j = 0; j < p; j++) x += aInv[i * p + j]! * vk[l]![j]!
        vav += vk[k]![i]! * x
      }
      // REML: tr(P0 dV_l P0 dV_k) with Z'P0 Z = B - W A^-1 W' expands into the three contractions
      const trSymm = reml ? tbb - 2 * tbh + tag : tbb
      const ld = -trSymm + traceProduct(dkl, sBH, q)
      const qh = 2 * (udbdu - vav) - traceProduct(dkl, sUU, q)
      ldHess[k * s + l] = ld
      ldHess[l * s + k] = ld
      qHess[k * s + l] = qh
      qHess[l * s + k] = qh
    }
  }
  return { s, ldGrad, ldHess, qGrad, qHess, g: gk, aInv }
}

/** Conditional modes b_i = Lambda M_i^-1 Lambda' Z_i'(r_i - X_i beta) per group (q per group, group-major). */
export function conditionalModes(cp: Crossproducts, ev: DevianceEvaluation, ws: Workspace): Float64Array {
  const { p, q, nGroups } = cp
  const lam = lambdaOf(ev.theta, q)
  const out = new Float64Array(nGroups * q)
  const e = new Float64Array(q)
  for (let g = 0; g < nGroups; g++) {
    const zo = g * q * q
    for (let a = 0; a < q; a++) {
      let s = ws.cr[g * q + a]!
      for (let j = 0; j < p; j++) s -= ws.cx[g * q * p + a * p + j]! * ev.betaWork[j]!
      e[a] = s
    }
    // spherical modes v = L'^-1 e, then b = Lambda v
    for (let a = q - 1; a >= 0; a--) {
      let s = e[a]!
      for (let c = a + 1; c < q; c++) s -= ws.chol[zo + c * q + a]! * e[c]!
      e[a] = s / ws.chol[zo + a * q + a]!
    }
    for (let a = 0; a < q; a++) {
      let s = 0
      for (let c = 0; c <= a; c++) s += lam[a * q + c]! * e[c]!
      out[g * q + a] = s
    }
  }
  return out
}
