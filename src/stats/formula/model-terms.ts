/**
 * From a formula's syntax tree to the model it describes, with R's rules (`terms.formula`):
 * `a*b` = `a + b + a:b`, `a/b` = `a + a:b`, `(a+b)^2` = all terms up to degree 2, `a - b` drops b, `- 1` or `+ 0`
 * drops the intercept; interactions are sets (`b:a` is `a:b`, variables in order of first appearance); terms are
 * ordered by degree, then by first appearance. Also recognised: `Surv(time, event)` as response,
 * `strata(x)` (stratified Cox), `factor(x)` (a numeric column used as a factor) and random-effects terms
 * `(slope | group)` / `(1 | group)` / `(0 + slope | group)` / `(... || group)`.
 */
import { statsOk, type StatsResult } from '../data/index.ts'
import type { Formula, FormulaNode } from './formula-ast.ts'
import { formulaError, parseFormula } from './formula-parser.ts'

/** A variable in a term: a column, or `factor(column)` to use a numeric column as a factor. */
export interface VariableRef {
  readonly column: string
  readonly asFactor: boolean
  /** R's label: `dose` or `factor(dose)`. */
  readonly label: string
}

/** One model term: a main effect (one variable) or an interaction (several). */
export interface Term {
  readonly variables: readonly VariableRef[]
  /** R's term label: `t`, `arm`, `t:arm`. */
  readonly label: string
  /** 0-based position of its first appearance in the formula. */
  readonly pos: number
}

export interface RandomTerm {
  /** Grouping column. */
  readonly group: string
  readonly intercept: boolean
  /** Random slopes (empty for a random intercept). */
  readonly terms: readonly Term[]
  /** `|` (correlated) or `||` (independent). */
  readonly correlated: boolean
  readonly pos: number
}

export type Response =
  | { readonly kind: 'variable'; readonly column: string; readonly pos: number }
  | { readonly kind: 'surv'; readonly time: string; readonly event: string; readonly pos: number }

export interface ModelSpec {
  readonly source: string
  readonly response: Response | null
  readonly intercept: boolean
  /** Fixed-effect terms in R's order. */
  readonly terms: readonly Term[]
  readonly random: readonly RandomTerm[]
  /** `strata(x)` columns, in order. */
  readonly strata: readonly string[]
  /** Every column the model reads, in order of first appearance (the columns of R's na.omit). */
  readonly columns: readonly string[]
}

/** Thrown inside the analysis only, caught by `modelSpec` and turned into a problem. */
class ModelError extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message)
  }
}

/** A term list under construction: terms as variable-index sets, plus an explicit intercept flag if any. */
interface TermList {
  readonly terms: readonly { readonly vars: readonly number[]; readonly pos: number }[]
  readonly intercept?: boolean
}

/**
 * Parses and analyses a model formula.
 * @example
 * const m = parseModel('score ~ time * arm + (time | subject)').value
 * // m.terms.map((t) => t.label) = ['time', 'arm', 'time:arm']; m.random[0] = { group: 'subject', intercept: true, terms: [time] }
 * @example parseModel('Surv(time, status) ~ age + strata(site)') // response surv, terms [age], strata ['site']
 */
export function parseModel(source: string): StatsResult<ModelSpec> {
  const parsed = parseFormula(source)
  if (!parsed.ok) return parsed
  return modelSpec(parsed.value)
}

/** The model described by a parsed formula. */
export function modelSpec(formula: Formula): StatsResult<ModelSpec> {
  const variables: VariableRef[] = []
  const columns: string[] = []
  const useColumn = (name: string): void => {
    if (!columns.includes(name)) columns.push(name)
  }
  const variableIndex = (ref: VariableRef): number => {
    const i = variables.findIndex((v) => v.label === ref.label)
    if (i >= 0) return i
    variables.push(ref)
    useColumn(ref.column)
    return variables.length - 1
  }
  const strata: string[] = []
  const random: { group: string; list: TermList; correlated: boolean; pos: number }[] = []

  const columnName = (node: FormulaNode, what: string): string => {
    if (node.kind !== 'name') throw new ModelError(node.pos, `${what} must be a column name`)
    return node.name
  }

  const evaluate = (node: FormulaNode, topLevel: boolean): TermList => {
    switch (node.kind) {
      case 'name':
        return {
          terms: [{ vars: [variableIndex({ column: node.name, asFactor: false, label: node.name })], pos: node.pos }],
        }
      case 'number':
        if (node.value === 1) return { terms: [], intercept: true }
        if (node.value === 0) return { terms: [], intercept: false }
        throw new ModelError(node.pos, `the number ${node.value} has no meaning here (only 0 and 1, for the intercept)`)
      case 'call':
        if (node.fn === 'factor' && node.args.length === 1) {
          const col = columnName(node.args[0] as FormulaNode, 'the argument of factor()')
          return {
            terms: [{ vars: [variableIndex({ column: col, asFactor: true, label: `factor(${col})` })], pos: node.pos }],
          }
        }
        if (node.fn === 'strata') {
          if (!topLevel)
            throw new ModelError(node.pos, 'strata() can only be added to the model, not combined with other terms')
          for (const a of node.args) {
            const col = columnName(a, 'the argument of strata()')
            strata.push(col)
            useColumn(col)
          }
          return { terms: [] }
        }
        if (node.fn === 'Surv') throw new ModelError(node.pos, 'Surv(time, event) belongs on the left of ~')
        throw new ModelError(
          node.pos,
          `the function ${node.fn}() is not supported in formulas (supported: factor, strata, Surv)`,
        )
      case 'paren':
        if (node.inner.kind === 'bar') {
          if (!topLevel)
            throw new ModelError(node.pos, 'a random-effects term (... | group) can only be added to the model')
          const bar = node.inner
          const group = columnName(bar.right, 'the grouping factor after |')
          const list = evaluate(bar.left, false)
          random.push({ group, list, correlated: bar.op === '|', pos: node.pos })
          useColumn(group)
          return { terms: [] }
        }
        return evaluate(node.inner, topLevel)
      case 'bar':
        throw new ModelError(node.pos, 'a random-effects term must be in parentheses, e.g. (t | id)')
      case 'unary': {
        const inner = evaluate(node.operand, topLevel)
        if (node.op === '+') return inner
        if (inner.terms.length === 0 && inner.intercept !== undefined) return { terms: [], intercept: !inner.intercept }
        throw new ModelError(node.pos, "a leading '-' can only remove the intercept (- 1)")
      }
      case 'binary':
        return combine(node, topLevel)
    }
  }

  const combine = (node: Extract<FormulaNode, { kind: 'binary' }>, topLevel: boolean): TermList => {
    if (node.op === '^') {
      const degree = (node.right as { value: number }).value
      if (!Number.isInteger(degree) || degree < 1)
        throw new ModelError(node.right.pos, 'the power of a term must be a whole number ≥ 1')
      const base = evaluate(node.left, false)
      let acc: TermList = { terms: base.terms }
      for (let d = 2; d <= degree; d++) acc = union(acc, interact(acc, base))
      return acc
    }
    const additive = node.op === '+' || node.op === '-'
    const left = evaluate(node.left, topLevel && additive)
    const right = evaluate(node.right, topLevel && additive)
    switch (node.op) {
      case '+':
        return union(left, right)
      case '-': {
        const drop = new Set(right.terms.map((t) => key(t.vars)))
        const intercept = right.intercept === true ? false : right.intercept === false ? true : left.intercept
        return withIntercept({ terms: left.terms.filter((t) => !drop.has(key(t.vars))) }, intercept)
      }
      case '*':
        return union(union(left, right), interact(left, right))
      case ':':
        return interact(left, right)
      case '/': {
        const all = [...new Set(left.terms.flatMap((t) => t.vars))]
        return union(left, interact({ terms: [{ vars: all, pos: node.pos }] }, right))
      }
    }
  }

  try {
    const response = formula.lhs ? responseOf(formula.lhs, useColumn) : null
    const list = evaluate(formula.rhs, true)
    const label = (vars: readonly number[]): string => vars.map((v) => (variables[v] as VariableRef).label).join(':')
    const toTerms = (l: TermList): Term[] =>
      [...l.terms]
        .map((t, i) => ({ t, i }))
        .sort((a, b) => a.t.vars.length - b.t.vars.length || a.i - b.i)
        .map(({ t }) => {
          const vars = [...t.vars].sort((a, b) => a - b)
          return { variables: vars.map((v) => variables[v] as VariableRef), label: label(vars), pos: t.pos }
        })
    return statsOk({
      source: formula.source,
      response,
      intercept: list.intercept ?? true,
      terms: toTerms(list),
      random: random.map((r) => ({
        group: r.group,
        intercept: r.list.intercept ?? true,
        terms: toTerms(r.list),
        correlated: r.correlated,
        pos: r.pos,
      })),
      strata,
      columns,
    })
  } catch (e) {
    if (e instanceof ModelError) return formulaError(formula.source, e.pos, e.message)
    throw e
  }
}

function responseOf(node: FormulaNode, useColumn: (c: string) => void): Response {
  if (node.kind === 'name') {
    useColumn(node.name)
    return { kind: 'variable', column: node.name, pos: node.pos }
  }
  if (node.kind === 'call' && node.fn === 'Surv') {
    if (node.args.length !== 2) throw new ModelError(node.pos, 'Surv() needs two columns: Surv(time, event)')
    const [t, e] = node.args as [FormulaNode, FormulaNode]
    if (t.kind !== 'name') throw new ModelError(t.pos, 'the time in Surv(time, event) must be a column name')
    if (e.kind !== 'name') throw new ModelError(e.pos, 'the event in Surv(time, event) must be a column name')
    useColumn(t.name)
    useColumn(e.name)
    return { kind: 'surv', time: t.name, event: e.name, pos: node.pos }
  }
  throw new ModelError(node.pos, 'the response must be a column name or Surv(time, event)')
}

function key(vars: readonly number[]): string {
  return [...vars].sort((a, b) => a - b).join(',')
}

function withIntercept(list: Pick<TermList, 'terms'>, intercept: boolean | undefined): TermList {
  return intercept === undefined ? { terms: list.terms } : { terms: list.terms, intercept }
}

/** Terms of a then b, without duplicates; an explicit intercept on the right wins. */
function union(a: TermList, b: TermList): TermList {
  const seen = new Set(a.terms.map((t) => key(t.vars)))
  const terms = [...a.terms]
  for (const t of b.terms) {
    const k = key(t.vars)
    if (!seen.has(k)) {
      seen.add(k)
      terms.push(t)
    }
  }
  return withIntercept({ terms }, b.intercept ?? a.intercept)
}

/** Every term of a combined with every term of b (variable sets united). */
function interact(a: TermList, b: TermList): TermList {
  const terms: { vars: number[]; pos: number }[] = []
  const seen = new Set<string>()
  for (const ta of a.terms) {
    for (const tb of b.terms) {
      const vars = [...new Set([...ta.vars, ...tb.vars])]
      const k = key(vars)
      if (!seen.has(k)) {
        seen.add(k)
        terms.push({ vars, pos: ta.pos })
      }
    }
  }
  return { terms }
}
