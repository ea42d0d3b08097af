/**
 * Sealing: a list at rest is AES-256-GCM ciphertext under a key the server holds in its config (never in the
 * database), so a database reader, a backup or a blinded administrator sees no arm. The envelope's clear
 * metadata (study, stage, scheme, fingerprint) is bound to the ciphertext as associated data: swapping the
 * metadata of two envelopes, or any altered byte, fails authentication. After decryption the CSV is checked
 * against the fingerprint published at generation.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { fail, ok, ProblemCode, type Allocation, type PeriodId, type Result } from '../domain/index.ts'
import {
  fingerprintCsv,
  LIST_FORMAT,
  listToCsv,
  parseListCsv,
  verifyCsv,
  type RandomizationList,
} from './randomization-list.ts'
import type { StratumKey } from './strata.ts'

export const SEALED_FORMAT = 'trialdesk-sealed-list/1'

export interface SealedList {
  readonly format: typeof SEALED_FORMAT
  readonly generator: string
  readonly studyId: string
  readonly periodId: PeriodId
  readonly protocolHash: string
  readonly schemeHash: string
  readonly method: Allocation['method']
  readonly strata: readonly StratumKey[]
  /** SHA-256 of the canonical CSV, as published at generation. */
  readonly fingerprint: string
  /** Base64 of the 12-byte GCM nonce, the 16-byte tag and the encrypted canonical CSV. */
  readonly iv: string
  readonly tag: string
  readonly ciphertext: string
}

/**
 * Seals `list` under `key` (32 bytes). `iv` (12 bytes) must be fresh for every sealing under the same key:
 * the caller draws it with `crypto.randomBytes(12)`, which keeps this function pure.
 */
export function sealList(list: RandomizationList, key: Uint8Array, iv: Uint8Array): SealedList {
  if (key.length !== 32) throw new Error('sealing key must be 32 bytes')
  if (iv.length !== 12) throw new Error('sealing iv must be 12 bytes')
  const csv = listToCsv(list)
  const meta = metadataOf(list, fingerprintCsv(csv))
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(associatedData(meta))
  const ciphertext = Buffer.concat([cipher.update(csv, 'utf8'), cipher.final()])
  return {
    ...meta,
    iv: Buffer.from(iv).toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  }
}

/** Opens a sealed list: authenticates, decrypts, parses and checks the fingerprint. Errors are values. */
export function unsealList(sealed: SealedList, key: Uint8Array): Result<RandomizationList> {
  if (sealed.format !== SEALED_FORMAT) {
    return fail({
      code: ProblemCode.Unsupported,
      path: 'format',
      message: `unknown sealed-list format "${String(sealed.format)}"`,
    })
  }
  if (key.length !== 32)
    return fail({ code: ProblemCode.Invalid, path: 'key', message: 'sealing key must be 32 bytes' })
  const meta = metadataOf(sealed, sealed.fingerprint)
  let csv: string
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'))
    decipher.setAAD(associatedData(meta))
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'))
    csv = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8')
  } catch {
    return fail({
      code: ProblemCode.Invalid,
      path: 'ciphertext',
      message: 'sealed list failed authentication: wrong key, or the envelope was altered',
    })
  }
  const verified = verifyCsv(csv, sealed.fingerprint)
  if (!verified.ok) return verified
  const slots = parseListCsv(csv)
  if (!slots.ok) return slots
  return ok({
    format: LIST_FORMAT,
    generator: sealed.generator,
    studyId: sealed.studyId,
    periodId: sealed.periodId,
    protocolHash: sealed.protocolHash,
    schemeHash: sealed.schemeHash,
    method: sealed.method,
    strata: sealed.strata,
    slots: slots.value,
  })
}

type SealMetadata = Omit<SealedList, 'iv' | 'tag' | 'ciphertext'>

function metadataOf(source: Omit<RandomizationList, 'slots' | 'format'>, fingerprint: string): SealMetadata {
  return {
    format: SEALED_FORMAT,
    generator: source.generator,
    studyId: source.studyId,
    periodId: source.periodId,
    protocolHash: source.protocolHash,
    schemeHash: source.schemeHash,
    method: source.method,
    strata: source.strata,
    fingerprint,
  }
}

/** The metadata in a fixed field order, so the associated data is the same bytes on every machine. */
function associatedData(meta: SealMetadata): Buffer {
  const fields = [
    meta.format,
    meta.generator,
    meta.studyId,
    meta.periodId,
    meta.protocolHash,
    meta.schemeHash,
    meta.method,
    meta.strata,
    meta.fingerprint,
  ]
  return Buffer.from(JSON.stringify(fields), 'utf8')
}
