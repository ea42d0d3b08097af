/**
 * The instrument vocabulary the generator writes: ALSFRS-R item ids and slots, MAS grades, ECAS domains.
 * These mirror `data/instruments.json` (the single source); `vocabulary.test.ts` fails when they drift apart.
 * The model needs them as types because it generates the values, not only displays them.
 */

/** The twelve ALSFRS-R scoring slots in form order. Slot `Q5` is answered by item `Q5A` or `Q5B`. */
export const ALSFRS_SLOTS = ['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12'] as const
export type AlsfrsSlot = (typeof ALSFRS_SLOTS)[number]

/** Item ids as stored: `Q5A` without gastrostomy, `Q5B` with one. */
export type AlsfrsItemId = Exclude<AlsfrsSlot, 'Q5'> | 'Q5A' | 'Q5B'

export const ALSFRS_ITEM_MAX = 4
export const ALSFRS_TOTAL_MAX = 48

/** Subscores (instruments.json `scoring.subscores`): slot index ranges into ALSFRS_SLOTS, each 0–12. */
export const ALSFRS_SUBSCORES = {
  bulbar: [0, 1, 2],
  fineMotor: [3, 4, 5],
  grossMotor: [6, 7, 8],
  respiratory: [9, 10, 11],
} as const
export type AlsfrsSubscore = keyof typeof ALSFRS_SUBSCORES

/** Slot indices used by the generator's clinical rules (gastrostomy, NIV, ventilation). */
export const SLOT = { swallowing: 2, respiratoryInsufficiency: 11 } as const

/** Modified Ashworth grades as written, in ordinal order (rank = index; `1+` is rank 2). */
export const MAS_GRADES = ['0', '1', '1+', '2', '3', '4'] as const
export type MasGrade = (typeof MAS_GRADES)[number]

export const MAS_SIDES = ['left', 'right'] as const
export type MasSide = (typeof MAS_SIDES)[number]

/** ECAS domains with their score ranges (0 … max). */
export const ECAS_DOMAINS = { executive: 48, language: 28, fluency: 24, memory: 24, visuospatial: 12 } as const
export type EcasDomain = keyof typeof ECAS_DOMAINS
