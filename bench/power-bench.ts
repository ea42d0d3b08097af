/**
 * Power simulator bench: the speed target (1,000 simulated two-arm trials of 400 patients with 13 monthly
 * visits, each analysed by the REML mixed model, on the worker pool, under 60 s on the 2-core machine) and the
 * Monte-Carlo validation at full size (2,000 trials): type-I error under no effect within 0.05 ± 0.015 on the
 * natural-history model, and simulated power against the closed form on the Gaussian textbook model.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadProtocolFile } from '../src/protocol/index.ts'
import {
  createPowerPool,
  designFromProtocol,
  powerScenarios,
  runPowerStudy,
  type DesignOptions,
  type PowerExecutor,
  type PowerScenario,
  type ScenarioSummary,
} from '../src/simulation/index.ts'

const PROTOCOL = resolve(import.meta.dirname, '../protocols/admsc-als.yaml')
/** Two arms (highest dose vs placebo), 1:1, monthly visits for 12 months: 13 visits. */
const TWO_ARM: DesignOptions = { arms: ['D3', 'P'], months: 12, visitEveryMonths: 1 }

export interface PowerBenchFigures {
  readonly threads: number
  readonly speed: {
    readonly trials: number
    readonly patients: number
    readonly visits: number
    /** Wall time of the run, pool start-up included. */
    readonly seconds: number
    readonly trialsPerSecond: number
    /** Share of the workers' time spent fitting (the rest simulating). */
    readonly fitShare: number
    readonly workerMsPerTrial: { readonly simulate: number; readonly fit: number }
    /** Resident memory of the process after a quarter of the trials and at the end (MB). */
    readonly rssMb: { readonly quarter: number; readonly end: number }
    readonly power: ScenarioSummary
  }
  readonly typeI: ScenarioSummary
  readonly closedForm: ScenarioSummary
}

/** The two-arm scenario with `slope` slowing (or the no-effect scenario when null). */
async function scenario(options: DesignOptions, n: number, slope: number | null): Promise<PowerScenario[]> {
  const version = await loadProtocolFile(PROTOCOL)
  if (!version.ok) throw new Error(`bench protocol: ${version.problems.map((p) => p.message).join('; ')}`)
  const design = designFromProtocol(version.value, { ...TWO_ARM, ...options })
  if (!design.ok) throw new Error(`bench design: ${design.problems.map((p) => p.message).join('; ')}`)
  const effects = slope === null ? [] : [{ label: `slope=${slope}`, slope, hr: 1 }]
  const scenarios = powerScenarios([design.value], [n], effects)
  if (!scenarios.ok) throw new Error(`bench scenarios: ${scenarios.problems.map((p) => p.message).join('; ')}`)
  // keep only the scenario asked for (the null scenario comes first)
  return slope === null ? scenarios.value : scenarios.value.filter((s) => !s.effect.isNull)
}

/**
 * Runs the scenarios; also reads the process's resident memory (main thread and workers) when a quarter of the
 * trials are in and at the end: memory is flat in the number of simulations when the two agree.
 */
async function run(
  executor: PowerExecutor,
  seed: string,
  sims: number,
  scenarios: PowerScenario[],
): Promise<{ summary: ScenarioSummary; rssMb: { quarter: number; end: number } }> {
  let quarter = NaN
  const r = await runPowerStudy(
    { seed, sims, scenarios },
    {
      executor,
      onProgress: (p) => {
        if (Number.isNaN(quarter) && p.done >= p.total / 4) quarter = process.memoryUsage().rss / 2 ** 20
      },
    },
  )
  return { summary: r.scenarios[0]!, rssMb: { quarter, end: process.memoryUsage().rss / 2 ** 20 } }
}

/** Runs the three workloads one after another on one pool of `threads` workers (default: all cores). */
export async function runPowerBench(
  options: { readonly threads?: number; readonly trials?: number } = {},
): Promise<PowerBenchFigures> {
  const trials = options.trials ?? 1000
  const started = performance.now()
  const pool = createPowerPool(options.threads === undefined ? {} : { threads: options.threads })
  try {
    const speedScenarios = await scenario({}, 200, 0.25)
    const speed = await run(pool, 'bench/speed', trials, speedScenarios)
    const seconds = (performance.now() - started) / 1000
    const power = speed.summary
    const time = power.workerMs
    const typeI = (await run(pool, 'bench/type-I', 2000, await scenario({}, 40, null))).summary
    const closedForm = (await run(pool, 'bench/closed-form', 2000, await scenario({ model: 'gaussian' }, 40, 0.3)))
      .summary
    return {
      threads: pool.threads,
      speed: {
        trials,
        patients: power.nTotal,
        visits: power.visits,
        seconds,
        trialsPerSecond: trials / seconds,
        fitShare: time.fit / (time.fit + time.simulate),
        workerMsPerTrial: { simulate: time.simulate / trials, fit: time.fit / trials },
        rssMb: speed.rssMb,
        power,
      },
      typeI,
      closedForm,
    }
  } finally {
    await pool.close()
  }
}

const pct = (x: number, d = 1) => `${(x * 100).toFixed(d)}%`

/** Prints the figures as the bench sections do. */
export function printPowerBench(f: PowerBenchFigures): void {
  const s = f.speed
  console.log(
    `power: ${s.trials} two-arm trials x ${s.patients} patients x ${s.visits} visits, REML fit each, ${f.threads} threads: ` +
      `${s.seconds.toFixed(1)} s (target < 60 s), ${s.trialsPerSecond.toFixed(1)} trials/s; ` +
      `fitting ${pct(s.fitShare, 0)} of worker time (per trial ${s.workerMsPerTrial.fit.toFixed(1)} ms fit, ` +
      `${s.workerMsPerTrial.simulate.toFixed(1)} ms simulate); ` +
      `RSS ${s.rssMb.quarter.toFixed(0)} MB after ${s.trials / 4} trials, ${s.rssMb.end.toFixed(0)} MB after ${s.trials}`,
  )
  console.log(
    `  natural history, 200/arm, 25 % slowing: power ${pct(s.power.power)} ± ${pct(s.power.mcse, 2)} ` +
      `(complete-data closed form ${pct(s.power.closedFormPower ?? NaN)}; completion ${pct(s.power.completion, 0)})`,
  )
  const t = f.typeI
  const within = Math.abs(t.power - t.alpha) <= 0.015
  console.log(
    `type-I error, natural history, 40/arm, no effect, ${t.sims} trials: ${pct(t.power, 2)} ` +
      `[${pct(t.ci95[0], 1)}, ${pct(t.ci95[1], 1)}] (target ${t.alpha} ± 0.015: ${within ? 'within' : 'OUTSIDE'}); ` +
      `failed fits ${t.failures.fitFailed + t.failures.notConverged}`,
  )
  const c = f.closedForm
  const z = c.closedFormPower === null ? NaN : (c.power - c.closedFormPower) / c.mcse
  console.log(
    `power vs closed form, Gaussian model, 40/arm, 30 % slowing, ${c.sims} trials: simulated ${pct(c.power, 2)} ± ${pct(c.mcse, 2)}, ` +
      `closed form ${pct(c.closedFormPower ?? NaN, 2)} (difference ${z.toFixed(2)} MCSE)`,
  )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printPowerBench(await runPowerBench())
}
