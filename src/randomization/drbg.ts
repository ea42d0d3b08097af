/**
 * The deterministic random bit generator behind every list, minimisation draw and simulation.
 *
 * Construction: the key is SHA-256 over domain-separated, length-prefixed inputs (seed, scheme hash, stage,
 * stratum, purpose); the bit stream is the AES-256-CTR keystream under that key with a zero initial counter
 * (the CTR_DRBG core of NIST SP 800-90A without reseeding: a live seed carries 256 bits from
 * `crypto.randomBytes`, drawn by the caller at go-live). Every key is used for exactly one stream, so the
 * fixed counter start is safe. AES and SHA-256 are specified bit-for-bit, so the same inputs give the same
 * stream on any machine and any Node version.
 *
 * Integers are drawn by rejection (no modulo bias), so each arm's probability is exactly its share.
 */
import { createCipheriv, createHash } from 'node:crypto'

/** Identifies the generator in manifests and sealed lists; bump it if the construction ever changes. */
export const GENERATOR_ID = 'aes-256-ctr/sha-256 v1'

const DOMAIN = 'trialdesk/randomization/v1'
const CHUNK_BYTES = 512
const TWO_POW_32 = 2 ** 32

/** A stream of random values. Stateful by nature; everything that uses one is pure given its key. */
export interface RandomStream {
  /** The next 32 bits as an unsigned integer. */
  uint32(): number
  /** A uniform integer in `[0, n)`, `1 <= n <= 2^32`, without modulo bias. `n = 1` consumes nothing. */
  int(n: number): number
  /** A uniform real in `[0, 1)` with 53 random bits. */
  real(): number
  /** `n` raw bytes. */
  bytes(n: number): Uint8Array
  /** Bytes consumed so far: `createStream(key, offset)` resumes exactly here. */
  offset(): number
}

/**
 * Derives a 256-bit stream key. Each part is length-prefixed (4-byte big-endian), so `('ab', 'c')` and
 * `('a', 'bc')` give different keys.
 */
export function deriveKey(parts: readonly (string | Uint8Array)[]): Buffer {
  const hash = createHash('sha256')
  for (const part of [DOMAIN, ...parts]) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    hash.update(length).update(bytes)
  }
  return hash.digest()
}

/** Opens the stream for `key` (32 bytes), optionally resuming at a byte `offset`. */
export function createStream(key: Uint8Array, offset = 0): RandomStream {
  if (key.length !== 32) throw new Error(`stream key must be 32 bytes, got ${key.length}`)
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`invalid stream offset ${offset}`)
  const counter = Buffer.alloc(16)
  counter.writeBigUInt64BE(BigInt(Math.floor(offset / 16)), 8)
  const cipher = createCipheriv('aes-256-ctr', key, counter)
  let buffer: Buffer = Buffer.alloc(0)
  let position = 0
  let consumed = offset - (offset % 16)
  // Align to the requested byte inside the first counter block.
  take(offset % 16)

  function take(n: number): Buffer {
    if (position + n > buffer.length) {
      const rest = buffer.subarray(position)
      const fresh = cipher.update(Buffer.alloc(Math.max(CHUNK_BYTES, n)))
      buffer = Buffer.concat([rest, fresh])
      position = 0
    }
    const out = buffer.subarray(position, position + n)
    position += n
    consumed += n
    return out
  }

  function uint32(): number {
    return take(4).readUInt32BE(0)
  }

  return {
    uint32,
    int(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new Error(`int(n) needs 1 <= n <= 2^32, got ${n}`)
      if (n === 1) return 0
      // Largest multiple of n that fits in 32 bits: values at or above it are redrawn.
      const limit = TWO_POW_32 - (TWO_POW_32 % n)
      for (;;) {
        const u = uint32()
        if (u < limit) return u % n
      }
    },
    real(): number {
      const high = uint32() >>> 5 // 27 bits
      const low = uint32() >>> 6 // 26 bits
      return (high * 67108864 + low) / 9007199254740992
    },
    bytes(n: number): Uint8Array {
      return Uint8Array.from(take(n))
    },
    offset: () => consumed,
  }
}

/** Shorthand: the stream for the key derived from `parts`. */
export function streamFor(parts: readonly (string | Uint8Array)[]): RandomStream {
  return createStream(deriveKey(parts))
}

/** Picks an index with probability proportional to its positive integer weight, exactly. */
export function weightedIndex(stream: RandomStream, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0)
  let r = stream.int(total)
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] ?? 0
    if (r < w) return i
    r -= w
  }
  throw new Error('weightedIndex: weights must be positive integers')
}

/** In-place Fisher–Yates shuffle with unbiased draws. */
export function shuffleInPlace<T>(stream: RandomStream, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = stream.int(i + 1)
    const a = items[i] as T
    items[i] = items[j] as T
    items[j] = a
  }
  return items
}
