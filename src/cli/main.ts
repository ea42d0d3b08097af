/**
 * The `trialdesk` command. Each subcommand lives in `commands/` and registers itself on the program;
 * exit codes: 0 ok, 1 failure, 2 bad usage or bad input.
 */
import { CommanderError } from 'commander'
import { buildProgram } from './program.ts'
import { ExitCode } from './exit.ts'

const program = await buildProgram(process.argv)
try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander has already printed its message; --help and --version are successes.
    const success =
      e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help'
    process.exitCode = success ? ExitCode.Ok : ExitCode.Usage
  } else {
    process.stderr.write(`trialdesk: internal error: ${e instanceof Error ? e.message : String(e)}\n`)
    if (process.env['TRIALDESK_DEBUG']) console.error(e)
    process.exitCode = ExitCode.Failure
  }
}
