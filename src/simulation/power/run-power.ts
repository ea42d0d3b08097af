/**
 * The power study: every scenario simulated `sims` times, in batches handed to an executor (the calling thread, or
 * a pool of worker threads), tallied as results stream in.
 *
 * Reproducibility: replicate i draws from `createRng(seed).fork('power').fork(i)`, whatever its scenario, worker or
 * batch. The same replicate index therefore gives the same patients in every scenario (common random numbers): a
 * scenario differing only in the effect re-runs the same patients under the other effect, so differences between
 * scenarios, and the shape of a power curve, carry less Monte-Carlo noise than independent runs would. Each
 * scenario's own estimate is an ordinary Monte-Carlo mean with the usual binomial error.
 *
 * Memory is flat in the number of simulations: a batch returns one tally, batches are merged in order as they
 * arrive, and at most `maxInFlight` batches are outstanding.
 */
import { createRng } from '../model/index.ts'
import type { PowerScenario } from './scenario.ts'
import {
  addOutcome,
  emptyTally,
  mergeTally,
  summariseScenario,
  type ScenarioSummary,
  type ScenarioTally,
} from './tally.ts'
import { contrastArms, runReplicate } from './trial-replicate.ts'

export interface PowerPlan {
  readonly seed: number | string
  readonly sims: number
  readonly scenarios: readonly PowerScenario[]
}

/** A batch of consecutive replicates of one scenario: what a worker receives. */
export interface PowerTask {
  readonly seed: number | string
  readonly scenario: PowerScenario
  readonly first: number
  readonly count: number
}

/** Runs batches somewhere: in this thread or in worker threads. */
export interface PowerExecutor {
  readonly threads: number
  run(task: PowerTask): Promise<ScenarioTally>
  close(): Promise<void>
}

/** Runs one batch in the calling thread: the pure core the workers call too. */
export function runPowerBatch(task: PowerTask): ScenarioTally {
  const tally = emptyTally(contrastArms(task.scenario.design).length)
  const root = createRng(task.seed).fork('power')
  for (let i = task.first; i < task.first + task.count; i++)
    addOutcome(tally, runReplicate(task.scenario, root.fork(i)))
  return tally
}

/** Runs batches one at a time in the calling thread (tests, `--threads 1`). */
export function inProcessExecutor(): PowerExecutor {
  return { threads: 1, run: (task) => Promise.resolve(runPowerBatch(task)), close: () => Promise.resolve() }
}

/** Subject-visits per batch: about a second of work, so messaging costs nothing and progress moves steadily. */
const BATCH_SUBJECT_VISITS = 60_000
const MAX_BATCH = 50

/** Replicates per batch for a scenario; it depends on the scenario only, so batches are the same on any pool. */
export function batchSize(scenario: PowerScenario): number {
  const work = scenario.nTotal * scenario.design.visitDays.length
  return Math.max(1, Math.min(MAX_BATCH, Math.round(BATCH_SUBJECT_VISITS / work)))
}

export interface PowerProgress {
  readonly done: number
  readonly total: number
  readonly scenariosDone: number
  readonly scenarios: number
  readonly elapsedMs: number
  /** Simulated trials per second so far. */
  readonly rate: number
  /** Remaining time, extrapolated from the work done (weighted by subjects × visits); null before the first batch. */
  readonly etaMs: number | null
}

export interface PowerRunOptions {
  readonly executor?: PowerExecutor
  readonly onProgress?: (p: PowerProgress) => void
  /** Called as each scenario completes, in scenario order. */
  readonly onScenario?: (s: ScenarioSummary) => void
  /** Outstanding batches at most (default 4 per thread). */
  readonly maxInFlight?: number
  readonly now?: () => number
}

export interface PowerStudyResult {
  readonly seed: number | string
  readonly sims: number
  readonly threads: number
  readonly elapsedMs: number
  readonly scenarios: readonly ScenarioSummary[]
}

interface Batch {
  readonly seq: number
  readonly task: PowerTask
  readonly work: number
}

function* batches(plan: PowerPlan): Generator<Batch> {
  let seq = 0
  for (const scenario of plan.scenarios) {
    const size = batchSize(scenario)
    for (let first = 0; first < plan.sims; first += size) {
      const count = Math.min(size, plan.sims - first)
      const task = { seed: plan.seed, scenario, first, count }
      yield { seq: seq++, task, work: count * scenario.nTotal * scenario.design.visitDays.length }
    }
  }
}

/** Simulates every scenario of the plan and returns their summaries (in scenario order). */
export async function runPowerStudy(plan: PowerPlan, options: PowerRunOptions = {}): Promise<PowerStudyResult> {
  if (!(Number.isInteger(plan.sims) && plan.sims >= 1)) throw new RangeError('sims must be a positive integer')
  const executor = options.executor ?? inProcessExecutor()
  const now = options.now ?? (() => performance.now())
  const maxInFlight = options.maxInFlight ?? 4 * executor.threads
  const started = now()
  const totalWork = plan.scenarios.reduce((a, s) => a + plan.sims * s.nTotal * s.design.visitDays.length, 0)
  const total = plan.sims * plan.scenarios.length
  const tallies = new Map<number, ScenarioTally>()
  const summaries: ScenarioSummary[] = []
  const finished = new Map<number, { batch: Batch; tally: ScenarioTally }>()
  let nextToMerge = 0
  let done = 0
  let doneWork = 0

  const merge = (batch: Batch, tally: ScenarioTally) => {
    const s = batch.task.scenario
    const acc = tallies.get(s.index) ?? emptyTally(contrastArms(s.design).length)
    mergeTally(acc, tally)
    tallies.set(s.index, acc)
    done += batch.task.count
    doneWork += batch.work
    if (acc.sims === plan.sims) {
      tallies.delete(s.index)
      const summary = summariseScenario(s, acc, plan.seed)
      summaries.push(summary)
      options.onScenario?.(summary)
    }
    const elapsedMs = now() - started
    options.onProgress?.({
      done,
      total,
      scenariosDone: summaries.length,
      scenarios: plan.scenarios.length,
      elapsedMs,
      rate: elapsedMs > 0 ? (done * 1000) / elapsedMs : 0,
      etaMs: doneWork > 0 ? (elapsedMs * (totalWork - doneWork)) / doneWork : null,
    })
  }

  const source = batches(plan)
  const running = new Map<number, Promise<{ batch: Batch; tally: ScenarioTally }>>()
  let exhausted = false
  let launched = 0
  while (true) {
    // launch while the window of unmerged batches has room
    while (!exhausted && launched - nextToMerge < maxInFlight) {
      const next = source.next()
      if (next.done) {
        exhausted = true
        break
      }
      const batch = next.value
      running.set(
        batch.seq,
        executor.run(batch.task).then((tally) => ({ batch, tally })),
      )
      launched++
    }
    if (running.size === 0) break
    const result = await Promise.race(running.values())
    running.delete(result.batch.seq)
    finished.set(result.batch.seq, result)
    for (let r = finished.get(nextToMerge); r !== undefined; r = finished.get(nextToMerge)) {
      finished.delete(nextToMerge)
      merge(r.batch, r.tally)
      nextToMerge++
    }
  }
  return {
    seed: plan.seed,
    sims: plan.sims,
    threads: executor.threads,
    elapsedMs: now() - started,
    scenarios: summaries,
  }
}
