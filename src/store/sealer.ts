import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes as cryptoRandomBytes } from 'node:crypto'
import type { z } from 'zod'

/**
 * Seals allocation detail at rest (AES-256-GCM) and turns subject ids into keyed tokens (HMAC-SHA-256), with
 * keys derived (HKDF) from the server's 32-byte seal key, which lives in the config, never in the database.
 */
export interface Sealer {
  /** Ciphertext of the JSON of `value`, bound to `context` (e.g. `subject_period:<id>`): it opens nowhere else. */
  seal(value: unknown, context: string): string
  /** Opens a sealed value and checks it with `schema`. A failure means tampering or a wrong key: it throws. */
  open<T>(schema: z.ZodType<T>, sealed: string, context: string): T
  /** A stable keyed hash of `value`, e.g. a subject id, that cannot be reversed or recomputed without the key. */
  token(value: string): string
  /**
   * The key's check value: HMAC-SHA-256 of a fixed label under a key derived for this use only. Stored with
   * the study so that a server given another key refuses to start; it tells two keys apart and reveals neither.
   */
  readonly keyCheck: string
}

const PREFIX = 's1:'
/** Plaintexts are padded to a multiple of this many bytes so the ciphertext length does not tell arm ids apart. */
const PAD_BYTES = 64
const KEY_CHECK_LABEL = 'trialdesk seal key check'

export function createSealer(sealKey: Uint8Array, randomBytes: (n: number) => Buffer = cryptoRandomBytes): Sealer {
  if (sealKey.length !== 32) throw new Error('the seal key must be 32 bytes')
  const encryptionKey = Buffer.from(hkdfSync('sha256', sealKey, Buffer.alloc(0), 'trialdesk/seal-field/v1', 32))
  const tokenKey = Buffer.from(hkdfSync('sha256', sealKey, Buffer.alloc(0), 'trialdesk/subject-token/v1', 32))
  const checkKey = Buffer.from(hkdfSync('sha256', sealKey, Buffer.alloc(0), 'trialdesk/key-check/v1', 32))
  return {
    seal(value, context) {
      const json = JSON.stringify(value)
      // JSON ignores trailing whitespace, so spaces pad without changing the value.
      const plain = json.padEnd(Math.ceil((Buffer.byteLength(json) + 1) / PAD_BYTES) * PAD_BYTES, ' ')
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv)
      cipher.setAAD(Buffer.from(context, 'utf8'))
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
    },
    open(schema, sealed, context) {
      if (!sealed.startsWith(PREFIX)) throw new Error(`not a sealed value (${context})`)
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64')
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, raw.subarray(0, 12))
      decipher.setAAD(Buffer.from(context, 'utf8'))
      decipher.setAuthTag(raw.subarray(12, 28))
      let plain: string
      try {
        plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
      } catch {
        throw new Error(`sealed value failed authentication (${context}): wrong seal key, or the row was altered`)
      }
      return schema.parse(JSON.parse(plain))
    },
    token: (value) => createHmac('sha256', tokenKey).update(value, 'utf8').digest('hex'),
    keyCheck: createHmac('sha256', checkKey).update(KEY_CHECK_LABEL, 'utf8').digest('hex'),
  }
}
