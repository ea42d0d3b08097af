/**
 * Distribution functions used by the tests and models, with both tails computed directly (never as
 * `1 - cdf`), so that small p-values keep their relative accuracy as R's `lower.tail = FALSE` does.
 * The special functions are @stdlib's ports of the Boost/Cephes algorithms (about 1e-15 relative).
 */
import betainc from '@stdlib/math-base-special-betainc'
import gammainc from '@stdlib/math-base-special-gammainc'
import gammalnFn from '@stdlib/math-base-special-gammaln'
import normalCdfFn from '@stdlib/stats-base-dists-normal-cdf'
import normalQuantileFn from '@stdlib/stats-base-dists-normal-quantile'
import tQuantileFn from '@stdlib/stats-base-dists-t-quantile'
import chisqQuantileFn from '@stdlib/stats-base-dists-chisquare-quantile'
import fQuantileFn from '@stdlib/stats-base-dists-f-quantile'
import betaQuantileFn from '@stdlib/stats-base-dists-beta-quantile'
import gammaQuantileFn from '@stdlib/stats-base-dists-gamma-quantile'

/** log Γ(x). */
export const lgamma = (x: number): number => gammalnFn(x)

/** Standard normal P(Z ≤ z). */
export const normalCdf = (z: number): number => normalCdfFn(z, 0, 1)
/** Standard normal P(Z > z), accurate in the far upper tail. */
export const normalSf = (z: number): number => normalCdfFn(-z, 0, 1)
/** Standard normal quantile. */
export const normalQuantile = (p: number): number => normalQuantileFn(p, 0, 1)

/** Student t with `df` degrees of freedom: P(T ≤ t). */
export function tCdf(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalCdf(t)
  const x = df / (df + t * t)
  const tail = 0.5 * betainc(x, df / 2, 0.5)
  return t > 0 ? 1 - tail : tail
}
/** Two-sided p-value of a t statistic: P(|T| ≥ |t|). */
export function tTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(df)) return 2 * normalSf(Math.abs(t))
  return betainc(df / (df + t * t), df / 2, 0.5)
}
/** Upper tail P(T > t). */
export function tSf(t: number, df: number): number {
  return tCdf(-t, df)
}
export const tQuantile = (p: number, df: number): number =>
  Number.isFinite(df) ? tQuantileFn(p, df) : normalQuantile(p)

/** Chi-square with `df` degrees of freedom: P(X ≤ x). */
export const chisqCdf = (x: number, df: number): number => (x <= 0 ? 0 : gammainc(x / 2, df / 2, true, false))
/** Chi-square upper tail P(X > x) (the p-value of a chi-square statistic). */
export const chisqSf = (x: number, df: number): number => (x <= 0 ? 1 : gammainc(x / 2, df / 2, true, true))
export const chisqQuantile = (p: number, df: number): number => chisqQuantileFn(p, df)

/** F(d1, d2): P(X ≤ x). */
export function fCdf(x: number, d1: number, d2: number): number {
  if (x <= 0) return 0
  return betainc((d1 * x) / (d1 * x + d2), d1 / 2, d2 / 2)
}
/** F upper tail P(X > x). */
export function fSf(x: number, d1: number, d2: number): number {
  if (x <= 0) return 1
  return betainc(d2 / (d2 + d1 * x), d2 / 2, d1 / 2)
}
export const fQuantile = (p: number, d1: number, d2: number): number => fQuantileFn(p, d1, d2)

/** Beta(a, b): regularized incomplete beta I_x(a, b) and its complement. */
export const betaCdf = (x: number, a: number, b: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : betainc(x, a, b))
export const betaSf = (x: number, a: number, b: number): number =>
  x <= 0 ? 1 : x >= 1 ? 0 : betainc(x, a, b, true, true)
export const betaQuantile = (p: number, a: number, b: number): number => betaQuantileFn(p, a, b)

/** Gamma(shape, rate): P(X ≤ x) and P(X > x), via the regularized incomplete gamma function. */
export const gammaCdf = (x: number, shape: number, rate = 1): number =>
  x <= 0 ? 0 : gammainc(x * rate, shape, true, false)
export const gammaSf = (x: number, shape: number, rate = 1): number =>
  x <= 0 ? 1 : gammainc(x * rate, shape, true, true)
export const gammaQuantile = (p: number, shape: number, rate = 1): number => gammaQuantileFn(p, shape, rate)
