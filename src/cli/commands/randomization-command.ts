/**
 * `trialdesk randomization generate|verify|report`: the statistician's tools around the pure randomization
 * module. Lists are written as the canonical CSV with a `sha256sum`-format fingerprint file beside them, so the
 * fingerprint can be checked with standard tools as well as with `verify`.
 */
import type { Command } from 'commander'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Problem } from '../../domain/index.ts'
import { loadProtocolFile, type ProtocolVersion } from '../../protocol/index.ts'
import {
  alternativeAllocations,
  auditList,
  balanceReport,
  compileScheme,
  describeAllocation,
  fingerprintList,
  generateList,
  listOf,
  listToCsv,
  MAX_SLOTS_PER_STRATUM,
  parseListCsv,
  schemeWithAllocation,
  sealList,
  simulateScheme,
  verifyCsv,
  type AllocationScheme,
  type ListBalance,
  type RandomizationList,
  type SchemeSimulation,
} from '../../randomization/index.ts'
import { ExitCode, exitWithMessage, exitWithProblems } from '../exit.ts'

/** Seeds shorter than this many characters carry under 128 bits even as hex: fine for rehearsal, not for a live study. */
const SHORT_SEED = 32
const DEFAULT_SIMS = 1000
const MAX_SIMS = 100_000
const MAX_SUBJECTS = 100_000

interface GenerateFlags {
  protocol: string
  seed: string
  stage?: string
  perStratum?: string
  out?: string
  sealKeyFile?: string
  sealedOut?: string
}

interface VerifyFlags {
  list: string
  fingerprint?: string
  protocol?: string
  seed?: string
  stage?: string
}

interface ReportFlags {
  protocol: string
  stage?: string
  seed?: string
  perStratum?: string
  sims?: string
  subjects?: string
  json?: boolean
}

export function registerRandomizationCommands(program: Command): void {
  const command = program.command('randomization').description('generate, verify and compare randomization lists')

  command
    .command('generate')
    .description("generate a stage's randomization list from a seed; prints its SHA-256 fingerprint")
    .requiredOption('--protocol <file>', 'protocol file (YAML or JSON)')
    .requiredOption('--seed <seed>', 'seed text; a live study uses 32 random bytes in hex, drawn at go-live')
    .option('--stage <period>', 'period id of the stage (default: the first period with an allocation)')
    .option('--per-stratum <n>', 'at least this many slots per stratum (default: the target enrolment)')
    .option('--out <file>', 'write the CSV here and its fingerprint to <file>.sha256 (default: CSV on stdout)')
    .option('--seal-key-file <file>', 'key (64 hex digits) to seal the list with AES-256-GCM')
    .option('--sealed-out <file>', 'where to write the sealed list (JSON); needs --seal-key-file')
    .action(async (flags: GenerateFlags) => {
      const version = await protocolOrExit(flags.protocol)
      const scheme = schemeOrExit(version, flags.stage)
      const perStratum =
        flags.perStratum === undefined
          ? version.protocol.study.targetEnrolment
          : count(flags.perStratum, '--per-stratum', MAX_SLOTS_PER_STRATUM)
      if ((flags.sealKeyFile === undefined) !== (flags.sealedOut === undefined)) {
        exitWithMessage('--seal-key-file and --sealed-out go together', ExitCode.Usage)
      }
      const key = flags.sealKeyFile === undefined ? undefined : await keyOrExit(flags.sealKeyFile)
      const generated = generateList(scheme, { seed: flags.seed, perStratum })
      if (!generated.ok) exitWithProblems(renameFlags(generated.problems))
      if (flags.seed.length < SHORT_SEED) {
        process.stderr.write('trialdesk: note: a short seed can be guessed; use it for rehearsal only\n')
      }
      const list = generated.value
      const csv = listToCsv(list)
      const fingerprint = fingerprintList(list)
      if (flags.out === undefined) {
        process.stdout.write(csv)
        process.stderr.write(`trialdesk: fingerprint (SHA-256) ${fingerprint}\n`)
      } else {
        await writeOrExit(flags.out, csv)
        await writeOrExit(`${flags.out}.sha256`, `${fingerprint}  ${basename(flags.out)}\n`)
        process.stdout.write(
          `${version.protocol.study.id} stage ${scheme.periodId}: ${list.slots.length} slots in ${list.strata.length} strata ` +
            `(${describeAllocation(scheme.allocation)}) written to ${flags.out}\n` +
            `fingerprint (SHA-256): ${fingerprint}\nprotocol: ${version.hash}\nscheme: ${scheme.schemeHash}\n`,
        )
      }
      if (key !== undefined && flags.sealedOut !== undefined) {
        await writeOrExit(flags.sealedOut, `${JSON.stringify(sealList(list, key, randomBytes(12)), null, 2)}\n`)
        const where = flags.out === undefined ? process.stderr : process.stdout
        where.write(`${flags.out === undefined ? 'trialdesk: ' : ''}sealed list written to ${flags.sealedOut}\n`)
      }
    })

  command
    .command('verify')
    .description('check a list against its fingerprint, and against the seed when given')
    .requiredOption('--list <file>', 'list CSV')
    .option('--fingerprint <sha256>', 'published fingerprint (default: read from <file>.sha256)')
    .option('--protocol <file>', 'protocol file, to regenerate the list from --seed')
    .option('--seed <seed>', 'seed the list was generated from')
    .option('--stage <period>', 'period id of the stage')
    .action(async (flags: VerifyFlags) => {
      const csv = await readOrExit(flags.list)
      const fingerprint = flags.fingerprint ?? (await readOrExit(`${flags.list}.sha256`)).split(/\s+/)[0] ?? ''
      const verified = verifyCsv(csv, fingerprint)
      if (!verified.ok) exitWithProblems(verified.problems, flags.list, ExitCode.Failure)
      if ((flags.protocol === undefined) !== (flags.seed === undefined)) {
        exitWithMessage('--protocol and --seed go together', ExitCode.Usage)
      }
      if (flags.protocol !== undefined && flags.seed !== undefined) {
        const scheme = schemeOrExit(await protocolOrExit(flags.protocol), flags.stage)
        const slots = parseListCsv(csv, scheme)
        if (!slots.ok) exitWithProblems(slots.problems, flags.list)
        const audited = auditList(scheme, flags.seed, listOf(scheme, slots.value))
        if (!audited.ok) exitWithProblems(audited.problems, flags.list, ExitCode.Failure)
        process.stdout.write(
          `${flags.list}: OK — matches fingerprint ${verified.value.fingerprint} and the list the seed generates\n`,
        )
        return
      }
      process.stdout.write(`${flags.list}: OK — matches fingerprint ${verified.value.fingerprint}\n`)
    })

  command
    .command('report')
    .description('balance per stratum and block, and predictability of the next assignment, compared across schemes')
    .requiredOption('--protocol <file>', 'protocol file (YAML or JSON)')
    .option('--stage <period>', 'period id of the stage (default: the first period with an allocation)')
    .option('--seed <seed>', 'also generate the list from this seed and report its balance')
    .option('--per-stratum <n>', 'slots per stratum for the generated list (default: the target enrolment)')
    .option('--sims <n>', `simulated trials per scheme (default ${DEFAULT_SIMS})`)
    .option('--subjects <n>', 'subjects per simulated trial (default: those expected to enter the stage)')
    .option('--json', 'print JSON instead of tables')
    .action(async (flags: ReportFlags) => {
      const version = await protocolOrExit(flags.protocol)
      const scheme = schemeOrExit(version, flags.stage)
      const sims = flags.sims === undefined ? DEFAULT_SIMS : count(flags.sims, '--sims', MAX_SIMS)
      const subjects = flags.subjects === undefined ? undefined : count(flags.subjects, '--subjects', MAX_SUBJECTS)
      let list: { list: RandomizationList; balance: ListBalance; fingerprint: string } | undefined
      if (flags.seed !== undefined && scheme.allocation.method !== 'minimisation') {
        const perStratum =
          flags.perStratum === undefined
            ? version.protocol.study.targetEnrolment
            : count(flags.perStratum, '--per-stratum', MAX_SLOTS_PER_STRATUM)
        const generated = generateList(scheme, { seed: flags.seed, perStratum })
        if (!generated.ok) exitWithProblems(renameFlags(generated.problems))
        list = {
          list: generated.value,
          balance: balanceReport(scheme, generated.value),
          fingerprint: fingerprintList(generated.value),
        }
      }
      const simulationSeed = `report/${flags.seed ?? 'default'}`
      const simulations = alternativeAllocations(version.protocol, scheme).map((allocation) => {
        const alternative = schemeWithAllocation(version, scheme.period, allocation)
        if (!alternative.ok) exitWithProblems(alternative.problems, flags.protocol)
        return simulateScheme(version.protocol, alternative.value, {
          seed: simulationSeed,
          sims,
          ...(subjects ? { subjects } : {}),
        })
      })
      if (flags.json) {
        const json = {
          study: version.protocol.study.id,
          protocolHash: version.hash,
          stage: scheme.periodId,
          schemeHash: scheme.schemeHash,
          list,
          simulations,
        }
        process.stdout.write(
          `${JSON.stringify(json, (k, v: unknown) => (k === 'slots' && Array.isArray(v) ? undefined : v), 2)}\n`,
        )
        return
      }
      process.stdout.write(formatReport(version, scheme, list, simulations))
    })
}

function formatReport(
  version: ProtocolVersion,
  scheme: AllocationScheme,
  list: { list: RandomizationList; balance: ListBalance; fingerprint: string } | undefined,
  simulations: readonly SchemeSimulation[],
): string {
  const lines: string[] = []
  const ratio = `${scheme.arms.join(':')} = ${scheme.weights.join(':')}`
  lines.push(
    `${version.protocol.study.id} v${version.protocol.study.version}, stage ${scheme.periodId}: ${describeAllocation(scheme.allocation)} (ratio ${ratio})`,
  )
  if (!list && scheme.allocation.method === 'minimisation') {
    lines.push('', 'Minimisation allocates each subject at randomization: there is no list to show.')
  }
  if (list) {
    const { balance } = list
    lines.push(
      '',
      `Generated list: ${list.list.slots.length} slots in ${balance.strata.length} strata, fingerprint ${list.fingerprint}`,
    )
    const header = [
      'stratum',
      'slots',
      ...scheme.arms,
      'exact',
      'max dev',
      'guess rate',
      `blocks (size:${scheme.arms.join('/')})`,
    ]
    const rows = balance.strata.map((s) => [
      s.stratum,
      String(s.slots),
      ...scheme.arms.map((a) => String(s.counts[a] ?? 0)),
      s.blocks.length === 0 ? '-' : s.blocks.every((b) => b.exact) ? 'yes' : 'NO',
      s.maxDeviation.toFixed(2),
      s.correctGuessRate.toFixed(3),
      s.blocks.length === 0
        ? '-'
        : s.blocks.map((b) => `${b.size}:${scheme.arms.map((a) => b.counts[a] ?? 0).join('/')}`).join(' '),
    ])
    lines.push(...table(header, rows, [0, header.length - 1]))
    lines.push(
      `every block exact: ${balance.allBlocksExact ? 'yes' : 'NO'}; largest deviation from the ratio at any point: ${balance.maxDeviation.toFixed(2)}; correct-guess rate along the list: ${balance.correctGuessRate.toFixed(3)}`,
    )
  }
  const first = simulations[0]
  if (first) {
    lines.push(
      '',
      `Predictability and balance: ${first.sims} simulated trials of ${first.subjects} subjects per scheme.`,
      `Correct guesses under the convergence strategy (guess the arm furthest behind its share); chance = ${first.chanceRate.toFixed(3)}.`,
      'Imbalance = max − min of ratio-scaled arm counts at the end of the trial: overall, and at the worst level of any stratification factor.',
    )
    const header = [
      'scheme',
      'correct',
      '± SE',
      'overall mean',
      'p95',
      'max',
      'marginal mean',
      'p95',
      'max',
      'bound exceeded',
    ]
    const rows = simulations.map((s, i) => [
      i === 0 ? `${s.label} (protocol)` : s.label,
      s.correctGuessRate.toFixed(3),
      s.correctGuessSe.toFixed(3),
      s.overallImbalance.mean.toFixed(2),
      s.overallImbalance.p95.toFixed(1),
      s.overallImbalance.max.toFixed(1),
      s.marginalImbalance.mean.toFixed(2),
      s.marginalImbalance.p95.toFixed(1),
      s.marginalImbalance.max.toFixed(1),
      s.allocation.method === 'minimisation' ? `${(100 * s.boundExceededRate).toFixed(2)}%` : '-',
    ])
    lines.push(...table(header, rows))
  }
  return `${lines.join('\n')}\n`
}

/** A plain-text table: columns padded to their widest cell, numbers right-aligned, `left` columns left-aligned. */
function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  left: readonly number[] = [0],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (left.includes(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)]
}

async function protocolOrExit(file: string): Promise<ProtocolVersion> {
  const loaded = await loadProtocolFile(file)
  if (!loaded.ok) exitWithProblems(loaded.problems, file)
  return loaded.value
}

function schemeOrExit(version: ProtocolVersion, stage: string | undefined): AllocationScheme {
  const scheme = compileScheme(version, stage)
  if (!scheme.ok)
    exitWithProblems(
      renameFlags(scheme.problems),
      scheme.problems.some((p) => p.path === 'stage') ? undefined : version.source,
    )
  return scheme.value
}

/** A whole number from 1 to `max`, or exit 2 naming the flag. */
function count(text: string, flag: string, max: number): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN
  if (!(n >= 1 && n <= max))
    exitWithMessage(`${flag}: must be a whole number from 1 to ${max}, got "${text}"`, ExitCode.Usage)
  return n
}

/** Shows option problems under the flag the user typed (`perStratum` → `--per-stratum`). */
function renameFlags(problems: readonly Problem[]): Problem[] {
  const flags: Record<string, string> = { perStratum: '--per-stratum', seed: '--seed', stage: '--stage' }
  return problems.map((p) => ({ ...p, path: flags[p.path] ?? p.path }))
}

async function keyOrExit(file: string): Promise<Buffer> {
  const text = (await readOrExit(file)).trim()
  if (!/^[0-9a-fA-F]{64}$/.test(text))
    exitWithMessage(`${file}: the sealing key must be 64 hexadecimal digits (32 bytes)`, ExitCode.Usage)
  return Buffer.from(text, 'hex')
}

async function readOrExit(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return exitWithMessage(
      `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`}`,
      ExitCode.Usage,
    )
  }
}

async function writeOrExit(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text, 'utf8')
  } catch (e) {
    exitWithMessage(`${file}: cannot write file (${(e as NodeJS.ErrnoException).code})`, ExitCode.Failure)
  }
}
