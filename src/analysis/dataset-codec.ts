/**
 * Analysis datasets to and from files, as pure functions over file contents: CSV (RFC 4180, `1`/`0` booleans, empty
 * cells for missing values: what `read.csv` and `PROC IMPORT` expect) or JSON (the rows as they are), plus
 * `meta.json`, the list of datasets (`datasets.csv`), the data dictionary (`define.csv`, `dictionary.json`) and
 * the protocol the data were captured under (`protocol.json`), so a folder is self-contained. Reading validates every row with the datasets' zod schemas.
 */
import { parse as parseCsv } from 'csv-parse/sync'
import type { ProtocolFile, Problem, Result } from '../domain/index.ts'
import { fail, ok, ProblemCode, formatPath } from '../domain/index.ts'
import { canonicalJson } from '../protocol/index.ts'
import type { AnalysisDatasetsMeta, DatasetName } from './analysis-datasets.ts'
import { AnalysisDatasets, AnalysisDatasetsMeta as MetaSchema, DATASET_NAMES } from './analysis-datasets.ts'
import type { AdslShape, ColumnSpec } from './data-dictionary.ts'
import { adslShapeOf, DATASET_LABELS, dataDictionary, datasetColumns } from './data-dictionary.ts'

export type DatasetFormat = 'csv' | 'json'

/** One file of a dataset folder: its name and text. */
export interface DatasetFile {
  readonly name: string
  readonly content: string
}

type Cell = string | number | boolean | null

/** The files of a dataset folder, in a fixed order (meta first). */
export function serializeAnalysisDatasets(
  datasets: AnalysisDatasets,
  options: { readonly format: DatasetFormat; readonly protocol: ProtocolFile },
): DatasetFile[] {
  const { format, protocol } = options
  const files: DatasetFile[] = [{ name: 'meta.json', content: `${JSON.stringify(datasets.meta, null, 2)}\n` }]
  const shape = adslShapeOf(protocol)
  for (const name of DATASET_NAMES) {
    const rows = datasets[name] as readonly Record<string, unknown>[]
    if (format === 'json') {
      files.push({ name: `${name}.json`, content: `${JSON.stringify(rows, null, 1)}\n` })
    } else {
      const columns = datasetColumns(name, datasets.meta, shape)
      const lines = [columns.map((c) => csvField(c.name)).join(',')]
      for (const row of rows) lines.push(columns.map((c) => csvField(cellOf(row, c))).join(','))
      files.push({ name: `${name}.csv`, content: `${lines.join('\n')}\n` })
    }
  }
  const dictionary = dataDictionary(protocol, datasets.meta)
  files.push({ name: 'dictionary.json', content: `${JSON.stringify(dictionary, null, 1)}\n` })
  const defineHeader = ['dataset', 'variable', 'label', 'type', 'nullable', 'unit', 'codelist', 'note']
  const defineLines = [defineHeader.join(',')]
  for (const e of dictionary) {
    defineLines.push(
      [e.dataset, e.variable, e.label, e.type, e.nullable, e.unit, e.codelist.join('|'), e.note]
        .map((v) => csvField(v))
        .join(','),
    )
  }
  files.push({ name: 'define.csv', content: `${defineLines.join('\n')}\n` })
  const tableLines = ['dataset,file,rows,label']
  for (const name of DATASET_NAMES) {
    tableLines.push(
      [name, `${name}.${format}`, datasets[name].length, DATASET_LABELS[name]].map((v) => csvField(v)).join(','),
    )
  }
  files.push({ name: 'datasets.csv', content: `${tableLines.join('\n')}\n` })
  files.push({ name: 'protocol.json', content: `${canonicalJson(protocol)}\n` })
  return files
}

function cellOf(row: Record<string, unknown>, column: ColumnSpec): Cell {
  if (column.group) {
    const holder = row[column.group.field] as Record<string | number, Cell> | readonly Cell[] | undefined
    const value = holder === undefined ? null : (holder as Record<string | number, Cell>)[column.group.key]
    return value ?? null
  }
  return (row[column.name] as Cell | undefined) ?? null
}

/** One RFC 4180 field: quoted when it holds a comma, quote, line break or edge space; booleans as 1/0. */
export function csvField(value: Cell | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  return /[",\n\r]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/**
 * Reads a dataset folder's files (by name) back into validated datasets. CSV is used when `adsl.csv` is present,
 * else JSON. Every problem names the file, row and column.
 */
export function parseAnalysisDatasets(files: ReadonlyMap<string, string>): Result<AnalysisDatasets> {
  const metaText = files.get('meta.json')
  if (metaText === undefined) return fail({ code: ProblemCode.NotFound, path: 'meta.json', message: 'file not found' })
  const metaRaw = parseJson(metaText, 'meta.json')
  if (!metaRaw.ok) return metaRaw
  const meta = MetaSchema.safeParse(metaRaw.value)
  if (!meta.success) return fail(zodIssues(meta.error.issues, 'meta.json'))
  const format: DatasetFormat = files.has('adsl.csv') ? 'csv' : 'json'
  const raw: Record<string, unknown> = { meta: meta.data }
  const problems: Problem[] = []
  for (const name of DATASET_NAMES) {
    const file = `${name}.${format}`
    const text = files.get(file)
    if (text === undefined) {
      problems.push({ code: ProblemCode.NotFound, path: file, message: 'file not found' })
      continue
    }
    const rows = format === 'json' ? parseJson(text, file) : parseCsvDataset(name, text, meta.data, file)
    if (rows.ok) raw[name] = rows.value
    else problems.push(...rows.problems)
  }
  if (problems.length > 0) return fail(problems)
  const parsed = AnalysisDatasets.safeParse(raw)
  if (!parsed.success) return fail(zodIssues(parsed.error.issues, ''))
  return ok(parsed.data)
}

function parseJson(text: string, file: string): Result<unknown> {
  try {
    return ok(JSON.parse(text) as unknown)
  } catch (e) {
    return fail({ code: ProblemCode.Invalid, path: file, message: `not valid JSON: ${(e as Error).message}` })
  }
}

/** At most this many cell problems are listed per file. */
const MAX_CELL_PROBLEMS = 20

function parseCsvDataset(
  name: DatasetName,
  text: string,
  meta: AnalysisDatasetsMeta,
  file: string,
): Result<Record<string, unknown>[]> {
  let records: string[][]
  try {
    records = parseCsv(text, { skip_empty_lines: true, relax_column_count: false })
  } catch (e) {
    return fail({ code: ProblemCode.Invalid, path: file, message: `not valid CSV: ${(e as Error).message}` })
  }
  const header = records[0] ?? []
  const columns = datasetColumns(name, meta, name === 'adsl' ? shapeFromHeader(header, meta) : undefined)
  const missing = columns.filter((c) => !header.includes(c.name)).map((c) => c.name)
  const unknown = header.filter((h) => !columns.some((c) => c.name === h))
  if (missing.length > 0 || unknown.length > 0) {
    return fail({
      code: ProblemCode.Invalid,
      path: file,
      message: [
        missing.length > 0 ? `missing columns ${missing.join(', ')}` : '',
        unknown.length > 0 ? `unknown columns ${unknown.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    })
  }
  const index = columns.map((c) => header.indexOf(c.name))
  const problems: Problem[] = []
  const rows = records.slice(1).map((record, r) => {
    const row: Record<string, unknown> = {}
    if (name === 'adsl') Object.assign(row, { later_arms: [], strata: {}, chars: {}, base: {}, pop: {} })
    columns.forEach((c, j) => {
      const converted = convertCell(record[index[j] as number] ?? '', c)
      if (typeof converted === 'object' && converted !== null && 'error' in converted) {
        if (problems.length < MAX_CELL_PROBLEMS) {
          problems.push({ code: ProblemCode.Invalid, path: `${file}:${r + 2}:${c.name}`, message: converted.error })
        }
        return
      }
      if (c.group) (row[c.group.field] as Record<string | number, Cell>)[c.group.key] = converted
      else row[c.name] = converted
    })
    return row
  })
  return problems.length > 0 ? fail(problems) : ok(rows)
}

function shapeFromHeader(header: readonly string[], meta: AnalysisDatasetsMeta): AdslShape {
  const chars = new Set(meta.characteristics.map((c) => c.id))
  const pick = (prefix: string): string[] =>
    header.filter((h) => h.startsWith(prefix) && !chars.has(h)).map((h) => h.slice(prefix.length))
  return {
    laterPeriods: header.filter((h) => /^arm\d+$/.test(h)).length,
    strata: pick('strat_'),
    base: pick('base_'),
    pop: pick('pop_'),
  }
}

function convertCell(text: string, column: ColumnSpec): Cell | { error: string } {
  if (text === '') {
    if (column.nullable) return null
    return column.type === 'string' ? '' : { error: 'must not be empty' }
  }
  switch (column.type) {
    case 'integer':
    case 'number': {
      const n = Number(text)
      if (!Number.isFinite(n)) return { error: `not a number: "${text}"` }
      if (column.type === 'integer' && !Number.isInteger(n)) return { error: `not an integer: "${text}"` }
      return n
    }
    case 'boolean':
      if (/^(1|true|TRUE|Y)$/.test(text)) return true
      if (/^(0|false|FALSE|N)$/.test(text)) return false
      return { error: `not a flag (1/0): "${text}"` }
    default:
      return text
  }
}

function zodIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], file: string): Problem[] {
  return issues.slice(0, MAX_CELL_PROBLEMS).map((i) => ({
    code: ProblemCode.Invalid,
    path: file === '' ? formatPath(i.path) : `${file}:${formatPath(i.path)}`,
    message: i.message,
  }))
}
