/**
 * The nominal timeline of a protocol: on which study day (randomization = day 0) each anchor falls and to which
 * period each visit belongs. Nominal means "as planned": the screening-to-randomization gap is taken from the
 * randomization visit, the first infusion from the first infusion visit, period starts from the durations.
 * Real dates come later from `visitSchedule`.
 */
import type { Anchor, ProtocolFile, Visit } from '../domain/index.ts'

/** Study day of each anchor (`screening`, `randomization`, `infusion`, `period:<id>`), null when not derivable. */
export type AnchorDays = Readonly<Record<string, number | null>>

/** Nominal study day of every anchor the protocol can use. */
export function nominalAnchorDays(protocol: ProtocolFile): AnchorDays {
  const days: Record<string, number | null> = { randomization: 0, screening: null, infusion: null }
  let start = 0
  for (const period of protocol.periods) {
    days[`period:${period.id}`] = start
    start += period.durationDays
  }
  const randomizationVisit = protocol.visits.find((v) => v.procedures.includes('randomization'))
  if (randomizationVisit?.anchor === 'screening') days['screening'] = -randomizationVisit.day
  const infusionVisit = protocol.visits.find((v) => v.procedures.includes('infusion') && v.anchor !== 'infusion')
  if (infusionVisit) {
    const base = days[infusionVisit.anchor]
    days['infusion'] = base === null || base === undefined ? null : base + infusionVisit.day
  }
  return days
}

/** Nominal study day of a visit, or null when its anchor's day is not derivable. */
export function nominalStudyDay(visit: Pick<Visit, 'anchor' | 'day'>, anchors: AnchorDays): number | null {
  const base = anchors[visit.anchor]
  return base === null || base === undefined ? null : base + visit.day
}

/**
 * The period a visit belongs to: its explicit `period`, else the period it is anchored to, else the period
 * its nominal study day falls in (null before randomization, i.e. screening).
 */
export function visitPeriod(protocol: ProtocolFile, visit: Visit, anchors: AnchorDays): string | null {
  if (visit.period !== undefined) return visit.period
  const anchored = periodOfAnchor(visit.anchor)
  if (anchored !== null) return anchored
  const day = nominalStudyDay(visit, anchors)
  if (day === null || day < 0) return null
  let start = 0
  for (const period of protocol.periods) {
    // A visit on a period's last day (its nominal end, e.g. week 48 of 48) closes that period.
    if (day <= start + period.durationDays) return period.id
    start += period.durationDays
  }
  return protocol.periods[protocol.periods.length - 1]?.id ?? null
}

/** `period:crossover` → `crossover`; null for other anchors. */
export function periodOfAnchor(anchor: Anchor): string | null {
  return anchor.startsWith('period:') ? anchor.slice('period:'.length) : null
}
