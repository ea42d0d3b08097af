/**
 * What every step of the analysis plan needs, resolved once from the protocol and the datasets: the groups tables
 * are split by (the protocol's arms, or the one pooled group of a blinded run), the populations by role, the
 * periods with their nominal months, and lookups by subject.
 */
import type { Population, ProtocolFile } from '../domain/index.ts'
import { DAYS_PER_MONTH } from '../instruments/index.ts'
import type { AddsRow, AdslRow, AnalysisDatasets } from './analysis-datasets.ts'
import { BLINDED_ARM } from './analysis-datasets.ts'
import type { GroupInfo, PeriodInfo } from './analysis-results.ts'

export interface PlanContext {
  readonly protocol: ProtocolFile
  readonly data: AnalysisDatasets
  readonly blinded: boolean
  /** Groups of every by-arm table, in protocol order (one pooled group when blinded). */
  readonly groups: readonly GroupInfo[]
  /** The control arm, or null when blinded (no contrasts). */
  readonly control: string | null
  readonly alpha: number
  readonly confLevel: number
  readonly periods: readonly PeriodInfo[]
  readonly adsl: ReadonlyMap<string, AdslRow>
  /** ADDS rows per subject, in period order. */
  readonly adds: ReadonlyMap<string, readonly AddsRow[]>
  readonly efficacyPopulation: Population | null
  readonly safetyPopulation: Population | null
  readonly perProtocolPopulation: Population | null
  readonly completersPopulation: Population | null
  /** Whether `subject` belongs to population `id` (false for unknown subjects or populations). */
  inPopulation(id: string | undefined, subject: string): boolean
}

/** The label of the pooled group of a blinded run. */
export const POOLED_LABEL = 'All subjects (blinded)'

export function planContext(
  protocol: ProtocolFile,
  data: AnalysisDatasets,
  choice: { readonly efficacy?: string | undefined; readonly safety?: string | undefined } = {},
): PlanContext {
  const blinded = data.meta.blinded
  const control = protocol.endpoints.controlArm
  const groups: GroupInfo[] = blinded
    ? [{ key: BLINDED_ARM, label: POOLED_LABEL, type: 'pooled', control: false }]
    : protocol.arms.map((a) => ({ key: a.id, label: a.label, type: a.type, control: a.id === control }))
  const periods: PeriodInfo[] = []
  let days = 0
  for (const p of protocol.periods) {
    periods.push({
      id: p.id,
      label: p.label,
      blinding: p.blinding,
      startMonth: days / DAYS_PER_MONTH,
      endMonth: (days + p.durationDays) / DAYS_PER_MONTH,
    })
    days += p.durationDays
  }
  const adsl = new Map(data.adsl.map((r) => [r.subject, r]))
  const adds = new Map<string, AddsRow[]>()
  const order = new Map(protocol.periods.map((p, i) => [p.id, i]))
  for (const r of data.adds) {
    const list = adds.get(r.subject) ?? []
    list.push(r)
    adds.set(r.subject, list)
  }
  for (const list of adds.values()) list.sort((a, b) => (order.get(a.period) ?? 0) - (order.get(b.period) ?? 0))
  const byRule = (rule: Population['rule'], chosen?: string): Population | null =>
    (chosen !== undefined ? protocol.populations.find((p) => p.id === chosen) : undefined) ??
    protocol.populations.find((p) => p.rule === rule) ??
    null
  const alpha = protocol.endpoints.alpha
  return {
    protocol,
    data,
    blinded,
    groups,
    control: blinded ? null : control,
    alpha,
    confLevel: 1 - alpha,
    periods,
    adsl,
    adds,
    efficacyPopulation: byRule('randomized', choice.efficacy) ?? byRule('enrolled'),
    safetyPopulation: byRule('treated', choice.safety),
    perProtocolPopulation: byRule('per-protocol'),
    completersPopulation: byRule('completers'),
    inPopulation: (id, subject) => (id === undefined ? false : adsl.get(subject)?.pop[id] === true),
  }
}

/** `n` as a percentage of `of` (null for an empty denominator). */
export function percent(n: number, of: number): number | null {
  return of > 0 ? (100 * n) / of : null
}

/** Counts of `reasons` (null → `Not recorded`), most frequent first, then alphabetical. */
export function countReasons(reasons: readonly (string | null)[]): { reason: string; n: number }[] {
  const counts = new Map<string, number>()
  for (const r of reasons) counts.set(r ?? 'Not recorded', (counts.get(r ?? 'Not recorded') ?? 0) + 1)
  return [...counts.entries()]
    .map(([reason, n]) => ({ reason, n }))
    .sort((a, b) => b.n - a.n || (a.reason < b.reason ? -1 : 1))
}
