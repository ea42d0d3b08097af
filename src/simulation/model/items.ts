/**
 * ALSFRS-R items consistent with a total.
 *
 * Each patient has a loss order: the sequence in which the 48 item units (12 slots × 4 points) are lost. A
 * total T means the first 48 − T units of the order are lost, so the item scores are integers 0–4 that sum
 * to T exactly, and a lower total never gives any item a higher score: items move monotonically with the
 * total (they move back up only when visit noise moves the total up). The order puts the onset region first
 * and the respiratory items last (`itemPattern` parameters); item 12's last point (invasive ventilation) is
 * the very last unit, since the model ends functional follow-up at tracheostomy/permanent ventilation.
 */
import type { OnsetSite } from './baseline.ts'
import type { NaturalHistoryParams } from './params.ts'
import type { Rng } from './rng.ts'
import { ALSFRS_ITEM_MAX, ALSFRS_SLOTS, ALSFRS_SUBSCORES, SLOT } from './vocabulary.ts'
import type { AlsfrsItemId, AlsfrsSubscore } from './vocabulary.ts'

/** Body regions of the slots, for the loss order and for region-driven events. */
export type Region = 'bulbar' | 'upperLimb' | 'lowerLimb' | 'respiratory'
export const REGION_SLOTS: Readonly<Record<Region, readonly number[]>> = {
  bulbar: ALSFRS_SUBSCORES.bulbar,
  upperLimb: ALSFRS_SUBSCORES.fineMotor,
  lowerLimb: ALSFRS_SUBSCORES.grossMotor,
  respiratory: ALSFRS_SUBSCORES.respiratory,
}
const SLOT_REGION: readonly Region[] = ALSFRS_SLOTS.map(
  (_, j) => (Object.keys(REGION_SLOTS) as Region[]).find((r) => REGION_SLOTS[r].includes(j)) as Region,
)
const TURNING_IN_BED = 6
const UNITS = ALSFRS_SLOTS.length * ALSFRS_ITEM_MAX

/** Slot index of each of the 48 units, in the order they are lost. */
export type LossOrder = Uint8Array

/**
 * Draws a patient's loss order. `baselineDeficit` (48 − baseline total) lets the order respect eligibility:
 * nobody is randomized with a gastrostomy, so swallowing units that would put item 3 at the gastrostomy
 * level by the baseline deficit (plus a 2-point margin for visit noise) are moved just past it.
 */
export function sampleLossOrder(
  params: NaturalHistoryParams,
  onsetSite: OnsetSite,
  baselineDeficit: number,
  rng: Rng,
): LossOrder {
  const p = params.itemPattern
  const base =
    onsetSite === 'bulbar'
      ? p.offsetsBulbarOnset
      : onsetSite === 'upperLimb'
        ? p.offsetsUpperLimbOnset
        : p.offsetsLowerLimbOnset
  const onsetRegion: Region = onsetSite
  const offset = {} as Record<Region, number>
  for (const r of Object.keys(REGION_SLOTS) as Region[]) {
    const jitter = p.regionJitterSd * rng.normal()
    offset[r] = base[r] + (r === onsetRegion ? 0 : jitter)
  }
  const keys: { key: number; slot: number }[] = []
  for (let j = 0; j < ALSFRS_SLOTS.length; j++) {
    const regionOffset =
      j === TURNING_IN_BED ? (offset.upperLimb + offset.lowerLimb) / 2 : offset[SLOT_REGION[j] as Region]
    let key = regionOffset + (p.itemOffsets[j] ?? 0) + p.itemJitterSd * rng.normal()
    for (let k = 1; k <= ALSFRS_ITEM_MAX; k++) {
      // Erlang-4 spacing: regular enough that an item's points go one after another, random enough to interleave.
      key += (p.unitSpacing * (rng.exponential() + rng.exponential() + rng.exponential() + rng.exponential())) / 4
      keys.push({ key: j === SLOT.respiratoryInsufficiency && k === ALSFRS_ITEM_MAX ? Infinity : key, slot: j })
    }
  }
  keys.sort((a, b) => a.key - b.key || a.slot - b.slot)
  const order = keys.map((k) => k.slot)
  return Uint8Array.from(
    deferSwallowing(order, Math.max(0, Math.round(baselineDeficit)) + 2, p.gastrostomyAtSwallowing),
  )
}

/** Moves swallowing units so that item 3 stays above `gastrostomyAt` within the first `protectedUnits` units. */
function deferSwallowing(order: readonly number[], protectedUnits: number, gastrostomyAt: number): number[] {
  const allowed = ALSFRS_ITEM_MAX - gastrostomyAt - 1 // units item 3 may lose before reaching the gastrostomy level
  const out: number[] = []
  const deferred: number[] = []
  let lost = 0
  for (const slot of order) {
    if (out.length >= protectedUnits && deferred.length > 0) out.push(...deferred.splice(0))
    if (slot === SLOT.swallowing && out.length < protectedUnits && lost >= allowed) {
      deferred.push(slot)
      continue
    }
    if (slot === SLOT.swallowing) lost++
    out.push(slot)
  }
  return [...out, ...deferred]
}

/** Slot scores (Q1…Q12, 0–4) for an integer total 0–48 under a loss order. */
export function slotScores(order: LossOrder, total: number): number[] {
  const scores: number[] = ALSFRS_SLOTS.map(() => ALSFRS_ITEM_MAX)
  const deficit = UNITS - total
  for (let i = 0; i < deficit; i++) scores[order[i] as number] = (scores[order[i] as number] as number) - 1
  return scores
}

/**
 * The deficit (48 − total, in points) at which `slot` falls to `score`: the units up to and including that
 * unit are lost. E.g. the deficit at which item 3 reaches 1 (gastrostomy).
 */
export function deficitWhenSlotReaches(order: LossOrder, slot: number, score: number): number {
  let lost = 0
  for (let i = 0; i < order.length; i++) {
    if (order[i] === slot && ALSFRS_ITEM_MAX - ++lost === score) return i + 1
  }
  return Infinity
}

/** Fraction (0–1) of a region's units lost at a (continuous) deficit; for event rates, MAS and weight. */
export function regionLossFraction(order: LossOrder, region: Region | 'overall', deficit: number): number {
  if (region === 'overall') return Math.min(1, Math.max(0, deficit / UNITS))
  const slots = REGION_SLOTS[region]
  const whole = Math.floor(Math.max(0, Math.min(UNITS, deficit)))
  let lost = 0
  for (let i = 0; i < whole; i++) if (slots.includes(order[i] as number)) lost++
  // The unit being lost counts in proportion, so rates change smoothly with the latent path.
  if (whole < UNITS && slots.includes(order[whole] as number)) lost += Math.max(0, deficit) - whole
  return lost / (slots.length * ALSFRS_ITEM_MAX)
}

/** One ALSFRS-R assessment as recorded: 12 answered items (Q5A xor Q5B), total and subscores. */
export interface AlsfrsAssessment {
  readonly items: Readonly<Partial<Record<AlsfrsItemId, number>>>
  readonly total: number
  readonly subscores: Readonly<Record<AlsfrsSubscore, number>>
  /** Whether the patient had a gastrostomy (so slot 5 was answered as Q5B). */
  readonly gastrostomy: boolean
}

/** The assessment for an observed total; slot 5 is recorded as Q5B once the patient has a gastrostomy. */
export function alsfrsAssessment(order: LossOrder, total: number, gastrostomy: boolean): AlsfrsAssessment {
  const scores = slotScores(order, total)
  const items: Partial<Record<AlsfrsItemId, number>> = {}
  ALSFRS_SLOTS.forEach((slot, j) => {
    const id: AlsfrsItemId = slot === 'Q5' ? (gastrostomy ? 'Q5B' : 'Q5A') : slot
    items[id] = scores[j] as number
  })
  const subscores = {} as Record<AlsfrsSubscore, number>
  for (const [name, slots] of Object.entries(ALSFRS_SUBSCORES) as [AlsfrsSubscore, readonly number[]][]) {
    subscores[name] = slots.reduce((s, j) => s + (scores[j] as number), 0)
  }
  return { items, total, subscores, gastrostomy }
}
