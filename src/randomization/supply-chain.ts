/**
 * Per-patient supply of an autologous product: lipoaspirate → manufactured lot → release → dose prepared →
 * infused, as pure transitions over a `SupplyChain` value (each returns a new chain or problems).
 *
 * The chain is blind by construction: it holds no arm and no quantity drawn from a lot. Every patient is
 * extracted and has lots manufactured and released whatever the arm (placebo patients' own cells are
 * infused at the crossover), every preparation references the patient's released lot, and the same checks
 * run for every arm, so a blocked infusion never reveals the allocation. What a preparation really contains
 * is on the unblinded preparation sheet only.
 *
 * An infusion (and a preparation) is blocked (`blocked`) when the lot is not this patient's, has no release
 * result yet, failed release, or is past its shelf life on the day.
 */
import { fail, ok, ProblemCode, type Product, type Result, type SubjectId } from '../domain/index.ts'

const DAY_MS = 86_400_000

export interface Extraction {
  readonly extractionId: string
  readonly date: string
  readonly tissueGrams: number
  /** At least the protocol's `minimumTissueGrams` (manufacturing needs it). */
  readonly sufficient: boolean
}

/** A release criterion that failed, or had no result. */
export interface ReleaseFailure {
  readonly criterionId: string
  readonly label: string
  readonly reason: string
}

export type ReleaseResult =
  | { readonly status: 'passed'; readonly date: string; readonly expiresOn: string | null }
  | { readonly status: 'failed'; readonly date: string; readonly failures: readonly ReleaseFailure[] }

export interface Lot {
  readonly lotId: string
  /** The patient whose tissue the lot was made from: the only patient it may be given to. */
  readonly subjectId: SubjectId
  readonly extractionId: string
  readonly manufacturedOn: string
  readonly release: ReleaseResult | null
}

export interface Preparation {
  readonly preparationCode: string
  readonly periodId: string
  readonly lotId: string
  readonly preparedOn: string
  readonly infusedOn: string | null
}

export interface SupplyChain {
  readonly subjectId: SubjectId
  readonly extractions: readonly Extraction[]
  readonly lots: readonly Lot[]
  readonly preparations: readonly Preparation[]
}

/** Values recorded by the manufacturing unit per criterion: numbers for ranged criteria, pass/fail otherwise. */
export type ReleaseValues = Readonly<Record<string, number | boolean>>

export function newSupplyChain(subjectId: SubjectId): SupplyChain {
  return { subjectId, extractions: [], lots: [], preparations: [] }
}

/** Records the tissue extraction (lipoaspirate); an amount below the protocol's minimum is kept but flagged. */
export function recordExtraction(
  product: Product,
  chain: SupplyChain,
  input: { readonly extractionId: string; readonly date: string; readonly tissueGrams: number },
): Result<SupplyChain> {
  if (chain.extractions.some((e) => e.extractionId === input.extractionId)) {
    return fail({
      code: ProblemCode.Conflict,
      path: 'extractionId',
      message: `extraction ${input.extractionId} is already recorded`,
    })
  }
  if (!(input.tissueGrams > 0))
    return fail({ code: ProblemCode.OutOfRange, path: 'tissueGrams', message: 'must be positive' })
  const sufficient = input.tissueGrams >= (product.minimumTissueGrams ?? 0)
  return ok({ ...chain, extractions: [...chain.extractions, { ...input, sufficient }] })
}

/** Records a lot manufactured from one of this patient's extractions (several lots per extraction allowed). */
export function recordManufacture(
  product: Product,
  chain: SupplyChain,
  input: { readonly lotId: string; readonly extractionId: string; readonly date: string },
): Result<SupplyChain> {
  const extraction = chain.extractions.find((e) => e.extractionId === input.extractionId)
  if (!extraction) {
    return fail({
      code: ProblemCode.StateInvalid,
      path: 'extractionId',
      message: `no extraction ${input.extractionId} for this patient`,
    })
  }
  if (!extraction.sufficient) {
    const message = `extraction ${extraction.extractionId} yielded ${extraction.tissueGrams} g; manufacturing needs at least ${product.minimumTissueGrams ?? 0} g`
    return fail({ code: ProblemCode.Blocked, path: 'extractionId', message })
  }
  if (days(input.date) < days(extraction.date)) {
    return fail({
      code: ProblemCode.Invalid,
      path: 'date',
      message: 'a lot cannot be manufactured before its extraction',
    })
  }
  if (chain.lots.some((l) => l.lotId === input.lotId)) {
    return fail({ code: ProblemCode.Conflict, path: 'lotId', message: `lot ${input.lotId} is already recorded` })
  }
  const lot: Lot = {
    lotId: input.lotId,
    subjectId: chain.subjectId,
    extractionId: extraction.extractionId,
    manufacturedOn: input.date,
    release: null,
  }
  return ok({ ...chain, lots: [...chain.lots, lot] })
}

/**
 * Evaluates the product's release criteria: a ranged criterion passes when its number is within the range,
 * any other when its value is `true`; a missing result fails. One failure fails the lot.
 */
export function evaluateRelease(product: Product, values: ReleaseValues): readonly ReleaseFailure[] {
  return product.releaseCriteria.flatMap((criterion): ReleaseFailure[] => {
    const value = values[criterion.id]
    const fails = (reason: string): ReleaseFailure[] => [{ criterionId: criterion.id, label: criterion.label, reason }]
    if (value === undefined) return fails('no result')
    const range = criterion.range
    if (range) {
      if (typeof value !== 'number') return fails('needs a numeric result')
      if (range.min !== undefined && value < range.min) return fails(`${value} is below ${range.min}`)
      if (range.max !== undefined && value > range.max) return fails(`${value} is above ${range.max}`)
      return []
    }
    return value === true ? [] : fails('not passed')
  })
}

/** Records the release decision for a lot, once; a passed lot expires `shelfLifeDays` after release. */
export function recordRelease(
  product: Product,
  chain: SupplyChain,
  input: { readonly lotId: string; readonly date: string; readonly values: ReleaseValues },
): Result<SupplyChain> {
  const lot = chain.lots.find((l) => l.lotId === input.lotId)
  if (!lot)
    return fail({ code: ProblemCode.StateInvalid, path: 'lotId', message: `no lot ${input.lotId} for this patient` })
  if (lot.release)
    return fail({ code: ProblemCode.Conflict, path: 'lotId', message: `lot ${lot.lotId} already has a release result` })
  if (days(input.date) < days(lot.manufacturedOn)) {
    return fail({
      code: ProblemCode.Invalid,
      path: 'date',
      message: 'a lot cannot be released before it is manufactured',
    })
  }
  const failures = evaluateRelease(product, input.values)
  const release: ReleaseResult =
    failures.length > 0
      ? { status: 'failed', date: input.date, failures }
      : {
          status: 'passed',
          date: input.date,
          expiresOn: product.shelfLifeDays ? addDays(input.date, product.shelfLifeDays) : null,
        }
  return ok({ ...chain, lots: chain.lots.map((l) => (l.lotId === lot.lotId ? { ...l, release } : l)) })
}

/**
 * Whether `lot` may be used for `subjectId` on `date`. The message never depends on the arm: the same
 * check runs for a placebo preparation as for an active one.
 */
export function checkLotForUse(lot: Lot | undefined, subjectId: SubjectId, date: string): Result<Lot> {
  const blocked = (message: string): Result<Lot> => fail({ code: ProblemCode.Blocked, path: 'lotId', message })
  if (!lot) return blocked('unknown lot: do not prepare or infuse')
  if (lot.subjectId !== subjectId)
    return blocked(`lot ${lot.lotId} belongs to another patient: do not prepare or infuse`)
  if (!lot.release) return blocked(`lot ${lot.lotId} has no release result yet: do not prepare or infuse`)
  if (lot.release.status === 'failed') return blocked(`lot ${lot.lotId} failed release: do not prepare or infuse`)
  if (lot.release.expiresOn !== null && days(date) > days(lot.release.expiresOn)) {
    return blocked(`lot ${lot.lotId} expired on ${lot.release.expiresOn}: do not prepare or infuse`)
  }
  return ok(lot)
}

/** Records a prepared dose from the patient's released lot; one preparation per period. */
export function recordPreparation(
  chain: SupplyChain,
  input: {
    readonly preparationCode: string
    readonly periodId: string
    readonly lot: Lot | undefined
    readonly date: string
  },
): Result<SupplyChain> {
  const usable = checkLotForUse(input.lot, chain.subjectId, input.date)
  if (!usable.ok) return usable
  if (chain.preparations.some((p) => p.periodId === input.periodId)) {
    return fail({
      code: ProblemCode.Conflict,
      path: 'periodId',
      message: `a dose is already prepared for ${input.periodId}`,
    })
  }
  const preparation: Preparation = {
    preparationCode: input.preparationCode,
    periodId: input.periodId,
    lotId: usable.value.lotId,
    preparedOn: input.date,
    infusedOn: null,
  }
  return ok({ ...chain, preparations: [...chain.preparations, preparation] })
}

/**
 * Records the infusion of a prepared dose, after checking at the bedside that the scanned lot is the
 * preparation's, is this patient's, is released and is in date.
 */
export function recordInfusion(
  chain: SupplyChain,
  input: { readonly preparationCode: string; readonly lot: Lot | undefined; readonly date: string },
): Result<SupplyChain> {
  const preparation = chain.preparations.find((p) => p.preparationCode === input.preparationCode)
  if (!preparation) {
    return fail({
      code: ProblemCode.Blocked,
      path: 'preparationCode',
      message: `no prepared dose ${input.preparationCode} for this patient: do not infuse`,
    })
  }
  if (preparation.infusedOn !== null) {
    return fail({
      code: ProblemCode.Conflict,
      path: 'preparationCode',
      message: `${input.preparationCode} was infused on ${preparation.infusedOn}`,
    })
  }
  const usable = checkLotForUse(input.lot, chain.subjectId, input.date)
  if (!usable.ok) return usable
  if (usable.value.lotId !== preparation.lotId) {
    return fail({
      code: ProblemCode.Blocked,
      path: 'lotId',
      message: `lot ${usable.value.lotId} is not the lot of ${input.preparationCode}: do not infuse`,
    })
  }
  return ok({
    ...chain,
    preparations: chain.preparations.map((p) =>
      p.preparationCode === input.preparationCode ? { ...p, infusedOn: input.date } : p,
    ),
  })
}

function days(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS)
}

function addDays(isoDate: string, n: number): string {
  return new Date((days(isoDate) + n) * DAY_MS).toISOString().slice(0, 10)
}
