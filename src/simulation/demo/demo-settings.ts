/**
 * What a demo run is asked for, normalised once: the seed, how many patients to randomize, over how long
 * recruitment runs, when the data are cut (by default when the last patient has finished the protocol) and the
 * true effect of each arm on the simulated patients (none by default: the published answer).
 */
import { fail, ok, problem, ProblemCode, type Problem, type ProtocolFile, type Result } from '../../domain/index.ts'
import { defaultNaturalHistory, parseArmEffect, type ArmEffect, type NaturalHistoryParams } from '../model/index.ts'
import { parseEffectSpecs, resolveEffect } from '../power/index.ts'

/** The reference run: 40 patients recruited over 12 months (ALS-NOTES §1: the published trial's size). */
export const DEMO_DEFAULTS = { seed: 20260112, patients: 40, recruitmentMonthsPer40: 12 } as const

export interface DemoOptions {
  readonly seed?: number | string | undefined
  /** Patients to randomize (default 40); the number screened follows from the screen-failure rate. */
  readonly patients?: number | undefined
  /** Months over which patients are screened; default 12 for 40 patients, proportionally fewer for fewer. */
  readonly recruitmentMonths?: number | undefined
  /** Data cut this many months after the study start; default: once every patient has finished the protocol. */
  readonly months?: number | undefined
  /** True effect of the active arms, e.g. `slope=0.3` or `slope:D3=0.3+hr=0.8` (default: none). */
  readonly effect?: string | undefined
  readonly naturalHistory?: NaturalHistoryParams | undefined
}

export interface DemoSettings {
  readonly seed: string
  readonly patients: number
  /** Screening days run from 1 to this study day. */
  readonly recruitmentDays: number
  /** Study day of the data cut (the last day anything happens); null = when the last patient has finished. */
  readonly horizonDay: number | null
  readonly params: NaturalHistoryParams
  /** The true effect of each arm on the simulated patients, by arm id. */
  readonly effects: Readonly<Record<string, ArmEffect>>
  /** The effect as given (`none` when there is none), for the summary and the report stamp. */
  readonly effectLabel: string
}

const DAYS_PER_MONTH = 30.4375

/** Checks and normalises the options against the protocol; every problem at once. */
export function demoSettings(protocol: ProtocolFile, options: DemoOptions = {}): Result<DemoSettings> {
  const problems: Problem[] = []
  const patients = options.patients ?? DEMO_DEFAULTS.patients
  if (!Number.isInteger(patients) || patients < 1 || patients > 2000) {
    problems.push(problem(ProblemCode.OutOfRange, 'patients', 'must be a whole number from 1 to 2000'))
  }
  const recruitmentMonths =
    options.recruitmentMonths ?? Math.max(2, (DEMO_DEFAULTS.recruitmentMonthsPer40 * patients) / DEMO_DEFAULTS.patients)
  if (!(recruitmentMonths > 0 && recruitmentMonths <= 120)) {
    problems.push(problem(ProblemCode.OutOfRange, 'recruitmentMonths', 'must be more than 0 and at most 120'))
  }
  if (options.months !== undefined && !(options.months >= 1 && options.months <= 240)) {
    problems.push(problem(ProblemCode.OutOfRange, 'months', 'must be from 1 to 240'))
  }
  const seed = String(options.seed ?? DEMO_DEFAULTS.seed)
  if (seed.trim() === '') problems.push(problem(ProblemCode.Invalid, 'seed', 'must not be empty'))
  const params = options.naturalHistory ?? defaultNaturalHistory
  const effects = armEffects(protocol, params, options.effect ?? 'none')
  if (!effects.ok) problems.push(...effects.problems)
  if (problems.length > 0 || !effects.ok) return fail(problems)
  return ok({
    seed,
    patients,
    recruitmentDays: Math.max(1, Math.round(recruitmentMonths * DAYS_PER_MONTH)),
    horizonDay: options.months === undefined ? null : Math.round(options.months * DAYS_PER_MONTH),
    params,
    effects: effects.value.effects,
    effectLabel: effects.value.label,
  })
}

/** One effect per arm from an effect text (`none`, `slope=0.3`, `slope:D3=0.3+hr=0.8`, …). */
function armEffects(
  protocol: ProtocolFile,
  params: NaturalHistoryParams,
  text: string,
): Result<{ effects: Record<string, ArmEffect>; label: string }> {
  const specs = parseEffectSpecs([text])
  if (!specs.ok) return fail(specs.problems.map((p) => ({ ...p, path: 'effect' })))
  if (specs.value.length > 1) {
    return fail(problem(ProblemCode.Invalid, 'effect', 'give one effect for the demo (no lists of alternatives)'))
  }
  const arms = protocol.arms.map((a) => a.id)
  const active = protocol.arms.filter((a) => a.type === 'active').map((a) => a.id)
  const control = protocol.endpoints.controlArm
  const spec = specs.value[0]
  const effects: Record<string, ArmEffect> = {}
  if (!spec) {
    for (const arm of arms) effects[arm] = must(parseArmEffect({}, params))
    return ok({ effects, label: 'none' })
  }
  const resolved = resolveEffect(spec, arms, active, control)
  if (!resolved.ok) return resolved
  for (const arm of arms) {
    const effect = parseArmEffect(
      { slopeSlowing: resolved.value.slopeSlowing[arm] ?? 0, hazardRatio: resolved.value.hazardRatio[arm] ?? 1 },
      params,
    )
    if (!effect.ok) return fail(effect.problems.map((p) => ({ ...p, path: `effect.${arm}` })))
    effects[arm] = effect.value
  }
  return ok({ effects, label: resolved.value.label })
}

function must<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '))
  return r.value
}
