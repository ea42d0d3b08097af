import { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { CliExit } from './exit.ts'
import { commands } from './commands/index.ts'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

export function buildProgram(): Command {
  const program = new Command('trialdesk')
    .description('TrialDesk: randomized, blinded, multicentre clinical trials from protocol to analysis')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  for (const register of commands) register(program)
  // Every subcommand inherits exitOverride so usage errors come back to main.ts as exit code 2.
  for (const command of allCommands(program)) {
    command.exitOverride()
    command.showHelpAfterError('(run with --help for usage)')
  }
  program.hook('postAction', () => undefined)
  const parse = program.parseAsync.bind(program)
  program.parseAsync = async (argv, opts) => {
    try {
      return await parse(argv, opts)
    } catch (e) {
      if (e instanceof CliExit) {
        process.exitCode = e.exitCode
        return program
      }
      throw e
    }
  }
  return program
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)])
}
