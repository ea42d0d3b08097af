/**
 * `trialdesk power`: simulation-based power of the next trial under a protocol's design and primary analysis,
 * across sample sizes, effects and design alternatives, on worker threads, with a table, JSON and a power curve.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomInt } from 'node:crypto'
import type { Command } from 'commander'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { formatPath, type Problem } from '../../domain/index.ts'
import { loadProtocolFile, type ProtocolVersion } from '../../protocol/index.ts'
import {
  createPowerPool,
  describeDesign,
  designGrid,
  inProcessExecutor,
  parseEffectSpecs,
  parseNaturalHistory,
  powerReportHtml,
  powerCurveSvg,
  powerScenarios,
  runPowerStudy,
  sampleSizeForPower,
  type DesignGrid,
  type EnrichmentOption,
  type NaturalHistoryParams,
  type PowerProgress,
  type PowerStudyResult,
  type ScenarioSummary,
} from '../../simulation/index.ts'
import { ExitCode, exitWithMessage, exitWithProblems } from '../exit.ts'

const MAX_SIMS = 1_000_000
const DEFAULT_SIMS = 1000

interface PowerFlags {
  readonly protocol: string
  readonly n: string
  readonly effect: string[]
  readonly sims?: string
  readonly alpha?: string
  readonly multiplicity?: string
  readonly seed?: string
  readonly arms: string[]
  readonly ratio?: string
  readonly months?: string
  readonly visitEvery?: string
  readonly dropout?: string
  readonly enrich?: string
  readonly model?: string
  readonly params?: string
  readonly threads?: string
  readonly json?: boolean
  readonly out?: string
}

const collect = (value: string, previous: string[]): string[] => [...previous, value]

export function registerPowerCommand(program: Command): void {
  program
    .command('power')
    .description(
      'simulated power and type-I error of the primary mixed-model slope comparison, per sample size, effect and design',
    )
    .requiredOption(
      '--protocol <file>',
      'protocol file (YAML or JSON): arms, ratio, visits, endpoint, alpha, multiplicity',
    )
    .requiredOption('--n <list>', 'subjects per arm (per smallest-ratio arm), e.g. 40,80,160,320')
    .option(
      '--effect <spec>',
      'effect(s): slope=0.25,0.35 (25 %, 35 % slowing in every active arm), slope:D3=0.35,D1=0.1 (per arm), ' +
        'hr=0.8 (hazard ratio), joined with + (slope=0.3+hr=0.8); repeatable. No effect is always simulated',
      collect,
      [],
    )
    .option('--sims <k>', `simulated trials per scenario (default ${DEFAULT_SIMS})`)
    .option('--alpha <a>', "two-sided level (default: the protocol's)")
    .option('--multiplicity <m>', "none, holm, bonferroni or benjamini-hochberg (default: the protocol's)")
    .option('--seed <seed>', 'seed of the simulation (default: drawn at random and printed)')
    .option('--arms <list>', 'arms to keep, e.g. D3,P (repeat for alternative designs)', collect, [])
    .option('--ratio <list>', 'allocation weights, e.g. D3=2,P=1 (default: the protocol ratio)')
    .option('--months <list>', 'follow-up of the primary analysis in months, e.g. 6,12 (regular visits)')
    .option('--visit-every <list>', 'months between visits, e.g. 1,3')
    .option('--dropout <list>', 'annual withdrawal probability, e.g. 0.1,0.2 (deaths come on top)')
    .option('--enrich <list>', 'enrolment by ΔFS: none, fast, slow, fast:0.8 (cut in points/month), e.g. none,fast')
    .option('--model <kind>', 'natural-history (default) or gaussian (textbook random intercept and slope)')
    .option('--params <file>', 'natural-history parameters to override (YAML or JSON, partial)')
    .option('--threads <k>', 'worker threads (default: available cores; 1 runs in this thread)')
    .option('--json', 'print one JSON object per scenario (an array) instead of the table')
    .option('--out <dir>', 'also write power.json, power-curve.svg and power-curve.html into this folder')
    .action(async (flags: PowerFlags) => {
      const options = parseFlags(flags)
      const version = await loadProtocolFile(flags.protocol)
      if (!version.ok) exitWithProblems(version.problems, flags.protocol)
      const naturalHistory = flags.params === undefined ? undefined : await paramsOrExit(flags.params)
      const designs = designGrid(version.value, { ...options.grid, ...(naturalHistory ? { naturalHistory } : {}) })
      if (!designs.ok) exitWithProblems(designs.problems, flags.protocol)
      const effects = parseEffectSpecs(flags.effect)
      if (!effects.ok) exitWithProblems(renamePaths(effects.problems))
      const scenarios = powerScenarios(designs.value, options.n, effects.value)
      if (!scenarios.ok) exitWithProblems(renamePaths(scenarios.problems))

      const executor =
        options.threads === 1
          ? inProcessExecutor()
          : createPowerPool(options.threads === undefined ? {} : { threads: options.threads })
      const progress = progressReporter()
      let result: PowerStudyResult
      try {
        result = await runPowerStudy(
          { seed: options.seed, sims: options.sims, scenarios: scenarios.value },
          { executor, onProgress: progress.update },
        )
      } finally {
        progress.end()
        await executor.close()
      }
      const json = `${JSON.stringify(result.scenarios, null, 2)}\n`
      const designLines = designs.value.map(
        (d) => `design${designs.value.length > 1 ? ` "${d.label}"` : ''}: ${describeDesign(d)}`,
      )
      if (flags.out !== undefined) await writeOutputs(flags.out, version.value, result, json, designLines)
      process.stdout.write(flags.json ? json : formatTable(version.value, result, designLines))
    })
}

// ---------------------------------------------------------------------------------------------------------
// Flags: one zod schema turns the text flags into typed options and reports every problem at once.

function list<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(item).min(1))
}
const number = z.string().transform((text, ctx) => {
  const value = text.trim() === '' ? NaN : Number(text)
  if (Number.isFinite(value)) return value
  ctx.addIssue({ code: 'custom', message: `must be a number, not "${text}"` })
  return z.NEVER
})
const integer = number.pipe(z.number().int('must be a whole number'))
const enrichment = z
  .string()
  .regex(/^(none|fast|slow)(:[0-9.]+)?$/, 'must be none, fast, slow, fast:<ΔFS> or slow:<ΔFS>')
  .transform((s): EnrichmentOption | null => {
    const [kind, cut] = s.split(':')
    if (kind === 'none') return null
    return { kind: kind as 'fast' | 'slow', ...(cut === undefined ? {} : { cut: Number(cut) }) }
  })

const Flags = z.object({
  n: list(integer.pipe(z.number().min(2).max(100_000))),
  sims: integer.pipe(z.number().min(1).max(MAX_SIMS)).optional(),
  alpha: number.pipe(z.number().gt(0).lt(1)).optional(),
  multiplicity: z.enum(['none', 'holm', 'bonferroni', 'benjamini-hochberg']).optional(),
  seed: z.string().min(1).max(200).optional(),
  arms: z.array(list(z.string().min(1))),
  ratio: list(
    z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]*=[1-9][0-9]*$/, 'must be ARM=weight')
      .transform((s) => s.split('=') as [string, string]),
  ).optional(),
  months: list(number.pipe(z.number().gt(0).max(120))).optional(),
  visitEvery: list(number.pipe(z.number().gt(0).max(120))).optional(),
  dropout: list(number.pipe(z.number().min(0).lt(1))).optional(),
  enrich: list(enrichment).optional(),
  model: z.enum(['natural-history', 'gaussian']).optional(),
  threads: integer.pipe(z.number().min(1).max(256)).optional(),
})

const FLAG_NAMES: Record<string, string> = { visitEvery: '--visit-every' }
const flagName = (key: string): string => FLAG_NAMES[key] ?? `--${key}`

interface PowerOptions {
  readonly n: number[]
  readonly sims: number
  readonly seed: number | string
  readonly threads: number | undefined
  readonly grid: DesignGrid
}

function parseFlags(flags: PowerFlags): PowerOptions {
  const parsed = Flags.safeParse(flags)
  if (!parsed.success) {
    exitWithProblems(
      parsed.error.issues.map((i) => {
        const [key, ...rest] = i.path
        return {
          code: 'invalid',
          path: `${flagName(String(key))}${rest.length ? ` ${formatPath(rest)}` : ''}`,
          message: i.message,
        }
      }),
    )
  }
  const f = parsed.data
  const seedText = f.seed ?? String(randomInt(1, 2 ** 31))
  return {
    n: f.n,
    sims: f.sims ?? DEFAULT_SIMS,
    seed: /^[0-9]{1,15}$/.test(seedText) ? Number(seedText) : seedText,
    threads: f.threads,
    grid: {
      ...(f.arms.length > 0 ? { arms: f.arms } : {}),
      ...(f.ratio ? { ratio: Object.fromEntries(f.ratio.map(([a, w]) => [a, Number(w)])) } : {}),
      ...(f.months ? { months: f.months } : {}),
      ...(f.visitEvery ? { visitEveryMonths: f.visitEvery } : {}),
      ...(f.dropout ? { dropoutPerYear: f.dropout } : {}),
      ...(f.enrich ? { enrichment: f.enrich } : {}),
      ...(f.alpha !== undefined ? { alpha: f.alpha } : {}),
      ...(f.multiplicity ? { multiplicity: f.multiplicity } : {}),
      ...(f.model ? { model: f.model } : {}),
    },
  }
}

/** Problems of the effect and scenario parsers name the flag (`effect[1]` → `--effect #2`). */
function renamePaths(problems: readonly Problem[]): Problem[] {
  return problems.map((p) => {
    const m = /^(effect|n)(?:\[(\d+)\])?$/.exec(p.path)
    if (!m) return p
    return { ...p, path: `--${m[1]}${m[2] === undefined ? '' : ` #${Number(m[2]) + 1}`}` }
  })
}

async function paramsOrExit(file: string): Promise<NaturalHistoryParams> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return exitWithMessage(
      `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`}`,
      ExitCode.Usage,
    )
  }
  let raw: unknown
  try {
    raw = parseYaml(text, { maxAliasCount: 100 })
  } catch (e) {
    return exitWithMessage(
      `${file}: not valid YAML/JSON: ${e instanceof Error ? e.message.split('\n')[0] : ''}`,
      ExitCode.Usage,
    )
  }
  const parsed = parseNaturalHistory(raw)
  if (!parsed.ok) exitWithProblems(parsed.problems, file)
  return parsed.value
}

// ---------------------------------------------------------------------------------------------------------
// Progress on stderr: a bar redrawn in place on a terminal, a line every 30 s otherwise.

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

function progressLine(p: PowerProgress, width: number): string {
  const fraction = p.total > 0 ? p.done / p.total : 1
  const filled = Math.round(fraction * width)
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
  const eta = p.etaMs === null ? '–' : duration(p.etaMs)
  return (
    `${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${p.done}/${p.total} trials · ${p.rate.toFixed(1)}/s · ` +
    `ETA ${eta} · scenarios ${p.scenariosDone}/${p.scenarios}`
  )
}

function progressReporter(): { update: (p: PowerProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true
  let drawn = false
  let lastLine = 0
  return {
    update(p) {
      if (tty) {
        process.stderr.write(`\r${progressLine(p, 24)}\x1b[K`)
        drawn = true
      } else if (p.elapsedMs - lastLine >= 30_000 && p.done < p.total) {
        lastLine = p.elapsedMs
        process.stderr.write(`trialdesk power: ${progressLine(p, 0).trim()}\n`)
      }
    },
    end() {
      if (drawn) process.stderr.write('\r\x1b[K')
    },
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output

const pct = (x: number, digits = 1): string => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '—')

function successRule(s: ScenarioSummary): string {
  const m = s.contrasts.length
  const contrasts =
    m === 1
      ? `the slope contrast ${s.contrasts[0]!.arm} vs ${s.control}`
      : `at least one of ${m} slope contrasts vs ${s.control}`
  const adjust = m === 1 || s.multiplicity === 'none' ? '' : ` after ${s.multiplicity} adjustment`
  return `power = share of trials in which ${contrasts} is significant${adjust} at two-sided α = ${s.alpha}`
}

function formatTable(version: ProtocolVersion, result: PowerStudyResult, designLines: readonly string[]): string {
  const s0 = result.scenarios[0]
  const lines: string[] = []
  const p = version.protocol
  lines.push(
    `${p.study.id} v${p.study.version} (sha256 ${version.hash.slice(0, 12)}): primary endpoint ${p.endpoints.scores.find((e) => e.role === 'primary')?.label ?? ''}, ` +
      `y ~ month * arm + (month | subject), REML, Satterthwaite`,
  )
  lines.push(`seed ${result.seed} · ${result.sims} trials per scenario`)
  for (const d of designLines) lines.push(d)
  const designs = new Set(result.scenarios.map((s) => s.design))
  const header = [
    '#',
    ...(designs.size > 1 ? ['design'] : []),
    'n/arm',
    'N',
    'visits',
    'effect',
    'sims',
    'power',
    '95% MC CI',
    'MCSE',
    'mean Δslope',
    'closed form',
    'complete',
    'failed',
  ]
  const rows = result.scenarios.map((s) => [
    String(s.scenario),
    ...(designs.size > 1 ? [s.design] : []),
    String(s.n),
    String(s.nTotal),
    `${s.visits}/${s.followUpMonths.toFixed(0)}mo`,
    s.null ? 'none (type I)' : s.effect,
    String(s.sims),
    pct(s.power),
    `${pct(s.ci95[0])}–${pct(s.ci95[1])}`,
    pct(s.mcse, 2),
    s.contrasts.map((c) => (Number.isFinite(c.meanEstimate) ? c.meanEstimate.toFixed(3) : '—')).join(' '),
    s.contrasts.map((c) => (c.closedFormPower === null ? '—' : pct(c.closedFormPower))).join(' '),
    pct(s.completion, 0),
    String(s.failures.fitFailed + s.failures.notConverged),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const left = new Set(['design', 'effect'])
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (left.has(header[i]!) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  lines.push('', line(header), ...rows.map(line), '')
  if (s0) lines.push(successRule(s0) + '; rows with effect none estimate the type-I error.')
  for (const target of [0.8, 0.9]) {
    const estimates = sampleSizeForPower(result.scenarios, target).map((e) => {
      const [lo, hi] = e.between
      const where = e.n !== null ? `≈ ${e.n} (simulated ${lo}–${hi})` : lo === null ? `≤ ${hi}` : `> ${lo}`
      return `${designs.size > 1 ? `${e.design}, ` : ''}${e.effect} ${where}`
    })
    if (estimates.length > 0) lines.push(`n per arm for ${target * 100}% power: ${estimates.join('; ')}`)
  }
  lines.push(
    'mean Δslope: mean estimated slope difference vs control per active arm (points/month, positive = slower decline); ' +
      'closed form: complete-data power of each slope comparison with the model variance components (at α / contrasts when several); ' +
      'complete: share of subjects observed at the last visit; failed: fits that failed or did not converge (counted as not significant).',
  )
  const singular = result.scenarios.reduce((a, s) => a + s.singularFits, 0)
  const sim = result.scenarios.reduce((a, s) => a + s.workerMs.simulate, 0)
  const fit = result.scenarios.reduce((a, s) => a + s.workerMs.fit, 0)
  lines.push(
    `${result.scenarios.length * result.sims} trials in ${(result.elapsedMs / 1000).toFixed(1)} s on ${result.threads} thread(s); ` +
      `fitting ${pct(fit / (fit + sim), 0)} of worker time; singular fits ${singular}`,
  )
  return `${lines.join('\n')}\n`
}

async function writeOutputs(
  dir: string,
  version: ProtocolVersion,
  result: PowerStudyResult,
  json: string,
  designLines: readonly string[],
): Promise<void> {
  const title = `Power — ${version.protocol.study.id}`
  const details = [
    `Protocol ${version.protocol.study.id} v${version.protocol.study.version}, sha256 ${version.hash}`,
    `Seed ${result.seed}; ${result.sims} simulated trials per scenario`,
    ...designLines,
    result.scenarios[0] ? successRule(result.scenarios[0]) : '',
  ]
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'power.json'), json, 'utf8')
    await writeFile(join(dir, 'power-curve.svg'), `${powerCurveSvg(result.scenarios, title)}\n`, 'utf8')
    await writeFile(join(dir, 'power-curve.html'), `${powerReportHtml(result.scenarios, { title, details })}\n`, 'utf8')
  } catch (e) {
    exitWithMessage(`${dir}: cannot write outputs (${(e as NodeJS.ErrnoException).code})`, ExitCode.Failure)
  }
}
