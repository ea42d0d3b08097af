import type BetterSqlite3 from 'better-sqlite3'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** How often the background connection copies the WAL into the database file. */
const CHECKPOINT_EVERY_MS = 250

/**
 * The worker's code (plain CommonJS, so that it needs no TypeScript loader): its own connection to the file,
 * a PASSIVE checkpoint on a timer (it never waits for, nor blocks, the writer), and a clean close on request.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('busy_timeout = 1000')
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch { /* busy or closing: the next tick tries again */ }
}, workerData.everyMs)
parentPort.on('message', () => {
  clearInterval(timer)
  db.close()
  parentPort.close()
})
parentPort.postMessage('ready')
`

export interface Checkpointer {
  /** Stops the worker after its current checkpoint and closes its connection. */
  stop(): Promise<void>
}

/**
 * Moves WAL checkpoints off the event loop. By default SQLite checkpoints inside the commit that crosses 1,000
 * WAL pages, and a checkpoint (copying pages and fsyncing the database file, 5–20 ms measured here) then stalls
 * every request behind it: the bench's p99. With automatic checkpoints off on the application's connection, a
 * worker thread's connection checkpoints in the background instead. Should the worker fail to start, the
 * connection keeps SQLite's automatic checkpoints.
 */
export async function startCheckpointer(database: BetterSqlite3.Database, file: string): Promise<Checkpointer> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file, everyMs: CHECKPOINT_EVERY_MS },
  })
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  const ready = await new Promise<boolean>((resolve) => {
    worker.once('message', () => resolve(true))
    worker.once('error', () => resolve(false))
  })
  if (!ready) return { stop: () => exited }
  const automatic = (): void => {
    if (database.open) database.pragma('wal_autocheckpoint = 1000')
  }
  // A worker lost later (it should not be) hands checkpoints back to the connection rather than let the WAL grow.
  worker.on('error', automatic)
  database.pragma('wal_autocheckpoint = 0')
  // The worker must not keep a finished CLI command or test process alive.
  worker.unref()
  let stopping: Promise<void> | undefined
  return {
    stop() {
      stopping ??= (async () => {
        automatic()
        worker.ref() // until it has exited: the caller awaits that
        worker.postMessage('stop')
        await exited
      })()
      return stopping
    },
  }
}
