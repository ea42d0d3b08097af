import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sealList, unsealList, type SealedList } from './list-seal.ts'
import { fingerprintList, generateList } from './randomization-list.ts'
import { compileScheme } from './scheme.ts'
import { referenceProtocol } from './test-protocols.ts'

const scheme = compileScheme(referenceProtocol())
if (!scheme.ok) throw new Error('reference scheme')
const generated = generateList(scheme.value, { seed: 'seal', perStratum: 12 })
if (!generated.ok) throw new Error('list')
const list = generated.value
const key = randomBytes(32)
const sealed = sealList(list, key, randomBytes(12))

describe('sealed lists', () => {
  it('opens with the key to the same list, carrying the published fingerprint', () => {
    expect(sealed.fingerprint).toBe(fingerprintList(list))
    expect(unsealList(sealed, key)).toEqual({ ok: true, value: list })
  })

  it('shows a database reader no arm: the envelope holds no row of the list', () => {
    const text = JSON.stringify(sealed)
    for (const slot of list.slots) expect(text).not.toContain(slot.slotCode)
    expect(text).not.toMatch(/site=MAL,\d/)
  })

  it('refuses a wrong key, an altered ciphertext and swapped metadata', () => {
    const flip = Buffer.from(sealed.ciphertext, 'base64')
    flip[10] = (flip[10] ?? 0) ^ 1
    const cases: [string, SealedList, Uint8Array][] = [
      ['wrong key', sealed, randomBytes(32)],
      ['altered ciphertext', { ...sealed, ciphertext: flip.toString('base64') }, key],
      ['altered stage', { ...sealed, periodId: 'crossover' as SealedList['periodId'] }, key],
      ['altered fingerprint', { ...sealed, fingerprint: '0'.repeat(64) }, key],
    ]
    for (const [label, envelope, k] of cases) {
      const r = unsealList(envelope, k)
      expect(r.ok, label).toBe(false)
      expect(r.ok || r.problems[0]?.message, label).toContain('failed authentication')
    }
  })

  it('uses the fresh nonce the caller supplies: two sealings of one list differ', () => {
    const again = sealList(list, key, randomBytes(12))
    expect(again.ciphertext).not.toBe(sealed.ciphertext)
    expect(unsealList(again, key).ok).toBe(true)
  })
})
