/**
 * Worker-thread entry of the power pool (piscina calls the named export `powerWorker`): runs one batch of replicates
 * and returns its tally, a few numbers.
 */
import { runPowerBatch, type PowerTask } from './run-power.ts'
import type { ScenarioTally } from './tally.ts'

export function powerWorker(task: PowerTask): ScenarioTally {
  return runPowerBatch(task)
}
