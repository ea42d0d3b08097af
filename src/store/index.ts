/**
 * The data layer: one Kysely `DB` schema and one migration list over SQLite (embedded default, one file in WAL
 * mode) and PostgreSQL (multi-site, chosen by a `postgres://` URL).
 *
 * - `openStore(url, options)` → `Store`; `store.migrate()`; `store.write(fn)` runs `fn` in ONE transaction and
 *   rolls back when it answers a failed `Result` (SQLite: BEGIN IMMEDIATE, one writer at a time, statements
 *   prepared once; PostgreSQL: READ COMMITTED with row locks). `joinTransaction(store, tx)` is the store seen
 *   from inside an open transaction, whose `write` is a savepoint (several service calls, one transaction).
 * - Portability: ISO-8601 UTC text instants with milliseconds, `YYYY-MM-DD` dates, 0/1 booleans, canonical JSON
 *   text read back through zod, text ids. Dialect differences live here only: row locks (`forUpdate`,
 *   `forShare`; no-ops on SQLite) and the migrator's bookkeeping schema.
 * - PostgreSQL lock order (deadlock-free): study row (shared by every writer, exclusive for database lock,
 *   unblinding, go-live) → subject row → randomization counter row → randomization list row (only to extend
 *   an exhausted list) → audit chain head (taken last, held to commit, which keeps `seq` gapless and the hash
 *   chain linear).
 * - Allocation detail is sealed at rest (`createSealer`): arms, slots, doses and preparation content are
 *   AES-256-GCM ciphertext bound to their row; subjects in slot rows are keyed tokens; lists and seeds are sealed.
 * - Repositories per aggregate (study, users, sessions and API tokens, subjects, forms and queries, supply, safety,
 *   audit) take a `Conn`: the store or an open transaction. `DbSlotStore` implements the randomization module's
 *   `SlotStore` contract inside the caller's transaction.
 */
export * from './schema.ts'
export * from './store.ts'
export { openStore, type OpenStoreOptions } from './open-store.ts'
export { joinTransaction } from './join-transaction.ts'
export { MIGRATIONS } from './migrations/index.ts'
export { GENESIS_HASH } from './genesis.ts'
export * from './json.ts'
export * from './audit-repo.ts'
export * from './sealer.ts'
export { DbSlotStore, type DbSlotStoreOptions } from './slot-store.ts'
export * from './sealed-payloads.ts'
export * from './study-repo.ts'
export * from './user-repo.ts'
export * from './token-repo.ts'
export * from './subject-repo.ts'
export * from './form-repo.ts'
export * from './supply-repo.ts'
export * from './safety-repo.ts'
