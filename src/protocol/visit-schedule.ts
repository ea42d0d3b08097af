/**
 * The visit calendar of one subject: target date and window of every visit from the subject's anchor dates,
 * and the status of a visit on a given day. Pure: dates are ISO strings and `today` is passed in.
 */
import type { Anchor, IsoDate } from '../domain/index.ts'
import { addDays, daysBetween } from '../instruments/index.ts'
import type { CompiledProtocol } from './compile-protocol.ts'
import { periodOfAnchor } from './visit-timeline.ts'

/** The subject's known anchor dates; a visit whose anchor date is not known yet is `pending`. */
export interface ScheduleAnchors {
  readonly screening?: IsoDate | undefined
  readonly randomization?: IsoDate | undefined
  /** Date of the (first) infusion. */
  readonly infusion?: IsoDate | undefined
  /** Actual start of each period, e.g. the month-6 re-randomization date; the first period starts at randomization. */
  readonly periodStarts?: Readonly<Record<string, IsoDate>> | undefined
}

interface ScheduledVisitBase {
  readonly visitId: string
  readonly label: string
  readonly anchor: Anchor
  /** Target day relative to the anchor. */
  readonly day: number
  readonly window: { readonly before: number; readonly after: number }
  readonly periodId: string | null
  readonly forms: readonly string[]
}

export type ScheduledVisit =
  | (ScheduledVisitBase & { readonly pending: true })
  | (ScheduledVisitBase & {
      readonly pending: false
      readonly anchorDate: IsoDate
      readonly target: IsoDate
      /** First and last day of the window, inclusive. */
      readonly earliest: IsoDate
      readonly latest: IsoDate
    })

/** The date an anchor falls on for this subject, if known. */
export function anchorDate(compiled: CompiledProtocol, anchor: Anchor, anchors: ScheduleAnchors): IsoDate | undefined {
  if (anchor === 'screening') return anchors.screening
  if (anchor === 'randomization') return anchors.randomization
  if (anchor === 'infusion') return anchors.infusion
  const period = periodOfAnchor(anchor)
  if (period === null) return undefined
  return (
    anchors.periodStarts?.[period] ?? (compiled.protocol.periods[0]?.id === period ? anchors.randomization : undefined)
  )
}

/** Every visit of the protocol, in protocol order, dated from the subject's anchors where known. */
export function visitSchedule(compiled: CompiledProtocol, anchors: ScheduleAnchors): ScheduledVisit[] {
  return compiled.visits.map((v): ScheduledVisit => {
    const base: ScheduledVisitBase = {
      visitId: v.id,
      label: v.label,
      anchor: v.anchor,
      day: v.day,
      window: v.window,
      periodId: v.periodId,
      forms: v.forms,
    }
    const date = anchorDate(compiled, v.anchor, anchors)
    if (date === undefined) return { ...base, pending: true }
    const target = addDays(date, v.day)
    return {
      ...base,
      pending: false,
      anchorDate: date,
      target,
      earliest: addDays(target, -v.window.before),
      latest: addDays(target, v.window.after),
    }
  })
}

/**
 * - `done`: performed within its window (or performed while its window is not yet known);
 * - `out-of-window`: performed outside its window;
 * - `upcoming`: not performed, window not open yet (or its anchor date not known yet);
 * - `due`: not performed, window open, target day not passed;
 * - `overdue`: not performed, past the target day but still within the window;
 * - `missed`: not performed and the window has closed.
 */
export type VisitStatus = 'done' | 'due' | 'overdue' | 'out-of-window' | 'missed' | 'upcoming'

/** Status of a scheduled visit on `today`, given the date it was actually performed (if it was). */
export function visitStatus(visit: ScheduledVisit, today: IsoDate, actualDate?: IsoDate | null): VisitStatus {
  if (actualDate) {
    if (visit.pending) return 'done'
    return daysBetween(visit.earliest, actualDate) >= 0 && daysBetween(actualDate, visit.latest) >= 0
      ? 'done'
      : 'out-of-window'
  }
  if (visit.pending || daysBetween(today, visit.earliest) > 0) return 'upcoming'
  if (daysBetween(today, visit.target) >= 0) return 'due'
  return daysBetween(today, visit.latest) >= 0 ? 'overdue' : 'missed'
}
