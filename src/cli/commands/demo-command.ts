/**
 * `trialdesk demo --out DIR [--seed S] [--db FILE|URL] [--patients N] [--months M] [--effect SPEC] [--no-pdf]
 * [--quiet]`: the reference study run with virtual patients through the real services into an empty database,
 * then analysed and reported into DIR. Progress on stderr; the summary and the sign-in accounts on stdout.
 */
import type { Command } from 'commander'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { verifyAuditChain } from '../../audit/index.ts'
import { isPostgresUrl, loadConfig } from '../../config/index.ts'
import type { Result } from '../../domain/index.ts'
import { loadProtocolFile } from '../../protocol/index.ts'
import {
  accountLines,
  demoSealKey,
  demoSummary,
  DEMO_DEFAULTS,
  progressReporter,
  runDemo,
  type DemoResult,
  type DemoRunOptions,
} from '../../simulation/index.ts'
import { openStore, type Store } from '../../store/index.ts'
import { ExitCode, exitWithMessage, exitWithProblems } from '../exit.ts'

interface DemoFlags {
  readonly out: string
  readonly seed?: string
  readonly db?: string
  readonly patients?: string
  readonly months?: string
  readonly effect?: string
  readonly protocol?: string
  readonly pdf: boolean
  readonly quiet?: boolean
}

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  name: string
  version: string
}
export const SOFTWARE = { name: 'TrialDesk', version: pkg.version } as const

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the reference trial with virtual patients through the real services, then analyse and report it')
    .requiredOption('--out <dir>', 'folder for the report (report.html, report.pdf, results.json, datasets/)')
    .option(
      '--seed <seed>',
      `seed of the simulation (default ${DEMO_DEFAULTS.seed}); the same seed gives the same database and report`,
    )
    .option('--db <url>', 'empty SQLite file or postgres:// URL (default <out>/trialdesk-demo.sqlite)')
    .option('--patients <n>', `patients to randomize (default ${DEMO_DEFAULTS.patients})`)
    .option(
      '--months <m>',
      'data cut this many months after the study start (default: when the last patient has finished)',
    )
    .option('--effect <spec>', 'true effect of the active arms, e.g. slope=0.3 or slope:D3=0.3+hr=0.8 (default: none)')
    .option('--protocol <file>', 'protocol file (default protocols/admsc-als.yaml)')
    .option('--no-pdf', 'write the HTML report and results.json only')
    .option('--quiet', 'no progress output')
    .action(async (flags: DemoFlags) => {
      const numbers = demoNumbers(flags)
      const config = loadConfig(process.env, {
        databaseUrl: flags.db ?? join(flags.out, 'trialdesk-demo.sqlite'),
        protocolFile: flags.protocol,
      })
      if (!config.ok) exitWithProblems(config.problems)
      const seed = flags.seed ?? DEMO_DEFAULTS.seed
      const sealKey = demoSealKey(seed)
      const store = await openDemoStore(config.value.databaseUrl)
      const done = await runDemoCommand(store, {
        protocolFile: config.value.protocolFile,
        quiet: flags.quiet === true,
        options: {
          seed,
          ...numbers,
          effect: flags.effect,
          sealKey,
          outDir: flags.out,
          chromium: flags.pdf ? undefined : false,
        },
      })
      if (done.ok) {
        if (isPostgresUrl(config.value.databaseUrl)) {
          process.stdout.write(
            `  To serve this database: TRIALDESK_SEAL_KEY=${sealKey.toString('hex')} trialdesk serve --db <url>\n`,
          )
        } else {
          writeSealKeyFile(store.location, sealKey, true)
          process.stdout.write(`  To explore it in the web app: trialdesk serve --db ${store.location}\n`)
        }
        for (const line of accountLines(done.value.run.accounts)) process.stdout.write(`${line}\n`)
      }
      await store.close()
      if (!done.ok) exitWithProblems(done.problems, undefined, ExitCode.Failure)
    })
}

/** The numeric flags, checked (a bad value is a usage error, exit 2). */
function demoNumbers(flags: Pick<DemoFlags, 'patients' | 'months'>): { patients?: number; months?: number } {
  const out: { patients?: number; months?: number } = {}
  if (flags.patients !== undefined) {
    if (!/^\d+$/.test(flags.patients))
      exitWithMessage(`--patients: "${flags.patients}" is not a whole number`, ExitCode.Usage)
    out.patients = Number(flags.patients)
  }
  if (flags.months !== undefined) {
    const m = Number(flags.months)
    if (!Number.isFinite(m) || m <= 0)
      exitWithMessage(`--months: "${flags.months}" is not a positive number`, ExitCode.Usage)
    out.months = m
  }
  return out
}

/** Opens and migrates the demo's database. SQLite commits without a full fsync: a demo database is rebuilt from its seed. */
export async function openDemoStore(url: string): Promise<Store> {
  const store = await openStore(url, { synchronous: 'normal' })
  const migrated = await store.migrate()
  if (!migrated.ok) {
    await store.close()
    exitWithProblems(migrated.problems, url, ExitCode.Failure)
  }
  return store
}

/**
 * Runs the demo into `store` with the progress line on stderr and prints the summary on stdout (shared by
 * `trialdesk demo` and `trialdesk start`).
 */
export async function runDemoCommand(
  store: Store,
  input: {
    readonly protocolFile: string
    readonly quiet: boolean
    readonly options: Omit<DemoRunOptions, 'store' | 'protocol' | 'software' | 'onProgress' | 'onPhase' | 'verifyAudit'>
  },
): Promise<Result<DemoResult>> {
  const protocol = await loadProtocolFile(input.protocolFile)
  if (!protocol.ok)
    return { ok: false, problems: protocol.problems.map((p) => ({ ...p, path: `${input.protocolFile}: ${p.path}` })) }
  const progress = progressReporter(process.stderr, { quiet: input.quiet })
  const result = await runDemo({
    ...input.options,
    store,
    protocol: protocol.value,
    software: SOFTWARE,
    verifyAudit: verifyAuditChain,
    onProgress: progress.update,
    onPhase: progress.note,
  }).finally(() => progress.done())
  if (result.ok) {
    const lines = demoSummary(result.value, { database: store.location, reportDir: input.options.outDir })
    for (const line of lines) process.stdout.write(`${line}\n`)
  }
  return result
}

/** Writes the seal key beside a SQLite database (mode 0600), where `trialdesk serve` looks for it. */
export function writeSealKeyFile(location: string, key: Uint8Array, replace: boolean): void {
  const file = `${location}.sealkey`
  writeFileSync(file, `${Buffer.from(key).toString('hex')}\n`, { mode: 0o600, flag: replace ? 'w' : 'wx' })
  chmodSync(file, 0o600)
}
