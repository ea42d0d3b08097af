/**
 * Clinical stages derived from one ALSFRS-R assessment, exactly by the data rules in instruments.json:
 *
 * - King's stage estimated from ALSFRS-R (Roche JC et al. Brain 2012;135:847; ALSFRS-R mapping by Balendra R
 *   et al. ALS FTD 2014;15:279): count the regions (bulbar, upper limb, lower limb) whose `involvedWhen` holds
 *   → stage 1–3; stages with a `when` override the count (4A gastrostomy = Q5B answered, 4B respiratory
 *   failure, 5 death), the first in `precedence` winning (5 > 4B > 4A > 3 > 2 > 1). No region involved and
 *   no override → `"0"`, meaning "not stageable from this assessment" (not forced to 1).
 * - MiToS (Chiò A et al. JNNP 2015;86:38): count the domains lost (walking/self-care, swallowing,
 *   communicating — only when BOTH speech and handwriting are ≤ 1 — and breathing) → stage 0–4; death → 5.
 *
 * Stages need a complete assessment (every slot answered); an incomplete one gives null, except that death
 * alone determines stage 5.
 */
import { evaluateCondition, type ConditionValues, type SubjectEvent } from './condition.ts'
import { countOfRule, InstrumentId, instrumentSpec, type DerivedStaging } from './instrument-data.ts'

/** Stage code returned when no count stage and no override applies (King's: not stageable). */
export const NOT_STAGEABLE = '0'

/**
 * The stage code of `spec` for these item values. `complete` says whether every ALSFRS-R slot is answered;
 * when it is not, only event-based stages (death) can be derived, otherwise the result is null.
 */
export function deriveStage(
  spec: DerivedStaging,
  values: ConditionValues,
  complete: boolean,
  events: ReadonlySet<SubjectEvent>,
): string | null {
  if (!complete) {
    // Only a stage whose rule needs no item (death) is certain on an incomplete assessment.
    const certain = spec.stages.filter((s) => s.when && evaluateCondition(s.when, {}, events)).map((s) => s.code)
    return spec.precedence.find((code) => certain.includes(code)) ?? null
  }
  const units = [...(spec.regions ?? []).map((r) => r.involvedWhen), ...(spec.domains ?? []).map((d) => d.lostWhen)]
  const count = units.filter((c) => evaluateCondition(c, values, events)).length
  const candidates = spec.stages
    .filter((s) => (s.when ? evaluateCondition(s.when, values, events) : countOfRule(s.rule) === count))
    .map((s) => s.code)
  return spec.precedence.find((code) => candidates.includes(code)) ?? NOT_STAGEABLE
}

/** King's stage code (`"0"` not stageable, `"1"`–`"3"`, `"4A"`, `"4B"`, `"5"`) or null when incomplete. */
export function kingsStage(values: ConditionValues, complete: boolean, died: boolean): string | null {
  return deriveStage(instrumentSpec(InstrumentId.Kings, 'derivedStaging'), values, complete, eventsOf(died))
}

/** MiToS stage 0–5, or null when incomplete (and alive). */
export function mitosStage(values: ConditionValues, complete: boolean, died: boolean): number | null {
  const code = deriveStage(instrumentSpec(InstrumentId.Mitos, 'derivedStaging'), values, complete, eventsOf(died))
  return code === null ? null : Number(code)
}

function eventsOf(died: boolean): ReadonlySet<SubjectEvent> {
  return new Set<SubjectEvent>(died ? ['death'] : [])
}
