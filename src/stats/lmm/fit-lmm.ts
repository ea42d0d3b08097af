/**
 * Fitting `lmer(y ~ fixed + (1 | g))` or `lmer(y ~ fixed + (t | g))` by REML or ML, with lmerTest's Satterthwaite
 * machinery: the deviance is profiled over beta and sigma, theta is found by trust-region Newton on exact
 * derivatives, and the Hessian of the deviance in (theta, sigma) and the derivatives of vcov(beta) are exact too.
 */
import { tTwoSidedP } from '../distributions.ts'
import type { LmmData, LmmFit, LmmResult, LmmSpec, LmmWarning } from './lmm-types.ts'
import { LmmWarningCode } from './lmm-types.ts'
import { buildModelFrame } from './model-frame.ts'
import type { Crossproducts, DevianceDerivatives, DevianceEvaluation, Workspace } from './profiled-deviance.ts'
import {
  conditionalModes,
  crossproducts,
  evaluateDerivatives,
  evaluateDeviance,
  lambdaOf,
  newWorkspace,
  thetaLength,
} from './profiled-deviance.ts'
import { choleskyInPlace, inverseFromCholesky, symmetricEigen, toRows } from './small-linalg.ts'
import { momentStartTheta } from './moment-start.ts'
import { minimizeTrustRegion } from './trust-region.ts'

/** lme4's `isSingular` tolerance on the diagonal of theta. */
const SINGULAR_TOL = 1e-4
/** lmerTest's tolerance on the eigenvalues of the (theta, sigma) Hessian. */
const HESSIAN_EIGEN_TOL = 1e-8

const fail = (code: 'invalid' | 'unsupported', path: string, message: string): LmmResult<never> => ({
  ok: false,
  problems: [{ code, path, message }],
})

/** Gradient and Hessian of the deviance profiled over sigma: LD + m log Q. */
function profiledDerivatives(
  d: DevianceDerivatives,
  pwrss: number,
  m: number,
): { grad: Float64Array; hess: Float64Array } {
  const s = d.s
  const grad = new Float64Array(s)
  const hess = new Float64Array(s * s)
  for (let k = 0; k < s; k++) {
    grad[k] = d.ldGrad[k]! + (m * d.qGrad[k]!) / pwrss
    for (let l = 0; l < s; l++) {
      hess[k * s + l] =
        d.ldHess[k * s + l]! + m * (d.qHess[k * s + l]! / pwrss - (d.qGrad[k]! * d.qGrad[l]!) / (pwrss * pwrss))
    }
  }
  return { grad, hess }
}

/** lme4's canonical theta: non-negative diagonal of Lambda (Lambda Lambda' is unchanged by the sign flips). */
function canonicalTheta(theta: Float64Array, q: number): Float64Array {
  const t = Float64Array.from(theta)
  if (t[0]! < 0) {
    t[0] = -t[0]!
    if (q === 2) t[1] = -t[1]!
  }
  if (q === 2 && t[2]! < 0) t[2] = -t[2]!
  return t
}

/**
 * Inverse of a positive definite matrix through its diagonally scaled Cholesky factor, accurate when the entries
 * differ by many orders of magnitude (sigma and theta live on unrelated scales). False if not positive definite.
 */
function invertScaled(h: Float64Array, k: number, out: Float64Array): boolean {
  const d = Array.from({ length: k }, (_, i) => 1 / Math.sqrt(h[i * k + i]!))
  if (!d.every(Number.isFinite)) return false
  const scaled = h.map((v, i) => v * d[Math.floor(i / k)]! * d[i % k]!)
  if (!choleskyInPlace(scaled, k)) return false
  const inv = inverseFromCholesky(scaled, k)
  for (let i = 0; i < k * k; i++) out[i] = inv[i]! * d[Math.floor(i / k)]! * d[i % k]!
  return true
}

/**
 * lmerTest's ingredients of Satterthwaite's df at the optimum: vcov(varpar) = 2 H^-1 for the deviance Hessian H in
 * varpar = (theta, sigma) (lmerTest's pseudo-inverse over eigenvalues > 1e-8 when some are not; the plain inverse is
 * taken through a scaled Cholesky factor, which stays accurate when theta and sigma have very different scales), and
 * d vcov(beta) / d varpar_k.
 */
function satterthwaiteParts(
  ev: DevianceEvaluation,
  der: DevianceDerivatives,
  sigma: number,
  m: number,
  p: number,
  warnings: LmmWarning[],
): LmmFit['satterthwaite'] {
  const s = der.s
  const k = s + 1
  const h = new Float64Array(k * k)
  const s2 = sigma * sigma
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) h[a * k + b] = der.ldHess[a * s + b]! + der.qHess[a * s + b]! / s2
    const cross = (-2 * der.qGrad[a]!) / (s2 * sigma)
    h[a * k + s] = cross
    h[s * k + a] = cross
  }
  h[s * k + s] = (6 * ev.pwrss) / (s2 * s2) - (2 * m) / s2
  const { values, vectors } = symmetricEigen(h, k)
  const negative = [...values].filter((v) => v < -HESSIAN_EIGEN_TOL)
  const zero = [...values].filter((v) => Math.abs(v) <= HESSIAN_EIGEN_TOL)
  if (negative.length > 0 || zero.length > 0) {
    warnings.push({
      code: LmmWarningCode.HessianNotPositive,
      message: `deviance Hessian in (theta, sigma) has ${negative.length} negative and ${zero.length} near-zero eigenvalue(s): ${[...negative, ...zero].map((v) => v.toExponential(1)).join(' ')}`,
    })
  }
  const vcovVarpar = new Float64Array(k * k)
  if (negative.length === 0 && zero.length === 0 && invertScaled(h, k, vcovVarpar)) {
    for (let i = 0; i < k * k; i++) vcovVarpar[i]! *= 2
  } else {
    vcovVarpar.fill(0)
    for (let j = 0; j < k; j++) {
      if (!(values[j]! > HESSIAN_EIGEN_TOL)) continue
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++)
          vcovVarpar[a * k + b]! += (2 * vectors[a * k + j]! * vectors[b * k + j]!) / values[j]!
      }
    }
  }
  const ainv = der.aInv
  const jacobian = der.g.map((gk) => {
    // sigma^2 A^-1 G_k A^-1
    const tmp = new Float64Array(p * p)
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        let acc = 0
        for (let l = 0; l < p; l++) acc += ainv[i * p + l]! * gk[l * p + j]!
        tmp[i * p + j] = acc
      }
    }
    const out = new Float64Array(p * p)
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        let acc = 0
        for (let l = 0; l < p; l++) acc += tmp[i * p + l]! * ainv[l * p + j]!
        out[i * p + j] = s2 * acc
      }
    }
    return toRows(out, p)
  })
  jacobian.push(
    toRows(
      ainv.map((v) => 2 * sigma * v),
      p,
    ),
  )
  return { vcovVarpar: toRows(vcovVarpar, k), jacobian }
}

/**
 * Fits a linear mixed model with one grouping factor: random intercept `(1 | group)` or correlated random intercept
 * and slope `(slope | group)`, by REML (default) or ML, as `lmerTest::lmer`. Fixed effects get Satterthwaite df and
 * p-values as `summary()` of an lmerTest fit. A variance on the boundary gives `singular: true` and a warning; data
 * that cannot identify the model (one observation per group, aliased columns, no groups) give problems.
 *
 * @example
 * ```ts
 * const fit = fitLmm(
 *   { columns: { y: [...], t: [...], arm: [...], id: [...] } },
 *   { response: 'y', fixed: ['t*arm'], random: { group: 'id', slope: 't' }, factorLevels: { arm: ['P', 'D1'] } },
 * )
 * if (fit.ok) console.log(fit.value.fixed.terms, fit.value.fixed.estimate, fit.value.fixed.df)
 * // ['(Intercept)', 't', 'armD1', 't:armD1'], [...], [...]
 * ```
 */
export function fitLmm(data: LmmData, spec: LmmSpec): LmmResult<LmmFit> {
  const built = buildModelFrame(data, spec)
  if (!built.ok) return built
  const frame = built.value
  const reml = spec.reml ?? true
  const q = frame.slope === null ? 1 : 2
  const nGroups = frame.groupLevels.length
  const randomLabel = `(${spec.random.slope ?? '1'} | ${spec.random.group})`
  if (nGroups < 2)
    return fail('invalid', 'spec.random.group', `grouping factor "${spec.random.group}" must have at least 2 levels`)
  if (frame.n <= nGroups * q) {
    return fail(
      'invalid',
      'spec.random',
      `number of observations (${frame.n}) <= number of random effects (${nGroups * q}) for ${randomLabel}: ` +
        'the random-effects parameters and the residual variance are unidentifiable',
    )
  }
  if (frame.n <= frame.p) return fail('invalid', 'spec.fixed', `${frame.p} fixed effects for ${frame.n} observations`)
  const cpr = crossproducts(frame)
  if (!cpr.ok) {
    if (cpr.reason === 'exact_fit') {
      return fail(
        'invalid',
        'data',
        `the fixed effects fit "${spec.response}" exactly: no residual variance to estimate`,
      )
    }
    const name = frame.design.columns[cpr.column]?.name ?? '?'
    return fail(
      'invalid',
      'spec.fixed',
      `fixed-effects model matrix is rank deficient: column "${name}" is constant zero or a combination of others`,
    )
  }
  const cp = cpr.value
  const s = thetaLength(q)
  const m = reml ? frame.n - frame.p : frame.n
  const lme4Start = q === 1 ? [1] : [1, 0, 1]
  const given = spec.control?.startTheta
  if (given !== undefined && (given.length !== s || !given.every(Number.isFinite))) {
    return fail('invalid', 'spec.control.startTheta', `startTheta needs ${s} finite numbers`)
  }
  const ws = newWorkspace(cp)
  let last: DevianceEvaluation | null = null
  const optimize = (start: ArrayLike<number>) =>
    minimizeTrustRegion(
      {
        value: (theta) => {
          last = evaluateDeviance(cp, theta, reml, ws)
          return last === null ? Infinity : last.deviance
        },
        derivatives: () => profiledDerivatives(evaluateDerivatives(cp, last!, reml, ws), last!.pwrss, m),
      },
      start,
      { maxIterations: spec.control?.maxIterations ?? 200 },
    )
  let opt = optimize(given ?? momentStartTheta(cp) ?? lme4Start)
  if (!Number.isFinite(opt.value) && given === undefined) opt = optimize(lme4Start)
  if (!Number.isFinite(opt.value)) {
    return fail(
      'invalid',
      'data',
      'the deviance is not finite at the starting values (perfect fit or degenerate design)',
    )
  }
  const theta = canonicalTheta(opt.x, q)
  const ev = evaluateDeviance(cp, theta, reml, ws)
  if (ev === null || ev.pwrss < 1e-10 * cp.rtr) {
    // sigma -> 0 with theta -> infinity: each group's own line reproduces its responses
    return fail(
      'invalid',
      'data',
      `the random effects reproduce "${spec.response}" exactly: the residual variance is 0`,
    )
  }
  const der = evaluateDerivatives(cp, ev, reml, ws)
  // lme4's identifiability check: eigenvalue ratio of the deviance Hessian in theta
  const curvature = symmetricEigen(profiledDerivatives(der, ev.pwrss, m).hess, s).values
  const nearlyUnidentifiable = !(curvature[s - 1]! > 1e-6 * curvature[0]!)
  const { groupLevels, design, droppedRows } = frame
  return {
    ok: true,
    value: assembleFit({ spec, groupLevels, design, droppedRows, cp, ws, ev, der, opt, m, reml, nearlyUnidentifiable }),
  }
}

interface FitParts {
  readonly spec: LmmSpec
  readonly groupLevels: readonly string[]
  readonly design: LmmFit['design']
  readonly droppedRows: number
  readonly cp: Crossproducts
  readonly ws: Workspace
  readonly ev: DevianceEvaluation
  readonly der: DevianceDerivatives
  readonly opt: { readonly converged: boolean; readonly iterations: number; readonly message: string }
  readonly m: number
  readonly reml: boolean
  readonly nearlyUnidentifiable: boolean
}

function assembleFit(parts: FitParts): LmmFit {
  const { spec, groupLevels, design, droppedRows, cp, ws, ev, der, opt, m, reml, nearlyUnidentifiable } = parts
  const { n, p, q, nGroups } = cp
  const s = der.s
  const warnings: LmmWarning[] = []
  if (droppedRows > 0) {
    warnings.push({ code: LmmWarningCode.RowsDropped, message: `${droppedRows} row(s) with missing values dropped` })
  }
  if (!opt.converged) warnings.push({ code: LmmWarningCode.NotConverged, message: `optimizer: ${opt.message}` })
  const theta = ev.theta
  const diagonal = q === 1 ? [theta[0]!] : [theta[0]!, theta[2]!]
  const singular = diagonal.some((v) => v < SINGULAR_TOL)
  if (singular) {
    warnings.push({
      code: LmmWarningCode.Singular,
      message: 'boundary (singular) fit: a random-effect variance is ~0 or a correlation is ~±1',
    })
  }
  if (nearlyUnidentifiable) {
    warnings.push({
      code: LmmWarningCode.NearlyUnidentifiable,
      message:
        'model is nearly unidentifiable: large eigenvalue ratio of the deviance Hessian; rescale or centre variables',
    })
  }
  if (nGroups < 5) {
    warnings.push({
      code: LmmWarningCode.FewGroups,
      message: `only ${nGroups} levels of "${spec.random.group}": random-effect variances are poorly estimated`,
    })
  }

  const sigma2 = ev.pwrss / m
  const sigma = Math.sqrt(sigma2)
  const beta = Array.from(ev.betaWork, (b, j) => b + cp.betaOls[j]!)
  const vcovFlat = der.aInv.map((v) => v * sigma2)
  const vcov = toRows(vcovFlat, p)
  const satterthwaite = satterthwaiteParts(ev, der, sigma, m, p, warnings)
  const se = beta.map((_, j) => Math.sqrt(vcovFlat[j * p + j]!))
  const tValues = beta.map((b, j) => b / se[j]!)
  const df = beta.map((_, j) => satterthwaiteDf1(satterthwaite, vcovFlat[j * p + j]!, (jac) => jac[j]![j]!))
  const pValues = tValues.map((t, j) => tTwoSidedP(t, df[j]!))

  const lam = lambdaOf(theta, q)
  const cov = new Float64Array(q * q)
  for (let a = 0; a < q; a++) {
    for (let b = 0; b < q; b++) {
      let acc = 0
      for (let c = 0; c < q; c++) acc += lam[a * q + c]! * lam[b * q + c]!
      cov[a * q + b] = sigma2 * acc
    }
  }
  const variance = Array.from({ length: q }, (_, a) => cov[a * q + a]!)
  const sd = variance.map(Math.sqrt)
  const correlation = toRows(
    cov.map((v, i) => {
      const a = Math.floor(i / q)
      const b = i % q
      if (a === b) return 1
      const denom = sd[a]! * sd[b]!
      return denom > 0 ? v / denom : 0
    }),
    q,
  )
  const modes = conditionalModes(cp, ev, ws)
  const deviance = ev.deviance
  const logLik = -deviance / 2
  const nParams = p + s + 1
  const randomTerms = q === 1 ? ['(Intercept)'] : ['(Intercept)', spec.random.slope!]
  return {
    reml,
    nObs: n,
    response: spec.response,
    fixed: { terms: design.columns.map((c) => c.name), estimate: beta, se, t: tValues, df, p: pValues },
    vcov,
    random: {
      group: spec.random.group,
      nLevels: nGroups,
      terms: randomTerms,
      covariance: toRows(cov, q),
      variance,
      sd,
      correlation,
    },
    residualVariance: sigma2,
    residualSd: sigma,
    logLik,
    nParams,
    aic: deviance + 2 * nParams,
    bic: deviance + Math.log(n) * nParams,
    remlCriterion: reml ? deviance : null,
    devianceMl: reml ? null : deviance,
    theta: Array.from(theta),
    ranef: {
      group: spec.random.group,
      levels: groupLevels,
      values: randomTerms.map((_, a) => Array.from({ length: nGroups }, (_, g) => modes[g * q + a]!)),
    },
    singular,
    converged: opt.converged,
    iterations: opt.iterations,
    warnings,
    design,
    satterthwaite,
  }
}

/**
 * Satterthwaite's df of a scalar variance v(varpar) = L' vcov(beta) L: 2 v^2 / (grad' vcov(varpar) grad), with
 * grad_k = L' (d vcov / d varpar_k) L taken from each Jacobian matrix by `component`.
 */
export function satterthwaiteDf1(
  parts: LmmFit['satterthwaite'],
  variance: number,
  component: (jacobian: readonly (readonly number[])[]) => number,
): number {
  const grad = parts.jacobian.map(component)
  let denom = 0
  parts.vcovVarpar.forEach((row, a) => row.forEach((v, b) => (denom += grad[a]! * v * grad[b]!)))
  return (2 * variance * variance) / denom
}
