import type { Kysely, Migration } from 'kysely'

/**
 * The seal key's check value on the study row (`Sealer.keyCheck`, never the key), so that services built with
 * another key refuse to start instead of failing later on the first sealed list. Null for studies set up
 * before this migration: their first open with the right key stores it.
 */
export const sealCheck: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('study').addColumn('seal_check', 'text').execute()
  },
}
