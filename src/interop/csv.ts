/**
 * CSV in and out. Writing: RFC 4180 quoting, and every cell a spreadsheet could run as a formula (starting with
 * `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'` so it is shown as text (OWASP "CSV injection"); plain
 * numbers such as `-3.5` stay numbers. Reading: csv-parse with size limits; formula-like cells are kept as text
 * and listed so the import report can flag them.
 */
import { parse } from 'csv-parse/sync'
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'

export type CsvCell = string | number | boolean | null | undefined

const FORMULA_START = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** True when a spreadsheet would treat the text as a formula (and it is not simply a signed number). */
export function isFormulaLike(text: string): boolean {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)
}

/** The cell as text that a spreadsheet shows verbatim. */
export function neutraliseCell(text: string): string {
  return isFormulaLike(text) ? `'${text}` : text
}

function formatCell(cell: CsvCell): string {
  if (cell === null || cell === undefined) return ''
  const text = neutraliseCell(typeof cell === 'boolean' ? (cell ? '1' : '0') : String(cell))
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One CSV document (CRLF line ends, as RFC 4180 and REDCap expect). */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((r) => r.map(formatCell).join(',')).join('\r\n') + '\r\n'
}

export interface CsvRow {
  /** 1-based line of the file where the record starts. */
  readonly line: number
  readonly cells: Readonly<Record<string, string>>
}

export interface CsvTable {
  readonly header: readonly string[]
  readonly rows: readonly CsvRow[]
  /** Cells that look like spreadsheet formulas: kept as text, reported. */
  readonly formulaCells: readonly { readonly line: number; readonly column: string; readonly value: string }[]
}

export interface CsvLimits {
  readonly maxChars: number
  readonly maxRows: number
  readonly maxRecordChars: number
}

export const DEFAULT_CSV_LIMITS: CsvLimits = { maxChars: 20_000_000, maxRows: 100_000, maxRecordChars: 1_000_000 }

/** Parses CSV text with a header row. Problems name the line. */
export function parseCsv(text: string, limits: Partial<CsvLimits> = {}): Result<CsvTable> {
  const l = { ...DEFAULT_CSV_LIMITS, ...limits }
  if (text.length > l.maxChars)
    return fail({ code: ProblemCode.TooLarge, path: '', message: `larger than ${l.maxChars} characters` })
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      max_record_size: l.maxRecordChars,
      to_line: l.maxRows + 2,
    }) as unknown as { record: string[]; info: { lines: number } }[]
  } catch (e) {
    const err = e as { message?: string; lines?: number }
    const message = (err.message ?? 'invalid CSV').replace(/^Invalid \w+[^:]*: /, '')
    return fail({
      code: ProblemCode.Invalid,
      path: err.lines ? `line ${err.lines}` : '',
      message: `not valid CSV: ${message}`,
    })
  }
  const [head, ...body] = records
  if (!head) return fail({ code: ProblemCode.Invalid, path: '', message: 'empty CSV: no header row' })
  if (body.length > l.maxRows)
    return fail({ code: ProblemCode.TooLarge, path: '', message: `more than ${l.maxRows} rows` })
  const header = head.record.map((h) => h.trim())
  const rows: CsvRow[] = []
  const formulaCells: { line: number; column: string; value: string }[] = []
  let previousEnd = head.info.lines
  for (const { record, info } of body) {
    const line = previousEnd + 1
    previousEnd = info.lines
    const cells: Record<string, string> = {}
    header.forEach((h, i) => {
      const v = record[i] ?? ''
      cells[h] = v
      if (isFormulaLike(v)) formulaCells.push({ line, column: h, value: v.length > 60 ? `${v.slice(0, 57)}…` : v })
    })
    rows.push({ line, cells })
  }
  return ok({ header, rows, formulaCells })
}
