import { describe, expect, it } from 'vitest'
import { simulateAlsfrsTotals } from './cohort.ts'
import { ArmEffect, NaturalHistoryParams, defaultNaturalHistory, noEffect } from './params.ts'
import type { ArmEffect as ArmEffectType, TreatmentCourse } from './params.ts'
import { simulatePatient } from './patient.ts'
import type { PatientSchedule, SimulatedPatient, VisitRecord } from './patient.ts'
import { createRng } from './rng.ts'
import { DAYS_PER_MONTH } from './sampling.ts'
import { ECAS_DOMAINS, MAS_GRADES } from './vocabulary.ts'

/** The reference protocol's first year: screening, baseline (day 0), monthly visits; extraction and two infusions. */
const SCHEDULE: PatientSchedule = {
  visitDays: [-49, 0, 33, 64, 94, 125, 155, 186, 219, 250, 280, 311, 341, 372],
  aeFromDay: -49,
  extractionDay: -35,
  infusions: [{ day: 3 }, { day: 189 }],
}
const completed = (v: VisitRecord): v is Extract<VisitRecord, { status: 'completed' }> => v.status === 'completed'
const cohort = (
  n: number,
  seed: string,
  treatment: ArmEffectType | TreatmentCourse = noEffect,
  schedule = SCHEDULE,
  params = defaultNaturalHistory,
) => Array.from({ length: n }, (_, i) => simulatePatient(params, treatment, createRng(seed).fork(i), schedule))
const share = (xs: readonly SimulatedPatient[], f: (p: SimulatedPatient) => boolean): number =>
  xs.filter(f).length / xs.length

describe('rich path: 2,000 placebo patients over the first year', () => {
  const patients = cohort(2000, 'rich')
  const visits = patients.flatMap((p) => p.visits.filter(completed).map((v) => ({ p, v })))

  it('item-level ALSFRS-R is consistent: items 0–4 summing to the total, Q5A xor Q5B by gastrostomy, subscores 0–12', () => {
    const bad: string[] = []
    for (const { p, v } of visits) {
      const a = v.alsfrs
      const items = Object.entries(a.items)
      const sum = items.reduce((s, [, x]) => s + x, 0)
      if (items.length !== 12 || sum !== a.total || items.some(([, x]) => !Number.isInteger(x) || x < 0 || x > 4))
        bad.push(`items ${v.day}`)
      if (a.total < 0 || a.total > 48) bad.push(`total ${a.total}`)
      const peg = p.events.gastrostomyDay !== null && v.day >= p.events.gastrostomyDay
      if ('Q5B' in a.items !== peg || 'Q5A' in a.items === peg || a.gastrostomy !== peg) bad.push(`Q5 at ${v.day}`)
      const subs = Object.values(a.subscores)
      if (subs.some((s) => s < 0 || s > 12) || subs.reduce((x, y) => x + y, 0) !== a.total)
        bad.push(`subscores ${v.day}`)
    }
    expect(bad).toEqual([])
    // Gastrostomies happen (Q5B is used) but never before randomization: it is an exclusion criterion.
    expect(visits.some(({ v }) => 'Q5B' in v.alsfrs.items)).toBe(true)
    expect(patients.every((p) => p.events.gastrostomyDay === null || p.events.gastrostomyDay > 0)).toBe(true)
    // With a gastrostomy the swallowing item is mostly at the tube-feeding levels (visit noise can lift it).
    const peg = visits.filter(({ v }) => v.alsfrs.gastrostomy)
    expect(peg.filter(({ v }) => (v.alsfrs.items.Q3 ?? 4) <= 2).length / peg.length).toBeGreaterThan(0.9)
  })

  it('items move little from visit to visit within a patient', () => {
    let changes = 0
    let pairs = 0
    for (const p of patients) {
      const done = p.visits.filter(completed)
      for (let k = 1; k < done.length; k++) {
        const a = (done[k - 1] as (typeof done)[number]).alsfrs
        const b = (done[k] as (typeof done)[number]).alsfrs
        for (const id of ['Q1', 'Q2', 'Q3', 'Q4', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12'] as const) {
          changes += Math.abs((a.items[id] ?? 0) - (b.items[id] ?? 0))
        }
        changes += Math.abs((a.items.Q5A ?? a.items.Q5B ?? 0) - (b.items.Q5A ?? b.items.Q5B ?? 0))
        pairs++
      }
    }
    // Total item movement per month ≈ |Δtotal| (~1.8 with a −1/month decline and 1.5-point noise), not more.
    expect(changes / pairs).toBeLessThan(2.5)
  })

  it('keeps the other measurements within their scales', () => {
    const bad: string[] = []
    const { fvc } = defaultNaturalHistory
    for (const { v } of visits) {
      if (!Number.isInteger(v.fvcPct) || v.fvcPct < fvc.floor || v.fvcPct > 150) bad.push(`fvc ${v.fvcPct}`)
      for (const [d, max] of Object.entries(ECAS_DOMAINS)) {
        const x = v.ecas.domains[d as keyof typeof ECAS_DOMAINS]
        if (!Number.isInteger(x) || x < 0 || x > max) bad.push(`ecas ${d} ${x}`)
      }
      if (v.ecas.total !== v.ecas.alsSpecific + v.ecas.alsNonSpecific || v.ecas.total > 136) bad.push('ecas total')
      if (v.mas.length !== 14 || v.mas.some((m) => MAS_GRADES[m.ordinal] !== m.grade)) bad.push('mas')
      const n = v.neuro
      if (!(
        n.cmapAdmMv > 0 &&
        n.dmlAdmMs > 0 &&
        n.fWaveAdmPct >= 0 &&
        n.fWaveAdmPct <= 100 &&
        n.niAdm >= 0 &&
        n.munixSum > 0
      ))
        bad.push('neuro')
      if (Math.abs(n.niAdm - (n.cmapAdmMv / n.dmlAdmMs) * (n.fWaveAdmPct / 100)) > 0.006) bad.push('ni formula')
      if (!(v.weightKg >= 30 && v.weightKg < 170)) bad.push(`weight ${v.weightKg}`)
    }
    expect(bad).toEqual([])
  })

  it('has a cognitively impaired subgroup: about 30 % ECAS-abnormal (total ≤ 105) at baseline', () => {
    const baseline = patients.map((p) => p.visits[1]).filter((v) => v !== undefined && completed(v))
    const abnormal = baseline.filter((v) => v.ecas.total <= 105).length / baseline.length
    expect(abnormal).toBeGreaterThan(0.22)
    expect(abnormal).toBeLessThan(0.38)
  })

  it('declines in FVC, MUNIX, NI and weight over the year; bulbar onset loses more weight; spasticity in about half', () => {
    const pairs = patients
      .map((p) => ({ p, a: p.visits[1], b: p.visits[13] }))
      .filter(
        (
          x,
        ): x is {
          p: SimulatedPatient
          a: Extract<VisitRecord, { status: 'completed' }>
          b: Extract<VisitRecord, { status: 'completed' }>
        } => x.a !== undefined && x.b !== undefined && completed(x.a) && completed(x.b),
      )
    const mean = (f: (x: (typeof pairs)[number]) => number, xs = pairs) => xs.reduce((s, x) => s + f(x), 0) / xs.length
    // Mean FVC slope −2.2 %/month over 12.2 months ≈ −27; survivors to month 12 decline a little slower.
    const fvcChange = mean((x) => x.b.fvcPct - x.a.fvcPct)
    expect(fvcChange).toBeLessThan(-18)
    expect(fvcChange).toBeGreaterThan(-30)
    expect(mean((x) => x.b.neuro.munixSum / x.a.neuro.munixSum)).toBeLessThan(0.85)
    expect(mean((x) => x.b.neuro.niAdm / x.a.neuro.niAdm)).toBeLessThan(0.85)
    const bulbar = pairs.filter((x) => x.p.baseline.onsetRegion === 'bulbar')
    const spinal = pairs.filter((x) => x.p.baseline.onsetRegion === 'spinal')
    expect(mean((x) => x.b.weightKg - x.a.weightKg, bulbar)).toBeLessThan(
      mean((x) => x.b.weightKg - x.a.weightKg, spinal) - 0.8,
    )
    const baseline = pairs.map((x) => x.a)
    const spastic = baseline.filter((v) => v.mas.some((m) => m.ordinal > 0)).length / baseline.length
    expect(spastic).toBeGreaterThan(0.35)
    expect(spastic).toBeLessThan(0.65)
  })

  it('ends functional follow-up at tracheostomy/permanent ventilation and reports its kind', () => {
    const bad: string[] = []
    for (const p of patients) {
      const e = p.events
      if ((e.ventilationDay === null) !== (e.ventilationKind === null)) bad.push('kind')
      for (const v of p.visits) {
        if (v.day <= 0) continue
        if (e.deathDay !== null && v.day > e.deathDay && v.status !== 'dead') bad.push(`alive after death ${v.day}`)
        if (e.ventilationDay !== null && v.day > e.ventilationDay && v.status === 'completed')
          bad.push('completed after ventilation')
        if (e.dropoutDay !== null && v.day > e.dropoutDay && v.status === 'completed')
          bad.push('completed after dropout')
      }
      if ((e.dropoutDay === null) !== (e.dropoutReason === null)) bad.push('reason')
    }
    expect(bad).toEqual([])
    expect(share(patients, (p) => p.events.ventilationDay !== null)).toBeGreaterThan(0)
  })

  it('generates a realistic AE profile: most patients report AEs, falls lead the disease-related ones, no treatment events on placebo', () => {
    const within6 = share(patients, (p) => p.adverseEvents.some((a) => a.onsetDay >= 0 && a.onsetDay <= 183))
    expect(within6).toBeGreaterThan(0.65)
    expect(within6).toBeLessThan(0.95)
    const incidence = (term: string, origin: string) =>
      share(patients, (p) => p.adverseEvents.some((a) => a.term === term && a.origin === origin))
    const disease = new Set(
      patients.flatMap((p) => p.adverseEvents.filter((a) => a.origin === 'disease').map((a) => a.term)),
    )
    const fall = incidence('Fall', 'disease')
    for (const term of disease) if (term !== 'Fall') expect(incidence(term, 'disease')).toBeLessThan(fall)
    expect(incidence('Procedural pain', 'extraction')).toBeGreaterThan(0.3)
    expect(incidence('Procedural pain', 'extraction')).toBeLessThan(0.5)
    expect(patients.some((p) => p.adverseEvents.some((a) => a.origin === 'treatment'))).toBe(false)
    // Deaths in follow-up carry one fatal AE; a death after withdrawal is known (vital status) but not an AE.
    const inFollowUp = patients.filter(
      (p) => p.events.deathDay !== null && (p.events.dropoutDay ?? Infinity) >= p.events.deathDay,
    )
    expect(inFollowUp.length).toBeGreaterThan(100)
    expect(inFollowUp.every((p) => p.adverseEvents.filter((a) => a.grade === 5).length === 1)).toBe(true)
  })

  it('records each AE coherently: dates in follow-up, grade vs seriousness, grade 5 only at death', () => {
    const bad: string[] = []
    for (const p of patients) {
      const end = Math.min(
        SCHEDULE.visitDays.at(-1) as number,
        p.events.deathDay ?? Infinity,
        p.events.dropoutDay ?? Infinity,
      )
      for (const a of p.adverseEvents) {
        if (a.onsetDay < (SCHEDULE.aeFromDay as number) || a.onsetDay > end) bad.push(`${a.term} onset ${a.onsetDay}`)
        if (a.resolvedDay !== null && (a.resolvedDay < a.onsetDay || a.resolvedDay > end))
          bad.push(`${a.term} resolved`)
        if (a.serious !== a.seriousness.length > 0) bad.push('serious flag')
        if (a.grade >= 4 && !a.serious) bad.push('grade 4 not serious')
        if (a.grade <= 2 && a.serious) bad.push('grade ≤ 2 serious')
        if ((a.grade === 5) !== (a.origin === 'death') || (a.grade === 5 && a.onsetDay !== p.events.deathDay))
          bad.push('grade 5')
        if ((a.outcome === 'recovered') !== (a.resolvedDay !== null && a.grade < 5)) bad.push('outcome')
      }
    }
    expect(bad).toEqual([])
  })
})

describe('rich path agrees with the fast path', () => {
  it('gives subject i the same totals, deaths and dropouts as the cohort arrays', () => {
    const effect = ArmEffect.parse({ slopeSlowing: 0.3, hazardRatio: 0.7 })
    const rng = createRng('agree')
    const n = 200
    const fast = simulateAlsfrsTotals(defaultNaturalHistory, { A: effect }, n, SCHEDULE.visitDays, rng)
    for (let i = 0; i < n; i++) {
      const p = simulatePatient(defaultNaturalHistory, effect, rng.fork(i), SCHEDULE)
      const totals = p.visits.map((v) => (completed(v) ? v.alsfrs.total : NaN))
      expect(totals).toEqual(
        Array.from(fast.total.subarray(i * SCHEDULE.visitDays.length, (i + 1) * SCHEDULE.visitDays.length)),
      )
      const day = (m: number) => (Number.isFinite(m) ? Math.floor(m * DAYS_PER_MONTH) : null)
      expect(p.events.deathDay).toBe(day(fast.deathMonths[i] as number))
      expect(p.events.dropoutDay).toBe(day(fast.dropoutMonths[i] as number))
      expect(p.baseline.alsfrsTotal).toBe(fast.baselineTotal[i])
    }
  })
})

describe('treatment in the rich path', () => {
  it('leaves the history before a treatment switch unchanged (month-6 re-randomization)', () => {
    const dose = ArmEffect.parse({
      slopeSlowing: 0.5,
      hazardRatio: 0.5,
      extraAeRatePerYear: { Headache: 3 },
      extraInfusionAeProbability: { Pyrexia: 0.5 },
    })
    const switchDay = 189
    const placebo = cohort(200, 'switch')
    const switched = cohort(200, 'switch', [
      { fromDay: 0, effect: noEffect },
      { fromDay: switchDay, effect: dose },
    ])
    let later = 0
    placebo.forEach((p, i) => {
      const q = switched[i] as SimulatedPatient
      expect(q.baseline).toEqual(p.baseline)
      expect(q.visits.filter((v) => v.day < switchDay)).toEqual(p.visits.filter((v) => v.day < switchDay))
      const before = (s: SimulatedPatient) =>
        s.adverseEvents
          .filter((a) => a.onsetDay < switchDay)
          .map(({ term, onsetDay, grade, causality, origin }) => ({ term, onsetDay, grade, causality, origin }))
      expect(before(q)).toEqual(before(p))
      if (p.events.deathDay !== null && p.events.deathDay < switchDay) expect(q.events.deathDay).toBe(p.events.deathDay)
      if (JSON.stringify(q.visits) !== JSON.stringify(p.visits)) later++
    })
    // ... and does change what comes after it.
    expect(later).toBeGreaterThan(130)
  })

  it('recovers the extra AE rates of an active arm', () => {
    const six = { visitDays: [0, 30, 61, 91, 122, 152, 183], infusions: [{ day: 3 }] }
    const params = NaturalHistoryParams.parse({
      survival: { deathRatePerMonth: 0, ventilationRatePerMonth: 0 },
      dropout: { ratePerYear: 0 },
    })
    const dose = ArmEffect.parse({ extraAeRatePerYear: { Headache: 2 }, extraInfusionAeProbability: { Pyrexia: 0.3 } })
    const active = cohort(1000, 'extra', dose, six, params)
    const placebo = cohort(1000, 'extra', noEffect, { ...six, infusions: [{ day: 3, active: false }] }, params)
    const pyrexia = (xs: SimulatedPatient[]) => share(xs, (p) => p.adverseEvents.some((a) => a.term === 'Pyrexia'))
    // Per infusion: 0.08 (any preparation) + 0.3 (active); SE ≈ 0.015.
    expect(Math.abs(pyrexia(placebo) - 0.08)).toBeLessThan(0.03)
    expect(Math.abs(pyrexia(active) - 0.38)).toBeLessThan(0.05)
    const years = (1000 * 183) / 365.25
    const treatmentHeadaches = active
      .flatMap((p) => p.adverseEvents)
      .filter((a) => a.term === 'Headache' && a.origin === 'treatment').length
    // 2 per patient-year over ~500 patient-years; SE ≈ 0.063.
    expect(Math.abs(treatmentHeadaches / years - 2)).toBeLessThan(0.2)
  })
})

describe('rich path reproducibility', () => {
  it('gives the identical record for the same seed and a different one for another seed', () => {
    const a = simulatePatient(defaultNaturalHistory, noEffect, createRng(5).fork(1), SCHEDULE)
    expect(simulatePatient(defaultNaturalHistory, noEffect, createRng(5).fork(1), SCHEDULE)).toEqual(a)
    expect(simulatePatient(defaultNaturalHistory, noEffect, createRng(5).fork(2), SCHEDULE)).not.toEqual(a)
  })
})
