/**
 * Model matrix from typed columns, as R's `model.matrix` with treatment contrasts: a factor's first level is the
 * reference and gets no column; columns are named as R names them (`armD1`, `t:armD1`, `factor(dose)2`).
 * In an interaction, a factor is coded by contrasts when the term without it is also in the model (the
 * intercept counts as the empty term), and by one indicator per level otherwise, which is R's rule
 * (so `y ~ 0 + arm` gives `armP, armD1, ...` and `y ~ t:arm` gives `t:armP, t:armD1, ...`).
 */
import {
  asFactor,
  completeRows,
  getColumn,
  numericValues,
  statsFail,
  statsOk,
  type Column,
  type DataFrame,
  type StatsResult,
} from '../data/index.ts'
import type { ModelSpec, Term, VariableRef } from './model-terms.ts'

/** How a column of the matrix is made: the product of its parts. */
export type DesignPart =
  | { readonly kind: 'numeric'; readonly variable: string }
  | { readonly kind: 'level'; readonly variable: string; readonly level: string }

export interface DesignColumn {
  readonly name: string
  /** Index of its term in `terms`, -1 for the intercept. */
  readonly term: number
  readonly parts: readonly DesignPart[]
}

export interface DesignMatrix {
  /** Term labels in model order (R's `attr(terms, "term.labels")`). */
  readonly terms: readonly string[]
  readonly columns: readonly DesignColumn[]
  /** One array per column, `nRows` long. */
  readonly values: readonly Float64Array[]
  readonly nRows: number
  /** The rows of the frame that were used (complete in every model column), in order. */
  readonly rows: Int32Array
  /** Factor levels as used (after dropping levels with no complete row, as R's `drop.unused.levels`). */
  readonly factorLevels: Readonly<Record<string, readonly string[]>>
}

export interface DesignOptions {
  /** Levels of factor columns, first = reference; default sorted (see `asFactor`). */
  readonly levels?: Readonly<Record<string, readonly string[]>>
  /** Code factors as if the model had an intercept, then leave the intercept column out (R's coxph). */
  readonly dropIntercept?: boolean
}

type Coded =
  | { readonly kind: 'numeric'; readonly ref: VariableRef; readonly values: Float64Array }
  | {
      readonly kind: 'factor'
      readonly ref: VariableRef
      readonly levels: readonly string[]
      readonly codes: Int32Array
    }

/**
 * Builds the fixed-effects model matrix of `spec` on `frame`, dropping rows with a missing value in any column the
 * model uses (R's na.omit).
 * @example
 * buildDesignMatrix(frame, parseModel('y ~ t * arm').value, { levels: { arm: ['P', 'D1'] } })
 * // columns: (Intercept), t, armD1, t:armD1
 */
export function buildDesignMatrix(
  frame: DataFrame,
  spec: ModelSpec,
  options: DesignOptions = {},
): StatsResult<DesignMatrix> {
  const used: Column[] = []
  for (const name of spec.columns) {
    const c = getColumn(frame, name)
    if (!c.ok) return c
    used.push(c.value)
  }
  const rows = completeRows(used, frame.nRows)
  if (rows.length === 0)
    return statsFail(
      'degenerate',
      frame.source,
      `no row has a value in every column of the model (${spec.columns.join(', ')})`,
    )

  // Code every variable of the fixed terms on the complete rows.
  const coded = new Map<string, Coded>()
  for (const term of spec.terms) {
    for (const ref of term.variables) {
      if (coded.has(ref.label)) continue
      const column = frame.columns.get(ref.column) as Column
      const given = options.levels?.[ref.column]
      const isFactor = ref.asFactor || column.kind === 'text' || given !== undefined
      if (!isFactor) {
        const values = numericValues(frame, column)
        if (!values.ok) return values
        const picked = new Float64Array(rows.length)
        rows.forEach((r, i) => (picked[i] = values.value[r] as number))
        coded.set(ref.label, { kind: 'numeric', ref, values: picked })
        continue
      }
      const factor = asFactor(frame, column, given)
      if (!factor.ok) return factor
      // drop.unused.levels: keep the levels seen in the complete rows, in their order
      const present = new Set<number>()
      rows.forEach((r) => present.add(factor.value.codes[r] as number))
      const keptLevels = factor.value.levels.filter((_, i) => present.has(i))
      const remap = new Map<number, number>()
      factor.value.levels.forEach((l, i) => {
        if (present.has(i)) remap.set(i, keptLevels.indexOf(l))
      })
      const codes = new Int32Array(rows.length)
      rows.forEach((r, i) => (codes[i] = remap.get(factor.value.codes[r] as number) as number))
      coded.set(ref.label, { kind: 'factor', ref, levels: keptLevels, codes })
    }
  }

  const intercept = spec.intercept || options.dropIntercept === true
  const termKeys = new Set(spec.terms.map((t) => setKey(t.variables.map((v) => v.label))))
  const marginPresent = (term: Term, without: string): boolean => {
    const rest = term.variables.map((v) => v.label).filter((l) => l !== without)
    return rest.length === 0 ? intercept : termKeys.has(setKey(rest))
  }

  const columns: DesignColumn[] = []
  const values: Float64Array[] = []
  const n = rows.length
  if (spec.intercept && options.dropIntercept !== true) {
    columns.push({ name: '(Intercept)', term: -1, parts: [] })
    values.push(new Float64Array(n).fill(1))
  }
  spec.terms.forEach((term, termIndex) => {
    // Per variable: the list of (name suffix, part, values) it contributes; the columns are their products,
    // the first variable varying fastest (R's order).
    const pieces = term.variables.map((ref) => {
      const c = coded.get(ref.label) as Coded
      if (c.kind === 'numeric')
        return [
          { name: ref.label, part: { kind: 'numeric', variable: ref.column } satisfies DesignPart, values: c.values },
        ]
      const levels = marginPresent(term, ref.label) ? c.levels.slice(1) : c.levels
      return levels.map((level) => {
        const li = c.levels.indexOf(level)
        const v = new Float64Array(n)
        for (let i = 0; i < n; i++) v[i] = c.codes[i] === li ? 1 : 0
        return {
          name: `${ref.label}${level}`,
          part: { kind: 'level', variable: ref.column, level } satisfies DesignPart,
          values: v,
        }
      })
    })
    let combos: { names: string[]; parts: DesignPart[]; values: Float64Array }[] = [
      { names: [], parts: [], values: new Float64Array(n).fill(1) },
    ]
    for (const choices of pieces) {
      const next: typeof combos = []
      for (const opt of choices) {
        for (const combo of combos) {
          const v = new Float64Array(n)
          for (let i = 0; i < n; i++) v[i] = (combo.values[i] as number) * (opt.values[i] as number)
          next.push({ names: [...combo.names, opt.name], parts: [...combo.parts, opt.part], values: v })
        }
      }
      combos = next
    }
    for (const combo of combos) {
      columns.push({ name: combo.names.join(':'), term: termIndex, parts: combo.parts })
      values.push(combo.values)
    }
  })
  const factorLevels: Record<string, readonly string[]> = {}
  for (const c of coded.values()) if (c.kind === 'factor') factorLevels[c.ref.column] = c.levels
  return statsOk({ terms: spec.terms.map((t) => t.label), columns, values, nRows: n, rows, factorLevels })
}

function setKey(labels: readonly string[]): string {
  return [...labels].sort().join('\u0000')
}
