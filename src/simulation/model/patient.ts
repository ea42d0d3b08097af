/**
 * The rich path: one patient's full record for the demo (baseline characteristics, item-level ALSFRS-R,
 * FVC, neurophysiology, MAS, ECAS and weight at each visit, clinical events with days, adverse events).
 *
 * It runs `simulateCourse` on the same substreams as the fast path, so `simulatePatient(p, e, rng.fork(i), s)`
 * has exactly the totals, deaths and dropouts of subject i in `simulateAlsfrsTotals(p, …, rng)`; the extra
 * detail comes from further substreams (`items`, `traits`, `measure`/⟨day⟩, `adverse-events`, …).
 *
 * Histories are consistent across treatment courses: every draw is keyed by what it is for, and a treatment
 * that starts on day d changes nothing before d. The demo can therefore simulate a placebo patient, and at
 * the month-6 re-randomization simulate again with the allocated dose from that day: the first six months
 * are identical.
 */
import type { Baseline } from './baseline.ts'
import { VISIT_STATUS, latentAlsfrs, simulateCourse } from './course.ts'
import type { LatentCourse, Progression, VisitStatus } from './course.ts'
import { simulateAdverseEvents } from './adverse-events.ts'
import type { SimulatedAdverseEvent } from './adverse-events.ts'
import { alsfrsAssessment, deficitWhenSlotReaches, sampleLossOrder } from './items.ts'
import type { AlsfrsAssessment } from './items.ts'
import { assessEcas, measureFvc, measureNeuro, measureWeight, rateMas, sampleMeasurementTraits } from './measures.ts'
import type { EcasAssessment, MasRating, NeuroAssessment } from './measures.ts'
import { toCourse } from './params.ts'
import type { ArmEffect, NaturalHistoryParams, TreatmentCourse } from './params.ts'
import type { Rng } from './rng.ts'
import { DAYS_PER_MONTH, pickKey } from './sampling.ts'
import { ALSFRS_ITEM_MAX, SLOT } from './vocabulary.ts'

/** What the patient goes through, in days since randomization. */
export interface PatientSchedule {
  /** Assessment days, strictly increasing; days ≤ 0 (screening, baseline) are always completed. */
  readonly visitDays: readonly number[]
  /** End of follow-up for events and AEs (default: the last visit day). */
  readonly endDay?: number
  /** First day AEs are collected, e.g. consent (default: the first visit day, or 0). */
  readonly aeFromDay?: number
  /** Adipose-tissue extraction day (usually negative). */
  readonly extractionDay?: number
  /** Infusions; `active` false for a placebo preparation (no extra treatment AEs). Default active. */
  readonly infusions?: readonly { readonly day: number; readonly active?: boolean }[]
}

export type DropoutReason = 'withdrawal-by-subject' | 'adverse-event' | 'lost-to-follow-up' | 'physician-decision'

/** Clinical events in days since randomization; null = did not happen by the end of follow-up. */
export interface PatientEvents {
  readonly deathDay: number | null
  /** Tracheostomy or permanent assisted ventilation; functional assessments stop here. */
  readonly ventilationDay: number | null
  readonly ventilationKind: 'tracheostomy' | 'permanent-ventilation' | null
  /** Gastrostomy placed (swallowing item at the gastrostomy level): slot 5 is then answered as Q5B. */
  readonly gastrostomyDay: number | null
  /** Non-invasive ventilation started (respiratory-insufficiency item below 4); may be before randomization. */
  readonly nivDay: number | null
  readonly dropoutDay: number | null
  readonly dropoutReason: DropoutReason | null
}

export type VisitRecord =
  | {
      readonly day: number
      readonly status: 'completed'
      readonly alsfrs: AlsfrsAssessment
      readonly fvcPct: number
      readonly weightKg: number
      readonly neuro: NeuroAssessment
      readonly mas: readonly MasRating[]
      readonly ecas: EcasAssessment
    }
  | { readonly day: number; readonly status: Exclude<VisitStatus, 'completed'> }

export interface SimulatedPatient {
  readonly baseline: Baseline
  readonly progression: Progression
  readonly events: PatientEvents
  readonly visits: readonly VisitRecord[]
  readonly adverseEvents: readonly SimulatedAdverseEvent[]
}

/** Simulates one patient under a treatment (one effect from day 0, or a course of effects over time). */
export function simulatePatient(
  params: NaturalHistoryParams,
  treatment: ArmEffect | TreatmentCourse,
  rng: Rng,
  schedule: PatientSchedule,
): SimulatedPatient {
  const course = toCourse(treatment)
  const visitDays = schedule.visitDays
  const endDay = schedule.endDay ?? visitDays[visitDays.length - 1] ?? 0
  const outcome = simulateCourse(params, course, rng, visitDays, endDay)
  const latent = outcome.latent
  const baseline = latent.baseline
  const order = sampleLossOrder(params, baseline.onsetSite, 48 - baseline.alsfrsTotal, rng.fork('items'))
  const traits = sampleMeasurementTraits(params, latent, rng.fork('traits'))

  const endMonths = endDay / DAYS_PER_MONTH
  const alive = Math.min(outcome.deathMonths, endMonths)
  const gastrostomyMonths = crossing(
    latent,
    48 - deficitWhenSlotReaches(order, SLOT.swallowing, params.itemPattern.gastrostomyAtSwallowing) + 0.5,
    alive,
  )
  const nivMonths = crossing(
    latent,
    48 - deficitWhenSlotReaches(order, SLOT.respiratoryInsufficiency, ALSFRS_ITEM_MAX - 1) + 0.5,
    alive,
  )
  const toDay = (months: number): number | null => (months <= endMonths ? Math.floor(months * DAYS_PER_MONTH) : null)
  const deathDay = toDay(outcome.deathMonths)
  const ventilationDay = toDay(outcome.ventilationMonths)
  const dropoutDay = toDay(outcome.dropoutMonths)
  const events: PatientEvents = {
    deathDay,
    ventilationDay,
    ventilationKind:
      ventilationDay === null
        ? null
        : rng.fork('ventilation-kind').next() < params.survival.tracheostomyShare
          ? 'tracheostomy'
          : 'permanent-ventilation',
    gastrostomyDay: toDay(gastrostomyMonths),
    nivDay: toDay(nivMonths),
    dropoutDay,
    dropoutReason: dropoutDay === null ? null : dropoutReasonOf(params, rng.fork('dropout-reason')),
  }

  const measure = rng.fork('measure')
  const visits: VisitRecord[] = visitDays.map((day, v) => {
    const status = VISIT_STATUS[outcome.status[v] ?? 0] as VisitStatus
    if (status !== 'completed') return { day, status }
    const t = day / DAYS_PER_MONTH
    const s = measure.fork(day)
    const gastrostomy = events.gastrostomyDay !== null && day >= events.gastrostomyDay
    return {
      day,
      status,
      alsfrs: alsfrsAssessment(order, outcome.total[v] as number, gastrostomy),
      fvcPct: measureFvc(params, latent, t, s),
      weightKg: measureWeight(params, latent, order, gastrostomyMonths, t, s),
      neuro: measureNeuro(params, latent, traits, t, s),
      mas: rateMas(params, latent, order, traits, t, s),
      ecas: assessEcas(params, latent, traits, t, s),
    }
  })

  const firstDay = visitDays[0] ?? 0
  const adverseEvents = simulateAdverseEvents(
    {
      params,
      latent,
      order,
      course,
      fromDay: schedule.aeFromDay ?? Math.min(0, firstDay),
      toDay: Math.min(endDay, deathDay ?? Infinity, dropoutDay ?? Infinity),
      extractionDay: schedule.extractionDay,
      infusions: (schedule.infusions ?? []).map((i) => ({ day: i.day, active: i.active ?? true })),
      ventilationDay,
      deathDay,
    },
    rng.fork('adverse-events'),
  )
  return { baseline, progression: latent.progression, events, visits, adverseEvents }
}

function dropoutReasonOf(params: NaturalHistoryParams, rng: Rng): DropoutReason {
  const r = params.dropout.reasons
  return pickKey(rng, {
    'withdrawal-by-subject': r.withdrawalBySubject,
    'adverse-event': r.adverseEvent,
    'lost-to-follow-up': r.lostToFollowUp,
    'physician-decision': r.physicianDecision,
  })
}

/**
 * First time (months) the latent total falls to `level` or below, searched up to `until`; before
 * randomization (back to onset) if it already has; Infinity if it does not happen by `until`.
 */
function crossing(latent: LatentCourse, level: number, until: number): number {
  const below = (t: number): boolean => latentAlsfrs(latent, t) <= level
  let lo: number
  let hi: number
  if (below(0)) {
    lo = -latent.baseline.monthsSinceOnset
    hi = 0
    if (below(lo)) return lo
  } else {
    const step = 0.25
    let t = 0
    while (t < until && !below(Math.min(t + step, until))) t += step
    if (t >= until) return Infinity
    lo = t
    hi = Math.min(t + step, until)
  }
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2
    if (below(mid)) hi = mid
    else lo = mid
  }
  return hi
}
