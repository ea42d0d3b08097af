/**
 * The preparation of a dose as two documents: the unblinded sheet the pharmacist prepares from (real content,
 * computed dose, lot), and the blinded view every other role sees, identical across arms (label, product
 * label, container, volume, vehicle, infusion time, preparation code). The preparation code is derived from
 * study, subject and period only, so it cannot encode the arm.
 */
import { createHash } from 'node:crypto'
import {
  fail,
  ok,
  ProblemCode,
  type ArmId,
  type Instant,
  type ProtocolFile,
  type Result,
  type Role,
  type SubjectId,
} from '../domain/index.ts'
import type { DoseComputation } from './dosing.ts'
import { commonBlindedLabel } from './scheme.ts'
import { roleSeesAllocation, type StudyPhase } from './study-phase.ts'
import { checkLotForUse, type Lot } from './supply-chain.ts'

/** `PRP-` and 10 hex digits of SHA-256(study | subject | period): stable, computed without the arm, short to read aloud. */
export function preparationCode(studyId: string, subjectId: string, periodId: string): string {
  const digest = createHash('sha256')
    .update(`trialdesk/preparation/v1|${studyId}|${subjectId}|${periodId}`)
    .digest('hex')
  return `PRP-${digest.slice(0, 10).toUpperCase()}`
}

interface PreparationFacts {
  readonly label: string
  readonly productLabel: string
  readonly container: string
  readonly volumeMl: number
  readonly vehicle: string
  readonly infusionMinutes: number
}

/** What the unblinded pharmacist sees and signs. */
export interface PreparationSheet extends PreparationFacts {
  readonly preparationCode: string
  readonly subjectId: SubjectId
  readonly periodId: string
  readonly preparedAt: Instant
  readonly arm: ArmId
  readonly armLabel: string
  /** What goes into the bag, in words: cells and vehicle, or the placebo content. */
  readonly content: string
  readonly dose: DoseComputation
  readonly lotId: string
  /** Whether the lot's cells go into this bag; for placebo the lot stays in storage. */
  readonly lotUse: 'cells' | 'none (placebo preparation; the lot stays in storage)'
}

/** What every blinded role sees of a preparation: the same fields and values for every arm. */
export interface BlindedPreparation extends PreparationFacts {
  readonly preparationCode: string
  readonly subjectId: SubjectId
  readonly periodId: string
  readonly preparedAt: Instant
}

/**
 * The unblinded preparation sheet for a computed dose. The lot is checked as for an infusion (this patient's,
 * released, in date) for every arm, placebo included.
 */
export function preparationSheet(
  protocol: ProtocolFile,
  input: {
    readonly subjectId: SubjectId
    readonly periodId: string
    readonly dose: DoseComputation
    readonly lot: Lot | undefined
    readonly preparedAt: Instant
  },
): Result<PreparationSheet> {
  const facts = preparationFacts(protocol)
  if (!facts.ok) return facts
  const lot = checkLotForUse(input.lot, input.subjectId, input.preparedAt.slice(0, 10))
  if (!lot.ok) return lot
  const arm = protocol.arms.find((a) => a.id === input.dose.armId)
  if (!arm)
    return fail({ code: ProblemCode.NotFound, path: 'dose.armId', message: `unknown arm "${input.dose.armId}"` })
  const dosing = protocol.dosing
  const placebo = input.dose.armType === 'placebo'
  const content = placebo
    ? (dosing?.placeboContent ?? 'placebo')
    : `${formatAmount(input.dose.total)} ${input.dose.unit} (${formatScientific(input.dose.total)}) of ${protocol.product?.name ?? arm.label} in ${facts.value.volumeMl} mL ${facts.value.vehicle}`
  return ok({
    ...facts.value,
    preparationCode: preparationCode(protocol.study.id, input.subjectId, input.periodId),
    subjectId: input.subjectId,
    periodId: input.periodId,
    preparedAt: input.preparedAt,
    arm: arm.id as ArmId,
    armLabel: arm.label,
    content,
    dose: input.dose,
    lotId: lot.value.lotId,
    lotUse: placebo ? 'none (placebo preparation; the lot stays in storage)' : 'cells',
  })
}

/** Projects the sheet to what blinded roles see; reads nothing that differs by arm. */
export function blindedPreparationView(sheet: PreparationSheet): BlindedPreparation {
  return {
    preparationCode: sheet.preparationCode,
    subjectId: sheet.subjectId,
    periodId: sheet.periodId,
    preparedAt: sheet.preparedAt,
    label: sheet.label,
    productLabel: sheet.productLabel,
    container: sheet.container,
    volumeMl: sheet.volumeMl,
    vehicle: sheet.vehicle,
    infusionMinutes: sheet.infusionMinutes,
  }
}

/** The preparation as a role may see it: the sheet for the unblinded roles, the blinded view for everyone else. */
export function preparationViewFor(
  sheet: PreparationSheet,
  role: Role,
  phase: StudyPhase,
): ({ readonly blinded: false } & PreparationSheet) | ({ readonly blinded: true } & BlindedPreparation) {
  return roleSeesAllocation(role, phase)
    ? { blinded: false, ...sheet }
    : { blinded: true, ...blindedPreparationView(sheet) }
}

function preparationFacts(protocol: ProtocolFile): Result<PreparationFacts> {
  const preparation = protocol.dosing?.preparation
  if (!preparation)
    return fail({ code: ProblemCode.Unsupported, path: 'dosing', message: 'the protocol has no dosing rule' })
  const productLabel = commonBlindedLabel(protocol.arms)
  if (!productLabel.ok) return productLabel
  return ok({
    label: preparation.label,
    productLabel: productLabel.value,
    container: preparation.container,
    volumeMl: preparation.volumeMl,
    vehicle: preparation.vehicle,
    infusionMinutes: preparation.infusionMinutes,
  })
}

/** `72400000` → `72,400,000` (grouping fixed, not locale-dependent, so sheets are identical everywhere). */
function formatAmount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** `72400000` → `7.24 × 10^7`. */
function formatScientific(n: number): string {
  if (n === 0) return '0'
  const exponent = Math.floor(Math.log10(n))
  const mantissa = Number((n / 10 ** exponent).toPrecision(3))
  return `${mantissa} × 10^${exponent}`
}
