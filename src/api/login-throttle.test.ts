import { describe, expect, it } from 'vitest'
import { LoginThrottle } from './login-throttle.ts'

describe('login throttle (token buckets)', () => {
  const rules = { perUsername: { capacity: 3, refillSeconds: 60 }, perAddress: { capacity: 5, refillSeconds: 10 } }

  it('allows `capacity` failures per username, then says how long to wait; one token comes back per refill', () => {
    const t = new LoginThrottle(rules)
    for (let i = 0; i < 3; i++) {
      expect(t.check('alice', `10.0.0.${i}`, 0)).toEqual({ allowed: true })
      t.record('alice', `10.0.0.${i}`, 0, false)
    }
    expect(t.check('alice', '10.0.0.9', 1_000)).toEqual({ allowed: false, retryAfterSeconds: 59 })
    expect(t.check('ALICE', '10.0.0.9', 1_000).allowed).toBe(false)
    expect(t.check('bob', '10.0.0.9', 1_000)).toEqual({ allowed: true })
    expect(t.check('alice', '10.0.0.9', 60_000)).toEqual({ allowed: true })
    t.record('alice', '10.0.0.9', 60_000, false)
    expect(t.check('alice', '10.0.0.9', 60_001)).toEqual({ allowed: false, retryAfterSeconds: 60 })
  })

  it('successful sign-ins do not use up the username’s bucket, but do count against the address', () => {
    const t = new LoginThrottle(rules)
    for (let i = 0; i < 5; i++) t.record('alice', '10.0.0.1', 0, true)
    expect(t.check('alice', '10.0.0.2', 0)).toEqual({ allowed: true })
    expect(t.check('carol', '10.0.0.1', 0)).toEqual({ allowed: false, retryAfterSeconds: 10 })
  })

  it('reports the longer wait when both buckets are empty, and refills no higher than the capacity', () => {
    const t = new LoginThrottle(rules)
    for (let i = 0; i < 5; i++) t.record('alice', '10.0.0.1', 0, false)
    expect(t.check('alice', '10.0.0.1', 0)).toEqual({ allowed: false, retryAfterSeconds: 60 })
    // A day later both are full again, and only `capacity` attempts pass.
    const later = 86_400_000
    for (let i = 0; i < 3; i++) {
      expect(t.check('alice', '10.0.0.1', later).allowed).toBe(true)
      t.record('alice', '10.0.0.1', later, false)
    }
    expect(t.check('alice', '10.0.0.1', later).allowed).toBe(false)
  })

  it('keeps memory bounded: beyond maxKeys the oldest bucket is forgotten', () => {
    const t = new LoginThrottle({ ...rules, maxKeys: 2 })
    for (let i = 0; i < 3; i++) t.record('alice', '10.0.0.1', 0, false)
    expect(t.check('alice', '10.0.0.9', 0).allowed).toBe(false)
    t.record('bob', '10.0.0.9', 0, false)
    t.record('carol', '10.0.0.9', 0, false)
    expect(t.check('alice', '10.0.0.9', 0).allowed).toBe(true)
  })
})
