import type { Updateable } from 'kysely'
import type { SessionTable, UserTable } from './schema.ts'
import { PreparedQuery } from './prepared-query.ts'
import type { Conn } from './store.ts'

export function findUserByUsername(c: Conn, username: string): Promise<UserTable | undefined> {
  return c.db.selectFrom('app_user').selectAll().where('username', '=', username).executeTakeFirst()
}

export function findUser(c: Conn, id: string): Promise<UserTable | undefined> {
  return c.db.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst()
}

export function listUsers(c: Conn): Promise<UserTable[]> {
  return c.db.selectFrom('app_user').selectAll().orderBy('username').execute()
}

export async function insertUser(c: Conn, row: UserTable): Promise<void> {
  await c.db.insertInto('app_user').values(row).execute()
}

export async function updateUser(c: Conn, id: string, patch: Updateable<UserTable>): Promise<void> {
  await c.db.updateTable('app_user').set(patch).where('id', '=', id).execute()
}

export async function insertSession(c: Conn, row: SessionTable): Promise<void> {
  await c.db.insertInto('user_session').values(row).execute()
}

const activeSession = new PreparedQuery<
  SessionTable & { user: UserTable['id']; sites: string; username: string; role: string },
  'idHash' | 'now'
>((db, p) =>
  db
    .selectFrom('user_session')
    .innerJoin('app_user', 'app_user.id', 'user_session.user_id')
    .selectAll('user_session')
    .select(['app_user.id as user', 'app_user.sites', 'app_user.username', 'app_user.role'])
    .where('user_session.id_hash', '=', p('idHash'))
    .where('user_session.revoked_at', 'is', null)
    .where('user_session.expires_at', '>', p('now'))
    .where('app_user.active', '=', 1),
)

/** An open session (not revoked, not expired at `now`) of an active user, with the user's identity: one query per request. */
export async function findActiveSession(c: Conn, idHash: string, now: string) {
  return (await activeSession.run(c, { idHash, now }))[0]
}

export function findSession(c: Conn, idHash: string): Promise<SessionTable | undefined> {
  return c.db.selectFrom('user_session').selectAll().where('id_hash', '=', idHash).executeTakeFirst()
}

export async function updateSession(c: Conn, idHash: string, patch: Updateable<SessionTable>): Promise<void> {
  await c.db.updateTable('user_session').set(patch).where('id_hash', '=', idHash).execute()
}

/** Revokes every open session of a user (deactivation, password change). Returns how many were open. */
export async function revokeUserSessions(c: Conn, userId: string, at: string): Promise<number> {
  const result = await c.db
    .updateTable('user_session')
    .set({ revoked_at: at })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}
