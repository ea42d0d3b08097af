import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createSealer } from './index.ts'

const sealer = createSealer(Buffer.alloc(32, 1))
const Arm = z.object({ arm: z.string() })

describe('sealer', () => {
  it('opens what it sealed, only under the same context', () => {
    const sealed = sealer.seal({ arm: 'D1' }, 'subject_period:a')
    expect(sealed).toMatch(/^s1:/)
    expect(sealed).not.toContain('D1')
    expect(sealer.open(Arm, sealed, 'subject_period:a')).toEqual({ arm: 'D1' })
    expect(() => sealer.open(Arm, sealed, 'subject_period:b')).toThrow(/failed authentication/)
    expect(() => createSealer(Buffer.alloc(32, 2)).open(Arm, sealed, 'subject_period:a')).toThrow(
      /failed authentication/,
    )
  })

  it('detects an altered ciphertext', () => {
    const sealed = sealer.seal({ arm: 'P' }, 'x')
    const raw = Buffer.from(sealed.slice(3), 'base64')
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1
    expect(() => sealer.open(Arm, `s1:${raw.toString('base64')}`, 'x')).toThrow(/failed authentication/)
  })

  it('gives ciphertexts of one length whatever the arm, and a fresh one each time', () => {
    const p = sealer.seal({ arm: 'P' }, 'x')
    const d = sealer.seal({ arm: 'D1' }, 'x')
    expect(p.length).toBe(d.length)
    expect(sealer.seal({ arm: 'P' }, 'x')).not.toBe(p)
  })

  it('tokens are stable, keyed and not the input', () => {
    expect(sealer.token('s1')).toBe(sealer.token('s1'))
    expect(sealer.token('s1')).not.toBe(createSealer(Buffer.alloc(32, 2)).token('s1'))
    expect(sealer.token('s1')).toMatch(/^[0-9a-f]{64}$/)
  })

  it('has a key check value that tells keys apart and is neither the key nor a token', () => {
    const key = Buffer.alloc(32, 1)
    expect(sealer.keyCheck).toMatch(/^[0-9a-f]{64}$/)
    expect(createSealer(Buffer.alloc(32, 1)).keyCheck).toBe(sealer.keyCheck)
    expect(createSealer(Buffer.alloc(32, 2)).keyCheck).not.toBe(sealer.keyCheck)
    expect(sealer.keyCheck).not.toContain(key.toString('hex'))
    expect(sealer.keyCheck).not.toBe(sealer.token('trialdesk seal key check'))
  })
})
