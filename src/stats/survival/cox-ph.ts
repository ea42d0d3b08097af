/**
 * Cox proportional hazards model, a port of R `survival` 3.5's `coxph.fit`/coxfit6.c: covariates centred and
 * scaled (except -1/0/1 columns), Newton-Raphson from beta = 0 with survival's step-halving, convergence when the
 * relative change of the partial log-likelihood is <= 1e-9, Efron or Breslow ties, strata, and the generalized
 * Cholesky that turns aliased covariates into NA coefficients. Each iteration is one backward sweep over the
 * sorted rows with running risk-set sums: O(n p^2), never an n x n matrix.
 */
import { chisqSf, normalQuantile, normalSf } from '../distributions.ts'
import { CHOLESKY_TOLERANCE, chinv2, cholesky2, chsolve2, quadraticForm, symmetrize } from './cholesky.ts'
import type { Concordance } from './concordance.ts'
import { coxConcordance } from './concordance.ts'
import type { CoxData, CoxPrepared } from './cox-data.ts'
import { prepareCox } from './cox-data.ts'
import type { ChiSquareTest, SurvivalResult, SurvivalWarning } from './survival-types.ts'
import { SurvivalWarningCode } from './survival-types.ts'

export type CoxTies = 'efron' | 'breslow'

export interface CoxOptions {
  /** Tie handling, default `'efron'` (R's default). */
  readonly ties?: CoxTies
  /** Level of the hazard-ratio intervals, default 0.95. */
  readonly confLevel?: number
  /** Newton-Raphson iterations, default 20 (R's `iter.max`). */
  readonly maxIterations?: number
  /** Convergence: relative change of the log partial likelihood, default 1e-9 (R's `eps`). */
  readonly eps?: number
}

/** One estimated coefficient. */
export interface CoxCoefficient {
  readonly term: string
  /** log hazard ratio per unit of the covariate */
  readonly coef: number
  readonly se: number
  readonly z: number
  /** two-sided Wald p-value */
  readonly pValue: number
  readonly hazardRatio: number
  /** `exp(coef -/+ z_{1-alpha/2} se)` at `confLevel` */
  readonly lower: number
  readonly upper: number
}

export interface CoxFit {
  readonly ties: CoxTies
  readonly confLevel: number
  /** Estimated terms in model order (aliased ones excluded); `coefficients` and `vcov` follow this order. */
  readonly terms: readonly string[]
  readonly coefficients: readonly CoxCoefficient[]
  /** Terms whose coefficient is not estimable (R reports NA). */
  readonly aliased: readonly string[]
  /** Inverse information (model-based covariance of the coefficients). */
  readonly vcov: readonly (readonly number[])[]
  /** Log partial likelihood at beta = 0 and at the estimate. */
  readonly loglikNull: number
  readonly loglik: number
  readonly lrTest: ChiSquareTest
  /** Wald test b' V^-1 b of all coefficients. */
  readonly waldTest: ChiSquareTest
  /** Score (log-rank type) test at beta = 0. */
  readonly scoreTest: ChiSquareTest
  /** Rows used and events. */
  readonly n: number
  readonly nEvent: number
  /** Newton-Raphson iterations used (R's `iter`). */
  readonly iterations: number
  readonly converged: boolean
  /** Harrell's C of the linear predictor within strata; `null` when no pair is comparable. */
  readonly concordance: Concordance | null
  readonly warnings: readonly SurvivalWarning[]
}

/** Working state of the Newton-Raphson sweeps (names as in coxfit6.c). */
interface Work {
  readonly prep: CoxPrepared
  readonly efron: boolean
  readonly u: Float64Array
  readonly imat: Float64Array
  readonly a: Float64Array
  readonly a2: Float64Array
  readonly cmat: Float64Array
  readonly cmat2: Float64Array
  readonly zbeta: Float64Array
  /** running denominator and log-likelihood (slots DENOM, LOGLIK) */
  readonly acc: Float64Array
}

/**
 * One pass over the sorted rows at `beta`: returns the log partial likelihood and fills the score `u` and the
 * information `imat` (upper triangle, `imat[j * p + i]` for j <= i).
 *
 * At a time with d deaths, Efron's approximation lets the deaths leave the risk set in d equal steps: step k
 * (k = 1..d) uses S0 + f_k D0, S1 + f_k D1, S2 + f_k D2 with f_k = k/d (S = survivors' sums, D = the deaths' sums);
 * Breslow uses f_k = 1. The d terms are summed in closed form from five scalar sums over k, so a block of ties
 * costs O(d + p^2) instead of coxfit6.c's O(d p^2); the result is the same up to rounding.
 */
function coxIteration(w: Work, beta: Float64Array): number {
  const { n, p, x, sortedRank, stratumEnd } = w.prep
  const { u, imat, a, cmat, zbeta, acc } = w
  u.fill(0)
  imat.fill(0)
  for (let s = 0; s < n; s++) {
    let z = 0
    for (let i = 0; i < p; i++) z += (beta[i] as number) * (x[s * p + i] as number)
    zbeta[s] = z
  }
  acc.fill(0)
  for (let person = n - 1; person >= 0;) {
    if (stratumEnd[person] === 1) {
      acc[DENOM] = 0
      a.fill(0)
      cmat.fill(0)
    }
    // rows of this tied time (within the stratum) are person, person - 1, ..., end + 1
    let end = person - 1
    while (end >= 0 && sortedRank[end] === sortedRank[person] && stratumEnd[end] !== 1) end--
    addTiedRows(w, person, end)
    person = end
  }
  return acc[LOGLIK] as number
}

/** Slots of `Work.acc`: running sums kept in a typed array so the per-block helpers stay small and monomorphic. */
const DENOM = 0
const LOGLIK = 1

/**
 * Adds the rows `from` down to `to + 1` (one tied time) to the risk-set sums and, if some of them died, their
 * terms to the log-likelihood, score and information.
 */
function addTiedRows(w: Work, from: number, to: number): void {
  const { p, x, sortedStatus } = w.prep
  const { u, imat, a, a2, cmat, cmat2, zbeta, acc } = w
  let denom = acc[DENOM] as number
  let loglik = acc[LOGLIK] as number
  let ndead = 0
  let denom2 = 0
  for (let person = from; person > to; person--) {
    const zb = zbeta[person] as number
    const risk = Math.exp(zb)
    const row = person * p
    if (sortedStatus[person] === 0) {
      denom += risk
      for (let i = 0; i < p; i++) {
        const rx = risk * (x[row + i] as number)
        a[i]! += rx
        for (let j = 0; j <= i; j++) cmat[i * p + j]! += rx * (x[row + j] as number)
      }
    } else {
      ndead++
      denom2 += risk
      loglik += zb
      for (let i = 0; i < p; i++) {
        const xi = x[row + i] as number
        const rx = risk * xi
        u[i]! += xi
        a2[i]! += rx
        for (let j = 0; j <= i; j++) cmat2[i * p + j]! += rx * (x[row + j] as number)
      }
    }
  }
  if (ndead > 0) {
    // sums over the d steps k of 1/den_k, f_k/den_k, 1/den_k^2, f_k/den_k^2, f_k^2/den_k^2
    let sInv = 0
    let sF = 0
    let q0 = 0
    let q1 = 0
    let q2 = 0
    const efron = w.efron && ndead > 1
    for (let k = 1; k <= ndead; k++) {
      const f = efron ? k / ndead : 1
      const den = denom + f * denom2
      const inv = 1 / den
      loglik -= Math.log(den)
      sInv += inv
      sF += f * inv
      q0 += inv * inv
      q1 += f * inv * inv
      q2 += f * f * inv * inv
    }
    for (let i = 0; i < p; i++) {
      const ai = a[i] as number
      const bi = a2[i] as number
      u[i]! -= ai * sInv + bi * sF
      for (let j = 0; j <= i; j++) {
        const aj = a[j] as number
        const bj = a2[j] as number
        const ij = i * p + j
        imat[j * p + i]! +=
          (cmat[ij] as number) * sInv +
          (cmat2[ij] as number) * sF -
          (ai * aj * q0 + (ai * bj + bi * aj) * q1 + bi * bj * q2)
        cmat[ij]! += cmat2[ij] as number
      }
    }
    for (let i = 0; i < p; i++) a[i]! += a2[i] as number
    denom += denom2
    a2.fill(0)
    cmat2.fill(0)
  }
  acc[DENOM] = denom
  acc[LOGLIK] = loglik
}

/**
 * Centres and scales, in place, every covariate column that is not all -1/0/1 (R's `nocenter` default), as
 * coxfit6.c does for numerical stability: x -> (x - mean) * n / sum|x - mean|. Returns the scale factors.
 */
function centreAndScale(x: Float64Array, n: number, p: number): Float64Array {
  const scale = new Float64Array(p).fill(1)
  for (let j = 0; j < p; j++) {
    let special = true
    for (let s = 0; s < n && special; s++) {
      const v = x[s * p + j]
      if (v !== 0 && v !== 1 && v !== -1) special = false
    }
    if (special) continue
    let sum = 0
    for (let s = 0; s < n; s++) sum += x[s * p + j] as number
    const mean = sum / n
    let abs = 0
    for (let s = 0; s < n; s++) {
      x[s * p + j]! -= mean
      abs += Math.abs(x[s * p + j] as number)
    }
    const sc = abs > 0 ? n / abs : 1
    scale[j] = sc
    for (let s = 0; s < n; s++) x[s * p + j]! *= sc
  }
  return scale
}

/** Linear predictor per sorted row on the original scale, centred as R's (x - means) b (aliased columns give 0). */
function linearPredictor(x: Float64Array, n: number, p: number, coef: Float64Array, scale: Float64Array): Float64Array {
  const lp = new Float64Array(n)
  for (let s = 0; s < n; s++) {
    let z = 0
    for (let j = 0; j < p; j++) z += (coef[j] as number) * ((x[s * p + j] as number) / (scale[j] as number))
    lp[s] = z
  }
  return lp
}

/**
 * Cox proportional hazards regression with R `coxph` 3.5's numbers (estimates, tests, concordance).
 *
 * @example
 * const fit = coxph(
 *   { time, event, covariates: { age, female }, strata: site },
 *   { ties: 'efron' },
 * )
 * if (fit.ok) {
 *   const [age] = fit.value.coefficients
 *   console.log(age.hazardRatio, age.lower, age.upper, fit.value.converged)
 * }
 */
export function coxph(data: CoxData, opts: CoxOptions = {}): SurvivalResult<CoxFit> {
  const ties = opts.ties ?? 'efron'
  const confLevel = opts.confLevel ?? 0.95
  const maxIter = opts.maxIterations ?? 20
  const eps = opts.eps ?? 1e-9
  if (!(confLevel > 0 && confLevel < 1)) {
    return {
      ok: false,
      problems: [{ code: 'out_of_range', path: 'confLevel', message: 'confLevel must be in (0, 1)' }],
    }
  }
  if (!(Number.isInteger(maxIter) && maxIter >= 0) || !(eps > 0)) {
    return {
      ok: false,
      problems: [{ code: 'out_of_range', path: 'maxIterations', message: 'maxIterations must be >= 0 and eps > 0' }],
    }
  }
  const warnings: SurvivalWarning[] = []
  const prepared = prepareCox(data, warnings)
  if (!prepared.ok) return prepared
  const prep = prepared.value
  const { n, p, x } = prep
  let nEvent = 0
  for (let s = 0; s < n; s++) nEvent += prep.sortedStatus[s] as number
  if (nEvent === 0) {
    return {
      ok: false,
      problems: [{ code: 'invalid', path: 'event', message: 'no events: the Cox model cannot be estimated' }],
    }
  }

  const scale = centreAndScale(x, n, p)

  const w: Work = {
    prep,
    efron: ties === 'efron',
    u: new Float64Array(p),
    imat: new Float64Array(p * p),
    a: new Float64Array(p),
    a2: new Float64Array(p),
    cmat: new Float64Array(p * p),
    cmat2: new Float64Array(p * p),
    zbeta: new Float64Array(n),
    acc: new Float64Array(2),
  }
  const beta = new Float64Array(p)
  const newbeta = new Float64Array(p)
  const loglik0 = coxIteration(w, beta)
  let loglikBest = loglik0
  const step = Float64Array.from(w.u)
  let flag = cholesky2(w.imat, p, CHOLESKY_TOLERANCE)
  chsolve2(w.imat, p, step)
  let scoreStat = 0
  for (let i = 0; i < p; i++) scoreStat += (w.u[i] as number) * (step[i] as number)

  let iterations = 0
  let converged = false
  if (maxIter === 0 || !Number.isFinite(loglik0)) {
    chinv2(w.imat, p)
    converged = true
  } else {
    for (let i = 0; i < p; i++) newbeta[i] = (beta[i] as number) + (step[i] as number)
    let halving = 0
    for (iterations = 1; iterations <= maxIter; iterations++) {
      const newlk = coxIteration(w, newbeta)
      flag = cholesky2(w.imat, p, CHOLESKY_TOLERANCE)
      let finite = Number.isFinite(newlk)
      for (let i = 0; i < p && finite; i++) {
        if (!Number.isFinite(w.u[i])) finite = false
        for (let j = 0; j < p; j++) if (!Number.isFinite(w.imat[i * p + j])) finite = false
      }
      if (finite && Math.abs(1 - loglikBest / newlk) <= eps) {
        loglikBest = newlk
        chinv2(w.imat, p)
        beta.set(newbeta)
        converged = true
        break
      }
      if (!finite || newlk < loglikBest) {
        // not improving: step back towards the last good beta, more each time
        halving++
        for (let i = 0; i < p; i++)
          newbeta[i] = ((newbeta[i] as number) + halving * (beta[i] as number)) / (halving + 1)
      } else {
        halving = 0
        loglikBest = newlk
        chsolve2(w.imat, p, w.u)
        for (let i = 0; i < p; i++) {
          beta[i] = newbeta[i] as number
          newbeta[i] = (newbeta[i] as number) + (w.u[i] as number)
        }
      }
    }
    if (!converged) {
      // out of iterations: information and score at the last good beta (coxfit6.c then inverts the raw matrix
      // without factoring it, which leaves only 1/diagonal; the proper generalized inverse is reported here)
      iterations = maxIter
      if (maxIter > 1) {
        loglikBest = coxIteration(w, beta)
        flag = cholesky2(w.imat, p, CHOLESKY_TOLERANCE)
      }
      chinv2(w.imat, p)
    }
  }
  // back to the original scale
  const v = w.imat
  symmetrize(v, p)
  const coef = new Float64Array(p)
  const u = new Float64Array(p)
  for (let i = 0; i < p; i++) {
    coef[i] = (beta[i] as number) * (scale[i] as number)
    u[i] = (w.u[i] as number) / (scale[i] as number)
    for (let j = 0; j < p; j++) v[i * p + j]! *= (scale[i] as number) * (scale[j] as number)
  }

  const aliasedIdx: number[] = []
  if (flag < p) for (let i = 0; i < p; i++) if (v[i * p + i] === 0) aliasedIdx.push(i)
  const estimated: number[] = []
  for (let i = 0; i < p; i++) if (!aliasedIdx.includes(i)) estimated.push(i)
  const names = prep.names
  if (aliasedIdx.length > 0) {
    const terms = aliasedIdx.map((i) => names[i] as string)
    warnings.push({
      code: SurvivalWarningCode.Aliased,
      message: `X matrix deemed to be singular; not estimable: ${terms.join(', ')}`,
      subjects: terms,
    })
  }

  const lp = linearPredictor(x, n, p, coef, scale)
  let maxLp = -Infinity
  for (let s = 0; s < n; s++) if ((lp[s] as number) > maxLp) maxLp = lp[s] as number

  // R's infinite-coefficient diagnostics (coxph.fit): |u V| large relative to |beta| after convergence
  if (maxIter > 1) {
    const infs = new Float64Array(p)
    for (let i = 0; i < p; i++) {
      let s = 0
      for (let j = 0; j < p; j++) s += (u[j] as number) * (v[j * p + i] as number)
      infs[i] = Math.abs(s)
    }
    if (!converged) {
      warnings.push({ code: SurvivalWarningCode.NotConverged, message: 'Ran out of iterations and did not converge' })
      if (maxLp > 500 || infs.some((t) => !Number.isFinite(t))) {
        warnings.push({
          code: SurvivalWarningCode.InfiniteCoefficient,
          message: 'one or more coefficients may be infinite',
        })
      }
    } else {
      const bad: string[] = []
      for (let i = 0; i < p; i++) {
        const t = infs[i] as number
        if (!Number.isFinite(u[i]) || (t > eps && t > Math.sqrt(eps) * Math.abs(coef[i] as number))) {
          bad.push(names[i] as string)
        }
      }
      if (bad.length > 0) {
        warnings.push({
          code: SurvivalWarningCode.InfiniteCoefficient,
          message: `Loglik converged before variable(s) ${bad.join(', ')}; coefficient may be infinite`,
          subjects: bad,
        })
      }
    }
  }

  const zq = normalQuantile(1 - (1 - confLevel) / 2)
  const coefficients: CoxCoefficient[] = estimated.map((i) => {
    const b = coef[i] as number
    const se = Math.sqrt(v[i * p + i] as number)
    const z = b / se
    return {
      term: names[i] as string,
      coef: b,
      se,
      z,
      pValue: 2 * normalSf(Math.abs(z)),
      hazardRatio: Math.exp(b),
      lower: Math.exp(b - zq * se),
      upper: Math.exp(b + zq * se),
    }
  })
  const q = estimated.length
  const vEst = new Float64Array(q * q)
  const bEst = new Float64Array(q)
  estimated.forEach((i, r) => {
    bEst[r] = coef[i] as number
    estimated.forEach((j, c) => (vEst[r * q + c] = v[i * p + j] as number))
  })
  const wald = quadraticForm(vEst, bEst, q)
  const lr = 2 * (loglikBest - loglik0)
  const test = (statistic: number, df: number): ChiSquareTest => ({
    statistic,
    df,
    pValue: df > 0 ? chisqSf(statistic, df) : 1,
  })
  const concordance = coxConcordance(prep.sortedRank, prep.sortedStatus, lp, prep.stratumEnd)
  if (concordance === null) {
    warnings.push({
      code: SurvivalWarningCode.NoComparablePairs,
      message: 'no comparable pairs: concordance undefined',
    })
  }
  const vcov: number[][] = []
  for (let r = 0; r < q; r++) vcov.push(Array.from(vEst.subarray(r * q, r * q + q)))
  return {
    ok: true,
    value: {
      ties,
      confLevel,
      terms: estimated.map((i) => names[i] as string),
      coefficients,
      aliased: aliasedIdx.map((i) => names[i] as string),
      vcov,
      loglikNull: loglik0,
      loglik: loglikBest,
      lrTest: test(lr, q),
      waldTest: test(wald.value, q),
      scoreTest: test(scoreStat, q),
      n,
      nEvent,
      iterations,
      converged,
      concordance,
      warnings,
    },
  }
}
