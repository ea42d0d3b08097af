/** Formula-derived values of a form (instrument templates and protocol forms): parsed once, evaluated per entry. */
import type { DerivedDef, Result } from '../domain/index.ts'
import { fail, ok } from '../domain/index.ts'
import { evaluateFormula, parseFormula, roundHalfAwayFromZero, type Formula } from './formula.ts'

/** A derived value with its formula parsed (plain data, JSON-serialisable). */
export interface CompiledDerived {
  readonly id: string
  readonly label: string
  readonly formula: string
  readonly ast: Formula
  readonly unit?: string | undefined
  readonly decimals?: number | undefined
}

/** Parses a derived definition; a syntax problem has the path `formula`. */
export function compileDerived(def: DerivedDef): Result<CompiledDerived> {
  const parsed = parseFormula(def.formula)
  if (!parsed.ok) return fail(parsed.problems.map((p) => ({ ...p, path: 'formula', message: `${p.message}` })))
  return ok({
    id: def.id,
    label: def.label,
    formula: def.formula,
    ast: parsed.value,
    unit: def.unit,
    decimals: def.decimals,
  })
}

/**
 * Evaluates derived values in order over `values` (items and scores); each may use the ones before it.
 * Results are rounded half away from zero to `decimals` when set; unavailable inputs give null.
 */
export function computeDerived(
  defs: readonly CompiledDerived[],
  values: Readonly<Record<string, unknown>>,
): Record<string, number | null> {
  const out: Record<string, number | null> = {}
  for (const d of defs) {
    const v = evaluateFormula(d.ast, (id) => (id in out ? out[id] : values[id]))
    out[d.id] = v === null || d.decimals === undefined ? v : roundHalfAwayFromZero(v, d.decimals)
  }
  return out
}
