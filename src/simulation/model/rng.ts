/**
 * Seeded random streams for the simulation model and the power simulator.
 *
 * Every stream is named by a key: 128 bits derived from the seed and the path of `fork` labels that led to it
 * (MurmurHash3 x86_128 of the parent key and the label). A stream's numbers depend only on that path, never
 * on how many numbers other streams drew, which worker ran them, or in which order: subject 17 of replicate
 * 3 gets the same numbers on one thread or eight. Keys and generator use 32-bit integer arithmetic only, and V8
 * computes `Math.log`/`Math.exp` with its own fdlibm port, so a given Node version gives bit-identical draws on
 * every machine.
 *
 * The generator inside a stream is xoroshiro128+ (Blackman & Vigna 2018) from pure-rand, seeded with the
 * 128-bit key. Doubles take the high 26 + 27 bits of two outputs (the `genrand_res53` construction), so
 * xoroshiro128+'s weak low bits never reach the result.
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus'

/** A seedable stream of random numbers. Mutable: each call advances the stream. */
export interface Rng {
  /** Uniform on [0, 1), 53 random bits. */
  next(): number
  /** Standard normal N(0, 1), by inversion of one uniform (Wichura's AS 241), so one draw per call. */
  normal(): number
  /** Exponential with rate 1 (mean 1), by inversion of one uniform. */
  exponential(): number
  /** Uniform integer in 0 … n−1 (n a positive integer up to 2^32). */
  int(n: number): number
  /**
   * An independent substream named by `label` (e.g. a subject index, a replicate index or `'baseline'`).
   * It depends only on this stream's key and the label, not on how far this stream has advanced.
   */
  fork(label: string | number): Rng
  /** The stream's key as 32 hex digits, to log or to show which stream produced a value. */
  readonly key: string
}

type Key = readonly [number, number, number, number]

const TWO_POW_MINUS_53 = 2 ** -53
const TWO_POW_26 = 2 ** 26

/** A stream for `seed` (a number or a string such as a scenario name). Same seed → same numbers everywhere. */
export function createRng(seed: number | string): Rng {
  return new KeyedRng(deriveKey([0, 0, 0, 0], seed))
}

class KeyedRng implements Rng {
  private readonly gen
  readonly #key: Key

  constructor(key: Key) {
    this.#key = key
    // An all-zero state would make xoroshiro emit zeros forever; the hash makes it astronomically unlikely.
    const state = key[0] === 0 && key[1] === 0 && key[2] === 0 && key[3] === 0 ? [1, 0, 0, 0] : [...key]
    this.gen = xoroshiro128plusFromState(state)
  }

  get key(): string {
    return this.#key.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('')
  }

  /** 53-bit integer from the high bits of two 32-bit outputs. */
  private bits53(): number {
    const a = this.gen.next() >>> 5
    const b = this.gen.next() >>> 6
    return a * TWO_POW_26 + b
  }

  next(): number {
    return this.bits53() * TWO_POW_MINUS_53
  }

  /** Uniform on the open interval (0, 1), for inversions that must not see 0. */
  private open(): number {
    return (this.bits53() + 0.5) * TWO_POW_MINUS_53
  }

  normal(): number {
    return normalQuantileAS241(this.open())
  }

  exponential(): number {
    return -Math.log(this.open())
  }

  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 2 ** 32))
      throw new RangeError(`int(n) needs a positive integer n ≤ 2^32, got ${n}`)
    return Math.floor(this.next() * n)
  }

  fork(label: string | number): Rng {
    return new KeyedRng(deriveKey(this.#key, label))
  }
}

// ---------------------------------------------------------------------------------------------------------
// Key derivation: MurmurHash3 x86_128 (Appleby) over 32-bit words: the parent key, a type tag and the label.

const C1 = 0x239b961b
const C2 = 0xab0e9789
const C3 = 0x38b34ae5
const C4 = 0xa1e38b93

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r))

function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h
}

const scratch = new DataView(new ArrayBuffer(8))

/** The label as 32-bit words with a type tag, so the number 1 and the string "1" name different streams. */
function labelWords(label: string | number): number[] {
  if (typeof label === 'number') {
    if (!Number.isFinite(label)) throw new RangeError(`a stream label must be finite, got ${label}`)
    scratch.setFloat64(0, label === 0 ? 0 : label) // -0 and 0 name the same stream
    return [0x6e756d00, scratch.getUint32(0), scratch.getUint32(4)]
  }
  const words = [0x73747200, label.length]
  for (let i = 0; i < label.length; i += 2) words.push(label.charCodeAt(i) | ((label.charCodeAt(i + 1) || 0) << 16))
  return words
}

function deriveKey(parent: Key, label: string | number): Key {
  const data = [...parent, ...labelWords(label)]
  while (data.length % 4 !== 0) data.push(0)
  let h1 = 0x9e3779b9
  let h2 = 0x7f4a7c15
  let h3 = 0xf39cc060
  let h4 = 0x5ced1a4b
  for (let i = 0; i < data.length; i += 4) {
    let k1 = data[i] ?? 0
    let k2 = data[i + 1] ?? 0
    let k3 = data[i + 2] ?? 0
    let k4 = data[i + 3] ?? 0
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2)
    h1 ^= k1
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3)
    h2 ^= k2
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4)
    h3 ^= k3
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1)
    h4 ^= k4
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0
  }
  const len = data.length * 4
  h1 ^= len
  h2 ^= len
  h3 ^= len
  h4 ^= len
  h1 = (h1 + h2 + h3 + h4) | 0
  h2 = (h2 + h1) | 0
  h3 = (h3 + h1) | 0
  h4 = (h4 + h1) | 0
  h1 = fmix32(h1)
  h2 = fmix32(h2)
  h3 = fmix32(h3)
  h4 = fmix32(h4)
  h1 = (h1 + h2 + h3 + h4) | 0
  h2 = (h2 + h1) | 0
  h3 = (h3 + h1) | 0
  h4 = (h4 + h1) | 0
  return [h1, h2, h3, h4]
}

// ---------------------------------------------------------------------------------------------------------
// Normal quantile: Wichura MJ. Algorithm AS 241. Appl Stat 1988;37:477-84 (PPND16, about 1e-16 relative).
// The coefficients are kept digit for digit as published; the parser rounds them to the nearest double.
/* eslint-disable no-loss-of-precision */

const A = [
  3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457,
  67265.770927008700853, 33430.575583588128105, 2509.0809287301226727,
]
const B = [
  1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061,
  28729.085735721942674, 5226.495278852545925,
]
const C = [
  1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258,
  0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4,
]
const D = [
  1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459,
  0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9,
]
const E = [
  6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093,
  0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
]
const F = [
  1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4,
  1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15,
]

/* eslint-enable no-loss-of-precision */

const poly = (c: readonly number[], x: number): number => {
  let s = 0
  for (let i = c.length - 1; i >= 0; i--) s = s * x + (c[i] ?? 0)
  return s
}

/** Standard normal quantile for p in (0, 1). */
export function normalQuantileAS241(p: number): number {
  const q = p - 0.5
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q
    return (q * poly(A, r)) / poly(B, r)
  }
  let r = q < 0 ? p : 1 - p
  r = Math.sqrt(-Math.log(r))
  const x = r <= 5 ? poly(C, r - 1.6) / poly(D, r - 1.6) : poly(E, r - 5) / poly(F, r - 5)
  return q < 0 ? -x : x
}
