/**
 * One tolerant parser for the condition and calculation languages other EDCs write into ODM and REDCap files:
 * REDCap branching logic (`[sex] = '1' and ([age] > 18 or [x(2)] = '1')`, `[event][field]`, `<>`, `''`),
 * OpenEDC and Viedoc expressions (`!(Gender == "Female")`, `A != null && B == 1`) and TrialDesk's own syntax
 * (`age >= 18 and not answered(x)`). The result is a small AST; `expression-translate.ts` turns it into protocol
 * conditions and formulas, or explains why it cannot.
 */

export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'null' }
  /** An item reference; `event` for REDCap `[event][field]`, `option` for checkbox `[field(code)]`. */
  | { readonly k: 'ref'; readonly name: string; readonly event?: string; readonly option?: string }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Expr[] }
  | { readonly k: 'neg'; readonly e: Expr }
  | { readonly k: 'not'; readonly e: Expr }
  | { readonly k: 'bin'; readonly op: BinOp; readonly l: Expr; readonly r: Expr }

export type BinOp = '+' | '-' | '*' | '/' | '^' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or'

export type ParseResult = { readonly ok: true; readonly expr: Expr } | { readonly ok: false; readonly message: string }

/** Longest expression accepted; real branching logic is a few hundred characters. */
export const MAX_EXPRESSION_LENGTH = 10_000
const MAX_DEPTH = 100

type Token =
  | { readonly t: 'num'; readonly v: number; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'id'; readonly v: string; readonly at: number }
  | { readonly t: 'ref'; readonly name: string; readonly event?: string; readonly option?: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number }

const OPERATORS = [
  '===',
  '!==',
  '==',
  '!=',
  '<>',
  '<=',
  '>=',
  '&&',
  '||',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '^',
  '(',
  ')',
  ',',
  '!',
]

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i] ?? ''
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '[') {
      // REDCap: [field], [field(code)], [event][field]; also [field:checked] style suffixes are refused below.
      const refs: string[] = []
      let j = i
      while (text[j] === '[') {
        const close = text.indexOf(']', j)
        if (close < 0) return `unclosed "[" at column ${j + 1}`
        refs.push(text.slice(j + 1, close).trim())
        j = close + 1
      }
      const last = refs[refs.length - 1] ?? ''
      const m = /^([A-Za-z][A-Za-z0-9_]*)(?:\(([^()]+)\))?$/.exec(last)
      if (!m || refs.length > 2) return `unsupported field reference "${text.slice(i, j)}" at column ${i + 1}`
      const event = refs.length === 2 ? refs[0] : undefined
      tokens.push({ t: 'ref', name: m[1] ?? '', ...(event ? { event } : {}), ...(m[2] ? { option: m[2] } : {}), at: i })
      i = j
      continue
    }
    if (/[0-9.]/.test(c) && /[0-9]/.test(text[c === '.' ? i + 1 : i] ?? '')) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i))
      const lexeme = m?.[0] ?? c
      tokens.push({ t: 'num', v: Number(lexeme), at: i })
      i += lexeme.length
      continue
    }
    if (c === '"' || c === "'") {
      let j = i + 1
      let v = ''
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++
        v += text[j]
        j++
      }
      if (j >= text.length) return `unclosed string at column ${i + 1}`
      tokens.push({ t: 'str', v, at: i })
      i = j + 1
      continue
    }
    const id = /^[A-Za-z_$][A-Za-z0-9_.$]*(?:-[A-Za-z_$][A-Za-z0-9_.$]*)*/.exec(text.slice(i))
    if (id) {
      tokens.push({ t: 'id', v: id[0], at: i })
      i += id[0].length
      continue
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i))
    if (!op) return `unexpected "${c}" at column ${i + 1}`
    tokens.push({ t: 'op', v: op, at: i })
    i += op.length
  }
  tokens.push({ t: 'end', at: text.length })
  return tokens
}

const KEYWORDS: Readonly<Record<string, string>> = {
  and: 'and',
  or: 'or',
  not: 'not',
  AND: 'and',
  OR: 'or',
  NOT: 'not',
}
const EQUALITY: Readonly<Record<string, BinOp>> = {
  '=': '==',
  '==': '==',
  '===': '==',
  '!=': '!=',
  '!==': '!=',
  '<>': '!=',
}
const RELATIONAL: ReadonlySet<string> = new Set(['<', '<=', '>', '>='])

/** Parses an expression in any of the dialects above. Never throws. */
export function parseExpression(text: string): ParseResult {
  if (text.length > MAX_EXPRESSION_LENGTH)
    return { ok: false, message: `longer than ${MAX_EXPRESSION_LENGTH} characters` }
  const tokens = tokenize(text)
  if (typeof tokens === 'string') return { ok: false, message: tokens }
  let pos = 0
  let depth = 0
  const peek = (): Token => tokens[pos] ?? { t: 'end', at: text.length }
  const isOp = (v: string): boolean => {
    const t = peek()
    return (t.t === 'op' && t.v === v) || (t.t === 'id' && KEYWORDS[t.v] === v)
  }
  class Fail extends Error {}
  const fail = (message: string): never => {
    throw new Fail(message)
  }
  const where = (t: Token): string => (t.t === 'end' ? 'at the end' : `at column ${t.at + 1}`)

  function orExpr(): Expr {
    let l = andExpr()
    while (isOp('or') || isOp('||')) {
      pos++
      l = { k: 'bin', op: 'or', l, r: andExpr() }
    }
    return l
  }
  function andExpr(): Expr {
    let l = notExpr()
    while (isOp('and') || isOp('&&')) {
      pos++
      l = { k: 'bin', op: 'and', l, r: notExpr() }
    }
    return l
  }
  function notExpr(): Expr {
    if (isOp('not') || isOp('!')) {
      pos++
      return { k: 'not', e: notExpr() }
    }
    return comparison()
  }
  function comparison(): Expr {
    const l = additive()
    const t = peek()
    if (t.t === 'op' && (EQUALITY[t.v] || RELATIONAL.has(t.v))) {
      pos++
      const op = EQUALITY[t.v] ?? (t.v as BinOp)
      return { k: 'bin', op, l, r: additive() }
    }
    return l
  }
  function additive(): Expr {
    let l = term()
    for (let t = peek(); t.t === 'op' && (t.v === '+' || t.v === '-'); t = peek()) {
      pos++
      l = { k: 'bin', op: t.v, l, r: term() }
    }
    return l
  }
  function term(): Expr {
    let l = power()
    for (let t = peek(); t.t === 'op' && (t.v === '*' || t.v === '/'); t = peek()) {
      pos++
      l = { k: 'bin', op: t.v, l, r: power() }
    }
    return l
  }
  function power(): Expr {
    const base = unary()
    if (isOp('^')) {
      pos++
      return { k: 'bin', op: '^', l: base, r: power() }
    }
    return base
  }
  function unary(): Expr {
    if (isOp('-')) {
      pos++
      return { k: 'neg', e: unary() }
    }
    if (isOp('+')) {
      pos++
      return unary()
    }
    return primary()
  }
  function primary(): Expr {
    const t = peek()
    if (++depth > MAX_DEPTH) fail('nested too deeply')
    try {
      pos++
      switch (t.t) {
        case 'num':
          return { k: 'num', v: t.v }
        case 'str':
          return { k: 'str', v: t.v }
        case 'ref':
          return {
            k: 'ref',
            name: t.name,
            ...(t.event ? { event: t.event } : {}),
            ...(t.option ? { option: t.option } : {}),
          }
        case 'op':
          if (t.v === '(') {
            const e = orExpr()
            if (!isOp(')')) fail(`expected ")" ${where(peek())}`)
            pos++
            return e
          }
          return fail(`unexpected "${t.v}" ${where(t)}`)
        case 'id': {
          const lower = t.v.toLowerCase()
          if (lower === 'true' || lower === 'false') return { k: 'bool', v: lower === 'true' }
          if (lower === 'null' || lower === 'undefined') return { k: 'null' }
          if (KEYWORDS[t.v]) return fail(`unexpected "${t.v}" ${where(t)}`)
          if (isOp('(')) {
            pos++
            const args: Expr[] = []
            if (!isOp(')')) {
              args.push(orExpr())
              while (isOp(',')) {
                pos++
                args.push(orExpr())
              }
            }
            if (!isOp(')')) fail(`expected ")" ${where(peek())}`)
            pos++
            return { k: 'call', fn: lower, args }
          }
          return { k: 'ref', name: t.v }
        }
        case 'end':
          return fail('unexpected end of expression')
      }
    } finally {
      depth--
    }
  }

  try {
    const expr = orExpr()
    const rest = peek()
    if (rest.t !== 'end') return { ok: false, message: `unexpected ${describe(rest)} ${where(rest)}` }
    return { ok: true, expr }
  } catch (e) {
    if (e instanceof Fail) return { ok: false, message: e.message }
    throw e
  }
}

function describe(t: Token): string {
  switch (t.t) {
    case 'num':
      return `number ${t.v}`
    case 'str':
      return 'string'
    case 'ref':
      return `[${t.name}]`
    case 'end':
      return 'end'
    default:
      return `"${t.v}"`
  }
}
