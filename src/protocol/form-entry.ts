/**
 * The single validation path for entered form data: the API, the web forms (inline, as the user types) and the
 * importers all call `validateFormEntry`. Hard problems (wrong type, out of range, required or conditionally
 * required value missing, a value for an item that is not shown, an unknown item, a choice that is not an
 * option, ALSFRS-R 5a/5b both answered) fail the entry and name the item (`items.Q5`), all at once. Soft-range
 * hits and edit checks do not: they come back as queries to be raised on the saved version.
 */
import { fail, ok, ProblemCode, type IsoDate, type Problem, type Result } from '../domain/index.ts'
import {
  computeDerived,
  computeInstrumentScores,
  conditionReferences,
  describeCondition,
  evaluateCondition,
  instrumentCrossCheck,
  normaliseItemValue,
  type DerivedValue,
  type ItemValue,
} from '../instruments/index.ts'
import type { CompiledForm } from './compile-form.ts'

export interface EntryContext {
  /**
   * `final` (default): a form being saved; missing required values are problems. `draft`: a form being typed;
   * only values that are wrong are problems.
   */
  readonly mode?: 'final' | 'draft'
  /** Date of first symptom, for ALSFRS-R ΔFS. */
  readonly onsetDate?: IsoDate | undefined
  /** Date of the assessment (visit date), for ALSFRS-R ΔFS. */
  readonly assessmentDate?: IsoDate | undefined
  /** The subject had died by the assessment date (King's/MiToS stage 5). */
  readonly died?: boolean | undefined
  /**
   * Items not required of this entry: values the person saving cannot see or enter (`unblindedOnly` items for a
   * blinded user, which the system fills from the sealed preparation). A value given for one is still checked.
   */
  readonly notRequired?: ReadonlySet<string> | undefined
}

/** A data query raised automatically on a saved value. `checkId` is `soft-range` or an edit check's id. */
export interface Query {
  readonly itemId: string
  readonly checkId: string
  readonly message: string
}

export interface FormEntry {
  /** The answered, shown items with normalised values (numbers as numbers, option codes in their type). */
  readonly values: Readonly<Record<string, ItemValue>>
  /** Scores and derived values, keyed by id (null when not computable). */
  readonly derived: Readonly<Record<string, DerivedValue>>
  readonly queries: readonly Query[]
}

export const SOFT_RANGE_CHECK = 'soft-range'

/** Validates raw entered values (strings from HTML forms or typed JSON) against a compiled form. */
export function validateFormEntry(form: CompiledForm, values: unknown, context: EntryContext = {}): Result<FormEntry> {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return fail({ code: ProblemCode.Invalid, path: 'items', message: 'must be an object keyed by item id' })
  }
  const raw = values as Readonly<Record<string, unknown>>
  const final = (context.mode ?? 'final') === 'final'
  const problems: Problem[] = []
  const known = new Set(form.items.map((i) => i.id))
  for (const key of Object.keys(raw)) {
    if (!known.has(key))
      problems.push({
        code: ProblemCode.UnknownField,
        path: `items.${key}`,
        message: `unknown item of form ${form.id}`,
      })
  }

  const entered: Record<string, ItemValue> = {}
  const invalid = new Set<string>()
  for (const item of form.items) {
    const n = normaliseItemValue(item, raw[item.id], `items.${item.id}`)
    if (!n.ok) {
      problems.push(n.problem)
      invalid.add(item.id)
    } else if (n.value !== null) entered[item.id] = n.value
  }

  // Visibility in form order over the entered values; a hidden item's value no longer counts for later items.
  const effective: Record<string, ItemValue> = { ...entered }
  for (const item of form.items) {
    const answered = item.id in effective
    if (item.showWhen && !evaluateCondition(item.showWhen, effective)) {
      if (answered) {
        problems.push({
          code: ProblemCode.Invalid,
          path: `items.${item.id}`,
          message: `must be empty: asked only when ${describeCondition(item.showWhen)}`,
        })
      }
      delete effective[item.id]
      continue
    }
    // An invalid value is already reported; it is not also "missing".
    if (!final || answered || invalid.has(item.id) || context.notRequired?.has(item.id)) continue
    if (item.required) {
      problems.push({ code: ProblemCode.Required, path: `items.${item.id}`, message: 'is required' })
    } else if (item.requiredWhen && evaluateCondition(item.requiredWhen, effective)) {
      problems.push({
        code: ProblemCode.Required,
        path: `items.${item.id}`,
        message: `is required when ${describeCondition(item.requiredWhen)}`,
      })
    }
  }
  if (form.instrument) {
    for (const p of instrumentCrossCheck(form.instrument.id, effective, final))
      problems.push({ ...p, path: `items.${p.path}` })
  }
  if (problems.length > 0) return fail(problems)

  const scores = form.instrument ? computeInstrumentScores(form.instrument, effective, context) : {}
  const derived: Record<string, DerivedValue> = {
    ...scores,
    ...computeDerived(form.derived, { ...effective, ...scores }),
  }
  const all = { ...effective, ...derived }

  const queries: Query[] = []
  for (const item of form.items) {
    const v = effective[item.id]
    if (typeof v !== 'number' || !item.softRange) continue
    const { min, max } = item.softRange
    if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      const u = item.unit ? ` ${item.unit}` : ''
      const what =
        min !== undefined && min === max
          ? `is not the expected ${min}${u}`
          : min !== undefined && v < min
            ? `is below the expected minimum ${min}${u}`
            : `is above the expected maximum ${max}${u}`
      queries.push({ itemId: item.id, checkId: SOFT_RANGE_CHECK, message: `${v}${u} ${what}: please confirm` })
    }
  }
  for (const check of form.checks) {
    if (!evaluateCondition(check.when, all)) continue
    const refs = conditionReferences(check.when)
    const itemId = check.item ?? refs.find((r) => known.has(r)) ?? refs[0] ?? ''
    queries.push({ itemId, checkId: check.id, message: check.message })
  }
  return ok({ values: effective, derived, queries })
}
