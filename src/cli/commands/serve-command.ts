import type { Command } from 'commander'
import { startServer } from '../../main.ts'
import { ExitCode, exitWithMessage, exitWithProblems, startupExitCode } from '../exit.ts'

interface ServeFlags {
  db?: string
  port?: string
  host?: string
  protocol?: string
  goLive?: boolean
}

/**
 * `trialdesk serve [--db FILE | DATABASE_URL] [--port N] [--host H] [--protocol FILE] [--go-live]`: the web
 * app and JSON API on the embedded SQLite by default. On first start it
 * creates the schema, loads the protocol and creates the administrator account (password printed once).
 * SIGINT/SIGTERM stop it gracefully: open requests finish, the database closes.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the TrialDesk server (web app and JSON API; OpenAPI document at /api/openapi.json)')
    .option(
      '--db <url>',
      'SQLite file or postgres:// URL (default: DATABASE_URL, else trialdesk-data/trialdesk.sqlite)',
    )
    .option('--port <n>', 'port to listen on; 0 picks a free one (default: PORT, else 8080)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .option('--protocol <file>', 'protocol file to load (default protocols/admsc-als.yaml)')
    .option('--go-live', 'randomization go-live at start if not live yet (seals the lists)')
    .action(async (flags: ServeFlags) => {
      if (flags.port !== undefined && !/^\d+$/.test(flags.port))
        exitWithMessage(`--port: "${flags.port}" is not a port number`, ExitCode.Usage)
      const started = await startServer({
        db: flags.db,
        port: flags.port === undefined ? undefined : Number(flags.port),
        host: flags.host,
        protocol: flags.protocol,
        goLive: flags.goLive === true,
      })
      if (!started.ok) exitWithProblems(started.problems, undefined, startupExitCode(started.problems))
      const server = started.value
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          process.stdout.write(`${signal}: stopping\n`)
          server.close().then(resolve, (e: unknown) => {
            process.stderr.write(`trialdesk: error while stopping: ${e instanceof Error ? e.message : String(e)}\n`)
            resolve()
          })
        }
        process.once('SIGINT', () => stop('SIGINT'))
        process.once('SIGTERM', () => stop('SIGTERM'))
      })
    })
}
