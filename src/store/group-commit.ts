import type { Kysely } from 'kysely'
import type { Result } from '../domain/index.ts'
import { joinTransaction } from './join-transaction.ts'
import type { DB } from './schema.ts'
import type { Conn, Store } from './store.ts'

/** Upper bound of writes sharing one transaction, so that a batch's locks (and SQLite readers) are not held long. */
const MAX_BATCH = 64

interface Pending {
  readonly fn: (tx: Conn) => Promise<Result<unknown>>
  readonly resolve: (r: Result<unknown>) => void
  readonly reject: (e: unknown) => void
}

interface Outcome {
  readonly result?: Result<unknown>
  readonly error?: unknown
}

/**
 * The store's `write`: group commit. Every audited write ends by locking the one audit-chain head, so writers
 * are serialised on it anyway (SQLite has a single writer besides), and each would hold it through its own
 * commit: on SQLite the WAL append, on PostgreSQL the WAL fsync. Instead, the writes that arrive while the
 * event loop is busy share one transaction (SQLite `BEGIN IMMEDIATE`), each inside its own SAVEPOINT: a write
 * that answers a failed `Result` or throws is rolled back alone, the others stand. Every caller is answered
 * only after the shared commit, so an acknowledged write is durable exactly as before. The batch is gathered
 * with `setImmediate`, i.e. after the I/O callbacks of the current turn (the other requests read in it) have
 * queued their writes; writes run in arrival order. Should the shared transaction itself fail (the commit, a
 * savepoint statement), nothing of it was acknowledged: each write is run again alone, so one write's trouble
 * never fails another. Other processes (a second server, the CLI) still meet this one's transactions through
 * the database's locks (PostgreSQL row locks, SQLite's write lock), as before.
 */
export function groupCommitWriter(db: Kysely<DB>, base: Pick<Store, 'location' | 'dialect'>): Store['write'] {
  const queue: Pending[] = []
  let draining = false

  const settle = (p: Pending, o: Outcome): void => {
    if (o.result) p.resolve(o.result)
    else p.reject(o.error)
  }

  async function runBatch(batch: readonly Pending[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = []
    await db.transaction().execute(async (trx) => {
      const joined = joinTransaction(base, { db: trx, dialect: base.dialect })
      for (const p of batch) {
        try {
          outcomes.push({ result: await joined.write(p.fn) })
        } catch (error) {
          outcomes.push({ error })
        }
      }
    })
    return outcomes
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH)
      try {
        const outcomes = await runBatch(batch)
        batch.forEach((p, i) => settle(p, outcomes[i] ?? {}))
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error)
        else for (const p of batch) await runBatch([p]).then((o) => settle(p, o[0] ?? {}), p.reject)
      }
    }
    draining = false
  }

  return <T>(fn: (tx: Conn) => Promise<Result<T>>): Promise<Result<T>> =>
    new Promise<Result<T>>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (r: Result<unknown>) => void, reject })
      if (!draining) {
        draining = true
        setImmediate(() => void drain())
      }
    })
}
