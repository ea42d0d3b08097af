/**
 * Survival speed figures against R's (shared/bench/r-peers.R, same data shapes, same 2-core machine):
 *   - Kaplan-Meier by 4 groups + log-rank on 1,000,000 rows (R: survfit 1.4 s + survdiff 1.0 s; target <= 0.8 s);
 *   - Cox Efron on 100,000 rows x 5 covariates (R: coxph 0.30 s; target <= 0.30 s).
 * Data come from a seeded generator (not R's stream, same distributions). Each figure is the median of 3 timed
 * runs after one warm-up run; wall-clock time is the figure compared with R, and the process CPU time is printed
 * beside it because the 2-core machine is shared (under contention wall time overstates the cost).
 *
 *   node --import tsx bench/survival-bench.ts
 */
import { pathToFileURL } from 'node:url'
import { coxph, kaplanMeier, logRank } from '../src/stats/index.ts'

/** R peer timings in seconds (r-peers.R on this machine). */
const R_SECONDS = { survfit1M: 1.4, survdiff1M: 1.0, coxph100k: 0.3 } as const

/** mulberry32: a small seeded uniform generator on (0, 1). */
function uniform(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
}

const rexp = (u: () => number, rate: number): number => -Math.log(u()) / rate

function rnorm(u: () => number): number {
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())
}

/** r-peers.R's KM data: 4 groups with hazards 0.01 g, censoring 0.005, times rounded (x10), + 1. */
export function kmData(n: number, seed = 1): { time: Float64Array; event: Uint8Array; group: Int32Array } {
  const u = uniform(seed)
  const time = new Float64Array(n)
  const event = new Uint8Array(n)
  const group = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const g = 1 + Math.floor(u() * 4)
    const tt = Math.round(rexp(u, 0.01 * g) * 10)
    const cc = Math.round(rexp(u, 0.005) * 10)
    time[i] = Math.min(tt, cc) + 1
    event[i] = tt <= cc ? 1 : 0
    group[i] = g
  }
  return { time, event, group }
}

/** r-peers.R's Cox data: 5 standard normal covariates, beta = (0.3, -0.2, 0.1, 0, 0.5), times rounded (x100). */
export function coxData(
  n: number,
  seed = 2,
): { time: Float64Array; event: Uint8Array; covariates: Record<string, Float64Array> } {
  const u = uniform(seed)
  const beta = [0.3, -0.2, 0.1, 0, 0.5]
  const cols = beta.map(() => new Float64Array(n))
  const time = new Float64Array(n)
  const event = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    let lp = 0
    cols.forEach((col, j) => {
      col[i] = rnorm(u)
      lp += (beta[j] as number) * (col[i] as number)
    })
    const tt = Math.round(rexp(u, Math.exp(lp)) * 100)
    const cc = Math.round(rexp(u, 0.5) * 100)
    time[i] = Math.min(tt, cc) + 1
    event[i] = tt <= cc ? 1 : 0
  }
  return { time, event, covariates: Object.fromEntries(cols.map((c, j) => [`x${j + 1}`, c])) }
}

interface Timing {
  /** wall-clock milliseconds */
  readonly ms: number
  /** process CPU milliseconds (user + system, all threads) */
  readonly cpuMs: number
}

function median(xs: number[]): number {
  return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
}

function time(run: () => void, repeats = 3): Timing {
  run()
  const wall: number[] = []
  const cpu: number[] = []
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    run()
    wall.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
  }
  return { ms: median(wall), cpuMs: median(cpu) }
}

export interface SurvivalBenchFigures {
  readonly km: Timing
  readonly logRank: Timing
  /** KM + log-rank, 1M rows, 4 groups (wall ms) */
  readonly kmLogRankMs: number
  /** R's survfit + survdiff time divided by ours (wall) */
  readonly kmLogRankSpeedupVsR: number
  readonly cox: Timing
  readonly coxIterations: number
  /** R's coxph time divided by ours (wall) */
  readonly coxSpeedupVsR: number
}

/** Times the fits and returns the figures (milliseconds; speed-ups > 1 mean faster than R). */
export function runSurvivalBench(): SurvivalBenchFigures {
  const kmRows = kmData(1_000_000)
  const km = time(() => {
    if (!kaplanMeier(kmRows.time, kmRows.event, kmRows.group).ok) throw new Error('kaplanMeier failed on bench data')
  })
  const lr = time(() => {
    if (!logRank(kmRows.time, kmRows.event, kmRows.group).ok) throw new Error('logRank failed on bench data')
  })
  const coxRows = coxData(100_000)
  let coxIterations = 0
  const cox = time(() => {
    const fit = coxph(coxRows, { ties: 'efron' })
    if (!fit.ok) throw new Error('coxph failed on bench data')
    coxIterations = fit.value.iterations
  })
  const kmLogRankMs = km.ms + lr.ms
  return {
    km,
    logRank: lr,
    kmLogRankMs,
    kmLogRankSpeedupVsR: ((R_SECONDS.survfit1M + R_SECONDS.survdiff1M) * 1000) / kmLogRankMs,
    cox,
    coxIterations,
    coxSpeedupVsR: (R_SECONDS.coxph100k * 1000) / cox.ms,
  }
}

/** Prints the figures as the bench sections do. */
export function printSurvivalBench(f: SurvivalBenchFigures): void {
  const t = (x: Timing) => `${x.ms.toFixed(0)} ms (cpu ${x.cpuMs.toFixed(0)} ms)`
  console.log(
    `KM 1M rows x 4 groups: ${t(f.km)}; log-rank: ${t(f.logRank)}; total ${f.kmLogRankMs.toFixed(0)} ms ` +
      `vs R ${(R_SECONDS.survfit1M + R_SECONDS.survdiff1M).toFixed(1)} s (${f.kmLogRankSpeedupVsR.toFixed(1)}x, target >= 3x)`,
  )
  console.log(
    `Cox Efron 100k x 5: ${t(f.cox)}, ${f.coxIterations} iterations, vs R ${R_SECONDS.coxph100k.toFixed(2)} s ` +
      `(${f.coxSpeedupVsR.toFixed(1)}x, target >= 1x)`,
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) printSurvivalBench(runSurvivalBench())
