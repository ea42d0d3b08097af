/**
 * Distribution and special functions used by the tests and models, checked against R 4.2.2 (`pnorm`, `pt`,
 * `pchisq`, `pf`, `pbeta`, `pgamma`, their quantiles, `dbinom`, `dhyper`, `phyper`), far tails included
 * (see `distributions.test.ts`).
 *
 * Both tails are computed directly (never as `1 - cdf` when that loses digits), so that small p-values keep
 * their relative accuracy as R's `lower.tail = FALSE` does. Where @stdlib's ports of the Boost/Cephes
 * algorithms are accurate to about 1e-14 they are used; where they are not (the incomplete gamma function for
 * shape >= 1, the normal quantile below 1e-16, t with more than 4e5 df, the complement of the incomplete beta
 * near 0 or 1) the functions below use Loader's saddle-point densities, Wichura's AS 241 and series/continued
 * fractions with an accurate prefactor.
 */
import betainc from '@stdlib/math-base-special-betainc'
import gammainc from '@stdlib/math-base-special-gammainc'
import gammalnFn from '@stdlib/math-base-special-gammaln'
import normalCdfFn from '@stdlib/stats-base-dists-normal-cdf'
import tQuantileFn from '@stdlib/stats-base-dists-t-quantile'
import chisqQuantileFn from '@stdlib/stats-base-dists-chisquare-quantile'
import fQuantileFn from '@stdlib/stats-base-dists-f-quantile'
import betaQuantileFn from '@stdlib/stats-base-dists-beta-quantile'
import gammaQuantileFn from '@stdlib/stats-base-dists-gamma-quantile'

const EPS = 2.220446049250313e-16
const LN_2PI = 1.8378770664093453
const LN_SQRT_2PI = 0.9189385332046728

/** log Γ(x). */
export const lgamma = (x: number): number => gammalnFn(x)

/** log(n!) for a non-negative integer (or real) n. */
export const logFactorial = (n: number): number => gammalnFn(n + 1)

// ---------------------------------------------------------------------------------------------------------------
// Normal

/** Standard normal P(Z ≤ z). */
export const normalCdf = (z: number): number => normalCdfFn(z, 0, 1)
/**
 * Standard normal P(Z > z), accurate in the far upper tail.
 * @example normalSf(8.5) // 9.4795348222033e-18 (R: pnorm(8.5, lower.tail = FALSE))
 */
export const normalSf = (z: number): number => normalCdfFn(-z, 0, 1)

/**
 * Standard normal quantile by Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988), accurate to
 * about 1e-16 relative for 1e-300 < p < 1 (R's `qnorm`).
 * @example normalQuantile(0.975) // 1.959963984540054
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  const q = p - 0.5
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q
    return q * rational(r, AS241_A, AS241_B)
  }
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p))
  const val = r <= 5 ? rational(r - 1.6, AS241_C, AS241_D) : rational(r - 5, AS241_E, AS241_F)
  return q < 0 ? -val : val
}

/** Σ num[i] r^i / Σ den[i] r^i (coefficients in ascending powers). */
function rational(r: number, num: readonly number[], den: readonly number[]): number {
  let n = 0
  let d = 0
  for (let i = num.length - 1; i >= 0; i--) n = n * r + (num[i] as number)
  for (let i = den.length - 1; i >= 0; i--) d = d * r + (den[i] as number)
  return n / d
}

// Coefficients of AS 241 (Wichura 1988), ascending powers.
const AS241_A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987, 67265.7709270087,
  33430.57558358813, 2509.0809287301227,
]
const AS241_B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271, 28729.085735721943,
  5226.495278852854,
]
const AS241_C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684, 0.2417807251774506,
  0.022723844989269184, 0.0007745450142783414,
]
const AS241_D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008, 0.015198666563616457,
  0.0005475938084995345, 1.0507500716444169e-9,
]
const AS241_E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124,
  0.0012426609473880784, 2.7115555687434876e-5, 2.0103343992922881e-7,
]
const AS241_F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133, 1.8463183175100548e-5,
  1.421511758316446e-7, 2.0442631033899397e-15,
]

// ---------------------------------------------------------------------------------------------------------------
// Loader's saddle-point building blocks (C. Loader, "Fast and accurate computation of binomial probabilities", 2000)

/** stirlerr(n) = log(n!) - log(sqrt(2πn) (n/e)^n): exact values at half-integers up to 15, the series above. */
function stirlerr(n: number): number {
  if (n <= 15) {
    const nn = n + n
    if (nn === Math.trunc(nn)) return STIRLERR_HALVES[nn] as number
    return gammalnFn(n + 1) - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI
  }
  const nn = n * n
  if (n > 500) return (1 / 12 - 1 / 360 / nn) / n
  if (n > 80) return (1 / 12 - (1 / 360 - 1 / 1260 / nn) / nn) / n
  if (n > 35) return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / 1680 / nn) / nn) / nn) / n
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / nn) / nn) / nn) / nn) / n
}

// stirlerr(k/2), k = 0..30 (k = 0 is a placeholder), to 25 digits.
const STIRLERR_HALVES = [
  0.0, 0.15342640972002736, 0.08106146679532726, 0.05481412105191765, 0.0413406959554093, 0.03316287351993629,
  0.02767792568499834, 0.023746163656297496, 0.020790672103765093, 0.018488450532673187, 0.016644691189821193,
  0.015134973221917378, 0.013876128823070748, 0.012810465242920227, 0.01189670994589177, 0.011104559758206917,
  0.010411265261972096, 0.009799416126158804, 0.009255462182712733, 0.008768700134139386, 0.00833056343336287,
  0.00793411456431402, 0.007573675487951841, 0.007244554301320383, 0.00694284010720953, 0.006665247032707682,
  0.006408994188004207, 0.006171712263039458, 0.0059513701127588475, 0.0057462165130101155, 0.005554733551962801,
]

/** bd0(x, m) = x log(x/m) + m - x, computed without cancellation when x ≈ m. */
function bd0(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    let v = (x - m) / (x + m)
    let s = (x - m) * v
    let ej = 2 * x * v
    v *= v
    for (let j = 1; j < 1000; j++) {
      ej *= v
      const s1 = s + ej / (2 * j + 1)
      if (s1 === s) return s1
      s = s1
    }
  }
  return x * Math.log(x / m) + m - x
}

/** Poisson-type density λ^x e^{-λ} / Γ(x+1) for real x ≥ 0 (the prefactor of the incomplete gamma function). */
function dpoisRaw(x: number, lambda: number): number {
  if (lambda === 0) return x === 0 ? 1 : 0
  if (!Number.isFinite(lambda) || x < 0) return 0
  if (x <= lambda * Number.MIN_VALUE) return Math.exp(-lambda)
  if (lambda < x * Number.MIN_VALUE) return Math.exp(-lambda + x * Math.log(lambda) - gammalnFn(x + 1))
  return Math.exp(-stirlerr(x) - bd0(x, lambda)) / Math.sqrt(2 * Math.PI * x)
}

/** log of the binomial density at x of Bin(n, p), q = 1 - p given separately to keep its digits (Loader). */
function logDbinomRaw(x: number, n: number, p: number, q: number): number {
  if (p === 0) return x === 0 ? 0 : -Infinity
  if (q === 0) return x === n ? 0 : -Infinity
  if (x === 0) return n === 0 ? 0 : p < 0.1 ? -bd0(n, n * q) - n * p : n * Math.log(q)
  if (x === n) return q < 0.1 ? -bd0(n, n * p) - n * q : n * Math.log(p)
  if (x < 0 || x > n) return -Infinity
  const lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q)
  const lf = LN_2PI + Math.log(x) + Math.log1p(-x / n)
  return lc - 0.5 * lf
}

// ---------------------------------------------------------------------------------------------------------------
// Binomial and hypergeometric

/**
 * Binomial probability P(X = x), X ~ Bin(n, p) (R's `dbinom`, Loader's algorithm).
 * @example binomialPmf(3, 10, 0.5) // 0.1171875
 */
export function binomialPmf(x: number, n: number, p: number): number {
  return Math.exp(binomialLogPmf(x, n, p))
}
/** log P(X = x), X ~ Bin(n, p). */
export function binomialLogPmf(x: number, n: number, p: number): number {
  if (!Number.isInteger(x) || x < 0 || x > n) return -Infinity
  return logDbinomRaw(x, n, p, 1 - p)
}
/**
 * Binomial P(X ≤ x) (R's `pbinom`, through the incomplete beta function).
 * @example binomialCdf(7, 30, 0.2) // 0.760790618698957
 */
export function binomialCdf(x: number, n: number, p: number): number {
  const k = Math.floor(x + 1e-7)
  if (k < 0) return 0
  if (k >= n) return 1
  return betaSf(p, k + 1, n - k)
}
/** Binomial P(X > x). */
export function binomialSf(x: number, n: number, p: number): number {
  const k = Math.floor(x + 1e-7)
  if (k < 0) return 1
  if (k >= n) return 0
  return betaCdf(p, k + 1, n - k)
}

/**
 * log of the hypergeometric probability P(X = x): x white balls among k drawn from an urn with `white` white and
 * `black` black balls (R's `dhyper(x, white, black, k, log = TRUE)`).
 */
export function hypergeometricLogPmf(x: number, white: number, black: number, k: number): number {
  if (x < 0 || !Number.isInteger(x) || k < x || white < x || k - x > black) return -Infinity
  if (k === 0) return x === 0 ? 0 : -Infinity
  const p = k / (white + black)
  const q = (white + black - k) / (white + black)
  return logDbinomRaw(x, white, p, q) + logDbinomRaw(k - x, black, p, q) - logDbinomRaw(k, white + black, p, q)
}
/** Hypergeometric P(X = x). */
export const hypergeometricPmf = (x: number, white: number, black: number, k: number): number =>
  Math.exp(hypergeometricLogPmf(x, white, black, k))

/**
 * Hypergeometric P(X ≤ x) (`upper = false`) or P(X > x) (`upper = true`), as R's `phyper`: the smaller tail is
 * summed from the density at its end by the term ratio, so both tails keep their relative accuracy.
 * @example hypergeometricCdf(3, 4, 4, 4) // 0.9857142857142858 (tea tasting, one-sided "less")
 */
export function hypergeometricCdf(x: number, white: number, black: number, k: number, upper = false): number {
  let xx = Math.floor(x + 1e-7)
  let nr = white
  let nb = black
  let up = upper
  if (xx * (nr + nb) > k * nr) {
    ;[nr, nb] = [nb, nr]
    xx = k - xx - 1
    up = !up
  }
  if (xx < 0) return up ? 1 : 0
  if (xx >= nr || xx >= k) return up ? 0 : 1
  const d = hypergeometricPmf(xx, nr, nb, k)
  let sum = 0
  let term = 1
  for (let i = xx; i > 0 && term >= EPS * sum; i--) {
    term *= (i * (nb - k + i)) / (k + 1 - i) / (nr + 1 - i)
    sum += term
  }
  const lower = d * (1 + sum)
  return up ? 0.5 - lower + 0.5 : lower
}

// ---------------------------------------------------------------------------------------------------------------
// Gamma and chi-square

/**
 * Regularized incomplete gamma functions P(a, x) and Q(a, x) for shape a ≥ 1: the prefactor x^a e^{-x}/Γ(a+1)
 * comes from Loader's saddle-point form (no cancellation for large a), then the power series for P when x < a or
 * the continued fraction (modified Lentz) for Q otherwise. Both need O(sqrt(a)) terms near x = a.
 */
function incompleteGamma(a: number, x: number): { lower: number; upper: number } {
  const d = dpoisRaw(a, x)
  if (x < a) {
    let sum = 1
    let term = 1
    for (let k = 1; k < 1e7; k++) {
      term *= x / (a + k)
      sum += term
      if (term < EPS * sum) break
    }
    const lower = d * sum
    return { lower, upper: 0.5 - lower + 0.5 }
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let dd = 1 / b
  let h = dd
  for (let i = 1; i < 1e7; i++) {
    const an = -i * (i - a)
    b += 2
    dd = an * dd + b
    if (Math.abs(dd) < tiny) dd = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    dd = 1 / dd
    const del = dd * c
    h *= del
    if (Math.abs(del - 1) < EPS) break
  }
  const upper = a * d * h
  return { lower: 0.5 - upper + 0.5, upper }
}

function gammaTail(x: number, shape: number, upper: boolean): number {
  if (Number.isNaN(x) || Number.isNaN(shape) || shape <= 0) return NaN
  if (x <= 0) return upper ? 1 : 0
  if (x === Infinity) return upper ? 0 : 1
  if (shape < 1) return gammainc(x, shape, true, upper)
  const r = incompleteGamma(shape, x)
  return upper ? r.upper : r.lower
}

/** Gamma density with unit rate. */
function gammaDensity(x: number, shape: number): number {
  if (x <= 0) return shape === 1 ? 1 : shape < 1 ? Infinity : 0
  if (shape >= 1) return dpoisRaw(shape - 1, x)
  return Math.exp((shape - 1) * Math.log(x) - x - gammalnFn(shape))
}

/** Gamma(shape, rate): P(X ≤ x), via the regularized incomplete gamma function. */
export const gammaCdf = (x: number, shape: number, rate = 1): number => gammaTail(x * rate, shape, false)
/** Gamma(shape, rate): P(X > x). */
export const gammaSf = (x: number, shape: number, rate = 1): number => gammaTail(x * rate, shape, true)

/**
 * Gamma(shape, rate) quantile: @stdlib's inverse as the start, then Newton steps on the tail that is smaller
 * (relative accuracy of the p-value scale), with the accurate incomplete gamma function above.
 * @example gammaQuantile(0.5, 1e4) // 9999.666677777 (R: qgamma(0.5, 1e4))
 */
export function gammaQuantile(p: number, shape: number, rate = 1): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(shape > 0) || !(rate > 0)) return NaN
  if (p === 0) return 0
  if (p === 1) return Infinity
  let x = gammaQuantileFn(p, shape, 1)
  if (p < 0.5) {
    // Far lower tail: P(a, x) ≈ x^a / Γ(a+1), so x ≈ (p Γ(a+1))^(1/a); 0 when that underflows (as R).
    const small = Math.exp((Math.log(p) + gammalnFn(shape + 1)) / shape)
    if (small === 0) return 0
    if (small < 1e-3 * Math.min(shape, 1)) x = small
  }
  if (!Number.isFinite(x) || x <= 0) x = Math.max(shape, 1e-300)
  const useUpper = p > 0.5
  const target = useUpper ? 1 - p : p
  for (let i = 0; i < 100; i++) {
    const f = gammaDensity(x, shape)
    if (!(f > 0) || !Number.isFinite(f)) break
    const cur = gammaTail(x, shape, useUpper)
    const step = useUpper ? -(target - cur) / f : (target - cur) / f
    let next = x + step
    if (next <= 0) next = x / 2
    if (Math.abs(next - x) <= 4 * EPS * Math.abs(x)) {
      x = next
      break
    }
    x = next
  }
  return x / rate
}

/** Chi-square with `df` degrees of freedom: P(X ≤ x). */
export const chisqCdf = (x: number, df: number): number => gammaTail(x / 2, df / 2, false)
/**
 * Chi-square upper tail P(X > x) (the p-value of a chi-square statistic).
 * @example chisqSf(2000, 200) // 6.0358275296316e-294 (R: pchisq(2000, 200, lower.tail = FALSE))
 */
export const chisqSf = (x: number, df: number): number => gammaTail(x / 2, df / 2, true)
/** Chi-square quantile. */
export const chisqQuantile = (p: number, df: number): number =>
  df < 2 ? chisqQuantileFn(p, df) : 2 * gammaQuantile(p, df / 2)

// ---------------------------------------------------------------------------------------------------------------
// Beta, t and F

/** Beta(a, b): regularized incomplete beta I_x(a, b). */
export function betaCdf(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const lower = betainc(x, a, b)
  // @stdlib's direct value loses digits close to 1; the complement is exact there.
  return lower > 0.5 ? 0.5 - betainc(x, a, b, true, true) + 0.5 : lower
}
/** Beta(a, b): 1 - I_x(a, b), computed directly. */
export function betaSf(x: number, a: number, b: number): number {
  if (x <= 0) return 1
  if (x >= 1) return 0
  const upper = betainc(x, a, b, true, true)
  return upper > 0.5 ? 0.5 - betainc(x, a, b) + 0.5 : upper
}
/**
 * Beta(a, b) quantile (the Clopper-Pearson limits are beta quantiles).
 * @example betaQuantile(0.025, 7, 24) // 0.0993378649580197 (R: qbeta(0.025, 7, 24))
 */
export const betaQuantile = (p: number, a: number, b: number): number => betaQuantileFn(p, a, b)

/**
 * Student t with `df` degrees of freedom, both tails: P(T ≤ t) and P(T > t), through the incomplete beta function
 * with R's choice of argument (x = df/(df+t²) or its complement, whichever keeps the digits; about 1e-14 up to 1e9 df).
 */
function tTails(t: number, df: number): { lower: number; upper: number } {
  if (Number.isNaN(t) || !(df > 0)) return { lower: NaN, upper: NaN }
  if (!Number.isFinite(t)) return t > 0 ? { lower: 1, upper: 0 } : { lower: 0, upper: 1 }
  if (!Number.isFinite(df)) return { lower: normalCdf(t), upper: normalSf(t) }
  const nx = 1 + (t / df) * t
  // Half of I_{df/(df+t²)}(df/2, 1/2).
  const half =
    nx > 1e100
      ? Math.exp(-0.5 * df * (2 * Math.log(Math.abs(t)) - Math.log(df)) - lbeta(df / 2, 0.5) - Math.log(df / 2)) / 2
      : t * t > df
        ? betaCdf(1 / nx, df / 2, 0.5) / 2
        : betaSf((t * t) / (df + t * t), 0.5, df / 2) / 2
  return t > 0 ? { lower: 0.5 - half + 0.5, upper: half } : { lower: half, upper: 0.5 - half + 0.5 }
}

function lbeta(a: number, b: number): number {
  return gammalnFn(a) + gammalnFn(b) - gammalnFn(a + b)
}

/** Student t with `df` degrees of freedom: P(T ≤ t). */
export const tCdf = (t: number, df: number): number => tTails(t, df).lower
/** Upper tail P(T > t). */
export const tSf = (t: number, df: number): number => tTails(t, df).upper
/**
 * Two-sided p-value of a t statistic: P(|T| ≥ |t|) = 2 P(T > |t|).
 * @example tTwoSidedP(2.5, 3) // 0.0877066470080655 (R: 2 * pt(-2.5, 3))
 */
export const tTwoSidedP = (t: number, df: number): number => 2 * tTails(-Math.abs(t), df).lower
/** Student t quantile. */
export const tQuantile = (p: number, df: number): number =>
  Number.isFinite(df) ? tQuantileFn(p, df) : normalQuantile(p)

/** F(d1, d2): P(X ≤ x). */
export function fCdf(x: number, d1: number, d2: number): number {
  if (x <= 0) return 0
  if (x === Infinity) return 1
  return d1 * x > d2 ? betaSf(d2 / (d2 + d1 * x), d2 / 2, d1 / 2) : betaCdf((d1 * x) / (d2 + d1 * x), d1 / 2, d2 / 2)
}
/**
 * F upper tail P(X > x).
 * @example fSf(4.846087862380199, 2, 27) // 0.01590995832562217 (R: pf(..., lower.tail = FALSE))
 */
export function fSf(x: number, d1: number, d2: number): number {
  if (x <= 0) return 1
  if (x === Infinity) return 0
  return d1 * x > d2 ? betaCdf(d2 / (d2 + d1 * x), d2 / 2, d1 / 2) : betaSf((d1 * x) / (d2 + d1 * x), d1 / 2, d2 / 2)
}
/** F(d1, d2) quantile. */
export const fQuantile = (p: number, d1: number, d2: number): number => fQuantileFn(p, d1, d2)
