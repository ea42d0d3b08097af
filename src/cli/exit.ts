import { describeProblems, ProblemCode, type Problem } from '../domain/index.ts'

export const ExitCode = { Ok: 0, Failure: 1, Usage: 2 } as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Thrown by command actions to stop with an exit code after printing problems; caught in `program.ts`. */
export class CliExit extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`)
  }
}

/**
 * Prints each problem as one line on stderr, naming the file and the path inside it
 * (`protocols/x.yaml: arms[2].ratio: must be a positive integer`), and stops with `code`.
 */
export function exitWithProblems(problems: readonly Problem[], file?: string, code: ExitCode = ExitCode.Usage): never {
  const prefix = file ? `${file}: ` : ''
  for (const line of describeProblems(problems).split('\n')) process.stderr.write(`trialdesk: ${prefix}${line}\n`)
  throw new CliExit(code)
}

/**
 * The exit code of a start-up that failed: 2 when every problem is in the operator's input (a flag, the
 * environment, the seal key, the protocol file), 1 for anything else (a database that cannot be used as is).
 */
export function startupExitCode(problems: readonly Problem[]): ExitCode {
  const input: readonly string[] = [ProblemCode.Invalid, ProblemCode.Required]
  return problems.every((p) => input.includes(p.code)) ? ExitCode.Usage : ExitCode.Failure
}

/** Prints one message line on stderr and stops with `code`. */
export function exitWithMessage(message: string, code: ExitCode = ExitCode.Failure): never {
  process.stderr.write(`trialdesk: ${message}\n`)
  throw new CliExit(code)
}
