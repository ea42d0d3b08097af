/**
 * Calendar arithmetic on ISO dates (`YYYY-MM-DD`) in UTC days, so results never depend on the machine's time
 * zone or clock. Used by ΔFS (months from onset) and by the visit calendar.
 */
import type { IsoDate } from '../domain/index.ts'

const MS_PER_DAY = 86_400_000
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Mean Gregorian month in days (365.25 / 12): the month used for ΔFS and per-month slopes. */
export const DAYS_PER_MONTH = 30.4375

/** Days since 1970-01-01 for a valid ISO calendar date, or null when the text is not one (e.g. `2026-02-30`). */
export function epochDay(text: string): number | null {
  const m = ISO_DATE.exec(text)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const ms = Date.UTC(y, mo - 1, d)
  const back = new Date(ms)
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null
  return ms / MS_PER_DAY
}

/** Whether `text` is a real calendar date written as `YYYY-MM-DD`. */
export function isIsoDate(text: string): text is IsoDate {
  return epochDay(text) !== null
}

/** The ISO date `days` after `date` (negative goes back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  const day = epochDay(date)
  if (day === null) throw new Error(`not an ISO date: ${date}`)
  return new Date((day + days) * MS_PER_DAY).toISOString().slice(0, 10) as IsoDate
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  const a = epochDay(from)
  const b = epochDay(to)
  if (a === null || b === null) throw new Error(`not an ISO date: ${a === null ? from : to}`)
  return b - a
}
