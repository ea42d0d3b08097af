/**
 * The worker-thread shell of the power simulator: a piscina pool whose workers run `runPowerBatch`.
 *
 * The sources run as TypeScript under tsx. Worker threads do not inherit loader hooks registered in the main
 * thread with `register()` (as `bin/trialdesk.js` does), nor vitest's transform, so each worker is started with
 * tsx's loader on its command line. A build that compiled the sources to JavaScript loads the `.js` worker directly.
 */
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Piscina } from 'piscina'
import type { PowerExecutor, PowerTask } from './run-power.ts'
import type { ScenarioTally } from './tally.ts'

const fromSource = import.meta.url.endsWith('.ts')

function workerExecArgv(): string[] {
  if (!fromSource) return [...process.execArgv]
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return [...process.execArgv, '--import', loader]
}

export interface PowerPoolOptions {
  /** Worker threads (default `os.availableParallelism()`). */
  readonly threads?: number
}

/** A pool of worker threads for `runPowerStudy`; call `close()` when done. */
export function createPowerPool(options: PowerPoolOptions = {}): PowerExecutor {
  const threads = Math.max(1, options.threads ?? availableParallelism())
  const pool = new Piscina({
    filename: new URL(fromSource ? './power-worker.ts' : './power-worker.js', import.meta.url).href,
    // The export is named at pool level so each worker loads the module once, at start-up; naming it per task
    // makes piscina load it again, and that second load bypasses tsx's hooks.
    name: 'powerWorker',
    minThreads: threads,
    maxThreads: threads,
    execArgv: workerExecArgv(),
  })
  return {
    threads,
    run: (task: PowerTask) => pool.run(task) as Promise<ScenarioTally>,
    close: () => pool.destroy(),
  }
}
