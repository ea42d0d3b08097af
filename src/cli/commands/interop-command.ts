/**
 * `trialdesk import odm|redcap …`: turns another system's study definition into a TrialDesk protocol file and
 * prints what was read, skipped and left as a placeholder. The protocol is written only when the whole import
 * succeeds (to a temporary file, then renamed), so bad input never leaves a partial file. With `--db`, the
 * ODM file's clinical data is loaded into the study through the services, all or nothing.
 *
 * `trialdesk export odm|redcap|sdtm|r …`: the study's data from the database, blinded unless `--unblinded`
 * is given (and, while the study is still blinded, confirmed), written atomically and recorded in the audit
 * trail. Who the CLI acts as is documented in `study-session.ts` (`CLI_ACTORS`).
 */
import type { Command } from 'commander'
import { randomUUID } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { stringify } from 'yaml'
import type { Problem, ProtocolFile } from '../../domain/index.ts'
import {
  buildExport,
  findXmllint,
  formatImportReport,
  importOdmFile,
  importRedcapDictionary,
  loadOdmFile,
  loadRedcapData,
  validateXmlFile,
  writeExport,
  type ClinicalLoadSummary,
  type ExportFormat,
  type ImportReport,
} from '../../interop/index.ts'
import { CliExit, ExitCode } from '../exit.ts'
import { CLI_ACTORS, openStudy } from './study-session.ts'

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }

/** Largest CSV accepted from the command line (a data dictionary is a few hundred kB). */
const MAX_CSV_BYTES = 20 * 1024 * 1024

export function registerInteropCommands(program: Command): void {
  registerExportCommands(program)
  const imp = program
    .command('import')
    .description(
      'import another system’s study definition into a TrialDesk protocol, and its clinical data into the study',
    )
  imp
    .command('odm')
    .description(
      'CDISC ODM 1.3 file (REDCap, OpenClinica/LibreClinica, OpenEDC, Viedoc, Medidata Rave, …) → protocol YAML and/or clinical data into the study',
    )
    .argument('<file>', 'ODM XML file')
    .option('--protocol-out <file>', 'where to write the protocol (YAML)')
    .option('--db <url>', 'load the clinical data into the study of this database (SQLite file or postgres:// URL)')
    .option('--protocol <file>', 'with --db: protocol to set up a database that holds no study yet')
    .option('--site <id>', 'with --db: site of subjects whose data names no site')
    .option(
      '--skip-invalid-forms',
      'with --db: leave out (and report) form versions that fail validation instead of loading nothing',
    )
    .option('--metadata <file>', 'ODM file with the study metadata, when <file> holds clinical data only')
    .option('--report-json <file>', 'also write the import report as JSON')
    .action(async (file: string, opts: OdmImportFlags) => {
      if (!opts.protocolOut && !opts.db)
        fail(
          [
            {
              code: 'required',
              path: '',
              message: 'give --protocol-out (study definition) and/or --db (clinical data)',
            },
          ],
          file,
        )
      if (opts.db) return loadOdm(file, opts)
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
      await finish(r.value.protocol, r.value.report, { ...opts, protocolOut: opts.protocolOut ?? '' })
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
  imp
    .command('redcap-data')
    .description('REDCap records (data CSV) into the study of a database whose protocol was made from the dictionary')
    .argument('<data>', 'REDCap data CSV (export or import format: record id, redcap_event_name, …)')
    .requiredOption('--dictionary <file>', 'the project’s data dictionary CSV (maps variables to forms and items)')
    .option('--events <files...>', 'events, arms and/or instrument-event mapping CSV files')
    .requiredOption('--db <url>', 'SQLite file or postgres:// URL of the study')
    .option('--protocol <file>', 'protocol to set up a database that holds no study yet')
    .option('--site <id>', 'site of the records')
    .option(
      '--skip-invalid-forms',
      'leave out (and report) form versions that fail validation instead of loading nothing',
    )
    .option('--report-json <file>', 'also write the load report as JSON')
    .action(async (data: string, opts: RedcapDataFlags) => {
      const read = async (path: string) => ({ name: basename(path), text: await readText(path) })
      const input = {
        dictionary: await read(opts.dictionary),
        extras: await Promise.all((opts.events ?? []).map(read)),
        data: await read(data),
      }
      const session = await openStudy({ db: opts.db, protocol: opts.protocol, create: opts.protocol !== undefined })
      if (!session.ok) fail(session.problems, opts.db)
      try {
        const r = await loadRedcapData(session.value.deps, input, {
          actor: CLI_ACTORS.importer,
          site: opts.site,
          invalidForms: opts.skipInvalidForms ? 'skip' : 'fail',
        })
        if (!r.ok) fail(r.problems, data)
        if (opts.reportJson) await writeAtomically(opts.reportJson, `${JSON.stringify(r.value, null, 2)}\n`)
        const { records, loaded } = r.value
        process.stdout.write(
          formatImportReport({
            source: input.data.name,
            format: 'redcap-data',
            counts: records.counts,
            skipped: [...records.skipped, ...loaded.skipped],
            extensions: [],
            placeholders: [],
          }),
        )
        process.stdout.write(loadedLine(session.value.store.location, loaded))
      } finally {
        await session.value.close()
      }
    })
}

interface OdmImportFlags {
  readonly protocolOut?: string
  readonly db?: string
  readonly protocol?: string
  readonly site?: string
  readonly skipInvalidForms?: boolean
  readonly metadata?: string
  readonly reportJson?: string
}

/** `import odm --db`: the protocol first when asked for, then the clinical data in one transaction. */
async function loadOdm(file: string, opts: OdmImportFlags): Promise<void> {
  if (opts.protocolOut) {
    const r = await importOdmFile(file, opts.metadata ? { metadataFile: opts.metadata } : {})
    if (!r.ok) fail(r.problems, file)
    if (r.value.protocol) await writeAtomically(opts.protocolOut, protocolYaml(r.value.protocol, r.value.report))
  }
  const session = await openStudy({ db: opts.db, protocol: opts.protocol, create: opts.protocol !== undefined })
  if (!session.ok) fail(session.problems, opts.db ?? '')
  try {
    const loaded = await loadOdmFile(session.value.deps, file, {
      actor: CLI_ACTORS.importer,
      site: opts.site,
      metadataFile: opts.metadata,
      invalidForms: opts.skipInvalidForms ? 'skip' : 'fail',
    })
    if (!loaded.ok) fail(loaded.problems, file)
    const { report, loaded: l } = loaded.value
    if (opts.reportJson)
      await writeAtomically(opts.reportJson, `${JSON.stringify({ ...report, loaded: l }, null, 2)}\n`)
    process.stdout.write(formatImportReport({ ...report, skipped: [...report.skipped, ...l.skipped] }))
    process.stdout.write(loadedLine(session.value.store.location, l))
  } finally {
    await session.value.close()
  }
}

interface ExportFlags {
  readonly out: string
  readonly db?: string
  readonly blinded?: boolean
  readonly unblinded?: boolean
  readonly confirmUnblinded?: boolean
  readonly withAudit?: boolean
  readonly transactional?: boolean
  readonly validate?: boolean
}

const EXPORTS: readonly { format: ExportFormat; what: string; out: string }[] = [
  { format: 'odm', what: 'CDISC ODM 1.3.2 XML (metadata, admin data, clinical data)', out: '<file>' },
  { format: 'redcap', what: 'REDCap data dictionary, events, instrument-event mapping and data CSV', out: '<dir>' },
  {
    format: 'sdtm',
    what: 'SDTM-style datasets (DM, DS, EX, AE, QS, VS, RS) as CSV with define.csv and read-data.R',
    out: '<dir>',
  },
  { format: 'r', what: 'R-ready CSV per form with define.csv and read-data.R', out: '<dir>' },
]

/** `trialdesk export odm|redcap|sdtm|r`; `export analysis` belongs to the analysis commands. */
function registerExportCommands(program: Command): void {
  const exporter =
    program.commands.find((c) => c.name() === 'export') ?? program.command('export').description('export study data')
  for (const e of EXPORTS) {
    const command = exporter
      .command(e.format)
      .description(`the study's data as ${e.what}; blinded unless --unblinded; audited`)
      .requiredOption(`--out ${e.out}`, e.format === 'odm' ? 'file to write' : 'folder to write (created if missing)')
      .option('--db <url>', 'SQLite file or postgres:// URL (default: DATABASE_URL)')
      .option('--blinded', 'no allocation, dose or other unblinded-only value (the default)')
      .option('--unblinded', 'include the allocations (acts as the independent statistician)')
      .option('--confirm-unblinded', 'with --unblinded, while the study is still blinded: I am unblinded staff')
    if (e.format === 'odm')
      command
        .option('--with-audit', 'audit record and signature of every form')
        .option('--transactional', 'every saved version of every form, in order (implies --with-audit)')
        .option('--validate', 'validate the file against the ODM 1.3.2 schema with xmllint')
    command.action((flags: ExportFlags) => runExport(e.format, flags))
  }
}

async function runExport(format: ExportFormat, flags: ExportFlags): Promise<void> {
  if (flags.blinded && flags.unblinded)
    fail([{ code: 'invalid', path: '', message: '--blinded and --unblinded exclude each other' }], 'export')
  if (flags.confirmUnblinded && !flags.unblinded)
    fail([{ code: 'invalid', path: '', message: '--confirm-unblinded goes with --unblinded' }], 'export')
  const session = await openStudy({ db: flags.db, create: false })
  if (!session.ok) fail(session.problems, flags.db ?? 'DATABASE_URL')
  const { services, protocol } = session.value
  try {
    const actor = flags.unblinded ? CLI_ACTORS.exportUnblinded : CLI_ACTORS.exportBlinded
    if (flags.unblinded && !flags.confirmUnblinded) {
      const study = await services.study.summary(actor)
      if (!study.ok) fail(study.problems, session.value.store.location)
      if (study.value.unblindedAt === null)
        fail(
          [
            {
              code: 'forbidden',
              path: '',
              message:
                'the study is still blinded: an unblinded export reveals every allocation; add --confirm-unblinded if you are unblinded staff',
            },
          ],
          'export',
        )
    }
    const built = await buildExport(services, actor, protocol, {
      format,
      blinded: flags.unblinded !== true,
      fileType: flags.transactional ? 'Transactional' : 'Snapshot',
      withAudit: flags.withAudit === true,
      softwareVersion: pkg.version,
    })
    if (!built.ok) fail(built.problems, session.value.store.location)
    const written = await writeExport(services, actor, built.value, flags.out)
    if (!written.ok) fail(written.problems, flags.out)
    if (flags.validate) {
      if (!findXmllint())
        fail(
          [
            {
              code: 'unsupported',
              path: '',
              message: 'written, but not validated: xmllint is not installed (libxml2-utils)',
            },
          ],
          flags.out,
        )
      const outcome = validateXmlFile(flags.out)
      if (!outcome.valid) {
        process.stderr.write(
          `trialdesk: ${flags.out}: not valid against the ODM 1.3.2 schema\n${outcome.errors.slice(0, 5).join('\n')}\n`,
        )
        throw new CliExit(ExitCode.Failure)
      }
    }
    const b = built.value
    process.stdout.write(
      `${protocol.protocol.study.id}: ${b.blinded ? 'blinded' : 'UNBLINDED'} ${format} export of ${b.subjects} subject(s), ` +
        `sha256 ${b.contentHash}, recorded in the audit trail\n`,
    )
    for (const path of written.value) process.stdout.write(`  wrote ${path}\n`)
  } finally {
    await session.value.close()
  }
}

interface RedcapDataFlags {
  readonly dictionary: string
  readonly events?: string[]
  readonly db: string
  readonly protocol?: string
  readonly site?: string
  readonly skipInvalidForms?: boolean
  readonly reportJson?: string
}

/** The last line of a data import: what was written to the study. */
function loadedLine(location: string, l: ClinicalLoadSummary): string {
  return (
    `\nLoaded into ${location}: ${l.subjectsCreated} subject(s) screened, ${l.subjectsMatched} matched, ` +
    `${l.forms} form(s) with ${l.formVersions} version(s) and ${l.values} value(s), ${l.adverseEvents} adverse event(s)` +
    (l.formVersionsSkipped > 0 ? `; ${l.formVersionsSkipped} invalid form version(s) left out\n` : '\n')
  )
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
  await writeAtomically(opts.protocolOut, protocolYaml(protocol, report))
  if (opts.reportJson) await writeAtomically(opts.reportJson, `${JSON.stringify(report, null, 2)}\n`)
  process.stdout.write(formatImportReport(report))
  process.stdout.write(`\nWrote ${opts.protocolOut}\n`)
}

/** The protocol YAML with a header naming the source and every placeholder left to fill in. */
function protocolYaml(protocol: ProtocolFile, report: ImportReport): string {
  const header = [
    `Imported from ${report.source} by \`trialdesk import\`. Review before use:`,
    ...report.placeholders.map((p) => `  PLACEHOLDER ${p.path}: ${p.reason}`),
    `${report.skipped.length} construct(s) were skipped or not translated; see the import report.`,
  ]
  return `${header.map((l) => `# ${l}`).join('\n')}\n${stringify(protocol, { lineWidth: 120 })}`
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
