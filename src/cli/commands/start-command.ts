/**
 * `trialdesk start` (what `npm start` runs): on an empty database (default trialdesk-data/trialdesk.sqlite) it
 * first runs the demo into it, with a fresh random seal key and fresh randomization seeds, writes the report to
 * the report folder beside the database, then serves the web app and API (the serve command's `startServer`)
 * and prints the URL and the demo sign-in accounts, whose passwords are generated now and shown only once. On a
 * database that already holds a study or accounts it just serves.
 */
import type { Command } from 'commander'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { isPostgresUrl, loadConfig } from '../../config/index.ts'
import { startServer } from '../../main.ts'
import { accountLines, DEMO_DEFAULTS, type DemoAccount } from '../../simulation/index.ts'
import { findStudy, listUsers, type Store } from '../../store/index.ts'
import { ExitCode, exitWithMessage, exitWithProblems, startupExitCode } from '../exit.ts'
import { openDemoStore, runDemoCommand, writeSealKeyFile } from './demo-command.ts'

interface StartFlags {
  readonly db?: string
  readonly port?: string
  readonly host?: string
  readonly seed?: string
  readonly patients?: string
  readonly quiet?: boolean
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'first start: run the demo trial into the empty database and write its report; then serve the web app and API',
    )
    .option(
      '--db <url>',
      'SQLite file or postgres:// URL (default: DATABASE_URL, else trialdesk-data/trialdesk.sqlite)',
    )
    .option('--port <n>', 'port to listen on; 0 picks a free one (default: PORT, else 8080)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .option('--seed <seed>', `seed of the demo's virtual patients (default ${DEMO_DEFAULTS.seed})`)
    .option('--patients <n>', `patients the demo randomizes (default ${DEMO_DEFAULTS.patients})`)
    .option('--quiet', 'no progress output while the demo runs')
    .action(async (flags: StartFlags) => {
      if (flags.port !== undefined && !/^\d+$/.test(flags.port))
        exitWithMessage(`--port: "${flags.port}" is not a port number`, ExitCode.Usage)
      if (flags.patients !== undefined && !/^\d+$/.test(flags.patients))
        exitWithMessage(`--patients: "${flags.patients}" is not a whole number`, ExitCode.Usage)
      const config = loadConfig(process.env, { databaseUrl: flags.db })
      if (!config.ok) exitWithProblems(config.problems)
      const cfg = config.value
      const store = await openDemoStore(cfg.databaseUrl)
      let accounts: readonly DemoAccount[] = []
      try {
        if (await isEmpty(store)) accounts = await firstStart(store, cfg, flags)
      } finally {
        await store.close()
      }
      const started = await startServer({
        db: cfg.databaseUrl,
        port: flags.port === undefined ? undefined : Number(flags.port),
        host: flags.host,
      })
      if (!started.ok) exitWithProblems(started.problems, undefined, startupExitCode(started.problems))
      if (accounts.length > 0) for (const line of accountLines(accounts)) process.stdout.write(`${line}\n`)
      await new Promise<void>((done) => {
        const stop = (signal: string): void => {
          process.stdout.write(`${signal}: stopping\n`)
          started.value.close().then(done, (e: unknown) => {
            process.stderr.write(`trialdesk: error while stopping: ${e instanceof Error ? e.message : String(e)}\n`)
            done()
          })
        }
        process.once('SIGINT', () => stop('SIGINT'))
        process.once('SIGTERM', () => stop('SIGTERM'))
      })
    })
}

/** No study and no account yet: a first start. */
async function isEmpty(store: Store): Promise<boolean> {
  return !(await findStudy(store)) && (await listUsers(store)).length === 0
}

/** Runs the demo into the empty database; answers the accounts to print once the server listens. */
async function firstStart(
  store: Store,
  cfg: { readonly sealKey?: string | undefined; readonly databaseUrl: string; readonly protocolFile: string },
  flags: StartFlags,
): Promise<readonly DemoAccount[]> {
  const postgres = isPostgresUrl(cfg.databaseUrl)
  const sealKey = cfg.sealKey ? Buffer.from(cfg.sealKey, 'hex') : postgres ? null : sqliteSealKey(store.location)
  if (!sealKey)
    exitWithMessage('set TRIALDESK_SEAL_KEY (64 hex characters) to start on a PostgreSQL database', ExitCode.Usage)
  const reportDir = postgres ? resolve('trialdesk-data', 'report') : join(dirname(store.location), 'report')
  process.stderr.write(`First start: running the demo trial into ${store.location} (the report goes to ${reportDir})\n`)
  const done = await runDemoCommand(store, {
    protocolFile: cfg.protocolFile,
    quiet: flags.quiet === true,
    options: {
      seed: flags.seed ?? DEMO_DEFAULTS.seed,
      ...(flags.patients !== undefined ? { patients: Number(flags.patients) } : {}),
      sealKey,
      // A database people will use: randomization seeds, nonces and ids from the system's CSPRNG, not the seed.
      randomBytes,
      outDir: reportDir,
    },
  })
  if (!done.ok) exitWithProblems(done.problems, undefined, ExitCode.Failure)
  return done.value.run.accounts
}

/** The key file beside the SQLite database: kept if present, else a new random key (mode 0600). */
function sqliteSealKey(location: string): Buffer {
  const file = `${location}.sealkey`
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim()
    if (!/^[0-9a-f]{64}$/.test(hex))
      exitWithMessage(`${file}: the seal key file must hold 64 hex characters`, ExitCode.Failure)
    return Buffer.from(hex, 'hex')
  }
  const key = randomBytes(32)
  writeSealKeyFile(location, key, false)
  return key
}
