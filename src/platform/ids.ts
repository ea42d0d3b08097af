import { randomBytes } from 'node:crypto'
import type { Clock, IdFactory } from '../domain/index.ts'

export type { IdFactory }

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds then random bits, so ids sort by creation time in both
 * databases. A counter in the random field keeps ids from one millisecond ordered too.
 */
export function uuidv7Factory(clock: Clock, random: (n: number) => Buffer = pooledRandomBytes()): IdFactory {
  let lastMs = -1
  let counter = 0
  return () => {
    const ms = new Date(clock.now()).getTime()
    counter = ms === lastMs ? (counter + 1) & 0xfff : 0
    lastMs = ms
    const b = random(16)
    b.writeUIntBE(ms, 0, 6)
    b[6] = 0x70 | (counter >> 8)
    b[7] = counter & 0xff
    b[8] = 0x80 | ((b[8] ?? 0) & 0x3f)
    const h = b.toString('hex')
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }
}

/**
 * Cryptographically random bytes drawn from a 4 KiB buffer refilled from the OS generator when spent: one
 * `randomBytes` call per 256 ids instead of one per id (each call is a round trip into OpenSSL; on the form-save
 * path that was 5 % of the server's CPU). Every byte is handed out once.
 */
function pooledRandomBytes(poolSize = 4096): (n: number) => Buffer {
  let pool = randomBytes(poolSize)
  let offset = 0
  return (n) => {
    if (n > poolSize) return randomBytes(n)
    if (offset + n > poolSize) {
      pool = randomBytes(poolSize)
      offset = 0
    }
    const bytes = pool.subarray(offset, offset + n)
    offset += n
    return bytes
  }
}

/** Deterministic ids for tests and the seeded demo: `prefix-000001`, ... */
export function sequentialIds(prefix = 'id'): IdFactory {
  let n = 0
  return () => `${prefix}-${String(++n).padStart(6, '0')}`
}
