/**
 * Tabular exports (SDTM-style domains, analysis-ready form tables) share one shape: a dataset with typed,
 * labelled variables. From it come the CSV files, a define-style dictionary (dataset, variable, label, type,
 * code list) and an R script that reads the CSVs back with the right types and factor levels.
 */
import { toCsv, type CsvCell } from './csv.ts'

export type VariableType = 'text' | 'integer' | 'number' | 'date' | 'datetime' | 'logical'

export interface Variable {
  readonly name: string
  readonly label: string
  readonly type: VariableType
  /** Allowed values in order (a factor in R); `labels` when codes and labels differ. */
  readonly levels?: readonly (string | number)[] | undefined
  readonly labels?: readonly string[] | undefined
  /** Name of the code list the levels come from, for the dictionary. */
  readonly codelist?: string | undefined
  readonly origin?: string | undefined
}

export type Row = Readonly<Record<string, CsvCell>>

export interface Dataset {
  readonly name: string
  readonly label: string
  readonly variables: readonly Variable[]
  readonly rows: readonly Row[]
}

export function datasetCsv(d: Dataset): string {
  return toCsv(
    d.variables.map((v) => v.name),
    d.rows.map((r) => d.variables.map((v) => r[v.name])),
  )
}

export function fileNameOf(d: Dataset): string {
  return `${d.name.toLowerCase()}.csv`
}

/** Define-style dictionary: one row per variable. */
export function defineCsv(datasets: readonly Dataset[]): string {
  const rows = datasets.flatMap((d) =>
    d.variables.map((v) => [
      d.name,
      d.label,
      v.name,
      v.label,
      v.type === 'integer' || v.type === 'number' ? 'Num' : 'Char',
      v.type,
      v.codelist ?? '',
      v.levels
        ? v.levels
            .map((l, i) => (v.labels?.[i] && v.labels[i] !== String(l) ? `${l}=${v.labels[i]}` : String(l)))
            .join('; ')
        : '',
      v.origin ?? '',
    ]),
  )
  return toCsv(
    ['Dataset', 'Dataset label', 'Variable', 'Label', 'SAS type', 'Type', 'Codelist', 'Values', 'Origin'],
    rows,
  )
}

const R_CLASS: Readonly<Record<VariableType, string>> = {
  text: 'character',
  integer: 'integer',
  number: 'numeric',
  date: 'character',
  datetime: 'character',
  logical: 'character',
}

function rString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

function rVector(values: readonly (string | number)[]): string {
  return `c(${values.map((v) => (typeof v === 'number' ? String(v) : rString(v))).join(', ')})`
}

/**
 * An R script (base R only) that reads every CSV of the export: columns get their classes, dates become Date,
 * datetimes POSIXct (UTC), logicals from 1/0, coded values factors with the protocol's levels and labels; each
 * column keeps its label as an attribute. Text cells that began like a spreadsheet formula were written with a
 * leading `'` and are read back without it.
 */
export function rScript(datasets: readonly Dataset[], title: string): string {
  const lines = [
    `# ${title}`,
    '# Reads the CSV files of this export with their types and factor levels. Base R only; run from this folder:',
    '#   source("read-data.R")   # creates one data frame per file',
    '',
    'unprotect <- function(x) sub("^\'([=+@\\t\\r-])", "\\\\1", x)',
    '',
  ]
  for (const d of datasets) {
    const obj = d.name.toLowerCase().replace(/[^a-z0-9_]/g, '_')
    const classes = d.variables
      .map((v) => `${rString(v.name)} = ${rString(v.levels && v.type === 'integer' ? 'character' : R_CLASS[v.type])}`)
      .join(', ')
    lines.push(`# ${d.name}: ${d.label}`)
    lines.push(
      `${obj} <- read.csv(${rString(fileNameOf(d))}, colClasses = c(${classes}), na.strings = "", check.names = FALSE, encoding = "UTF-8")`,
    )
    for (const v of d.variables) {
      const col = `${obj}[[${rString(v.name)}]]`
      if (v.type === 'text' && !v.levels) lines.push(`${col} <- unprotect(${col})`)
      if (v.type === 'date') lines.push(`${col} <- as.Date(${col})`)
      if (v.type === 'datetime') lines.push(`${col} <- as.POSIXct(sub("Z$", "", sub("T", " ", ${col})), tz = "UTC")`)
      if (v.type === 'logical') lines.push(`${col} <- ${col} == "1"`)
      if (v.levels) {
        const labels = v.labels ? `, labels = ${rVector(v.labels)}` : ''
        lines.push(`${col} <- factor(${col}, levels = ${rVector(v.levels.map(String))}${labels})`)
      }
      lines.push(`attr(${col}, "label") <- ${rString(v.label)}`)
    }
    lines.push('')
  }
  return lines.join('\n')
}
