import type { SiteId } from '../domain/index.ts'

/**
 * A personal API token as stored: only the SHA-256 of the secret is kept. A token acts as its owner with the
 * owner's role, narrowed to `sites` (a token cannot widen its owner's scope), until it expires or is revoked.
 */
export interface ApiTokenRecord {
  readonly id: string
  readonly hash: string
  readonly userId: string
  readonly username: string
  readonly label: string
  readonly sites: readonly SiteId[] | 'all'
  readonly createdAt: string
  readonly expiresAt: string
  readonly revokedAt: string | null
}

/** Where tokens live. The API ships an in-memory implementation; a database-backed one plugs in here. */
export interface ApiTokenStore {
  insert(record: ApiTokenRecord): Promise<void>
  findByHash(hash: string): Promise<ApiTokenRecord | undefined>
  listForUser(userId: string): Promise<readonly ApiTokenRecord[]>
  /** Revokes the user's token `id`; false when there is no such open token of that user. */
  revoke(userId: string, id: string, at: string): Promise<boolean>
}

/** Tokens kept in process memory: they end when the server stops (users issue a new one). */
export function inMemoryTokenStore(): ApiTokenStore {
  const byHash = new Map<string, ApiTokenRecord>()
  return {
    insert(record) {
      byHash.set(record.hash, record)
      return Promise.resolve()
    },
    findByHash: (hash) => Promise.resolve(byHash.get(hash)),
    listForUser: (userId) => Promise.resolve([...byHash.values()].filter((t) => t.userId === userId)),
    revoke(userId, id, at) {
      const token = [...byHash.values()].find((t) => t.id === id && t.userId === userId && t.revokedAt === null)
      if (token) byHash.set(token.hash, { ...token, revokedAt: at })
      return Promise.resolve(token !== undefined)
    },
  }
}
