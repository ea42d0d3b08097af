/**
 * `trialdesk report`: runs the protocol's statistical analysis plan on the analysis datasets and writes
 * `report.html` (self-contained), `report.pdf` (Chromium) and `results.json` (every number; schema
 * `docs/results-schema.json`). `trialdesk export analysis` writes the datasets themselves (CSV or JSON with their
 * data dictionary, blinded on request), and `trialdesk export results-schema` the JSON Schema of results.json.
 *
 * The datasets come from a dataset folder (`--data`) or from the study database (`--db`: the audited study
 * extraction, blinded unless `--unblinded`, mapped to analysis datasets). The same report is rebuilt bit for bit
 * from the same folder and `--generated-at`.
 */
import type { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { AnalysisDatasets } from '../../analysis/index.ts'
import {
  applyDataCut,
  blindDatasets,
  datasetsFromExtract,
  readAnalysisDatasets,
  readSavedProtocol,
  resultsJsonSchema,
  runAnalysisPlan,
  writeAnalysisDatasets,
} from '../../analysis/index.ts'
import type { ProtocolFile } from '../../domain/index.ts'
import { loadProtocolFile, protocolFromData } from '../../protocol/index.ts'
import { buildReport, DEFAULT_CHROMIUM, printPdf, writeReportFiles } from '../../report/index.ts'
import { ExitCode, exitWithMessage, exitWithProblems } from '../exit.ts'
import { CLI_ACTORS, openStudy } from './study-session.ts'

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }

/** Where the datasets come from: a dataset folder, or the study database through the audited extraction. */
interface Source {
  readonly data?: string
  readonly db?: string
  readonly protocol?: string
  readonly unblinded?: boolean
  readonly confirmUnblinded?: boolean
}

interface ReportOptions extends Source {
  readonly out: string
  readonly protocol?: string
  readonly blinded?: boolean
  readonly dataCut?: string
  readonly pdf: boolean
  readonly chromium: string
  readonly by?: string
  readonly generatedAt?: string
}

interface ExportOptions extends Source {
  readonly out: string
  readonly format: string
  readonly blinded?: boolean
  readonly dataCut?: string
}

/** The options naming where the datasets come from, shared by `report` and `export analysis`. */
function sourceOptions(command: Command): Command {
  return command
    .option('--data <dir>', 'analysis datasets folder (as written by `trialdesk export analysis`)')
    .option('--db <url>', 'study database (SQLite file or postgres:// URL): analyse the study extraction')
    .option('--protocol <file>', "protocol file (default: the protocol saved with the datasets, or the study's)")
    .option('--unblinded', 'with --db: extract with the allocations (acts as the independent statistician)')
    .option('--confirm-unblinded', 'with --unblinded, while the study is still blinded: I am unblinded staff')
}

export function registerReportCommands(program: Command): void {
  sourceOptions(program.command('report'))
    .description('run the statistical analysis plan and write report.html, report.pdf and results.json')
    .requiredOption('--out <dir>', 'folder for the report files')
    .option('--blinded', 'pool all arms: no efficacy or safety result split by arm (DSMB open session)')
    .option('--data-cut <date>', 'analyse the data as of this ISO date (interim analysis)')
    .option('--no-pdf', 'do not print the PDF (no Chromium needed)')
    .option('--chromium <path>', 'Chromium executable for the PDF', DEFAULT_CHROMIUM)
    .option('--by <name>', 'who generates the report, stamped on every page')
    .option('--generated-at <instant>', 'timestamp stamped on the report (default: now), to rebuild a report exactly')
    .action(async (opts: ReportOptions) => {
      const { protocol, datasets } = await loadInputs(opts)
      const run = runAnalysisPlan(protocol, datasets, {
        blinded: opts.blinded === true,
        dataCutDate: opts.dataCut,
        generatedAt: opts.generatedAt ?? new Date().toISOString(),
        software: { name: 'TrialDesk', version: pkg.version },
      })
      if (!run.ok) exitWithProblems(run.problems, opts.data ?? opts.db ?? '')
      const built = buildReport({ results: run.value, datasets, generatedBy: opts.by })
      let pdf: Uint8Array | undefined
      let pdfProblem: string | null = null
      if (opts.pdf) {
        const printed = await printPdf(built.html, opts.chromium)
        if (printed.ok) pdf = printed.value
        else pdfProblem = printed.problems.map((p) => p.message).join('; ')
      }
      const written = await writeReportFiles(opts.out, { html: built.html, resultsJson: built.resultsJson, pdf })
      if (!written.ok) exitWithProblems(written.problems, opts.out, ExitCode.Failure)
      const r = run.value
      process.stdout.write(
        `${r.provenance.studyId}: ${r.provenance.blinded ? 'blinded' : 'unblinded'} report, data cut ${r.provenance.dataCutDate}, ` +
          `${r.consort.randomized} randomized, ${r.efficacy.analyses.filter((a) => a.status === 'estimated').length}/${r.efficacy.analyses.length} efficacy models estimated\n`,
      )
      for (const file of written.value) process.stdout.write(`  wrote ${file}\n`)
      if (pdfProblem !== null) exitWithMessage(`report.pdf not written: ${pdfProblem} (use --no-pdf to skip it)`)
    })

  const exporter =
    program.commands.find((c) => c.name() === 'export') ?? program.command('export').description('export study data')
  exporter
    .command('analysis')
    .description(
      'write the analysis datasets (ADSL, ADQS, ADTTE, ADAE, ADEX, ADFEAS, ADDS, ADSCR) with their data dictionary',
    )
    .requiredOption('--data <dir>', 'analysis datasets folder to export from')
    .requiredOption('--out <dir>', 'folder to write')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--protocol <file>', 'protocol file (default: the protocol.json saved with the datasets)')
    .option('--blinded', 'replace every arm by one code and drop doses (blinded extraction)')
    .option('--data-cut <date>', 'only data up to this ISO date')
    .action(async (opts: ExportOptions) => {
      if (opts.format !== 'csv' && opts.format !== 'json') {
        exitWithMessage(`--format must be csv or json, got "${opts.format}"`, ExitCode.Usage)
      }
      const { protocol, datasets } = await loadInputs(opts)
      let out: AnalysisDatasets = datasets
      if (opts.dataCut !== undefined) {
        const cut = applyDataCut(out, opts.dataCut)
        if (!cut.ok) exitWithProblems(cut.problems, '--data-cut')
        out = cut.value
      }
      if (opts.blinded) out = blindDatasets(out, protocol)
      const written = await writeAnalysisDatasets(out, opts.out, { format: opts.format, protocol })
      if (!written.ok) exitWithProblems(written.problems, opts.out, ExitCode.Failure)
      process.stdout.write(
        `${out.meta.studyId}: ${out.meta.blinded ? 'blinded' : 'unblinded'} analysis datasets, data cut ${out.meta.dataCutDate}: ` +
          `${written.value.length} files in ${opts.out}\n`,
      )
    })
  exporter
    .command('results-schema')
    .description('write the JSON Schema of results.json')
    .option('--out <file>', 'file to write (default: standard output)')
    .action(async (opts: { out?: string }) => {
      const text = `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`
      if (opts.out === undefined) {
        process.stdout.write(text)
        return
      }
      try {
        await mkdir(dirname(opts.out), { recursive: true })
        await writeFile(opts.out, text, 'utf8')
      } catch (e) {
        exitWithMessage(`cannot write ${opts.out}: ${(e as Error).message}`)
      }
    })
}

/** The datasets and the protocol they are analysed under, from `--data` or `--db`. */
async function loadInputs(source: Source): Promise<{ protocol: ProtocolFile; datasets: AnalysisDatasets }> {
  if ((source.data === undefined) === (source.db === undefined)) {
    exitWithMessage(
      'give the analysis datasets with --data <dir> or the study database with --db <url>',
      ExitCode.Usage,
    )
  }
  if (source.unblinded && source.db === undefined) exitWithMessage('--unblinded goes with --db', ExitCode.Usage)
  if (source.confirmUnblinded && !source.unblinded)
    exitWithMessage('--confirm-unblinded goes with --unblinded', ExitCode.Usage)
  return source.db !== undefined ? fromDatabase(source.db, source) : fromFolder(source.data as string, source.protocol)
}

async function fromFolder(
  dir: string,
  protocolFile: string | undefined,
): Promise<{ protocol: ProtocolFile; datasets: AnalysisDatasets }> {
  const datasets = await readAnalysisDatasets(dir)
  if (!datasets.ok) exitWithProblems(datasets.problems, dir)
  if (protocolFile !== undefined) {
    const loaded = await loadProtocolFile(protocolFile)
    if (!loaded.ok) exitWithProblems(loaded.problems, protocolFile)
    return { protocol: loaded.value.protocol, datasets: datasets.value }
  }
  const saved = await readSavedProtocol(dir)
  if (saved === null) {
    exitWithMessage(`${join(dir, 'protocol.json')} not found: give the protocol with --protocol`, ExitCode.Usage)
  }
  const parsed = protocolFromData(saved, join(dir, 'protocol.json'))
  if (!parsed.ok) exitWithProblems(parsed.problems, join(dir, 'protocol.json'))
  return { protocol: parsed.value.protocol, datasets: datasets.value }
}

/** The study extraction (audited; blinded unless --unblinded) mapped to analysis datasets. */
async function fromDatabase(
  db: string,
  source: Source,
): Promise<{ protocol: ProtocolFile; datasets: AnalysisDatasets }> {
  const session = await openStudy({ db, protocol: source.protocol, create: false })
  if (!session.ok) exitWithProblems(session.problems, db)
  const { services, protocol } = session.value
  try {
    const actor = source.unblinded ? CLI_ACTORS.exportUnblinded : CLI_ACTORS.exportBlinded
    if (source.unblinded && !source.confirmUnblinded) {
      const study = await services.study.summary(actor)
      if (!study.ok) exitWithProblems(study.problems, db)
      if (study.value.unblindedAt === null) {
        exitWithMessage(
          'the study is still blinded: an unblinded analysis reveals every allocation; add --confirm-unblinded if you are unblinded staff',
          ExitCode.Usage,
        )
      }
    }
    const extract = await services.extractStudy(actor)
    if (!extract.ok) exitWithProblems(extract.problems, db)
    return { protocol: protocol.protocol, datasets: datasetsFromExtract(protocol.protocol, extract.value) }
  } finally {
    await session.value.close()
  }
}
