import { describe, expect, it } from 'vitest'
import { ManualClock, argon2Hasher, sequentialIds, uuidv7Factory } from './index.ts'

describe('uuidv7', () => {
  it('is a valid v7 UUID and sorts by creation time, also within one millisecond', () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z')
    const next = uuidv7Factory(clock)
    const ids: string[] = []
    for (let i = 0; i < 50; i++) {
      ids.push(next())
      if (i % 10 === 0) clock.advance(1)
    }
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })
  it('never reuses random bits across refills of its random pool (1,000 ids, 4 refills)', () => {
    const next = uuidv7Factory(new ManualClock('2026-03-01T10:00:00.000Z'))
    const ids = Array.from({ length: 1000 }, () => next())
    expect(new Set(ids.map((id) => id.slice(19))).size).toBe(1000)
  })
  it('sequential ids are deterministic', () => {
    const next = sequentialIds('s')
    expect([next(), next()]).toEqual(['s-000001', 's-000002'])
  })
})

describe('argon2id passwords', () => {
  it('verifies the right password only, and the hash names argon2id', async () => {
    const encoded = await argon2Hasher.hash('correct horse battery staple')
    expect(encoded.startsWith('$argon2id$')).toBe(true)
    expect(await argon2Hasher.verify(encoded, 'correct horse battery staple')).toBe(true)
    expect(await argon2Hasher.verify(encoded, 'wrong')).toBe(false)
    expect(await argon2Hasher.verify('not-a-hash', 'x')).toBe(false)
  })
})
