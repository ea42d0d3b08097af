/**
 * An earlier data cut applied to extracted datasets (an interim look for the DSMB): everything dated after the cut
 * is removed, follow-up ends at the cut, and events after it become censorings at the cut. Times are recomputed
 * from the randomization date, so the result is what an extraction taken on the cut date would have given.
 */
import type { IsoDate, Problem, Result } from '../domain/index.ts'
import { fail, ok, ProblemCode } from '../domain/index.ts'
import { DAYS_PER_MONTH, daysBetween, isIsoDate } from '../instruments/index.ts'
import type { AnalysisDatasets, AdfeasRow } from './analysis-datasets.ts'

/** The datasets as of `cutDate` (an ISO date not after the extraction's own cut). */
export function applyDataCut(datasets: AnalysisDatasets, cutDate: string): Result<AnalysisDatasets> {
  if (!isIsoDate(cutDate)) {
    return fail({ code: ProblemCode.Invalid, path: 'dataCutDate', message: `not an ISO date: "${cutDate}"` })
  }
  if (cutDate > datasets.meta.dataCutDate) {
    const p: Problem = {
      code: ProblemCode.OutOfRange,
      path: 'dataCutDate',
      message: `the data cut ${cutDate} is after the extraction's data cut ${datasets.meta.dataCutDate}`,
    }
    return fail(p)
  }
  if (cutDate === datasets.meta.dataCutDate) return ok(datasets)
  const cut = cutDate
  const after = (d: string | null): boolean => d !== null && d > cut
  const kept = new Set(datasets.adsl.filter((r) => !after(r.rand_date)).map((r) => r.subject))
  const periodStarts = new Map<string, Map<string, string>>()
  for (const d of datasets.adds) {
    if (!periodStarts.has(d.subject)) periodStarts.set(d.subject, new Map())
    periodStarts.get(d.subject)?.set(d.period, d.start_date)
  }
  const laterPeriodStart = (subject: string, index: number): string | null => {
    const starts = [...(periodStarts.get(subject)?.values() ?? [])]
    return starts[index + 1] ?? null
  }
  const feasCut = (r: AdfeasRow): AdfeasRow => {
    const released = after(r.release_date) ? null : r.released
    return {
      ...r,
      manufacture_date: after(r.manufacture_date) ? null : r.manufacture_date,
      released,
      release_date: released === null ? null : r.release_date,
      failure_reason: released === false ? r.failure_reason : null,
      first_infusion_date: after(r.first_infusion_date) ? null : r.first_infusion_date,
    }
  }
  return ok({
    meta: { ...datasets.meta, dataCutDate: cut },
    adscr: datasets.adscr
      .filter((r) => !after(r.screen_date))
      .map((r) =>
        r.outcome === 'randomized' && !kept.has(r.subject)
          ? { ...r, outcome: 'not-randomized' as const, reason: 'Randomization after the data cut' }
          : r,
      ),
    adsl: datasets.adsl
      .filter((r) => kept.has(r.subject))
      .map((r) => {
        // follow-up that ended after the cut was still going on at the cut
        const beyond = after(r.last_date)
        return {
          ...r,
          later_arms: r.later_arms.map((a, i) => (after(laterPeriodStart(r.subject, i)) ? null : a)),
          first_dose_date: after(r.first_dose_date) ? null : r.first_dose_date,
          last_date: beyond ? cut : r.last_date,
          death_date: after(r.death_date) ? null : r.death_date,
          eos_status: beyond ? ('ongoing' as const) : r.eos_status,
          eos_reason: beyond ? null : r.eos_reason,
          eos_period: beyond ? null : r.eos_period,
        }
      }),
    adqs: datasets.adqs.filter((r) => kept.has(r.subject) && !after(r.date)),
    adtte: datasets.adtte
      .filter((r) => kept.has(r.subject))
      .map((r) => {
        const followUpDays = daysBetween(r.start_date as IsoDate, cut)
        if (r.time_months * DAYS_PER_MONTH <= followUpDays + 1e-9) return r
        return { ...r, time_months: followUpDays / DAYS_PER_MONTH, event: 0 as const, evnt_desc: 'censored: data cut' }
      }),
    adae: datasets.adae
      .filter((r) => kept.has(r.subject) && !after(r.onset_date))
      .map((r) => (after(r.end_date) ? { ...r, end_date: null, outcome: null } : r)),
    adex: datasets.adex.filter((r) => kept.has(r.subject) && !after(r.start.slice(0, 10))),
    adfeas: datasets.adfeas.filter((r) => !after(r.extraction_date)).map(feasCut),
    adds: datasets.adds
      .filter((r) => kept.has(r.subject) && !after(r.start_date))
      .map((r) => (after(r.end_date) ? { ...r, end_date: null, status: 'ongoing' as const, reason: null } : r)),
  })
}

/** Months from `from` to `to` (ISO dates), on the 30.4375-day month. */
export function monthsBetween(from: string, to: string): number {
  return daysBetween(from as IsoDate, to as IsoDate) / DAYS_PER_MONTH
}
