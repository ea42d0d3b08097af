/**
 * Modified Ashworth Scale (Bohannon RW, Smith MB. Phys Ther 1987;67:206): one grade per muscle group and side,
 * stored as written (`"0"`, `"1"`, `"1+"`, `"2"`, `"3"`, `"4"`) and analysed by its ordinal rank 0–5 from
 * instruments.json (`1+` is rank 2). The data are ordinal: the summary is the sum of ranks over the rated
 * groups with the number rated and the highest rank, never an average of the written grades.
 */
import { InstrumentId, instrumentSpec, type ClinicianRating } from './instrument-data.ts'

export interface MasSummary {
  /** Rank (0–5) of each rated muscle group and side, keyed by item id (`elbowFlexors_left`). */
  readonly ordinals: Readonly<Record<string, number>>
  /** Sum of ranks over the rated groups; null when none is rated. */
  readonly sumOrdinal: number | null
  readonly countRated: number
  /** Highest rank among the rated groups; null when none is rated. */
  readonly maxOrdinal: number | null
}

/** The MAS definition from instruments.json. */
export function masSpec(): ClinicianRating {
  return instrumentSpec(InstrumentId.Mas, 'clinicianRating')
}

/** Item id of one muscle group on one side, e.g. `kneeExtensors_right`. */
export function masItemId(muscleGroup: string, side: string): string {
  return `${muscleGroup}_${side}`
}

/** Rank of a written grade (`"1+"` → 2), or undefined for a code that is not a grade. */
export function masOrdinal(grade: string): number | undefined {
  return masSpec().grades.find((g) => g.code === grade)?.ordinal
}

/**
 * Summarises grades keyed by item id for the given muscle groups (default: the suggested list). Values must
 * already be valid grade codes (see `normaliseItemValue`); unrated groups are absent or null.
 */
export function scoreMas(
  grades: Readonly<Record<string, unknown>>,
  muscleGroups: readonly string[] = masSpec().suggestedMuscleGroups,
): MasSummary {
  const spec = masSpec()
  const ordinals: Record<string, number> = {}
  for (const group of muscleGroups) {
    for (const side of spec.sides) {
      const id = masItemId(group, side)
      const grade = grades[id]
      const rank = typeof grade === 'string' ? masOrdinal(grade) : undefined
      if (rank !== undefined) ordinals[id] = rank
    }
  }
  const ranks = Object.values(ordinals)
  return {
    ordinals,
    sumOrdinal: ranks.length > 0 ? ranks.reduce((a, b) => a + b, 0) : null,
    countRated: ranks.length,
    maxOrdinal: ranks.length > 0 ? Math.max(...ranks) : null,
  }
}
