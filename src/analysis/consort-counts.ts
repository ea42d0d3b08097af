/**
 * CONSORT 2010 flow counts (items 13a/13b, 16) with the cell-therapy boxes (lipoaspirate obtained, product
 * released or failed, infused) and, per period, the subjects who entered, were re-allocated, completed,
 * discontinued (with reasons) or died: the numbers behind the flow diagram, by randomized arm (pooled when blinded).
 * Also the recruitment counts by calendar month and site.
 */
import type { Consort, ConsortGroup, ConsortPeriod, Recruitment } from './analysis-results.ts'
import type { PlanContext } from './plan-context.ts'
import { countReasons } from './plan-context.ts'

export function consortCounts(ctx: PlanContext, analysed: { readonly efficacy: ReadonlySet<string> }): Consort {
  const { data } = ctx
  const randomized = data.adsl
  const notRandomized = data.adscr.filter((r) => r.outcome !== 'randomized')
  const feasBySubject = new Map(data.adfeas.map((r) => [r.subject, r]))
  const infused = new Set(data.adex.map((r) => r.subject))
  const survivalParam = ctx.protocol.endpoints.survival[0]?.id
  const withSurvival = new Set(data.adtte.filter((r) => r.param === survivalParam).map((r) => r.subject))
  const groups = ctx.groups.map((g): ConsortGroup => {
    const subjects = randomized.filter((s) => s.arm === g.key)
    const released = subjects.filter((s) => feasBySubject.get(s.subject)?.released === true).length
    const failed = subjects.filter((s) => feasBySubject.get(s.subject)?.released === false).length
    const notInfused = subjects.filter((s) => !infused.has(s.subject))
    const periods = ctx.protocol.periods.map((p, k): ConsortPeriod => {
      const rows = subjects.flatMap((s) => ctx.adds.get(s.subject)?.filter((d) => d.period === p.id) ?? [])
      const reallocated = new Map<string, number>()
      if (k > 0 && !ctx.blinded) {
        for (const d of rows) if (d.allocated) reallocated.set(d.arm, (reallocated.get(d.arm) ?? 0) + 1)
      }
      const armOrder = ctx.groups.map((x) => x.key)
      return {
        period: p.id,
        entered: rows.length,
        reallocated: [...reallocated.entries()]
          .sort(([a], [b]) => armOrder.indexOf(a) - armOrder.indexOf(b))
          .map(([to, n]) => ({ to, n })),
        completed: rows.filter((d) => d.status === 'completed').length,
        discontinued: rows.filter((d) => d.status === 'discontinued').length,
        discontinuedReasons: countReasons(rows.filter((d) => d.status === 'discontinued').map((d) => d.reason)),
        died: rows.filter((d) => d.status === 'died').length,
        ongoing: rows.filter((d) => d.status === 'ongoing').length,
      }
    })
    const efficacy = subjects.filter((s) => analysed.efficacy.has(s.subject)).length
    return {
      key: g.key,
      allocated: subjects.length,
      productReleased: released,
      productFailed: failed,
      infused: subjects.length - notInfused.length,
      notInfused: notInfused.length,
      notInfusedReasons: countReasons(
        notInfused.map((s) =>
          feasBySubject.get(s.subject)?.released === false ? 'Product not released' : s.eos_reason,
        ),
      ),
      periods,
      analysedEfficacy: efficacy,
      excludedEfficacy: subjects.length - efficacy,
      analysedSafety: subjects.filter((s) => ctx.inPopulation(ctx.safetyPopulation?.id, s.subject)).length,
      analysedSurvival: subjects.filter(
        (s) => withSurvival.has(s.subject) && ctx.inPopulation(ctx.efficacyPopulation?.id, s.subject),
      ).length,
    }
  })
  const hasExtraction = ctx.protocol.visits.some((v) => v.procedures.includes('extraction')) || data.adfeas.length > 0
  return {
    assessed: data.adscr.length,
    excluded: notRandomized.length,
    excludedReasons: countReasons(notRandomized.map((r) => r.reason)),
    extraction: hasExtraction
      ? {
          attempted: data.adfeas.length,
          sufficient: data.adfeas.filter((r) => r.extraction_ok).length,
          insufficient: data.adfeas.filter((r) => !r.extraction_ok).length,
        }
      : null,
    randomized: randomized.length,
    groups,
  }
}

/** Randomizations by calendar month (with the running total) and screening/randomization by site. */
export function recruitmentCounts(ctx: PlanContext): Recruitment {
  const dates = ctx.data.adsl.map((r) => r.rand_date).sort()
  const byMonth: Recruitment['byMonth'] = []
  const first = dates[0]
  const last = dates[dates.length - 1]
  if (first !== undefined && last !== undefined) {
    let [y, m] = [Number(first.slice(0, 4)), Number(first.slice(5, 7))]
    const end = last.slice(0, 7)
    let cumulative = 0
    for (;;) {
      const month = `${y}-${String(m).padStart(2, '0')}`
      const randomized = dates.filter((d) => d.startsWith(month)).length
      cumulative += randomized
      byMonth.push({ month, randomized, cumulative })
      if (month >= end) break
      m += 1
      if (m > 12) {
        m = 1
        y += 1
      }
    }
  }
  return {
    target: ctx.protocol.study.targetEnrolment,
    first: first ?? null,
    last: last ?? null,
    byMonth,
    bySite: ctx.protocol.sites.map((s) => ({
      site: s.id,
      label: s.name,
      screened: ctx.data.adscr.filter((r) => r.site === s.id).length,
      randomized: ctx.data.adsl.filter((r) => r.site === s.id).length,
    })),
  }
}
