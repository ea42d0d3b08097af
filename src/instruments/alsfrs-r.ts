/**
 * ALSFRS-R scoring (Cedarbaum JM et al. J Neurol Sci 1999;169:13), driven by the definition in
 * instruments.json: twelve scoring slots Q1…Q12 where items Q5A (no gastrostomy) and Q5B (gastrostomy) both
 * fill slot Q5 and exactly one of them is answered; total 0–48 and four 0–12 subscores, each computed only
 * when every slot it covers is answered (never a partial sum); ΔFS (Kimura F et al. Neurology 2006;66:265)
 * = (48 − total) / months from symptom onset, months = days / 30.4375; King's and MiToS stages.
 */
import { ProblemCode, type IsoDate, type Problem, type Result } from '../domain/index.ts'
import { fail, ok } from '../domain/index.ts'
import { kingsStage, mitosStage } from './als-staging.ts'
import { isAnswered } from './condition.ts'
import { InstrumentId, instrumentSpec, type Questionnaire } from './instrument-data.ts'
import { DAYS_PER_MONTH, daysBetween, isIsoDate } from './iso-date.ts'

/** ALSFRS-R answers keyed by item id (`Q1`…`Q12`, `Q5A`/`Q5B`), each 0–4; absent or null = not answered. */
export type AlsfrsRValues = Readonly<Record<string, number | null | undefined>>

export interface AlsfrsRContext {
  /** Date of first symptom (medical history), for ΔFS. */
  readonly onsetDate?: IsoDate | undefined
  readonly assessmentDate?: IsoDate | undefined
  /** Whether the subject had died on or before the assessment date (King's and MiToS stage 5). */
  readonly died?: boolean | undefined
}

export interface AlsfrsRScore {
  /** The value filling each slot (`Q5` from Q5A or Q5B), null when unanswered or ambiguous. */
  readonly slots: Readonly<Record<string, number | null>>
  /** Every slot answered. */
  readonly complete: boolean
  readonly total: number | null
  /** `bulbar`, `fineMotor`, `grossMotor`, `respiratory` (ids from instruments.json), each null unless complete. */
  readonly subscores: Readonly<Record<string, number | null>>
  /** `"0"` (not stageable) … `"3"`, `"4A"`, `"4B"`, `"5"`; null when incomplete unless dead. */
  readonly kingsStage: string | null
  /** 0–5; null when incomplete unless dead. */
  readonly mitosStage: number | null
  /** Months from onset to assessment (days / 30.4375), null without both dates. */
  readonly monthsFromOnset: number | null
  /** Points per month; null without both dates, an incomplete total, or an assessment on the onset day. */
  readonly deltaFS: number | null
}

/** The ALSFRS-R definition from instruments.json. */
export function alsfrsRSpec(): Questionnaire {
  return instrumentSpec(InstrumentId.AlsfrsR, 'questionnaire')
}

/** The answer filling each slot: the one answered item of the slot, or null when none or several are. */
export function alsfrsRSlots(values: AlsfrsRValues): Record<string, number | null> {
  const spec = alsfrsRSpec()
  const out: Record<string, number | null> = {}
  for (const slot of spec.slots) {
    const answered = spec.items.filter((it) => it.slot === slot && isAnswered(values[it.id]))
    out[slot] = answered.length === 1 ? (values[answered[0]?.id ?? ''] ?? null) : null
  }
  return out
}

/**
 * The slot rule: a slot filled by several items (Q5 ← Q5A/Q5B) must have exactly one answered. Answering
 * both is always an error; answering neither is one when `requireAnswer` (a final form, a score request) and
 * not while a form is being typed. Paths name the slot (`Q5`).
 */
export function alsfrsRSlotProblems(values: Readonly<Record<string, unknown>>, requireAnswer: boolean): Problem[] {
  const spec = alsfrsRSpec()
  const problems: Problem[] = []
  for (const slot of spec.slots) {
    const items = spec.items.filter((it) => it.slot === slot)
    if (items.length < 2) continue
    const answered = items.filter((it) => isAnswered(values[it.id]))
    const choices = items.map((it) => `${it.id} (${it.name.replace(/^.*\((.*)\)$/, '$1')})`).join(' or ')
    if (answered.length > 1) {
      problems.push({ code: ProblemCode.Conflict, path: slot, message: `answer exactly one of ${choices}, not both` })
    } else if (answered.length === 0 && requireAnswer) {
      problems.push({ code: ProblemCode.Required, path: slot, message: `answer exactly one of ${choices}` })
    }
  }
  return problems
}

/** Computes every ALSFRS-R value from already-checked answers; missing answers give nulls, never partial sums. */
export function computeAlsfrsR(values: AlsfrsRValues, context: AlsfrsRContext = {}): AlsfrsRScore {
  const spec = alsfrsRSpec()
  const slots = alsfrsRSlots(values)
  const sum = (slotIds: readonly string[]): number | null => {
    let s = 0
    for (const id of slotIds) {
      const v = slots[id]
      if (v === null || v === undefined) return null
      s += v
    }
    return s
  }
  const complete = spec.slots.every((s) => slots[s] !== null)
  const total = sum(spec.scoring.total.slots)
  const died = context.died === true
  const months =
    context.onsetDate && context.assessmentDate
      ? daysBetween(context.onsetDate, context.assessmentDate) / DAYS_PER_MONTH
      : null
  return {
    slots,
    complete,
    total,
    subscores: Object.fromEntries(spec.scoring.subscores.map((s) => [s.id, sum(s.slots)])),
    kingsStage: kingsStage(values, complete, died),
    mitosStage: mitosStage(values, complete, died),
    monthsFromOnset: months,
    deltaFS: deltaFS(total, months),
  }
}

/** ΔFS = (maximum − total) / months from onset; null when either is unknown or the months are not positive. */
export function deltaFS(total: number | null, monthsFromOnset: number | null): number | null {
  if (total === null || monthsFromOnset === null || monthsFromOnset <= 0) return null
  return (alsfrsRSpec().scoring.total.max - total) / monthsFromOnset
}

/** Input of `scoreAlsfrsR`: answers plus the optional context. */
export interface AlsfrsRInput extends AlsfrsRContext {
  readonly items: Readonly<Record<string, unknown>>
}

/**
 * Checks and scores one ALSFRS-R assessment. Problems, all reported together: an unknown item id, an answer
 * that is not one of the item's codes (0–4), both or neither of Q5A/Q5B (path `Q5`), an assessment before
 * onset or a bad date. Other unanswered items are allowed and give null totals.
 */
export function scoreAlsfrsR(input: AlsfrsRInput): Result<AlsfrsRScore> {
  const spec = alsfrsRSpec()
  const problems: Problem[] = []
  const values: Record<string, number | null> = {}
  const known = new Map(spec.items.map((it) => [it.id, it]))
  for (const [id, raw] of Object.entries(input.items)) {
    const item = known.get(id)
    if (!item) {
      problems.push({
        code: ProblemCode.UnknownField,
        path: id,
        message: `unknown item (expected ${spec.items.map((i) => i.id).join(', ')})`,
      })
    } else if (raw === null || raw === undefined) {
      values[id] = null
    } else if (typeof raw !== 'number' || !item.options.some((o) => o.code === raw)) {
      problems.push({
        code: ProblemCode.OutOfRange,
        path: id,
        message: `must be one of ${item.options.map((o) => o.code).join(', ')}`,
      })
    } else {
      values[id] = raw
    }
  }
  problems.push(...alsfrsRSlotProblems(input.items, true))
  for (const key of ['onsetDate', 'assessmentDate'] as const) {
    const date = input[key]
    if (date !== undefined && !isIsoDate(date))
      problems.push({ code: ProblemCode.Invalid, path: key, message: 'must be a date written YYYY-MM-DD' })
  }
  if (
    problems.length === 0 &&
    input.onsetDate &&
    input.assessmentDate &&
    daysBetween(input.onsetDate, input.assessmentDate) < 0
  ) {
    problems.push({ code: ProblemCode.Invalid, path: 'assessmentDate', message: 'must not be before onsetDate' })
  }
  if (problems.length > 0) return fail(problems)
  return ok(computeAlsfrsR(values, input))
}
