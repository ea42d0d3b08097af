import type { Command } from 'commander'
import { readFile } from 'node:fs/promises'
import { listInstruments, scoreInstrument, type InstrumentOptions } from '../../instruments/index.ts'
import { exitWithMessage, exitWithProblems, ExitCode } from '../exit.ts'

/** Largest input accepted: one filled form is a few hundred bytes. */
const MAX_INPUT_BYTES = 1_000_000

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('score one filled instrument (JSON keyed by item id) and print the scores as JSON')
    .argument('<instrument>', 'instrument id, e.g. ALSFRS-R, MAS, ECAS, NEUROPHYS (all are listed below)')
    .argument('<file>', 'JSON file with the answers, or - for standard input')
    .option('--muscle-groups <ids>', 'MAS: comma-separated muscle groups rated (default: the suggested list)')
    .option('--cutoffs <pairs>', 'ECAS: abnormal-at-or-below cut-offs, e.g. total=100,alsSpecific=75')
    // The library is read only when help is shown, not at every start of the CLI.
    .addHelpText(
      'after',
      () =>
        `\nInstruments: ${listInstruments()
          .map((i) => i.id)
          .join(', ')}`,
    )
    .addHelpText(
      'after',
      '\nALSFRS-R input: {"Q1": 4, ..., "Q5A": 3 (or "Q5B"), ..., "Q12": 4, "onsetDate": "2025-01-15",' +
        ' "assessmentDate": "2026-01-15", "died": false}\nExit codes: 0 scored, 2 invalid input (every invalid item listed).',
    )
    .action(async (instrumentArg: string, file: string, opts: { muscleGroups?: string; cutoffs?: string }) => {
      const instrument = listInstruments().find((i) => i.id.toLowerCase() === instrumentArg.toLowerCase())?.id
      if (!instrument) {
        exitWithMessage(
          `unknown instrument "${instrumentArg}" (known: ${listInstruments()
            .map((i) => i.id)
            .join(', ')})`,
          ExitCode.Usage,
        )
      }
      const text = await readInput(file)
      let raw: unknown
      try {
        raw = JSON.parse(text)
      } catch (e) {
        exitWithMessage(`${file}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`, ExitCode.Usage)
      }
      const result = scoreInstrument(instrument, raw, parseOptions(opts))
      if (!result.ok) exitWithProblems(result.problems, file === '-' ? 'standard input' : file)
      process.stdout.write(`${JSON.stringify(result.value, null, 2)}\n`)
    })
}

async function readInput(file: string): Promise<string> {
  if (file !== '-') {
    try {
      const text = await readFile(file, 'utf8')
      if (text.length > MAX_INPUT_BYTES)
        exitWithMessage(`${file}: larger than ${MAX_INPUT_BYTES} bytes`, ExitCode.Usage)
      return text
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      return exitWithMessage(
        `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? 'error'})`}`,
        ExitCode.Usage,
      )
    }
  }
  let text = ''
  for await (const chunk of process.stdin) {
    text += String(chunk)
    if (text.length > MAX_INPUT_BYTES)
      exitWithMessage(`standard input: larger than ${MAX_INPUT_BYTES} bytes`, ExitCode.Usage)
  }
  return text
}

function parseOptions(opts: { muscleGroups?: string; cutoffs?: string }): InstrumentOptions {
  const muscleGroups = opts.muscleGroups
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  let cutoffs: Record<string, number> | undefined
  if (opts.cutoffs !== undefined) {
    cutoffs = {}
    for (const pair of opts.cutoffs.split(',')) {
      const [key, value] = pair.split('=').map((s) => s.trim())
      const n = Number(value)
      if (!key || value === undefined || value === '' || !Number.isFinite(n)) {
        exitWithMessage(`--cutoffs: "${pair}" is not id=number`, ExitCode.Usage)
      }
      cutoffs[key] = n
    }
  }
  return { ...(muscleGroups ? { muscleGroups } : {}), ...(cutoffs ? { cutoffs } : {}) }
}
