/**
 * Weight-based dose of the study product, from the protocol's dosing rule:
 * total = dose/kg × min(weight, maxWeightKg), rounded to a multiple of `rounding.step` by `rounding.mode`,
 * then capped at `maxTotal`. Every arm, placebo included, goes through the same weight checks (age of the
 * weight, plausible range), so a refused dose never depends on the arm. Placebo gets a total of zero and the
 * matched preparation: same volume, container, label and infusion time.
 */
import { fail, ok, ProblemCode, type ArmId, type Problem, type ProtocolFile, type Result } from '../domain/index.ts'

/**
 * Weights outside this range (kg) are refused as implausible for an adult (a typo: 7.2 for 72, or pounds).
 * Chosen wide so that cachectic ALS patients (well below 40 kg) are not refused.
 */
export const PLAUSIBLE_WEIGHT_KG = { min: 25, max: 300 } as const

const DAY_MS = 86_400_000

export interface DoseRequest {
  readonly armId: string
  readonly weightKg: number
  /** ISO date the weight was measured (the latest on or before the infusion visit). */
  readonly weightDate: string
  /** ISO date of the infusion. */
  readonly infusionDate: string
}

export interface DoseComputation {
  readonly armId: ArmId
  readonly armType: 'active' | 'placebo'
  /** Unit of the total, e.g. `cells`. */
  readonly unit: string
  /** Dose per kg (0 for placebo). */
  readonly perKg: number
  readonly weightKg: number
  /** The weight the dose is computed from, after `maxWeightKg`. */
  readonly weightUsedKg: number
  readonly weightCapped: boolean
  readonly weightAgeDays: number
  /** perKg × weightUsedKg before rounding. */
  readonly calculated: number
  readonly rounding: { readonly step: number; readonly mode: 'nearest' | 'down' | 'up' }
  readonly rounded: number
  /** The amount to prepare: `rounded`, capped at `maxTotal`. */
  readonly total: number
  readonly totalCapped: boolean
  /** Same for every arm. */
  readonly volumeMl: number
  readonly concentrationPerMl: number
}

/** Computes the dose for `armId` from the subject's weight at the infusion visit. */
export function computeDose(protocol: ProtocolFile, request: DoseRequest): Result<DoseComputation> {
  const dosing = protocol.dosing
  if (!dosing)
    return fail({ code: ProblemCode.Unsupported, path: 'dosing', message: 'the protocol has no dosing rule' })
  const arm = protocol.arms.find((a) => a.id === request.armId)
  if (!arm) return fail({ code: ProblemCode.NotFound, path: 'armId', message: `unknown arm "${request.armId}"` })
  if (arm.type === 'active' && !arm.dose) {
    return fail({
      code: ProblemCode.Invalid,
      path: 'armId',
      message: `active arm "${arm.id}" has no dose per kg in the protocol`,
    })
  }

  const problems: Problem[] = []
  const { weightKg } = request
  if (!Number.isFinite(weightKg) || weightKg < PLAUSIBLE_WEIGHT_KG.min || weightKg > PLAUSIBLE_WEIGHT_KG.max) {
    const message = `weight ${weightKg} kg is outside the plausible range ${PLAUSIBLE_WEIGHT_KG.min}–${PLAUSIBLE_WEIGHT_KG.max} kg; check the value and unit`
    problems.push({ code: ProblemCode.OutOfRange, path: 'weightKg', message })
  }
  const weighed = parseIsoDate(request.weightDate)
  const infused = parseIsoDate(request.infusionDate)
  if (weighed === null)
    problems.push({ code: ProblemCode.Invalid, path: 'weightDate', message: 'must be an ISO date such as 2026-03-02' })
  if (infused === null)
    problems.push({
      code: ProblemCode.Invalid,
      path: 'infusionDate',
      message: 'must be an ISO date such as 2026-03-02',
    })
  const ageDays = weighed !== null && infused !== null ? Math.round((infused - weighed) / DAY_MS) : 0
  if (ageDays < 0) {
    problems.push({ code: ProblemCode.Invalid, path: 'weightDate', message: 'the weight is dated after the infusion' })
  } else if (ageDays > dosing.weightMaxAgeDays) {
    const message = `the weight is ${ageDays} days old; the protocol allows at most ${dosing.weightMaxAgeDays}: weigh the subject again`
    problems.push({ code: ProblemCode.OutOfRange, path: 'weightDate', message })
  }
  if (problems.length > 0) return fail(problems)

  const perKg = arm.type === 'active' ? (arm.dose?.perKg ?? 0) : 0
  const weightUsedKg = dosing.maxWeightKg !== undefined ? Math.min(weightKg, dosing.maxWeightKg) : weightKg
  const calculated = perKg * weightUsedKg
  const rounded = roundToStep(calculated, dosing.rounding.step, dosing.rounding.mode)
  const total = dosing.maxTotal !== undefined ? Math.min(rounded, dosing.maxTotal) : rounded
  const volumeMl = dosing.preparation.volumeMl
  return ok({
    armId: arm.id as ArmId,
    armType: arm.type,
    unit: arm.dose?.unit ?? protocol.arms.find((a) => a.dose)?.dose?.unit ?? 'units',
    perKg,
    weightKg,
    weightUsedKg,
    weightCapped: weightUsedKg < weightKg,
    weightAgeDays: ageDays,
    calculated,
    rounding: { step: dosing.rounding.step, mode: dosing.rounding.mode },
    rounded,
    total,
    totalCapped: total < rounded,
    volumeMl,
    concentrationPerMl: total / volumeMl,
  })
}

/**
 * Rounds to a multiple of `step`. The quotient is first snapped to 1e-9 so that binary noise
 * (72.35 × 1e6 / 1e5 = 723.4999999…) does not flip a half-way case; `nearest` rounds halves up.
 */
export function roundToStep(value: number, step: number, mode: 'nearest' | 'down' | 'up'): number {
  const quotient = Math.round((value / step) * 1e9) / 1e9
  const units =
    mode === 'down' ? Math.floor(quotient) : mode === 'up' ? Math.ceil(quotient) : Math.floor(quotient + 0.5)
  // toPrecision(15) drops the binary tail of a fractional step (3 × 0.1 = 0.30000000000000004).
  return Number((units * step).toPrecision(15))
}

function parseIsoDate(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null
  const t = Date.parse(`${s}T00:00:00Z`)
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== s ? null : t
}
