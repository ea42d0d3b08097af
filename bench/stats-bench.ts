/**
 * Statistics engine against its R peers (lme4, survival) on the data shapes of `bench/r-peers.R`:
 *   - the fit itself (in process, JIT warm), and
 *   - the whole CLI command on a CSV (`trialdesk stats lmm|cox|km|logrank`, process start and CSV parse included).
 * When `Rscript` with lme4 and survival is installed, r-peers.R runs first in this same bench: it writes the CSVs
 * (R's own random data) and prints R's timings, which become the reference; otherwise the CSVs are written from
 * our seeded generators and the reference figures are the ones the issue states for this machine.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { printSurvivalBench, runSurvivalBench, coxData, kmData } from './survival-bench.ts'
import { rPeersLmmData, runLmmBench } from './lmm-bench.ts'

const ROOT = resolve(import.meta.dirname, '..')
/** The R timings on this 2-core machine, used when R is not installed. */
const STATED = { lmer: 2.8, coxph: 0.3, survfit: 1.4, survdiff: 1.0 }

interface RPeers {
  readonly source: 'measured now' | 'stated in the issue'
  readonly lmer: number
  readonly coxph: number
  readonly survfit: number
  readonly survdiff: number
}

function rAvailable(): boolean {
  const probe = spawnSync('Rscript', ['-e', 'suppressMessages({library(lme4); library(survival)})'], {
    encoding: 'utf8',
  })
  return probe.status === 0
}

function runRPeers(dir: string): RPeers | undefined {
  const run = spawnSync('Rscript', [join(ROOT, 'bench/r-peers.R'), dir], { encoding: 'utf8', maxBuffer: 1 << 24 })
  if (run.status !== 0) {
    console.log(`R peers failed (${run.stderr.split('\n')[0]}); using the stated figures`)
    return undefined
  }
  const num = (re: RegExp): number => Number(re.exec(run.stdout)?.[1])
  return {
    source: 'measured now',
    lmer: num(/lmer REML 130k rows: ([\d.]+) s/),
    coxph: num(/coxph Efron 100k x 5: ([\d.]+) s/),
    survfit: num(/survfit 1M rows 4 groups: ([\d.]+) s/),
    survdiff: num(/survdiff: ([\d.]+) s/),
  }
}

/** Writes the three CSVs from our generators (same shapes and distributions as r-peers.R). */
function writeOwnCsvs(dir: string): void {
  const lmm = rPeersLmmData(10_000, ['P', 'D1', 'D2', 'D3'], 1).columns as Record<string, ArrayLike<number | string>>
  const rows: string[] = ['"y","t","arm","id"']
  for (let i = 0; i < (lmm['y']?.length ?? 0); i++)
    rows.push(`${lmm['y']![i]},${lmm['t']![i]},"${lmm['arm']![i]}","${lmm['id']![i]}"`)
  writeFileSync(join(dir, 'lmm_10k.csv'), rows.join('\n') + '\n')
  const cox = coxData(100_000)
  const coxRows = ['"time","status","x1","x2","x3","x4","x5"']
  for (let i = 0; i < cox.time.length; i++) {
    const xs = [1, 2, 3, 4, 5].map((j) => cox.covariates[`x${j}`]![i])
    coxRows.push(`${cox.time[i]},${cox.event[i]},${xs.join(',')}`)
  }
  writeFileSync(join(dir, 'cox_100k.csv'), coxRows.join('\n') + '\n')
  const km = kmData(1_000_000)
  const kmRows = ['"time","status","g"']
  for (let i = 0; i < km.time.length; i++) kmRows.push(`${km.time[i]},${km.event[i]},${km.group[i]}`)
  writeFileSync(join(dir, 'km_1m.csv'), kmRows.join('\n') + '\n')
}

/** Median wall seconds of `runs` executions of the CLI, after one warm-up (file cache, tsx compile cache). */
/** Median wall time (s) of a command after one warm-up run (the OS file cache, tsx's transform cache). */
function timeCommand(command: string, args: readonly string[], runs = 3): number {
  const once = (): number => {
    const t0 = performance.now()
    const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 })
    const s = (performance.now() - t0) / 1000
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr.split('\n')[0]}`)
    return s
  }
  once()
  const xs = Array.from({ length: runs }, once).sort((a, b) => a - b)
  return xs[Math.floor(runs / 2)] as number
}

/** R's whole command for the same task: start R, load the package, read the CSV, fit, print. */
const R_SCRIPTS = {
  lmm: (csv: string) =>
    `suppressMessages(library(lme4)); d <- read.csv("${csv}"); d$arm <- factor(d$arm, levels = c("P","D1","D2","D3")); ` +
    `f <- lmer(y ~ t * arm + (t | id), data = d, REML = TRUE); print(summary(f)$coefficients)`,
  cox: (csv: string) =>
    `suppressMessages(library(survival)); d <- read.csv("${csv}"); ` +
    `print(summary(coxph(Surv(time, status) ~ x1 + x2 + x3 + x4 + x5, data = d, ties = "efron"))$coefficients)`,
  km: (csv: string) =>
    `suppressMessages(library(survival)); d <- read.csv("${csv}"); ` +
    `print(summary(survfit(Surv(time, status) ~ g, data = d))$table); print(survdiff(Surv(time, status) ~ g, data = d))`,
}

/** The CLI tasks of the bench, each as trialdesk arguments. */
function cliTasks(dir: string): Record<keyof typeof R_SCRIPTS, string[][]> {
  const surv = (command: string, csv: string, formula: string): string[] => [
    'stats',
    command,
    '--data',
    join(dir, csv),
    '--formula',
    formula,
    '--json',
  ]
  return {
    lmm: [[...surv('lmm', 'lmm_10k.csv', 'y ~ t * arm + (t | id)'), '--levels', 'arm=P,D1,D2,D3']],
    cox: [surv('cox', 'cox_100k.csv', 'Surv(time, status) ~ x1 + x2 + x3 + x4 + x5')],
    km: [surv('km', 'km_1m.csv', 'Surv(time, status) ~ g'), surv('logrank', 'km_1m.csv', 'Surv(time, status) ~ g')],
  }
}

/** `npm run build` into dist/, the JavaScript an installed package runs; false when the build fails. */
function buildDist(): boolean {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
    {
      encoding: 'utf8',
    },
  )
  return r.status === 0
}

/**
 * The whole CLI command on the CSVs (process start, CSV parse, fit, JSON out), from the TypeScript checkout
 * (tsx compiles on load) and from the build, against R's whole script when Rscript is installed.
 */
function runCliBench(dir: string, withR: boolean): void {
  const tasks = cliTasks(dir)
  const built = buildDist()
  const labels = { lmm: 'stats lmm (130k rows)', cox: 'stats cox (100k rows)', km: 'stats km + logrank (1M rows)' }
  for (const key of Object.keys(tasks) as (keyof typeof R_SCRIPTS)[]) {
    const sum = (entry: string): number =>
      tasks[key].reduce((t, args) => t + timeCommand(process.execPath, [entry, ...args]), 0)
    const viaTsx = sum(join(ROOT, 'bin/trialdesk.js'))
    const viaBuild = built ? sum(join(ROOT, 'dist/cli/main.js')) : NaN
    const csv = join(dir, key === 'lmm' ? 'lmm_10k.csv' : key === 'cox' ? 'cox_100k.csv' : 'km_1m.csv')
    const r = withR ? timeCommand('Rscript', ['-e', R_SCRIPTS[key](csv)], 1) : NaN
    console.log(
      `trialdesk ${labels[key]}: built ${built ? viaBuild.toFixed(2) : 'n/a'} s, from the checkout (tsx) ${viaTsx.toFixed(2)} s` +
        (withR
          ? ` vs Rscript (load, read.csv, fit, print) ${r.toFixed(2)} s → ${ratio(r, built ? viaBuild : viaTsx)}`
          : ''),
    )
  }
}

const ratio = (peer: number, ours: number): string => `${(peer / ours).toFixed(1)}x`

export function runStatsBench(): void {
  const dir = mkdtempSync(join(tmpdir(), 'trialdesk-stats-bench-'))
  try {
    let peers: RPeers | undefined
    if (rAvailable()) {
      console.log('Rscript with lme4 + survival found: running the R peers now (r-peers.R) …')
      peers = runRPeers(dir)
    } else {
      console.log('Rscript with lme4 + survival not installed: using the R timings stated in the issue')
    }
    if (!peers) {
      writeOwnCsvs(dir)
      peers = { source: 'stated in the issue', ...STATED }
    }
    console.log(
      `R peers (${peers.source}): lmer ${peers.lmer.toFixed(2)} s, coxph ${peers.coxph.toFixed(2)} s, ` +
        `survfit ${peers.survfit.toFixed(2)} s + survdiff ${peers.survdiff.toFixed(2)} s`,
    )

    console.log('\n-- fits in process (JIT warm; generated data of the same shape) --')
    const lmm = runLmmBench({ trials400: 20 })
    console.log(
      `LMM REML y ~ t * arm + (t | id), 10,000 x 13: ${lmm.fit10k.ms.toFixed(0)} ms (cpu ${lmm.fit10k.cpuMs.toFixed(0)} ms) ` +
        `vs lme4 ${peers.lmer.toFixed(2)} s → ${ratio(peers.lmer * 1000, lmm.fit10k.ms)} (target ≥ 3x)`,
    )
    console.log(
      `LMM REML 2-arm trial 400 x 13: median ${lmm.fit400.medianMs.toFixed(1)} ms over ${lmm.fit400.fits} fits`,
    )
    const surv = runSurvivalBench()
    printSurvivalBench(surv)
    console.log(
      `  vs R now: KM+log-rank ${ratio((peers.survfit + peers.survdiff) * 1000, surv.kmLogRankMs)} (target ≥ 3x), ` +
        `Cox ${ratio(peers.coxph * 1000, surv.cox.ms)} (target ≥ 1x)`,
    )

    console.log('\n-- whole command on the CSV (process start, CSV parse, fit, output) --')
    runCliBench(dir, peers.source === 'measured now')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
