/**
 * Safety (CONSORT Harms): in the safety population, subjects with any adverse event, serious, grade >= 3, related,
 * SUSAR, leading to discontinuation, and deaths, by arm with percentages of the subjects at risk, events and events
 * per patient-month, by system organ class and preferred term, with Fisher's exact test across arms and of each arm
 * against the control. Windows: the whole follow-up by randomized arm, and each period by the arm in that period.
 * Peri-infusional events (within the protocol's window after an infusion) are tabulated per infusion, by the
 * preparation actually given.
 */
import { fisherExact } from '../stats/index.ts'
import type { AdaeRow, AdexRow, AdslRow } from './analysis-datasets.ts'
import type {
  AeCount,
  FisherComparison,
  PostInfusionSafety,
  Safety,
  SafetyCategory,
  SafetyWindow,
} from './analysis-results.ts'
import { monthsBetween } from './data-cut.ts'
import type { PlanContext } from './plan-context.ts'
import { percent } from './plan-context.ts'

/** A subject at risk in a window: the group it counts in and its time at risk. */
interface AtRisk {
  readonly subject: string
  readonly key: string
  readonly start: string
  readonly end: string
}

interface Category {
  readonly id: string
  readonly label: string
  readonly test: (ae: AdaeRow) => boolean
}

const CATEGORIES: readonly Category[] = [
  { id: 'any', label: 'Any adverse event', test: () => true },
  { id: 'teae', label: 'Treatment-emergent adverse event', test: (ae) => ae.teae },
  { id: 'serious', label: 'Serious adverse event', test: (ae) => ae.serious },
  { id: 'grade3', label: 'Grade 3 or higher', test: (ae) => (ae.grade ?? 0) >= 3 },
  { id: 'related', label: 'Related (certain, probable, possible)', test: (ae) => ae.related },
  {
    id: 'susar',
    label: 'Suspected unexpected serious adverse reaction',
    test: (ae) => ae.serious && ae.related && !ae.expected,
  },
]

export function safetyAnalysis(ctx: PlanContext): Safety {
  const population = ctx.safetyPopulation?.id ?? ''
  const safety = ctx.data.adsl.filter((s) => ctx.inPopulation(population, s.subject))
  const aeBySubject = new Map<string, AdaeRow[]>()
  for (const ae of ctx.data.adae) {
    const list = aeBySubject.get(ae.subject) ?? []
    list.push(ae)
    aeBySubject.set(ae.subject, list)
  }
  const fromConsent = ctx.protocol.safety.collectFrom === 'consent'
  const overallRisk: AtRisk[] = safety.map((s) => ({
    subject: s.subject,
    key: s.arm,
    start: (fromConsent ? s.consent_date : s.first_dose_date) ?? s.rand_date,
    end: s.last_date,
  }))
  const windows: SafetyWindow[] = [
    safetyWindow(ctx, 'overall', 'Whole follow-up, by randomized arm', overallRisk, (s) =>
      (aeBySubject.get(s.subject) ?? []).filter((ae) => fromConsent || ae.teae),
    ),
  ]
  for (const p of ctx.protocol.periods) {
    const risk: AtRisk[] = []
    for (const s of safety) {
      const d = ctx.adds.get(s.subject)?.find((r) => r.period === p.id)
      if (d) risk.push({ subject: s.subject, key: d.arm, start: d.start_date, end: d.end_date ?? s.last_date })
    }
    if (risk.length === 0) continue
    windows.push(
      safetyWindow(ctx, p.id, `${p.label}, by arm in the period`, risk, (r) =>
        (aeBySubject.get(r.subject) ?? []).filter((ae) => ae.period === p.id),
      ),
    )
  }
  return { population, windows, postInfusion: postInfusion(ctx, safety, aeBySubject) }
}

function safetyWindow(
  ctx: PlanContext,
  id: string,
  label: string,
  risk: readonly AtRisk[],
  eventsOf: (r: AtRisk) => readonly AdaeRow[],
): SafetyWindow {
  // The whole follow-up lists every arm; a period lists the arms someone was on in it.
  const keys = ctx.groups.map((g) => g.key).filter((k) => id === 'overall' || risk.some((r) => r.key === k))
  const exposure = (r: AtRisk): number => Math.max(0, monthsBetween(r.start, r.end))
  const columns = keys.map((key) => {
    const rs = risk.filter((r) => r.key === key)
    return {
      key,
      label: ctx.groups.find((g) => g.key === key)?.label ?? key,
      atRisk: rs.length,
      exposureMonths: rs.reduce((s, r) => s + exposure(r), 0),
    }
  })
  const events = risk.map((r) => ({ risk: r, events: eventsOf(r) }))
  const count = (select: (ae: AdaeRow) => boolean): AeCount[] =>
    columns.map((c) => {
      const inGroup = events.filter((e) => e.risk.key === c.key)
      const hits = inGroup.map((e) => e.events.filter(select).length)
      const subjects = hits.filter((h) => h > 0).length
      return { key: c.key, subjects, pct: percent(subjects, c.atRisk), events: hits.reduce((a, b) => a + b, 0) }
    })
  const summary: SafetyCategory[] = CATEGORIES.filter((c) => c.id !== 'teae' || id === 'overall').map((c) => {
    const counts = count(c.test)
    return { id: c.id, label: c.label, counts, test: compare(ctx, counts, columns) }
  })
  summary.push(discontinuations(ctx, columns, risk))
  summary.push(deaths(ctx, columns, risk))
  const socs = new Map<string, Set<string>>()
  for (const e of events) for (const ae of e.events) socs.set(ae.soc, (socs.get(ae.soc) ?? new Set()).add(ae.pt))
  const total = (counts: readonly AeCount[]): number => counts.reduce((s, c) => s + c.subjects, 0)
  const bySoc = [...socs.entries()]
    .map(([soc, pts]) => {
      const counts = count((ae) => ae.soc === soc)
      const terms = [...pts]
        .map((pt) => ({ pt, counts: count((ae) => ae.soc === soc && ae.pt === pt) }))
        .sort((a, b) => total(b.counts) - total(a.counts) || (a.pt < b.pt ? -1 : 1))
      return { soc, counts, test: compare(ctx, counts, columns), terms }
    })
    .sort((a, b) => total(b.counts) - total(a.counts) || (a.soc < b.soc ? -1 : 1))
  const any = summary[0]?.counts ?? []
  const rates = columns.map((c) => {
    const n = any.find((a) => a.key === c.key)?.events ?? 0
    return {
      key: c.key,
      events: n,
      exposureMonths: c.exposureMonths,
      perPatientMonth: c.exposureMonths > 0 ? n / c.exposureMonths : null,
    }
  })
  return { id, label, columns, summary, bySoc, rates }
}

/** Subjects whose participation ended for an adverse event within the window (CONSORT Harms item 6). */
function discontinuations(ctx: PlanContext, columns: SafetyWindow['columns'], risk: readonly AtRisk[]): SafetyCategory {
  const stopped = (r: AtRisk): boolean => {
    const s = ctx.adsl.get(r.subject) as AdslRow
    return (
      s.eos_status === 'discontinued' &&
      /adverse/i.test(s.eos_reason ?? '') &&
      s.last_date >= r.start &&
      s.last_date <= r.end
    )
  }
  const counts = columns.map((c) => {
    const n = risk.filter((r) => r.key === c.key && stopped(r)).length
    return { key: c.key, subjects: n, pct: percent(n, c.atRisk), events: n }
  })
  return {
    id: 'discontinued',
    label: 'Discontinued because of an adverse event',
    counts,
    test: compare(ctx, counts, columns),
  }
}

function deaths(ctx: PlanContext, columns: SafetyWindow['columns'], risk: readonly AtRisk[]): SafetyCategory {
  const died = (r: AtRisk): boolean => {
    const d = ctx.adsl.get(r.subject)?.death_date ?? null
    return d !== null && d >= r.start && d <= r.end
  }
  const counts = columns.map((c) => {
    const n = risk.filter((r) => r.key === c.key && died(r)).length
    return { key: c.key, subjects: n, pct: percent(n, c.atRisk), events: n }
  })
  return { id: 'death', label: 'Deaths', counts, test: compare(ctx, counts, columns) }
}

/** Fisher's exact test of subjects with/without across all arms, and of each arm against the control (unblinded only). */
function compare(
  ctx: PlanContext,
  counts: readonly AeCount[],
  columns: SafetyWindow['columns'],
): FisherComparison | null {
  if (ctx.blinded || ctx.control === null) return null
  const row = (key: string): [number, number] => {
    const n = counts.find((c) => c.key === key)?.subjects ?? 0
    const atRisk = columns.find((c) => c.key === key)?.atRisk ?? 0
    return [n, atRisk - n]
  }
  const keys = columns.filter((c) => c.atRisk > 0).map((c) => c.key)
  const control = ctx.control
  return {
    p: fisherP(keys.map(row)),
    vsControl: keys.includes(control)
      ? keys.filter((k) => k !== control).map((key) => ({ key, p: fisherP([row(key), row(control)]) }))
      : [],
  }
}

/** Two-sided exact p of an r x 2 table; null when the table has fewer than two non-empty rows or columns. */
function fisherP(table: readonly (readonly [number, number])[]): number | null {
  const rows = table.filter(([a, b]) => a + b > 0)
  if (rows.length < 2 || rows.every(([a]) => a === 0) || rows.every(([, b]) => b === 0)) return null
  const r = fisherExact(rows)
  return r.ok && Number.isFinite(r.value.pValue) ? r.value.pValue : null
}

/** Events within the protocol's window after each infusion, by preparation given, per dosing period. */
function postInfusion(
  ctx: PlanContext,
  safety: readonly AdslRow[],
  aeBySubject: ReadonlyMap<string, readonly AdaeRow[]>,
): PostInfusionSafety[] {
  const windowHours = ctx.protocol.safety.postInfusionWindowHours
  const inSafety = new Set(safety.map((s) => s.subject))
  const infusionsBySubject = new Map<string, AdexRow[]>()
  for (const x of ctx.data.adex) {
    if (!inSafety.has(x.subject)) continue
    const list = infusionsBySubject.get(x.subject) ?? []
    list.push(x)
    infusionsBySubject.set(x.subject, list)
  }
  for (const list of infusionsBySubject.values()) list.sort((a, b) => (a.start < b.start ? -1 : 1))
  // Each event within the window belongs to the last infusion started on or before its onset date.
  const eventsOf = new Map<AdexRow, AdaeRow[]>()
  for (const [subject, list] of infusionsBySubject) {
    for (const ae of aeBySubject.get(subject) ?? []) {
      if (ae.hours_after_infusion === null || ae.hours_after_infusion < 0 || ae.hours_after_infusion > windowHours)
        continue
      const infusion = list.filter((x) => x.start.slice(0, 10) <= ae.onset_date).at(-1)
      if (infusion) eventsOf.set(infusion, [...(eventsOf.get(infusion) ?? []), ae])
    }
  }
  const order = ctx.groups.map((g) => g.key)
  return ctx.protocol.periods
    .filter((p) => ctx.data.adex.some((x) => x.period === p.id))
    .map((p) => {
      const infusions = [...infusionsBySubject.values()].flat().filter((x) => x.period === p.id)
      const keys = order.filter((k) => infusions.some((x) => x.arm_received === k))
      const columns = keys.map((key) => ({
        key,
        label: ctx.groups.find((g) => g.key === key)?.label ?? key,
        infusions: infusions.filter((x) => x.arm_received === key).length,
      }))
      const category = (id: string, label: string, test: (ae: AdaeRow) => boolean) => ({
        id,
        label,
        counts: columns.map((c) => {
          const mine = infusions
            .filter((x) => x.arm_received === c.key)
            .map((x) => (eventsOf.get(x) ?? []).filter(test).length)
          const hit = mine.filter((n) => n > 0).length
          return { key: c.key, infusions: hit, pct: percent(hit, c.infusions), events: mine.reduce((a, b) => a + b, 0) }
        }),
      })
      const all = infusions.flatMap((x) => (eventsOf.get(x) ?? []).map((ae) => ({ key: x.arm_received, ae })))
      const pts = [...new Set(all.map((e) => e.ae.pt))].sort()
      return {
        period: p.id,
        windowHours,
        columns,
        summary: [
          category('any', 'Any adverse event', () => true),
          category('serious', 'Serious adverse event', (ae) => ae.serious),
          category('grade3', 'Grade 3 or higher', (ae) => (ae.grade ?? 0) >= 3),
          category('related', 'Related', (ae) => ae.related),
        ],
        terms: pts.map((pt) => ({
          pt,
          counts: columns.map((c) => ({
            key: c.key,
            events: all.filter((e) => e.key === c.key && e.ae.pt === pt).length,
          })),
        })),
      }
    })
}
