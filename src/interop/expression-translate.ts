/**
 * Turns parsed expressions into protocol conditions (`showWhen`, `requiredWhen`, edit checks) and derived-value
 * formulas, resolving item references through the caller, and writes conditions back out as text. A construct
 * that has no faithful equivalent is refused with a reason, never approximated silently.
 */
import type { ComparisonOp, Condition, ItemType } from '../domain/index.ts'
import { parseFormula } from '../instruments/index.ts'
import { parseExpression, type Expr } from './expression.ts'

/** What a reference resolves to: a protocol item id in the same form, with what its values look like. */
export interface ResolvedItem {
  readonly id: string
  readonly type: ItemType
  /** For `choice` and `multichoice` items: whether the option codes are numbers. */
  readonly numericCodes?: boolean
}

/** Resolves a reference or says why it cannot (another form, another event, unknown name). */
export type ItemResolver = (ref: {
  readonly name: string
  readonly event?: string
  readonly option?: string
}) => ResolvedItem | string

export type Translation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string }

const ok = <T>(value: T): Translation<T> => ({ ok: true, value })
const no = <T>(reason: string): Translation<T> => ({ ok: false, reason })

/** `true`/`false` when the expression is a constant (Viedoc's `COND_TRUE`), else a condition. */
export type ConditionOrConstant = Condition | boolean

/** Parses and translates condition text in one step. */
export function translateCondition(text: string, resolve: ItemResolver): Translation<ConditionOrConstant> {
  const parsed = parseExpression(text.trim())
  if (!parsed.ok) return no(`cannot parse: ${parsed.message}`)
  return toCondition(parsed.expr, resolve)
}

export function toCondition(expr: Expr, resolve: ItemResolver): Translation<ConditionOrConstant> {
  switch (expr.k) {
    case 'bool':
      return ok(expr.v)
    case 'not': {
      const inner = toCondition(expr.e, resolve)
      if (!inner.ok) return inner
      return ok(typeof inner.value === 'boolean' ? !inner.value : negateCondition(inner.value))
    }
    case 'bin': {
      if (expr.op === 'and' || expr.op === 'or') return junction(expr.op, expr.l, expr.r, resolve)
      if (isComparison(expr.op)) return comparison(expr.op, expr.l, expr.r, resolve)
      return no(`"${expr.op}" is arithmetic, not a condition`)
    }
    case 'call':
      if (expr.fn === 'answered' && expr.args.length === 1 && expr.args[0]?.k === 'ref') {
        const item = resolveRef(expr.args[0], resolve)
        return typeof item === 'string' ? no(item) : ok({ answered: item.id })
      }
      return no(`function ${expr.fn}() has no equivalent in protocol conditions`)
    case 'ref': {
      // A bare reference used as a condition (`SHOWIC` in JavaScript truthiness): true when answered and non-zero.
      const item = resolveRef(expr, resolve)
      if (typeof item === 'string') return no(item)
      return item.type === 'boolean'
        ? ok({ item: item.id, op: '==', value: true })
        : no(`bare reference to ${item.id} is not a condition`)
    }
    default:
      return no('a value is not a condition')
  }
}

function junction(op: 'and' | 'or', l: Expr, r: Expr, resolve: ItemResolver): Translation<ConditionOrConstant> {
  const parts: Condition[] = []
  for (const side of flatten(op, l).concat(flatten(op, r))) {
    const c = toCondition(side, resolve)
    if (!c.ok) return c
    if (typeof c.value === 'boolean') {
      // `x and true` is x; `x and false` is false; dually for `or`.
      if (c.value === (op === 'or')) return ok(c.value)
      continue
    }
    parts.push(c.value)
  }
  if (parts.length === 0) return ok(op === 'and')
  if (parts.length === 1) return ok(parts[0] as Condition)
  return ok(op === 'and' ? { all: parts } : { any: parts })
}

function flatten(op: 'and' | 'or', e: Expr): Expr[] {
  return e.k === 'bin' && e.op === op ? [...flatten(op, e.l), ...flatten(op, e.r)] : [e]
}

function isComparison(op: string): op is ComparisonOp {
  return op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>='
}

const FLIP: Readonly<Record<ComparisonOp, ComparisonOp>> = {
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
  '==': '==',
  '!=': '!=',
}

function comparison(op: ComparisonOp, l: Expr, r: Expr, resolve: ItemResolver): Translation<ConditionOrConstant> {
  if (l.k !== 'ref' && r.k === 'ref') return comparison(FLIP[op], r, l, resolve)
  const call = l.k === 'call' ? l : r.k === 'call' ? r : undefined
  if (call) return no(`function ${call.fn}() has no equivalent in protocol conditions`)
  if (l.k !== 'ref') return no('a comparison must have an item on one side')
  if (r.k === 'ref') return no('comparing two items is not expressible as a protocol condition')
  const item = resolveRef(l, resolve)
  if (typeof item === 'string') return no(item)
  if (l.option !== undefined) return checkboxOption(op, l.option, r, item)
  const empty = r.k === 'null' || (r.k === 'str' && r.v === '')
  if (empty) {
    if (op === '==') return ok({ not: { answered: item.id } })
    if (op === '!=') return ok({ answered: item.id })
    return no('ordering comparison with an empty value')
  }
  const literal = r.k === 'neg' && r.e.k === 'num' ? ({ k: 'num', v: -r.e.v } as const) : r
  const value = coerce(literal, item)
  if (typeof value === 'object') return no(value.reason)
  return ok({ item: item.id, op, value })
}

/**
 * REDCap checkbox `[fld(code)] = '1'` (option ticked) becomes `fld == code`, which the condition evaluator reads
 * as "the answer includes code"; `= '0'` becomes `fld != code`.
 */
function checkboxOption(
  op: ComparisonOp,
  option: string,
  r: Expr,
  item: ResolvedItem,
): Translation<ConditionOrConstant> {
  if (item.type !== 'multichoice') return no(`${item.id} is not a multiple-choice item, so (${option}) has no meaning`)
  const flag = r.k === 'num' ? String(r.v) : r.k === 'str' ? r.v : undefined
  if ((op !== '==' && op !== '!=') || (flag !== '1' && flag !== '0'))
    return no(`a checkbox option can only be compared with '1' or '0'`)
  const code = item.numericCodes && Number.isFinite(Number(option)) ? Number(option) : option
  const ticked = (op === '==') === (flag === '1')
  return ok({ item: item.id, op: ticked ? '==' : '!=', value: code })
}

function resolveRef(ref: Extract<Expr, { k: 'ref' }>, resolve: ItemResolver): ResolvedItem | string {
  return resolve({
    name: ref.name,
    ...(ref.event ? { event: ref.event } : {}),
    ...(ref.option ? { option: ref.option } : {}),
  })
}

/** Converts a literal to the value type the item stores, so `[sex] = '1'` compares with the numeric code 1. */
function coerce(lit: Expr, item: ResolvedItem): number | string | boolean | { reason: string } {
  const raw = lit.k === 'num' ? lit.v : lit.k === 'str' ? lit.v : lit.k === 'bool' ? lit.v : undefined
  if (raw === undefined) return { reason: `right-hand side must be a constant, found an expression` }
  switch (item.type) {
    case 'boolean': {
      const s = String(raw).toLowerCase()
      if (['1', 'true', 'yes', 'y'].includes(s)) return true
      if (['0', 'false', 'no', 'n'].includes(s)) return false
      return { reason: `"${String(raw)}" is not a yes/no value for ${item.id}` }
    }
    case 'integer':
    case 'decimal': {
      const n = typeof raw === 'number' ? raw : Number(raw)
      return Number.isFinite(n) && String(raw).trim() !== ''
        ? n
        : { reason: `"${String(raw)}" is not a number for ${item.id}` }
    }
    case 'choice': {
      if (!item.numericCodes) return String(raw)
      const n = typeof raw === 'number' ? raw : Number(raw)
      return Number.isFinite(n) ? n : { reason: `"${String(raw)}" is not one of the numeric codes of ${item.id}` }
    }
    case 'multichoice': {
      const n = Number(raw)
      return item.numericCodes && Number.isFinite(n) ? n : String(raw)
    }
    default:
      return String(raw)
  }
}

/** Logical negation, removing double negations. */
export function negateCondition(c: Condition): Condition {
  return 'not' in c ? c.not : { not: c }
}

// ---------------------------------------------------------------------------------------------------------
// Formulas

/** Powers written as repeated multiplication: the protocol formula language has no `^`. */
const MAX_INTEGER_POWER = 4
const FORMULA_FUNCTIONS: ReadonlySet<string> = new Set(['min', 'max', 'abs', 'round'])

/**
 * Parses and translates calculation text into a protocol formula, checked by the protocol's own formula parser
 * (`parseFormula` from instruments), so what is returned is a formula TrialDesk will evaluate.
 */
export function translateFormula(text: string, resolve: ItemResolver): Translation<string> {
  const parsed = parseExpression(text.trim())
  if (!parsed.ok) return no(`cannot parse: ${parsed.message}`)
  const f = toFormula(parsed.expr, resolve)
  if (!f.ok) return f
  const checked = parseFormula(f.value)
  return checked.ok ? f : no(`translation is not a valid formula: ${checked.problems[0]?.message ?? ''}`)
}

export function toFormula(e: Expr, resolve: ItemResolver): Translation<string> {
  switch (e.k) {
    case 'num':
      return ok(String(e.v))
    case 'ref': {
      const item = resolveRef(e, resolve)
      if (typeof item === 'string') return no(item)
      return item.type === 'integer' || item.type === 'decimal' || (item.type === 'choice' && item.numericCodes)
        ? ok(item.id)
        : no(`${item.id} is not numeric (${item.type})`)
    }
    case 'neg': {
      const inner = toFormula(e.e, resolve)
      return inner.ok ? ok(`-${inner.value}`) : inner
    }
    case 'bin': {
      if (e.op === '^') {
        if (e.r.k !== 'num' || !Number.isInteger(e.r.v) || e.r.v < 1 || e.r.v > MAX_INTEGER_POWER) {
          return no(`only whole powers 1 to ${MAX_INTEGER_POWER} can be written without "^"`)
        }
        const base = toFormula(e.l, resolve)
        return base.ok ? ok(`(${Array.from({ length: e.r.v }, () => base.value).join(' * ')})`) : base
      }
      if (e.op !== '+' && e.op !== '-' && e.op !== '*' && e.op !== '/') return no(`"${e.op}" is not arithmetic`)
      const l = toFormula(e.l, resolve)
      if (!l.ok) return l
      const r = toFormula(e.r, resolve)
      if (!r.ok) return r
      return ok(`(${l.value} ${e.op} ${r.value})`)
    }
    case 'call': {
      if (!FORMULA_FUNCTIONS.has(e.fn)) return no(`function ${e.fn}() is not available in protocol formulas`)
      if (e.fn === 'abs' && e.args.length !== 1) return no('abs() takes one argument')
      if (e.fn === 'round' && (e.args.length > 2 || (e.args.length === 2 && e.args[1]?.k !== 'num'))) {
        return no('round() takes a value and a constant number of decimal places')
      }
      if (e.args.length === 0) return no(`${e.fn}() needs arguments`)
      const args: string[] = []
      for (const a of e.args) {
        const t = toFormula(a, resolve)
        if (!t.ok) return t
        args.push(t.value)
      }
      return ok(`${e.fn}(${args.join(', ')})`)
    }
    default:
      return no('only numbers, items and + - * / min max abs round are available in protocol formulas')
  }
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/** Writes a condition in TrialDesk's expression syntax; `parseExpression` reads it back to the same condition. */
export function conditionToText(c: Condition): string {
  if ('item' in c) return `${c.item} ${c.op} ${typeof c.value === 'string' ? JSON.stringify(c.value) : String(c.value)}`
  if ('answered' in c) return `answered(${c.answered})`
  if ('not' in c) return `not (${conditionToText(c.not)})`
  if ('all' in c) return c.all.map((x) => `(${conditionToText(x)})`).join(' and ')
  return c.any.map((x) => `(${conditionToText(x)})`).join(' or ')
}
