import type { ApiTokenTable } from './schema.ts'
import type { Conn } from './store.ts'

export async function insertApiToken(c: Conn, row: ApiTokenTable): Promise<void> {
  await c.db.insertInto('api_token').values(row).execute()
}

export function findApiToken(c: Conn, id: string): Promise<ApiTokenTable | undefined> {
  return c.db.selectFrom('api_token').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Every token of a user, newest first (revoked and expired ones included: the user sees their history). */
export function listApiTokens(c: Conn, userId: string): Promise<ApiTokenTable[]> {
  return c.db
    .selectFrom('api_token')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
}

/** The user's tokens that are neither revoked nor expired at `now` (revoked with the account on deactivation). */
export function listOpenApiTokens(c: Conn, userId: string, now: string): Promise<ApiTokenTable[]> {
  return c.db
    .selectFrom('api_token')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .execute()
}

/**
 * The token with this hash if it is open at `now` (not revoked, not expired) and its owner is active, with the
 * owner's identity (`owner_sites`: the owner's current sites, JSON): one query per bearer request.
 */
export function findOpenApiToken(c: Conn, hash: string, now: string) {
  return c.db
    .selectFrom('api_token')
    .innerJoin('app_user', 'app_user.id', 'api_token.user_id')
    .selectAll('api_token')
    .select(['app_user.username', 'app_user.role', 'app_user.sites as owner_sites'])
    .where('api_token.hash', '=', hash)
    .where('api_token.revoked_at', 'is', null)
    .where('api_token.expires_at', '>', now)
    .where('app_user.active', '=', 1)
    .executeTakeFirst()
}

/** Marks a token revoked at `at`, only if it is still open; true when it was. */
export async function revokeApiToken(c: Conn, id: string, at: string): Promise<boolean> {
  const result = await c.db
    .updateTable('api_token')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}
