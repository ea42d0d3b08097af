/**
 * From columns and a model spec to the numeric pieces of y = X beta + Z b + e: R's `model.frame` + `model.matrix`
 * for the fixed part (treatment contrasts, R's term order and column names) and the grouping / random-slope columns.
 */
import type {
  LmmCell,
  LmmColumnPart,
  LmmData,
  LmmDesignInfo,
  LmmProblem,
  LmmResult,
  LmmSpec,
  LmmVariable,
} from './lmm-types.ts'

export interface ModelFrame {
  /** Rows used (after dropping rows with a missing value in a used column). */
  readonly n: number
  readonly p: number
  /** Row-major n x p fixed-effects model matrix. */
  readonly x: Float64Array
  readonly y: Float64Array
  /** Random-slope covariate per row, or null for a random intercept only. */
  readonly slope: Float64Array | null
  /** Index of each row's group in `groupLevels`. */
  readonly group: Int32Array
  readonly groupLevels: readonly string[]
  readonly design: LmmDesignInfo
  readonly droppedRows: number
}

interface Term {
  /** Variables in formula order. */
  readonly vars: readonly string[]
}

const isMissing = (v: LmmCell): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))
const levelOf = (v: LmmCell): string => (typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : String(v))

function problem(code: LmmProblem['code'], path: string, message: string): LmmResult<never> {
  return { ok: false, problems: [{ code, path, message }] }
}

/** Expands `a*b:c` style term strings into distinct variable sets, R's order: by degree, then first appearance. */
function expandTerms(fixed: readonly string[]): LmmResult<{ terms: Term[]; varOrder: string[] }> {
  const raw: string[][] = []
  for (const [i, text] of fixed.entries()) {
    const t = text.trim()
    if (t === '1') continue
    if (t === '0' || t === '-1')
      return problem('unsupported', `spec.fixed[${i}]`, 'drop the intercept with `intercept: false`')
    const factors = t.split('*').map((f) => f.split(':').map((s) => s.trim()))
    if (factors.some((f) => f.some((s) => s === '')))
      return problem('invalid', `spec.fixed[${i}]`, `cannot read term "${text}"`)
    // a*b*c -> every non-empty product of the crossed factors, in R's order (a, b, a:b, c, a:c, b:c, a:b:c)
    for (let mask = 1; mask < 1 << factors.length; mask++) {
      raw.push(factors.flatMap((f, k) => (mask & (1 << k) ? f : [])))
    }
  }
  const varOrder: string[] = []
  for (const vars of raw) for (const v of vars) if (!varOrder.includes(v)) varOrder.push(v)
  const seen = new Set<string>()
  const terms: Term[] = []
  for (const vars of raw) {
    const sorted = [...new Set(vars)].sort((a, b) => varOrder.indexOf(a) - varOrder.indexOf(b))
    const key = sorted.join(':')
    if (seen.has(key)) continue
    seen.add(key)
    terms.push({ vars: sorted })
  }
  terms.sort((a, b) => a.vars.length - b.vars.length)
  return { ok: true, value: { terms, varOrder } }
}

function sortLevels(values: Iterable<LmmCell>): string[] {
  const distinct = [...new Set(values)]
  if (distinct.every((v) => typeof v === 'boolean'))
    return ['FALSE', 'TRUE'].filter((l) => distinct.some((v) => levelOf(v) === l))
  if (distinct.every((v) => typeof v === 'number')) return distinct.sort((a, b) => a - b).map(String)
  return [...new Set(distinct.map(levelOf))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Indices of the rows with no missing value in any of the columns (R's `na.omit`). */
function completeRows(columns: readonly ArrayLike<LmmCell>[], nRows: number): Int32Array {
  const missing = new Uint8Array(nRows)
  let dropped = 0
  for (const c of columns) {
    for (let r = 0; r < nRows; r++) {
      if (missing[r] === 0 && isMissing(c[r])) {
        missing[r] = 1
        dropped++
      }
    }
  }
  const keep = new Int32Array(nRows - dropped)
  for (let r = 0, i = 0; r < nRows; r++) if (missing[r] === 0) keep[i++] = r
  return keep
}

/**
 * Codes a factor column as indices into its levels: the given levels (a value outside them is an error; with
 * `dropUnused` levels without rows are removed, else they are an error because their coefficient is not estimable),
 * or the sorted distinct values. Values are hashed as they are and turned into level strings once per distinct value.
 */
function codeFactor(
  c: ArrayLike<LmmCell>,
  keep: Int32Array,
  name: string,
  given: readonly string[] | null,
  dropUnused: boolean,
): LmmResult<{ codes: Int32Array; levels: readonly string[] }> {
  const n = keep.length
  const firstSeen = new Map<LmmCell, number>()
  const distinct: LmmCell[] = []
  const codes = new Int32Array(n)
  let previous: LmmCell = undefined
  let previousCode = -1
  for (let i = 0; i < n; i++) {
    const v = c[keep[i]!]
    // rows usually come sorted by subject (and a subject has one arm): skip the hash for repeats
    if (v !== previous || previousCode < 0) {
      let k = firstSeen.get(v)
      if (k === undefined) {
        k = distinct.length
        firstSeen.set(v, k)
        distinct.push(v)
      }
      previous = v
      previousCode = k
    }
    codes[i] = previousCode
  }
  const present = new Set(distinct.map(levelOf))
  let levels: readonly string[]
  if (given === null) levels = sortLevels(distinct)
  else {
    const allowed = new Set(given)
    const unknown = [...present].filter((l) => !allowed.has(l))
    if (unknown.length > 0) {
      return problem(
        'invalid',
        `data.columns.${name}`,
        `value(s) ${unknown.slice(0, 5).join(', ')} are not levels of "${name}" (${given.slice(0, 10).join(', ')})`,
      )
    }
    const empty = given.filter((l) => !present.has(l))
    if (empty.length > 0 && !dropUnused) {
      return problem(
        'invalid',
        `data.columns.${name}`,
        `level(s) ${empty.join(', ')} of "${name}" have no complete rows: coefficients not estimable`,
      )
    }
    levels = given.filter((l) => present.has(l))
  }
  const index = new Map(levels.map((l, k) => [l, k]))
  const remap = Int32Array.from(distinct, (v) => index.get(levelOf(v))!)
  for (let i = 0; i < n; i++) codes[i] = remap[codes[i]!]!
  return { ok: true, value: { codes, levels } }
}

/**
 * Builds the model frame. Rows with a missing value in any used column are dropped (R's `na.omit`); factor values
 * must be among the given levels; every factor level used by the design must have observations.
 */
export function buildModelFrame(data: LmmData, spec: LmmSpec): LmmResult<ModelFrame> {
  const expanded = expandTerms(spec.fixed)
  if (!expanded.ok) return expanded
  const { terms, varOrder } = expanded.value
  const intercept = spec.intercept ?? true
  const slopeName = spec.random.slope
  const used = [spec.response, ...varOrder, spec.random.group, ...(slopeName === undefined ? [] : [slopeName])]
  const cols = data.columns
  for (const name of new Set(used)) {
    if (!Object.hasOwn(cols, name))
      return problem('not_found', `data.columns.${name}`, `no column "${name}" in the data`)
  }
  const col = (name: string): ArrayLike<LmmCell> => cols[name]!
  const nRows = col(spec.response).length
  for (const name of new Set(used)) {
    if (col(name).length !== nRows) {
      return problem(
        'invalid',
        `data.columns.${name}`,
        `column "${name}" has ${col(name).length} rows, "${spec.response}" has ${nRows}`,
      )
    }
  }

  const keep = completeRows([...new Set(used)].map(col), nRows)
  const n = keep.length
  if (n === 0) return problem('invalid', 'data', 'no complete rows')

  const numericColumn = (name: string): LmmResult<Float64Array> => {
    const c = col(name)
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const v = c[keep[i]!]
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        return problem(
          'invalid',
          `data.columns.${name}[${keep[i]}]`,
          `"${name}" must be a finite number, got ${String(v)}`,
        )
      }
      out[i] = v
    }
    return { ok: true, value: out }
  }

  const y = numericColumn(spec.response)
  if (!y.ok) return y
  let slope: Float64Array | null = null
  if (slopeName !== undefined) {
    const s = numericColumn(slopeName)
    if (!s.ok) return s
    slope = s.value
  }

  // Variables of the fixed part: numeric columns, or factors coded as level indices.
  const given = spec.factorLevels ?? {}
  const variables: LmmVariable[] = []
  const numericValues = new Map<string, Float64Array>()
  const levelIndex = new Map<string, Int32Array>()
  for (const name of varOrder) {
    const c = col(name)
    if (!Object.hasOwn(given, name) && typeof c[keep[0]!] === 'number') {
      const v = numericColumn(name)
      if (!v.ok) return v
      let mean = 0
      for (let i = 0; i < n; i++) mean += v.value[i]!
      variables.push({ kind: 'numeric', name, mean: mean / n })
      numericValues.set(name, v.value)
      continue
    }
    const coded = codeFactor(c, keep, name, Object.hasOwn(given, name) ? given[name]! : null, false)
    if (!coded.ok) return coded
    variables.push({ kind: 'factor', name, levels: coded.value.levels })
    levelIndex.set(name, coded.value.codes)
  }
  const variable = (name: string): LmmVariable => variables.find((v) => v.name === name)!

  // R's coding rule (model.c TermCode): a factor is coded by contrasts when the term without it is empty or contained
  // in a preceding term, else by indicators of all its levels; without an intercept the first factor gets indicators.
  let firstFactorFull = !intercept
  const columns: { name: string; parts: LmmColumnPart[] }[] = []
  const columnTerm: number[] = []
  if (intercept) {
    columns.push({ name: '(Intercept)', parts: [] })
    columnTerm.push(-1)
  }
  terms.forEach((term, ti) => {
    let combos: LmmColumnPart[][] = [[]]
    for (const name of term.vars) {
      const v = variable(name)
      if (v.kind === 'numeric') {
        combos = combos.map((parts) => [...parts, { kind: 'numeric', variable: name }])
        continue
      }
      const rest = term.vars.filter((x) => x !== name)
      let contrasts = rest.length === 0 || terms.slice(0, ti).some((t) => rest.every((x) => t.vars.includes(x)))
      if (firstFactorFull) {
        contrasts = false
        firstFactorFull = false
      }
      const levels = contrasts ? v.levels.slice(1) : v.levels
      // the first variable varies fastest, as in R's column order
      combos = levels.flatMap((level) =>
        combos.map((parts) => [...parts, { kind: 'level' as const, variable: name, level }]),
      )
    }
    for (const parts of combos) {
      columns.push({
        name: parts.map((pt) => (pt.kind === 'numeric' ? pt.variable : pt.variable + pt.level)).join(':'),
        parts,
      })
      columnTerm.push(ti)
    }
  })
  const p = columns.length
  if (p === 0) return problem('invalid', 'spec.fixed', 'the model has no fixed effects')

  const x = new Float64Array(n * p)
  columns.forEach((column, j) => {
    const numeric = column.parts.flatMap((pt) => (pt.kind === 'numeric' ? [numericValues.get(pt.variable)!] : []))
    const indicators = column.parts.flatMap((pt) => {
      if (pt.kind !== 'level') return []
      const v = variable(pt.variable) as Extract<LmmVariable, { kind: 'factor' }>
      return [{ codes: levelIndex.get(pt.variable)!, level: v.levels.indexOf(pt.level) }]
    })
    for (let i = 0; i < n; i++) {
      let value = 1
      for (const ind of indicators) if (ind.codes[i] !== ind.level) value = 0
      for (const values of numeric) value *= values[i]!
      x[i * p + j] = value
    }
  })

  // Grouping factor: given levels (only those with rows, as lme4 drops unused levels), else sorted.
  const grouping = codeFactor(col(spec.random.group), keep, spec.random.group, given[spec.random.group] ?? null, true)
  if (!grouping.ok) return grouping
  const { codes: group, levels: groupLevels } = grouping.value

  const design: LmmDesignInfo = {
    terms: terms.map((t) => t.vars.join(':')),
    columnTerm,
    columns,
    variables,
  }
  return { ok: true, value: { n, p, x, y: y.value, slope, group, groupLevels, design, droppedRows: nRows - n } }
}
