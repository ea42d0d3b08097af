/**
 * A small, safe arithmetic language for derived values of protocol-defined forms, e.g.
 * `cmap_adm / dml_adm * fwave_adm` or `round(max(svc_1, svc_2, svc_3) / svc_pred * 100, 1)`.
 *
 * Own recursive-descent parser (no `eval`, no host access): `+ - * / ( )`, decimal numbers, item ids and the
 * functions `min`, `max`, `abs`, `round(x)` / `round(x, digits)`. A formula is parsed once into plain data
 * (`Formula`), which is JSON-serialisable and evaluated against item values. A formula that reads a missing
 * or non-numeric item gives null, and so does division by zero: a derived value is never silently wrong.
 */
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'

export type FormulaFunction = 'min' | 'max' | 'abs' | 'round'

export type Formula =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'ref'; readonly id: string }
  | { readonly kind: 'negate'; readonly arg: Formula }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/'; readonly left: Formula; readonly right: Formula }
  | { readonly kind: 'call'; readonly fn: FormulaFunction; readonly args: readonly Formula[] }

const ARITY: Readonly<Record<FormulaFunction, readonly [number, number]>> = {
  min: [1, Infinity],
  max: [1, Infinity],
  abs: [1, 1],
  round: [1, 2],
}
const MAX_LENGTH = 2000
const MAX_DEPTH = 64
const MAX_ROUND_DIGITS = 10

type Token =
  | { readonly kind: 'number'; readonly value: number; readonly at: number }
  | { readonly kind: 'ident'; readonly name: string; readonly at: number }
  | { readonly kind: 'punct'; readonly char: string; readonly at: number }
  | { readonly kind: 'end'; readonly at: number }

class FormulaSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  const re = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z][A-Za-z0-9_]*)|([-+*/(),]))/y
  let at = 0
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break
    re.lastIndex = at
    const m = re.exec(text)
    if (!m) {
      const pos = at + (text.slice(at).length - text.slice(at).trimStart().length)
      throw new FormulaSyntaxError(`unexpected character "${text[pos]}" at position ${pos + 1}`)
    }
    const start = m.index + m[0].length - (m[1] ?? m[2] ?? m[3] ?? '').length
    if (m[1] !== undefined) tokens.push({ kind: 'number', value: Number(m[1]), at: start })
    else if (m[2] !== undefined) tokens.push({ kind: 'ident', name: m[2], at: start })
    else tokens.push({ kind: 'punct', char: m[3] ?? '', at: start })
    at = re.lastIndex
  }
  tokens.push({ kind: 'end', at: text.length })
  return tokens
}

/** Parses formula text into a `Formula`; syntax errors name the position (1-based). */
export function parseFormula(text: string): Result<Formula> {
  if (text.length > MAX_LENGTH) {
    return fail({ code: ProblemCode.TooLarge, path: '', message: `must be at most ${MAX_LENGTH} characters` })
  }
  try {
    const tokens = tokenize(text)
    let pos = 0
    const peek = (): Token => tokens[pos] ?? { kind: 'end', at: text.length }
    const next = (): Token => tokens[pos++] ?? { kind: 'end', at: text.length }
    const describe = (t: Token): string =>
      t.kind === 'end'
        ? 'end of formula'
        : `"${t.kind === 'number' ? String(t.value) : t.kind === 'ident' ? t.name : t.char}" at position ${t.at + 1}`
    const isPunct = (t: Token, char: string): boolean => t.kind === 'punct' && t.char === char
    const expect = (char: string): void => {
      const t = next()
      if (!isPunct(t, char)) throw new FormulaSyntaxError(`expected "${char}" but found ${describe(t)}`)
    }

    const expression = (depth: number): Formula => {
      if (depth > MAX_DEPTH) throw new FormulaSyntaxError(`nested more than ${MAX_DEPTH} levels deep`)
      let left = term(depth)
      for (let t = peek(); isPunct(t, '+') || isPunct(t, '-'); t = peek()) {
        next()
        left = { kind: 'binary', op: (t as { char: '+' | '-' }).char, left, right: term(depth) }
      }
      return left
    }
    const term = (depth: number): Formula => {
      let left = unary(depth)
      for (let t = peek(); isPunct(t, '*') || isPunct(t, '/'); t = peek()) {
        next()
        left = { kind: 'binary', op: (t as { char: '*' | '/' }).char, left, right: unary(depth) }
      }
      return left
    }
    const unary = (depth: number): Formula => {
      if (depth > MAX_DEPTH) throw new FormulaSyntaxError(`nested more than ${MAX_DEPTH} levels deep`)
      const t = peek()
      if (isPunct(t, '-')) {
        next()
        return { kind: 'negate', arg: unary(depth + 1) }
      }
      if (isPunct(t, '+')) {
        next()
        return unary(depth + 1)
      }
      return primary(depth)
    }
    const primary = (depth: number): Formula => {
      const t = next()
      if (t.kind === 'number') return { kind: 'number', value: t.value }
      if (isPunct(t, '(')) {
        const inner = expression(depth + 1)
        expect(')')
        return inner
      }
      if (t.kind === 'ident') {
        if (!isPunct(peek(), '(')) return { kind: 'ref', id: t.name }
        if (!(t.name in ARITY)) throw new FormulaSyntaxError(`unknown function "${t.name}" at position ${t.at + 1}`)
        const fn = t.name as FormulaFunction
        next()
        const args: Formula[] = []
        if (!isPunct(peek(), ')')) {
          args.push(expression(depth + 1))
          while (isPunct(peek(), ',')) {
            next()
            args.push(expression(depth + 1))
          }
        }
        expect(')')
        const [lo, hi] = ARITY[fn]
        if (args.length < lo || args.length > hi) {
          const want = hi === Infinity ? `at least ${lo}` : lo === hi ? `${lo}` : `${lo} or ${hi}`
          throw new FormulaSyntaxError(
            `${fn}() takes ${want} argument${lo === 1 && hi === 1 ? '' : 's'}, not ${args.length}`,
          )
        }
        return { kind: 'call', fn, args }
      }
      throw new FormulaSyntaxError(`unexpected ${describe(t)}`)
    }

    if (peek().kind === 'end') throw new FormulaSyntaxError('must not be empty')
    const formula = expression(0)
    const rest = peek()
    if (rest.kind !== 'end') throw new FormulaSyntaxError(`unexpected ${describe(rest)}`)
    return ok(formula)
  } catch (e) {
    if (e instanceof FormulaSyntaxError) return fail({ code: ProblemCode.Invalid, path: '', message: e.message })
    throw e
  }
}

/** The ids a formula reads, in order of first appearance. */
export function formulaReferences(formula: Formula): string[] {
  const out = new Set<string>()
  const walk = (f: Formula): void => {
    if (f.kind === 'ref') out.add(f.id)
    else if (f.kind === 'negate') walk(f.arg)
    else if (f.kind === 'binary') {
      walk(f.left)
      walk(f.right)
    } else if (f.kind === 'call') f.args.forEach(walk)
  }
  walk(formula)
  return [...out]
}

/**
 * Evaluates a formula. `lookup` gives the value of an id; anything but a finite number (missing, null, text)
 * makes the result null, as does division by zero or a non-finite intermediate.
 */
export function evaluateFormula(formula: Formula, lookup: (id: string) => unknown): number | null {
  const value = evaluate(formula, lookup)
  return value === null || !Number.isFinite(value) ? null : value
}

function evaluate(f: Formula, lookup: (id: string) => unknown): number | null {
  switch (f.kind) {
    case 'number':
      return f.value
    case 'ref': {
      const v = lookup(f.id)
      return typeof v === 'number' && Number.isFinite(v) ? v : null
    }
    case 'negate': {
      const v = evaluate(f.arg, lookup)
      return v === null ? null : -v
    }
    case 'binary': {
      const a = evaluate(f.left, lookup)
      const b = evaluate(f.right, lookup)
      if (a === null || b === null) return null
      if (f.op === '/' && b === 0) return null
      const r = f.op === '+' ? a + b : f.op === '-' ? a - b : f.op === '*' ? a * b : a / b
      return Number.isFinite(r) ? r : null
    }
    case 'call': {
      const args = f.args.map((a) => evaluate(a, lookup))
      if (args.some((a) => a === null)) return null
      const xs = args as number[]
      if (f.fn === 'min') return Math.min(...xs)
      if (f.fn === 'max') return Math.max(...xs)
      if (f.fn === 'abs') return Math.abs(xs[0] ?? NaN)
      const digits = xs[1] ?? 0
      if (!Number.isInteger(digits) || digits < 0 || digits > MAX_ROUND_DIGITS) return null
      return roundHalfAwayFromZero(xs[0] ?? NaN, digits)
    }
  }
}

/**
 * Rounds half away from zero (1.25 → 1.3, −1.25 → −1.3), the convention of clinical reporting, working on
 * the decimal text so that binary floating point does not turn 1.005 into 1.00.
 */
export function roundHalfAwayFromZero(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x
  const text = String(Math.abs(x))
  // Values already written in exponent form (1e-7, 1e+21) are shifted arithmetically instead.
  const shifted = text.includes('e') ? Math.abs(x) * 10 ** digits : Number(`${text}e${digits}`)
  const whole = Math.round(shifted)
  const back = String(whole).includes('e') ? whole / 10 ** digits : Number(`${whole}e-${digits}`)
  return back === 0 ? 0 : x < 0 ? -back : back
}
