/**
 * Starting values for theta from the method of moments: per-group least-squares coefficients of the (OLS-residual)
 * response on Z_g estimate b_g plus noise, so Cov(b_g-hat) - sigma^2 mean((Z_g'Z_g)^-1) estimates G, and the pooled
 * within-group residual variance estimates sigma^2. Starting near the optimum saves most Newton iterations compared
 * with lme4's fixed start (theta = 1 on the diagonal); the optimizer itself decides the answer.
 */
import type { Crossproducts } from './profiled-deviance.ts'

/** Returns null when the groups carry too little information for a moment estimate (the caller uses lme4's start). */
export function momentStartTheta(cp: Crossproducts): Float64Array | null {
  const { q, nGroups, n, ztz, ztr, rtr } = cp
  if (q === 1) {
    let proj = 0
    let mean = 0
    let invN = 0
    for (let g = 0; g < nGroups; g++) {
      proj += (ztr[g]! * ztr[g]!) / ztz[g]!
      mean += ztr[g]! / ztz[g]!
      invN += 1 / ztz[g]!
    }
    mean /= nGroups
    invN /= nGroups
    let between = 0
    for (let g = 0; g < nGroups; g++) between += (ztr[g]! / ztz[g]! - mean) ** 2
    between /= nGroups - 1
    const sigma2 = (rtr - proj) / (n - nGroups)
    if (!(sigma2 > 0) || nGroups < 3) return null
    const tau2 = Math.max(between - sigma2 * invN, 0.01 * sigma2 * invN)
    return Float64Array.of(Math.sqrt(tau2 / sigma2))
  }
  let proj = 0
  let rank = 0
  let full = 0
  const sumB: [number, number] = [0, 0]
  const sumBB = [0, 0, 0]
  const sumKinv = [0, 0, 0]
  for (let g = 0; g < nGroups; g++) {
    const k00 = ztz[4 * g]!
    const k01 = ztz[4 * g + 1]!
    const k11 = ztz[4 * g + 3]!
    const r0 = ztr[2 * g]!
    const r1 = ztr[2 * g + 1]!
    const det = k00 * k11 - k01 * k01
    if (det > 1e-8 * k00 * k11) {
      const b0 = (k11 * r0 - k01 * r1) / det
      const b1 = (k00 * r1 - k01 * r0) / det
      proj += r0 * b0 + r1 * b1
      rank += 2
      full++
      sumB[0] += b0
      sumB[1] += b1
      sumBB[0]! += b0 * b0
      sumBB[1]! += b0 * b1
      sumBB[2]! += b1 * b1
      sumKinv[0]! += k11 / det
      sumKinv[1]! -= k01 / det
      sumKinv[2]! += k00 / det
    } else if (k00 > 0) {
      proj += (r0 * r0) / k00
      rank += 1
    }
  }
  const sigma2 = (rtr - proj) / (n - rank)
  if (!(sigma2 > 0) || full < 3) return null
  // sample covariance of the per-group coefficients minus their average sampling covariance
  const pairs = [
    [0, 0],
    [0, 1],
    [1, 1],
  ] as const
  const cov = pairs.map(
    ([a, b], i) => (sumBB[i]! - (sumB[a] * sumB[b]) / full) / (full - 1) - (sigma2 * sumKinv[i]!) / full,
  )
  // Keep the start inside the cone: variances at least 1% of their sampling noise, |correlation| <= 0.9.
  const v0 = Math.max(cov[0]!, (0.01 * sigma2 * sumKinv[0]!) / full)
  const v1 = Math.max(cov[2]!, (0.01 * sigma2 * sumKinv[2]!) / full)
  const c01 = Math.max(-0.9, Math.min(0.9, cov[1]! / Math.sqrt(v0 * v1))) * Math.sqrt(v0 * v1)
  const l00 = Math.sqrt(v0 / sigma2)
  const l10 = c01 / sigma2 / l00
  const l11 = Math.sqrt(v1 / sigma2 - l10 * l10)
  const theta = Float64Array.of(l00, l10, l11)
  return theta.every(Number.isFinite) ? theta : null
}
