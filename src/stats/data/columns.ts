/**
 * Typed columns of a data set, the input of the formula layer: numeric columns as Float64Array (NaN = missing),
 * text columns as integer codes into their labels (-1 = missing). A text column that was read from a CSV file
 * remembers its first value that is not a number, so that a numeric use of it can say where the data are wrong.
 */
import { statsFail, statsOk, type StatsResult } from './stats-result.ts'

export interface NumericColumn {
  readonly kind: 'numeric'
  readonly name: string
  /** One value per row; NaN is missing. */
  readonly values: Float64Array
}

export interface TextColumn {
  readonly kind: 'text'
  readonly name: string
  /** Index into `labels` per row; -1 is missing. */
  readonly codes: Int32Array
  /** Distinct values in order of first appearance. */
  readonly labels: readonly string[]
  /** The first value that does not read as a number and where it is (`line 13`, `row 12`), for error messages. */
  readonly firstNonNumeric: { readonly where: string; readonly text: string } | null
}

export type Column = NumericColumn | TextColumn

export interface DataFrame {
  readonly nRows: number
  /** Column names in file order. */
  readonly names: readonly string[]
  readonly columns: ReadonlyMap<string, Column>
  /** Where the data came from (a file name), for messages. */
  readonly source: string
}

/** A factor: codes into `levels` (-1 = missing); the first level is the reference of treatment contrasts. */
export interface Factor {
  readonly name: string
  readonly levels: readonly string[]
  readonly codes: Int32Array
}

/**
 * A data frame from plain arrays (numbers or null → numeric column; strings/booleans → text column), as in the
 * oracle cases' `input.columns`.
 * @example frameFromArrays({ y: [1.5, null, 3], g: ['a', 'b', 'a'] }, 'case').value.nRows // 3
 */
export function frameFromArrays(columns: Readonly<Record<string, readonly unknown[]>>, source = 'input'): StatsResult<DataFrame> {
  const names = Object.keys(columns)
  const lengths = new Set(names.map((n) => columns[n]?.length ?? 0))
  if (lengths.size > 1) return statsFail('invalid', source, `columns have different lengths: ${[...lengths].join(', ')}`)
  const nRows = names.length ? (columns[names[0] as string]?.length ?? 0) : 0
  const map = new Map<string, Column>()
  for (const name of names) {
    const raw = columns[name] ?? []
    const isText = raw.some((v) => typeof v === 'string' || typeof v === 'boolean')
    if (!isText) {
      const values = new Float64Array(nRows)
      for (let i = 0; i < nRows; i++) {
        const v = raw[i]
        values[i] = typeof v === 'number' ? v : NaN
      }
      map.set(name, { kind: 'numeric', name, values })
    } else {
      const labels: string[] = []
      const index = new Map<string, number>()
      const codes = new Int32Array(nRows)
      let firstNonNumeric: TextColumn['firstNonNumeric'] = null
      for (let i = 0; i < nRows; i++) {
        const v = raw[i]
        if (v === null || v === undefined) {
          codes[i] = -1
          continue
        }
        const text = typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : typeof v === 'string' ? v : JSON.stringify(v)
        if (!firstNonNumeric && !Number.isFinite(Number(text))) firstNonNumeric = { where: `row ${i + 1}`, text }
        let code = index.get(text)
        if (code === undefined) {
          code = labels.length
          labels.push(text)
          index.set(text, code)
        }
        codes[i] = code
      }
      map.set(name, { kind: 'text', name, codes, labels, firstNonNumeric })
    }
  }
  return statsOk({ nRows, names, columns: map, source })
}

/** Looks a column up, with the list of existing names in the message when it is missing. */
export function getColumn(frame: DataFrame, name: string): StatsResult<Column> {
  const column = frame.columns.get(name)
  if (column) return statsOk(column)
  return statsFail('not_found', frame.source, `no column "${name}" (columns: ${frame.names.join(', ')})`)
}

/**
 * The values of a column as numbers. A text column is accepted only when every value reads as a number;
 * otherwise the message names the column, the first offending row and value.
 */
export function numericValues(frame: DataFrame, column: Column): StatsResult<Float64Array> {
  if (column.kind === 'numeric') return statsOk(column.values)
  if (column.firstNonNumeric) {
    const { where, text } = column.firstNonNumeric
    return statsFail('invalid', frame.source, `column "${column.name}", ${where}: "${text}" is not a number (the column is used as numeric)`)
  }
  const asNumbers = column.labels.map(Number)
  const values = new Float64Array(column.codes.length)
  column.codes.forEach((c, i) => {
    values[i] = c < 0 ? NaN : (asNumbers[c] as number)
  })
  return statsOk(values)
}

/**
 * A column as a factor. Levels: `levels` when given (every present value must be one of them), else the sorted
 * distinct values: numerically when they are all numbers (as R sorts a numeric vector before `factor`), else in
 * code-point order (R's C-locale sort).
 * @example asFactor(frame, column, ['P', 'D1', 'D2']) // P becomes the reference level
 */
export function asFactor(frame: DataFrame, column: Column, levels?: readonly string[]): StatsResult<Factor> {
  // Work on the distinct values (label codes, or distinct numbers), never on one string per row.
  const n = column.kind === 'numeric' ? column.values.length : column.codes.length
  let distinctLabels: string[]
  let rawCodes: Int32Array
  if (column.kind === 'text') {
    distinctLabels = [...column.labels]
    rawCodes = column.codes
  } else {
    const index = new Map<number, number>()
    distinctLabels = []
    rawCodes = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const v = column.values[i] as number
      if (Number.isNaN(v)) {
        rawCodes[i] = -1
        continue
      }
      let c = index.get(v)
      if (c === undefined) {
        c = distinctLabels.length
        index.set(v, c)
        distinctLabels.push(formatNumber(v))
      }
      rawCodes[i] = c
    }
  }
  const used = new Uint8Array(distinctLabels.length)
  for (let i = 0; i < n; i++) {
    const c = rawCodes[i] as number
    if (c >= 0) used[c] = 1
  }
  const present = distinctLabels.filter((_, c) => used[c] === 1)
  let order: string[]
  if (levels) {
    const unknown = present.filter((p) => !levels.includes(p))
    if (unknown.length) {
      return statsFail('invalid', frame.source, `column "${column.name}" has value "${unknown[0] as string}" that is not among the given levels (${levels.join(', ')})`)
    }
    order = [...levels]
  } else {
    order = sortLevels(present)
  }
  const levelIndex = new Map(order.map((l, i) => [l, i]))
  const remap = Int32Array.from(distinctLabels, (l) => levelIndex.get(l) ?? -1)
  const codes = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const c = rawCodes[i] as number
    codes[i] = c < 0 ? -1 : (remap[c] as number)
  }
  return statsOk({ name: column.name, levels: order, codes })
}

/** Sorted levels: numerically when all are numbers, else by code point. */
export function sortLevels(labels: readonly string[]): string[] {
  if (labels.length > 0 && labels.every((l) => l.trim() !== '' && Number.isFinite(Number(l)))) {
    return [...labels].sort((a, b) => Number(a) - Number(b))
  }
  return [...labels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** A number as R prints a factor label of it (integers without a decimal point). */
function formatNumber(v: number): string {
  return String(v)
}

/** Whether a row has a value in a column. */
export function isPresent(column: Column, row: number): boolean {
  return column.kind === 'numeric' ? !Number.isNaN(column.values[row]) : (column.codes[row] as number) >= 0
}

/**
 * Indices of the rows with a value in every one of `columns` (R's `na.omit` on the variables a call uses).
 * @example completeRows([y, g], frame.nRows) // Int32Array of the kept row indices
 */
export function completeRows(columns: readonly Column[], nRows: number): Int32Array {
  const keep: number[] = []
  outer: for (let i = 0; i < nRows; i++) {
    for (const c of columns) if (!isPresent(c, i)) continue outer
    keep.push(i)
  }
  return Int32Array.from(keep)
}

/** The numbers at the given rows. */
export function pickRows(values: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length)
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i] as number] as number
  return out
}

/** The factor restricted to the given rows (levels unchanged). */
export function pickFactorRows(factor: Factor, rows: Int32Array): Factor {
  const codes = new Int32Array(rows.length)
  for (let i = 0; i < rows.length; i++) codes[i] = factor.codes[rows[i] as number] as number
  return { name: factor.name, levels: factor.levels, codes }
}

/**
 * Splits y by the levels of g, in level order (rows with a missing y or g are left out).
 * @example splitByFactor(y, g) // [{ name: 'ctrl', values }, { name: 'trt1', values }, ...]
 */
export function splitByFactor(y: Float64Array, g: Factor): { name: string; values: Float64Array }[] {
  const buckets = g.levels.map(() => [] as number[])
  for (let i = 0; i < y.length; i++) {
    const c = g.codes[i] as number
    const v = y[i] as number
    if (c >= 0 && !Number.isNaN(v)) (buckets[c] as number[]).push(v)
  }
  return g.levels.map((name, i) => ({ name, values: Float64Array.from(buckets[i] as number[]) }))
}
