/**
 * The demo's plan of who comes when: the candidates each site screens over the recruitment period, how their
 * screening ends, and for each randomized patient the day every visit of the protocol is performed (mostly near
 * the target day, some at the edge of the window, a few outside it), the tissue obtained at extraction and how
 * the product lot fares at release. Pure: everything is drawn from named substreams of the seed, so adding a
 * draw for one purpose never shifts another.
 *
 * Rates here are assumptions chosen for a plausible demo (ALS cell-therapy trials screen about 1.2 patients per
 * randomized patient; a few percent of autologous lots fail release), not published values.
 */
import type { ProtocolFile } from '../../domain/index.ts'
import type { CompiledProtocol, CompiledVisit } from '../../protocol/index.ts'
import type { Rng } from '../model/index.ts'

/** Shares of screened candidates by how screening ends [assumption]; the rest are randomized. */
export const SCREENING_RATES = { declined: 0.04, ineligible: 0.1, insufficientTissue: 0.04 } as const
/** Share of lots failing release [assumption]. */
export const RELEASE_FAILURE_RATE = 0.06
/** Share of visits (without procedures) performed outside their window [assumption]. */
export const OUT_OF_WINDOW_RATE = 0.03
/** Share of endpoint forms (ALSFRS-R, spirometry) entered with a transcription error that SDV finds [assumption]. */
export const TRANSCRIPTION_ERROR_RATE = 0.015

export type ScreeningOutcome =
  | { readonly kind: 'declined'; readonly reason: string }
  | { readonly kind: 'ineligible'; readonly criterion: string; readonly reason: string }
  | { readonly kind: 'insufficient-tissue'; readonly reason: string }
  | { readonly kind: 'randomized' }

/** A visit as it will be performed: the study day (0 = study start) and whether that is outside the window. */
export interface PlannedVisit {
  readonly visit: CompiledVisit
  readonly day: number
  readonly outOfWindow: boolean
}

export interface CandidatePlan {
  /** Global order of screening; the index of the patient's substream in the natural-history model. */
  readonly index: number
  readonly siteId: string
  readonly screeningDay: number
  readonly outcome: ScreeningOutcome
  /** Every visit of the protocol in protocol order (the driver stops at the subject's end or the data cut). */
  readonly visits: readonly PlannedVisit[]
  /** Study day of randomization (the randomization visit); also the model's day 0. */
  readonly randomizationDay: number
  /** Study day each period starts (the first at randomization, later ones at the last visit of the previous). */
  readonly periodStarts: Readonly<Record<string, number>>
  readonly extraction: {
    readonly tissueGrams: number
    readonly lipoaspirateMl: number
    readonly site: 'abdomen' | 'flank' | 'thigh'
    readonly complication: string | null
  }
  readonly manufactureDay: number
  readonly releaseDay: number
  /** Release results by criterion id (numbers for ranged criteria, booleans for pass/fail ones). */
  readonly releaseValues: Readonly<Record<string, number | boolean>>
  readonly riluzoleDoseMg: number
  /** `visitId/formId` of endpoint forms first entered with a transcription error. */
  readonly transcriptionErrors: ReadonlySet<string>
  /** This candidate's stream for everything decided while the demo runs (values, delays, monitoring). */
  readonly rng: Rng
}

/**
 * Plans the candidates of every site: each site screens until it has randomized its share of `patients`
 * (shares in proportion to the sites' target enrolment), on days spread over the recruitment period.
 */
export function planCandidates(
  compiled: CompiledProtocol,
  patients: number,
  recruitmentDays: number,
  rng: Rng,
): CandidatePlan[] {
  const { protocol } = compiled
  const quotas = siteQuotas(protocol, patients)
  const drafts: { siteId: string; siteOrder: number; k: number; day: number; outcome: ScreeningOutcome }[] = []
  protocol.sites.forEach((site, siteOrder) => {
    const siteRng = rng.fork('site').fork(site.id)
    const outcomes: ScreeningOutcome[] = []
    let randomized = 0
    for (let k = 0; randomized < (quotas[site.id] ?? 0); k++) {
      const outcome = screeningOutcome(protocol, siteRng.fork(k))
      if (outcome.kind === 'randomized') randomized++
      outcomes.push(outcome)
    }
    const days = outcomes.map((_, k) => 1 + siteRng.fork('day').fork(k).int(recruitmentDays)).sort((a, b) => a - b)
    outcomes.forEach((outcome, k) => drafts.push({ siteId: site.id, siteOrder, k, day: days[k] ?? 1, outcome }))
  })
  drafts.sort((a, b) => a.day - b.day || a.siteOrder - b.siteOrder || a.k - b.k)
  return drafts.map((d, index) =>
    planCandidate(compiled, index, d.siteId, d.day, d.outcome, rng.fork('candidate').fork(index)),
  )
}

/** Patients per site: shares of the sites' target enrolment, largest remainders first. */
export function siteQuotas(protocol: ProtocolFile, patients: number): Record<string, number> {
  const weights = protocol.sites.map((s) => s.targetEnrolment ?? 1)
  const total = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => (patients * w) / total)
  const quotas = exact.map(Math.floor)
  let left = patients - quotas.reduce((a, b) => a + b, 0)
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i)
  for (const { i } of order) {
    if (left <= 0) break
    quotas[i] = (quotas[i] ?? 0) + 1
    left--
  }
  return Object.fromEntries(protocol.sites.map((s, i) => [s.id, quotas[i] ?? 0]))
}

function screeningOutcome(protocol: ProtocolFile, rng: Rng): ScreeningOutcome {
  const reasons = protocol.disposition.screenFailureReasons
  const reason = (pattern: RegExp): string | undefined => reasons.find((r) => pattern.test(r))
  const other = reason(/^other/i) ?? reasons[reasons.length - 1] ?? 'Other'
  const u = rng.next()
  const { declined, ineligible, insufficientTissue } = SCREENING_RATES
  if (u < declined) return { kind: 'declined', reason: reason(/declined/i) ?? other }
  if (u < declined + ineligible) {
    // Criteria that the screening forms would contradict (age, consent) are not the ones that fail.
    const inclusion = protocol.eligibility.inclusion.filter((c) => !/consent|age/i.test(c.text))
    const exclusion = protocol.eligibility.exclusion
    const useInclusion = inclusion.length > 0 && (exclusion.length === 0 || rng.next() < 0.5)
    const pool = useInclusion ? inclusion : exclusion
    const criterion = pool[rng.int(Math.max(1, pool.length))]?.id ?? ''
    const why = useInclusion ? reason(/inclusion/i) : reason(/exclusion/i)
    return { kind: 'ineligible', criterion, reason: why ?? other }
  }
  if (u < declined + ineligible + insufficientTissue && protocol.product?.minimumTissueGrams !== undefined) {
    return { kind: 'insufficient-tissue', reason: reason(/tissue/i) ?? other }
  }
  return { kind: 'randomized' }
}

function planCandidate(
  compiled: CompiledProtocol,
  index: number,
  siteId: string,
  screeningDay: number,
  outcome: ScreeningOutcome,
  rng: Rng,
): CandidatePlan {
  const { protocol } = compiled
  const visits = planVisits(compiled, screeningDay, rng.fork('visits'))
  const randomizationVisit = visits.find((v) => v.visit.procedures.includes('randomization'))
  const extractionVisit = visits.find((v) => v.visit.procedures.includes('extraction'))
  const firstInfusion = visits.find((v) => v.visit.procedures.includes('infusion'))
  const randomizationDay = randomizationVisit?.day ?? screeningDay
  const periodStarts = periodStartDays(compiled, visits, randomizationDay)

  const x = rng.fork('extraction')
  const minimum = protocol.product?.minimumTissueGrams ?? 0
  const tissueGrams =
    outcome.kind === 'insufficient-tissue'
      ? round1(minimum * (0.5 + 0.45 * x.next()))
      : round1(Math.max(minimum + 2, minimum + 35 + 15 * x.normal()))
  const extractionDay = extractionVisit?.day ?? screeningDay
  const manufactureDay = Math.max(extractionDay + 7, Math.min(extractionDay + 20 + x.int(7), randomizationDay - 3))
  const releaseDay = Math.max(
    manufactureDay + 1,
    Math.min(randomizationDay + 1, firstInfusion?.day ?? randomizationDay + 1),
  )

  const errors = new Set<string>()
  const e = rng.fork('transcription')
  for (const v of visits) {
    for (const formId of v.visit.forms) {
      const instrument = compiled.forms.find((f) => f.id === formId)?.instrument?.id
      if (
        (instrument === 'ALSFRS-R' || instrument === 'SPIROMETRY') &&
        e.fork(`${v.visit.id}/${formId}`).next() < TRANSCRIPTION_ERROR_RATE
      ) {
        errors.add(`${v.visit.id}/${formId}`)
      }
    }
  }
  const sites = ['abdomen', 'abdomen', 'abdomen', 'flank', 'thigh'] as const
  return {
    index,
    siteId,
    screeningDay,
    outcome,
    visits,
    randomizationDay,
    periodStarts,
    extraction: {
      tissueGrams,
      lipoaspirateMl: round1(tissueGrams * (1.6 + 0.15 * x.next())),
      site: sites[x.int(sites.length)] ?? 'abdomen',
      complication: x.next() < 0.05 ? 'Small haematoma at the cannula entry site' : null,
    },
    manufactureDay,
    releaseDay,
    releaseValues: releaseValues(protocol, rng.fork('release')),
    riluzoleDoseMg: rng.fork('riluzole').next() < 0.05 ? 50 : 100,
    transcriptionErrors: errors,
    rng,
  }
}

/**
 * The day each visit is performed: its anchor's actual day plus the target day plus a jitter inside the window
 * (mostly within two days of the target); procedure visits keep close to the target; a few visits fall outside.
 */
function planVisits(compiled: CompiledProtocol, screeningDay: number, rng: Rng): PlannedVisit[] {
  const { protocol } = compiled
  const planned: PlannedVisit[] = []
  const anchors = new Map<string, number>([['screening', screeningDay]])
  const firstPeriod = protocol.periods[0]?.id
  let previous = -Infinity
  for (const visit of compiled.visits) {
    const base = anchors.get(visit.anchor)
    if (base === undefined) throw new Error(`visit ${visit.id}: anchor ${visit.anchor} comes after the visit`)
    const { before, after } = visit.window
    const jitter = visitJitter(rng.fork(visit.id), visit.procedures.length > 0, visit.window)
    const day = Math.max(previous + 1, base + visit.day + jitter)
    const target = base + visit.day
    planned.push({ visit, day, outOfWindow: day < target - before || day > target + after })
    previous = day
    if (visit.procedures.includes('randomization')) {
      anchors.set('randomization', day)
      if (firstPeriod) anchors.set(`period:${firstPeriod}`, day)
    }
    if (visit.procedures.includes('infusion') && !anchors.has('infusion')) anchors.set('infusion', day)
    // A later period starts at the last visit of the one before it (e.g. month 6 opens the crossover).
    const k = protocol.periods.findIndex((p) => p.id === visit.periodId)
    const next = protocol.periods[k + 1]
    if (k >= 0 && next && lastVisitOf(compiled, visit.periodId)?.id === visit.id) anchors.set(`period:${next.id}`, day)
  }
  return planned
}

/** Days from the target: procedures on the day (or a day off); other visits mostly within two days, a few outside. */
function visitJitter(r: Rng, procedure: boolean, window: { readonly before: number; readonly after: number }): number {
  const { before, after } = window
  const u = r.next()
  if (procedure) return u < 0.8 ? 0 : u < 0.95 ? Math.min(1, after) : -Math.min(1, before)
  if (before + after > 0 && u < OUT_OF_WINDOW_RATE) {
    return r.next() < 0.5 && before > 0 ? -(before + 1 + r.int(3)) : after + 1 + r.int(5)
  }
  if (u < 0.75) return -Math.min(2, before) + r.int(Math.min(2, before) + Math.min(2, after) + 1)
  return -before + r.int(before + after + 1)
}

/** The last visit (protocol order) that belongs to a period: the visit at which the next period is entered. */
export function lastVisitOf(compiled: CompiledProtocol, periodId: string | null): CompiledVisit | undefined {
  if (periodId === null) return undefined
  return [...compiled.visits].reverse().find((v) => v.periodId === periodId)
}

function periodStartDays(
  compiled: CompiledProtocol,
  visits: readonly PlannedVisit[],
  randomizationDay: number,
): Record<string, number> {
  const starts: Record<string, number> = {}
  compiled.protocol.periods.forEach((p, k) => {
    if (k === 0) {
      starts[p.id] = randomizationDay
      return
    }
    const entry = lastVisitOf(compiled, compiled.protocol.periods[k - 1]?.id ?? null)
    const day = visits.find((v) => v.visit.id === entry?.id)?.day
    if (day !== undefined) starts[p.id] = day
  })
  return starts
}

/**
 * Typical release results (cell viability, marker purity, endotoxin) and the lot's cell count; a failing lot
 * misses one criterion.
 */
function releaseValues(protocol: ProtocolFile, rng: Rng): Record<string, number | boolean> {
  const criteria = protocol.product?.releaseCriteria ?? []
  const typical: Record<string, () => number> = {
    viability: () => round1(clamp(92 + 3 * rng.normal(), 71, 99.5)),
    cd_markers: () => round1(clamp(96.5 + 1.5 * rng.normal(), 90.5, 99.9)),
    endotoxin: () => Math.round((0.05 + 0.25 * rng.next()) * 100) / 100,
  }
  const values: Record<string, number | boolean> = {}
  for (const c of criteria) {
    if (!c.range) values[c.id] = true
    else {
      const lo = c.range.min ?? 0
      const hi = c.range.max ?? lo + 100
      values[c.id] = typical[c.id]?.() ?? round1(lo + (0.55 + 0.3 * rng.next()) * (hi - lo))
    }
  }
  // The lot's yield for the manufacturing form: viable cells ×10^6, log-normal around 480 [assumption].
  if (protocol.forms.some((f) => f.instrument === 'MANUFACTURING'))
    values['cell_count'] = round1(Math.exp(Math.log(480) + 0.35 * rng.fork('cells').normal()))
  if (criteria.length > 0 && rng.fork('fails').next() < RELEASE_FAILURE_RATE) {
    const c = criteria[rng.fork('which').int(criteria.length)]
    if (c) {
      if (!c.range) values[c.id] = false
      else if (c.range.min !== undefined) values[c.id] = round1(c.range.min * (0.8 + 0.15 * rng.next()))
      else values[c.id] = round1((c.range.max ?? 1) * (1.2 + rng.next()))
    }
  }
  return values
}

const round1 = (x: number): number => Math.round(x * 10) / 10
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x))
