/**
 * A recursive-descent parser for R's model-formula notation (no evaluation of any code):
 *
 *     formula := [sum] '~' sum
 *     sum     := ['+' | '-'] product (('+' | '-') product)*
 *     product := inter (('*' | '/') inter)*
 *     inter   := power (':' power)*
 *     power   := primary ['^' number]
 *     primary := name | number | name '(' [sum (',' sum)*] ')' | '(' sum [('|' | '||') sum] ')'
 *
 * Operator precedence follows R: `^` binds tightest, then `:`, then `*` `/`, then `+` `-`; the random-effects bar
 * `|` binds loosest and is only allowed inside parentheses. Names are R syntactic names or `back-quoted`.
 * Errors name the 1-based column and what was expected: `"y ~ a + * b", column 9: expected a name, a number or '(' but
 * found '*'`.
 */
import { statsFail, statsOk, type StatsResult } from '../data/index.ts'
import type { Formula, FormulaNode } from './formula-ast.ts'

type TokenKind = 'name' | 'number' | 'op' | 'end'
interface Token {
  readonly kind: TokenKind
  readonly text: string
  readonly pos: number
}

const OPERATORS = ['||', '~', '+', '-', '*', '/', ':', '^', '|', '(', ')', ',']

/** Thrown inside the parser only, caught by `parseFormula` and turned into a problem. */
class FormulaSyntaxError extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message)
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const c = source[i] as string
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '`') {
      const close = source.indexOf('`', i + 1)
      if (close < 0) throw new FormulaSyntaxError(i, 'unclosed back-quoted name')
      tokens.push({ kind: 'name', text: source.slice(i + 1, close), pos: i })
      i = close + 1
      continue
    }
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i))
    if (number) {
      tokens.push({ kind: 'number', text: number[0], pos: i })
      i += number[0].length
      continue
    }
    const name = /^[A-Za-z.][A-Za-z0-9._]*/.exec(source.slice(i))
    if (name) {
      tokens.push({ kind: 'name', text: name[0], pos: i })
      i += name[0].length
      continue
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i))
    if (!op) throw new FormulaSyntaxError(i, `unexpected character '${c}'`)
    tokens.push({ kind: 'op', text: op, pos: i })
    i += op.length
  }
  tokens.push({ kind: 'end', text: 'end of formula', pos: source.length })
  return tokens
}

class Parser {
  private i = 0
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.i] as Token
  }
  private next(): Token {
    return this.tokens[this.i++] as Token
  }
  private isOp(text: string): boolean {
    const t = this.peek()
    return t.kind === 'op' && t.text === text
  }
  private expectOp(text: string): Token {
    const t = this.peek()
    if (t.kind !== 'op' || t.text !== text)
      throw new FormulaSyntaxError(t.pos, `expected '${text}' but found ${describe(t)}`)
    return this.next()
  }

  formula(): { lhs: FormulaNode | null; rhs: FormulaNode } {
    let lhs: FormulaNode | null = null
    if (!this.isOp('~')) lhs = this.sum()
    if (!this.isOp('~')) {
      const t = this.peek()
      throw new FormulaSyntaxError(t.pos, `expected '~' (response ~ terms) but found ${describe(t)}`)
    }
    this.next()
    const rhs = this.sum()
    const t = this.peek()
    if (t.kind !== 'end') {
      const hint =
        t.text === '|' || t.text === '||' ? ': a random-effects term must be in parentheses, e.g. (t | id)' : ''
      throw new FormulaSyntaxError(t.pos, `unexpected ${describe(t)}${hint}`)
    }
    return { lhs, rhs }
  }

  private sum(): FormulaNode {
    let left: FormulaNode
    const start = this.peek()
    if (this.isOp('-') || this.isOp('+')) {
      this.next()
      left = { kind: 'unary', op: start.text as '+' | '-', operand: this.product(), pos: start.pos }
    } else left = this.product()
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next()
      left = { kind: 'binary', op: op.text as '+' | '-', left, right: this.product(), pos: op.pos }
    }
    return left
  }

  private product(): FormulaNode {
    let left = this.inter()
    while (this.isOp('*') || this.isOp('/')) {
      const op = this.next()
      left = { kind: 'binary', op: op.text as '*' | '/', left, right: this.inter(), pos: op.pos }
    }
    return left
  }

  private inter(): FormulaNode {
    let left = this.power()
    while (this.isOp(':')) {
      const op = this.next()
      left = { kind: 'binary', op: ':', left, right: this.power(), pos: op.pos }
    }
    return left
  }

  private power(): FormulaNode {
    const base = this.primary()
    if (!this.isOp('^')) return base
    const op = this.next()
    const t = this.peek()
    if (t.kind !== 'number')
      throw new FormulaSyntaxError(t.pos, `expected a whole number after '^' but found ${describe(t)}`)
    this.next()
    return {
      kind: 'binary',
      op: '^',
      left: base,
      right: { kind: 'number', value: Number(t.text), pos: t.pos },
      pos: op.pos,
    }
  }

  private primary(): FormulaNode {
    const t = this.next()
    if (t.kind === 'number') return { kind: 'number', value: Number(t.text), pos: t.pos }
    if (t.kind === 'name') {
      if (!this.isOp('(')) return { kind: 'name', name: t.text, pos: t.pos }
      this.next()
      const args: FormulaNode[] = []
      if (!this.isOp(')')) {
        args.push(this.sum())
        while (this.isOp(',')) {
          this.next()
          args.push(this.sum())
        }
      }
      this.expectOp(')')
      return { kind: 'call', fn: t.text, args, pos: t.pos }
    }
    if (t.kind === 'op' && t.text === '(') {
      let inner = this.sum()
      if (this.isOp('|') || this.isOp('||')) {
        const bar = this.next()
        inner = { kind: 'bar', op: bar.text as '|' | '||', left: inner, right: this.sum(), pos: bar.pos }
      }
      this.expectOp(')')
      return { kind: 'paren', inner, pos: t.pos }
    }
    throw new FormulaSyntaxError(t.pos, `expected a name, a number or '(' but found ${describe(t)}`)
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end of the formula' : `'${t.text}'`
}

/**
 * Parses an R model formula into its syntax tree.
 * @example parseFormula('score ~ time * arm + (time | subject)')
 * @example parseFormula('Surv(time, status) ~ arm + strata(site)')
 * @example parseFormula('y ~ + ') // fails: '"y ~ + ", column 6: expected a name, a number or '(' but found the end ...'
 */
export function parseFormula(source: string): StatsResult<Formula> {
  try {
    const { lhs, rhs } = new Parser(tokenize(source)).formula()
    return statsOk({ lhs, rhs, source })
  } catch (e) {
    if (e instanceof FormulaSyntaxError) return formulaError(source, e.pos, e.message)
    throw e
  }
}

/** A formula problem naming the formula and the 1-based column at fault: `formula: "y ~ +", column 4: ...`. */
export function formulaError<T = never>(source: string, pos: number, message: string): StatsResult<T> {
  return statsFail('invalid', 'formula', `"${source}", column ${pos + 1}: ${message}`)
}
