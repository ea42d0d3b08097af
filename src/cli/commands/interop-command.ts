/**
 * `trialdesk import odm|redcap …`: turns another system's study definition into a TrialDesk protocol file and
 * prints what was read, skipped and left as a placeholder. The protocol is written only when the whole import
 * succeeds (to a temporary file, then renamed), so bad input never leaves a partial file.
 */
import type { Command } from 'commander'
import { randomUUID } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { stringify } from 'yaml'
import type { Problem, ProtocolFile } from '../../domain/index.ts'
import { formatImportReport, importOdmFile, importRedcapDictionary, type ImportReport } from '../../interop/index.ts'
import { CliExit, ExitCode } from '../exit.ts'

/** Largest CSV accepted from the command line (a data dictionary is a few hundred kB). */
const MAX_CSV_BYTES = 20 * 1024 * 1024

export function registerInteropCommands(program: Command): void {
  const imp = program
    .command('import')
    .description('import a study definition from another system into a TrialDesk protocol')
  imp
    .command('odm')
    .description(
      'CDISC ODM 1.3 file (REDCap, OpenClinica/LibreClinica, OpenEDC, Viedoc, Medidata Rave, …) → protocol YAML',
    )
    .argument('<file>', 'ODM XML file')
    .requiredOption('--protocol-out <file>', 'where to write the protocol (YAML)')
    .option('--metadata <file>', 'ODM file with the study metadata, when <file> holds clinical data only')
    .option('--report-json <file>', 'also write the import report as JSON')
    .action(async (file: string, opts: { protocolOut: string; metadata?: string; reportJson?: string }) => {
      const r = await importOdmFile(file, opts.metadata ? { metadataFile: opts.metadata } : {})
      if (!r.ok) fail(r.problems, file)
      if (!r.value.protocol) {
        fail(
          [
            {
              code: 'not_found',
              path: '',
              message:
                'the file holds no study metadata (Study/MetaDataVersion); give the metadata file with --metadata',
            },
          ],
          file,
        )
      }
      await finish(r.value.protocol, r.value.report, opts)
    })
  imp
    .command('redcap')
    .description('REDCap data dictionary CSV (with events, arms and instrument-event mapping CSVs) → protocol YAML')
    .argument('<dictionary>', 'data dictionary CSV')
    .option('--events <files...>', 'events, arms and/or instrument-event mapping CSV files')
    .requiredOption('--protocol-out <file>', 'where to write the protocol (YAML)')
    .option('--report-json <file>', 'also write the import report as JSON')
    .action(async (dictionary: string, opts: { protocolOut: string; events?: string[]; reportJson?: string }) => {
      const read = async (path: string) => ({ name: basename(path), text: await readText(path) })
      const r = importRedcapDictionary({
        dictionary: await read(dictionary),
        extras: await Promise.all((opts.events ?? []).map(read)),
      })
      if (!r.ok) fail(r.problems, dictionary)
      await finish(r.value.protocol, r.value.report, opts)
    })
}

async function readText(path: string): Promise<string> {
  try {
    const text = await readFile(path, 'utf8')
    if (text.length > MAX_CSV_BYTES)
      fail([{ code: 'too_large', path: '', message: `larger than ${MAX_CSV_BYTES} bytes` }], path)
    return text
  } catch (e) {
    if (e instanceof CliExit) throw e
    const code = (e as NodeJS.ErrnoException).code
    return fail(
      [
        {
          code: 'io',
          path: '',
          message: code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? 'error'})`,
        },
      ],
      path,
    )
  }
}

/** One stderr line (the first problem, with how many more), exit code 2. */
function fail(problems: readonly Problem[], file: string): never {
  const [first] = problems
  const where = first?.path ? `${first.path}: ` : ''
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''
  process.stderr.write(`trialdesk: ${file}: ${where}${first?.message ?? 'import failed'}${more}\n`)
  throw new CliExit(ExitCode.Usage)
}

async function finish(
  protocol: ProtocolFile,
  report: ImportReport,
  opts: { protocolOut: string; reportJson?: string },
): Promise<void> {
  const header = [
    `Imported from ${report.source} by \`trialdesk import\`. Review before use:`,
    ...report.placeholders.map((p) => `  PLACEHOLDER ${p.path}: ${p.reason}`),
    `${report.skipped.length} construct(s) were skipped or not translated; see the import report.`,
  ]
  const yaml = `${header.map((l) => `# ${l}`).join('\n')}\n${stringify(protocol, { lineWidth: 120 })}`
  await writeAtomically(opts.protocolOut, yaml)
  if (opts.reportJson) await writeAtomically(opts.reportJson, `${JSON.stringify(report, null, 2)}\n`)
  process.stdout.write(formatImportReport(report))
  process.stdout.write(`\nWrote ${opts.protocolOut}\n`)
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`)
  try {
    await writeFile(tmp, text, { flag: 'wx' })
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true })
    const code = (e as NodeJS.ErrnoException).code
    fail([{ code: 'io', path: '', message: `cannot write (${code ?? 'error'})` }], path)
  }
}
