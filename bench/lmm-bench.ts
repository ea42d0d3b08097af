/**
 * LMM speed against lme4 (`/work/shared/bench/r-peers.R`): REML fit of `y ~ t * arm + (t | id)` on 10,000 subjects x
 * 13 visits, 4 arms (lme4 1.1-31: 2.8 s on the 2-core bench machine; target <= 0.9 s), and the power simulator's unit
 * of work, one fit of a 2-arm trial of 400 patients x 13 visits (target well under 50 ms). Data have the r-peers
 * shape, drawn from a seeded generator.
 */
import { pathToFileURL } from 'node:url'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { fitLmm } from '../src/stats/index.ts'
import type { LmmData } from '../src/stats/index.ts'

/** lme4's time for the 10k-subject fit, measured by r-peers.R on the bench machine. */
const LME4_10K_SECONDS = 2.8

/** r-peers.R's LMM data: y = 38 + b0 + (-1 + b1 + 0.25 [arm != P]) t + e, b0 ~ N(0, 5^2), b1 ~ N(0, 0.6^2), e ~ N(0, 1.5^2). */
export function rPeersLmmData(subjects: number, arms: readonly string[], seed: number, visits = 13): LmmData {
  const rng = xoroshiro128plus(seed)
  const normal = (): number => {
    const u = 1 - uniformFloat64(rng)
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniformFloat64(rng))
  }
  const n = subjects * visits
  const y = new Float64Array(n)
  const t = new Float64Array(n)
  const arm: string[] = new Array<string>(n)
  const id = new Float64Array(n)
  for (let s = 0; s < subjects; s++) {
    const a = arms[Math.floor(uniformFloat64(rng) * arms.length)]!
    const b0 = 5 * normal()
    const b1 = 0.6 * normal()
    const slope = -1 + b1 + (a === arms[0] ? 0 : 0.25)
    for (let v = 0; v < visits; v++) {
      const i = s * visits + v
      t[i] = v
      arm[i] = a
      id[i] = s + 1
      y[i] = 38 + b0 + slope * v + 1.5 * normal()
    }
  }
  return { columns: { y, t, arm, id } }
}

function timeFit(
  data: LmmData,
  arms: readonly string[],
): { ms: number; cpuMs: number; iterations: number; nObs: number } {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const fit = fitLmm(data, {
    response: 'y',
    fixed: ['t*arm'],
    random: { group: 'id', slope: 't' },
    factorLevels: { arm: arms },
  })
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  if (!fit.ok) throw new Error(fit.problems.map((p) => p.message).join('; '))
  return { ms, cpuMs: (used.user + used.system) / 1000, iterations: fit.value.iterations, nObs: fit.value.nObs }
}

export interface LmmBenchResult {
  /** Wall and CPU time of one fit (CPU time is less sensitive to other processes on the shared machine). */
  readonly fit10k: {
    readonly ms: number
    readonly cpuMs: number
    readonly nObs: number
    readonly iterations: number
    readonly lme4Ms: number
    readonly speedup: number
  }
  readonly fit400: { readonly medianMs: number; readonly maxMs: number; readonly fits: number }
}

/** Times the two LMM workloads (after three small warm-up fits, so that the JIT has compiled the kernels). */
export function runLmmBench(options: { readonly trials400?: number } = {}): LmmBenchResult {
  const arms4 = ['P', 'D1', 'D2', 'D3']
  const arms2 = ['P', 'D']
  for (let k = 0; k < 3; k++) timeFit(rPeersLmmData(400, arms2, 99 + k), arms2)
  const big = rPeersLmmData(10_000, arms4, 1)
  const r10k = timeFit(big, arms4)
  const trials = options.trials400 ?? 50
  const times: number[] = []
  for (let k = 0; k < trials; k++) times.push(timeFit(rPeersLmmData(400, arms2, 1000 + k), arms2).ms)
  times.sort((a, b) => a - b)
  return {
    fit10k: { ...r10k, lme4Ms: LME4_10K_SECONDS * 1000, speedup: (LME4_10K_SECONDS * 1000) / r10k.ms },
    fit400: { medianMs: times[Math.floor(times.length / 2)]!, maxMs: times[times.length - 1]!, fits: trials },
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = runLmmBench()
  console.log(
    `lmm REML y ~ t * arm + (t | id), 10,000 x 13 (${r.fit10k.nObs} rows): ${r.fit10k.ms.toFixed(0)} ms ` +
      `(CPU ${r.fit10k.cpuMs.toFixed(0)} ms) ` +
      `(${r.fit10k.iterations} Newton iterations; lme4 ${r.fit10k.lme4Ms} ms, ${r.fit10k.speedup.toFixed(1)}x faster)`,
  )
  console.log(
    `lmm REML 2-arm trial 400 x 13: median ${r.fit400.medianMs.toFixed(1)} ms, max ${r.fit400.maxMs.toFixed(1)} ms over ${r.fit400.fits} fits`,
  )
}
