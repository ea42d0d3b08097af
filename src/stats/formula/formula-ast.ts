/**
 * The typed syntax tree of an R model formula, as the parser returns it. Every node carries `pos`, the 0-based
 * offset of its first character in the source, so later checks can point at it.
 */

export type FormulaNode =
  /** A column name (`score`, `` `baseline score` ``). */
  | { readonly kind: 'name'; readonly name: string; readonly pos: number }
  /** A number; in formulas only 0 and 1 (intercept) and powers mean something. */
  | { readonly kind: 'number'; readonly value: number; readonly pos: number }
  /** A function call: `Surv(time, status)`, `strata(site)`, `factor(dose)`. */
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly FormulaNode[]; readonly pos: number }
  /** A binary operator: `+` `-` (sum), `*` `/` (crossing, nesting), `:` (interaction), `^` (crossing to a degree). */
  | {
      readonly kind: 'binary'
      readonly op: '+' | '-' | '*' | '/' | ':' | '^'
      readonly left: FormulaNode
      readonly right: FormulaNode
      readonly pos: number
    }
  /** A unary sign: `-1`, `+x`. */
  | { readonly kind: 'unary'; readonly op: '+' | '-'; readonly operand: FormulaNode; readonly pos: number }
  /** A random-effects bar inside parentheses: `(t | id)`, `(1 || id)`. */
  | {
      readonly kind: 'bar'
      readonly op: '|' | '||'
      readonly left: FormulaNode
      readonly right: FormulaNode
      readonly pos: number
    }
  /** Parentheses, kept so that `(t | id)` is known to be parenthesised. */
  | { readonly kind: 'paren'; readonly inner: FormulaNode; readonly pos: number }

export interface Formula {
  /** The left-hand side (response), absent in one-sided formulas such as `~ x`. */
  readonly lhs: FormulaNode | null
  readonly rhs: FormulaNode
  readonly source: string
}
