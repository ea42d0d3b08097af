/**
 * The one evaluator for condition data: display logic (`showWhen`), conditional requirements (`requiredWhen`),
 * edit checks and the King's/MiToS staging rules of instruments.json all use this shape.
 *
 * Semantics (from shared/domain/README.md): a comparison is true only when its item is answered and the
 * comparison holds, so a condition on an unanswered item is false (and `not` of it is true). For a
 * multiple-choice item, `==` means "the answer includes the value" and `!=` "does not include it".
 */
import { z } from 'zod'
import { Code, ComparisonOp } from '../domain/index.ts'

/** Events that conditions may test besides items; the staging rules use `death` (King's and MiToS stage 5). */
export const SubjectEvent = z.enum(['death'])
export type SubjectEvent = z.infer<typeof SubjectEvent>

/** A protocol `Condition` plus `{ event }`, as used by the staging rules of instruments.json. */
export type RuleCondition =
  | { readonly item: string; readonly op: ComparisonOp; readonly value: number | string | boolean }
  | { readonly answered: string }
  | { readonly any: readonly RuleCondition[] }
  | { readonly all: readonly RuleCondition[] }
  | { readonly not: RuleCondition }
  | { readonly event: SubjectEvent }

export const RuleCondition: z.ZodType<RuleCondition> = z.lazy(() =>
  z.union([
    z.strictObject({ item: Code, op: ComparisonOp, value: z.union([z.number(), z.string(), z.boolean()]) }),
    z.strictObject({ answered: Code }),
    z.strictObject({ any: z.array(RuleCondition).min(1) }),
    z.strictObject({ all: z.array(RuleCondition).min(1) }),
    z.strictObject({ not: RuleCondition }),
    z.strictObject({ event: SubjectEvent }),
  ]),
)

/** Values a condition reads, keyed by item (or derived value) id; missing, null, '' and [] mean unanswered. */
export type ConditionValues = Readonly<Record<string, unknown>>

const NO_EVENTS: ReadonlySet<SubjectEvent> = new Set()

/** Evaluates `condition` over `values`; `events` lists what has happened to the subject by the assessment. */
export function evaluateCondition(
  condition: RuleCondition,
  values: ConditionValues,
  events: ReadonlySet<SubjectEvent> = NO_EVENTS,
): boolean {
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, values, events))
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, values, events))
  if ('not' in condition) return !evaluateCondition(condition.not, values, events)
  if ('answered' in condition) return isAnswered(values[condition.answered])
  if ('event' in condition) return events.has(condition.event)
  return compare(values[condition.item], condition.op, condition.value)
}

/** Whether a value counts as an answer. */
export function isAnswered(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false
  return !(Array.isArray(value) && value.length === 0)
}

function compare(actual: unknown, op: ComparisonOp, expected: number | string | boolean): boolean {
  if (!isAnswered(actual)) return false
  if (Array.isArray(actual)) {
    const includes = actual.some((a) => a === expected)
    return op === '==' ? includes : op === '!=' ? !includes : false
  }
  if (typeof actual !== typeof expected) return op === '!='
  if (typeof actual === 'boolean') return op === '==' ? actual === expected : op === '!=' ? actual !== expected : false
  // Numbers compare numerically; strings lexically, which orders ISO dates correctly.
  const a = actual as number | string
  const b = expected as number | string
  switch (op) {
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '==':
      return a === b
    case '!=':
      return a !== b
    case '>=':
      return a >= b
    case '>':
      return a > b
  }
}

/** Every item (or value) id a condition reads, in order of appearance, without repeats. */
export function conditionReferences(condition: RuleCondition): string[] {
  const out = new Set<string>()
  const walk = (c: RuleCondition): void => {
    if ('any' in c) c.any.forEach(walk)
    else if ('all' in c) c.all.forEach(walk)
    else if ('not' in c) walk(c.not)
    else if ('answered' in c) out.add(c.answered)
    else if ('item' in c) out.add(c.item)
  }
  walk(condition)
  return [...out]
}

/** Each comparison in a condition with its path inside it (`any[1]`), for checks on the compared value. */
export function conditionComparisons(
  condition: RuleCondition,
  path = '',
): Array<{
  readonly path: string
  readonly item: string
  readonly op: ComparisonOp
  readonly value: number | string | boolean
}> {
  if ('any' in condition) return condition.any.flatMap((c, i) => conditionComparisons(c, `${path}.any[${i}]`))
  if ('all' in condition) return condition.all.flatMap((c, i) => conditionComparisons(c, `${path}.all[${i}]`))
  if ('not' in condition) return conditionComparisons(condition.not, `${path}.not`)
  if ('item' in condition) return [{ path, item: condition.item, op: condition.op, value: condition.value }]
  return []
}

/** A condition written the way a protocol author reads it: `riluzole == true and (Q10 == 0 or Q12 < 4)`. */
export function describeCondition(condition: RuleCondition): string {
  const group = (parts: readonly RuleCondition[], joiner: string): string =>
    parts.map((c) => ('any' in c || 'all' in c ? `(${describeCondition(c)})` : describeCondition(c))).join(joiner)
  if ('any' in condition) return group(condition.any, ' or ')
  if ('all' in condition) return group(condition.all, ' and ')
  if ('not' in condition) return `not (${describeCondition(condition.not)})`
  if ('answered' in condition) return `${condition.answered} is answered`
  if ('event' in condition) return `${condition.event} has occurred`
  return `${condition.item} ${condition.op} ${typeof condition.value === 'string' ? `"${condition.value}"` : String(condition.value)}`
}
