import { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { CliExit } from './exit.ts'
import { commandModules } from './commands/index.ts'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

/**
 * Builds the program for `argv`: only the modules of the top-level command named in argv are loaded; help,
 * an unknown command or no command loads them all so that commander can list or suggest them.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('trialdesk')
    .description('TrialDesk: randomized, blinded, multicentre clinical trials from protocol to analysis')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  const first = argv.slice(2).find((a) => !a.startsWith('-'))
  const versionOnly = first === undefined && argv.some((a) => a === '-V' || a === '--version')
  const named = commandModules.filter((m) => first !== undefined && m.names.includes(first))
  const load = versionOnly ? [] : named.length > 0 ? named : commandModules
  for (const module of load) (await module.load())(program)
  // Every subcommand inherits exitOverride so usage errors come back to main.ts as exit code 2.
  for (const command of allCommands(program)) {
    command.exitOverride()
    command.showHelpAfterError('(run with --help for usage)')
  }
  const parse = program.parseAsync.bind(program)
  program.parseAsync = async (args, opts) => {
    try {
      return await parse(args, opts)
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
