import type { Kysely, Migration } from 'kysely'

/**
 * Personal API tokens kept across restarts. Only the SHA-256 of the secret is stored (hex, unique: the lookup key
 * of every bearer request); nothing is deleted, a token ends by expiry or revocation.
 */
export const apiTokens: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('api_token')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'text', (c) => c.notNull().references('app_user.id'))
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('sites', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute()
    await db.schema.createIndex('api_token_user_ix').on('api_token').column('user_id').execute()
  },
}
