import { describe, expect, it } from 'vitest'
import type { Actor } from '../access/index.ts'
import type { SessionView } from '../capture/index.ts'
import type { UserId } from '../domain/index.ts'
import { SessionCache } from './session-cache.ts'

const T0 = Date.parse('2026-01-12T08:00:00.000Z')
const actor: Actor = { userId: 'u1' as UserId, username: 'monitor', role: 'monitor', sites: 'all' }
const session = (expiresAt: string): SessionView => ({
  idHash: 'h1',
  actor,
  createdAt: '2026-01-12T08:00:00.000Z',
  lastSeenAt: '2026-01-12T08:00:00.000Z',
  expiresAt,
})

/** A database stand-in that counts reads and answers what `current` holds. */
function database(initial: SessionView | undefined) {
  const db = {
    current: initial,
    reads: 0,
    read: (_: string): Promise<SessionView | undefined> => {
      db.reads++
      return Promise.resolve(db.current)
    },
  }
  return db
}

describe('session cache', () => {
  it('reads a session once within the trust window, again after it', async () => {
    const cache = new SessionCache(5_000)
    const db = database(session('2026-01-12T08:30:00.000Z'))
    await cache.find('h1', T0, db.read)
    await cache.find('h1', T0 + 4_999, db.read)
    expect(db.reads).toBe(1)
    db.current = undefined
    expect(await cache.find('h1', T0 + 5_000, db.read)).toBeUndefined()
    expect(db.reads).toBe(2)
  })

  it('never serves a session past its expiry from memory', async () => {
    const cache = new SessionCache(60_000)
    const db = database(session('2026-01-12T08:00:02.000Z'))
    await cache.find('h1', T0, db.read)
    db.current = undefined
    expect(await cache.find('h1', T0 + 2_000, db.read)).toBeUndefined()
    expect(db.reads).toBe(2)
  })

  it('keeps the sliding expiry it is told of', async () => {
    const cache = new SessionCache(60_000)
    const db = database(session('2026-01-12T08:00:02.000Z'))
    await cache.find('h1', T0, db.read)
    cache.touched('h1', '2026-01-12T08:00:01.000Z', '2026-01-12T08:30:01.000Z')
    const found = await cache.find('h1', T0 + 3_000, db.read)
    expect([found?.expiresAt, db.reads]).toEqual(['2026-01-12T08:30:01.000Z', 1])
  })

  it('reads every session again after forget(), and does not keep a read that forget() overtook', async () => {
    const cache = new SessionCache(60_000)
    const db = database(session('2026-01-12T08:30:00.000Z'))
    await cache.find('h1', T0, db.read)
    cache.forget()
    await cache.find('h1', T0 + 1, db.read)
    expect(db.reads).toBe(2)
    // A read in flight when the session is ended (and forget() runs) may have seen it open: not kept.
    cache.forget()
    let release: () => void = () => undefined
    const slow = (_: string) => new Promise<SessionView | undefined>((done) => (release = () => done(db.current)))
    const inFlight = cache.find('h1', T0 + 2, slow)
    cache.forget()
    release()
    expect(await inFlight).toBeDefined()
    db.current = undefined
    expect(await cache.find('h1', T0 + 3, db.read)).toBeUndefined()
  })
})
