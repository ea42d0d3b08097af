import { sql } from 'kysely'
import { fail, ProblemCode } from '../domain/index.ts'
import type { Conn, Store } from './store.ts'

/**
 * The store as seen from inside an open transaction `tx`, so that code written against `Store` (the capture
 * services) can run several operations in one all-or-nothing transaction. Its `write` does not open a new
 * transaction: it runs `fn` inside a SAVEPOINT of `tx` (same syntax on SQLite and PostgreSQL) and rolls back to
 * it when `fn` answers a failed `Result` or throws, so a failed step leaves nothing behind while the steps
 * before it stay, and the outer transaction decides what commits. Reads through `db` see the transaction's own
 * writes. Writes through the joined store run one at a time (savepoints nest, they do not interleave).
 */
export function joinTransaction(base: Pick<Store, 'location'>, tx: Conn): Store {
  let depth = 0
  const run = (statement: string, name: string) => sql.raw(`${statement} ${name}`).execute(tx.db)
  return {
    db: tx.db,
    dialect: tx.dialect,
    location: base.location,
    async write(fn) {
      const name = `trialdesk_sp_${++depth}`
      await run('savepoint', name)
      try {
        const result = await fn(tx)
        if (!result.ok) await run('rollback to savepoint', name)
        await run('release savepoint', name)
        return result
      } catch (e) {
        await run('rollback to savepoint', name)
        await run('release savepoint', name)
        throw e
      } finally {
        depth--
      }
    },
    migrate: () =>
      Promise.resolve(
        fail({ code: ProblemCode.StateInvalid, path: '', message: 'migrations do not run inside a transaction' }),
      ),
    close: () => Promise.resolve(),
  }
}
