/**
 * One patient's way through the trial, acted out by the site staff through the services: screening, consent,
 * eligibility, adipose tissue extraction, manufacture and release of the lot, baseline and randomization, the
 * infusion prepared by the unblinded pharmacist from the day's weight, every visit of the protocol with its
 * forms, adverse events reported and followed up, the period changes (the month-6 re-randomization, the
 * extension), ventilation, death, withdrawal and completion.
 *
 * The patient's biology is the natural-history model. The patient is simulated once at screening under no
 * treatment, and again at each infusion with what the pharmacist actually prepared; since a treatment that
 * starts on day d changes nothing before d, everything already done stays true and only the future is replanned.
 */
import { AE_VISIT, type AdverseEventView, type SaveResult } from '../../capture/index.ts'
import type { IsoDate } from '../../domain/index.ts'
import type { CompiledForm } from '../../protocol/index.ts'
import {
  noEffect,
  simulatePatient,
  type ArmEffect,
  type SimulatedAdverseEvent,
  type SimulatedPatient,
  type TreatmentSegment,
  type VisitRecord,
} from '../model/index.ts'
import { formValues, withTranscriptionError, type FormValues } from './demo-forms.ts'
import { lastVisitOf, type CandidatePlan, type PlannedVisit } from './demo-plan.ts'
import { acknowledgeLater, registerSaved } from './demo-monitoring.ts'
import type { SubjectTruth } from './demo-tally.ts'
import { collectorOf, type SiteTeam } from './demo-team.ts'
import { dateOf, instantOf, moveTo, must, pass, saveForm, type DemoWorld } from './demo-world.ts'

/** Minutes of the day (480 = 08:00). */
const AT = { release: 495, manufacture: 660, dropout: 720, ventilation: 900, death: 960 } as const

type Step =
  | { readonly kind: 'visit'; readonly at: number; readonly visit: PlannedVisit; readonly index: number }
  | { readonly kind: 'manufacture' | 'release' | 'dropout' | 'ventilation' | 'death'; readonly at: number }
  | {
      readonly kind: 'ae-report'
      readonly at: number
      readonly ae: SimulatedAdverseEvent
      readonly key: string
      readonly awarenessAt: number | null
    }
  | { readonly kind: 'ae-resolve'; readonly at: number; readonly ae: SimulatedAdverseEvent; readonly key: string }

/** Maps the model's withdrawal reasons onto the protocol's wording. */
const WITHDRAWAL_PATTERNS: Readonly<Record<string, RegExp>> = {
  'withdrawal-by-subject': /withdrawal by subject/i,
  'adverse-event': /adverse event/i,
  'lost-to-follow-up': /lost to follow/i,
  'physician-decision': /physician/i,
}

const MINUTES_PER_DAY = 1440
/** The MedDRA release the demo's preferred terms are quoted from. */
const MEDDRA_VERSION = '27.1'

export class PatientJourney {
  readonly plan: CandidatePlan
  readonly #world: DemoWorld
  readonly #staff: SiteTeam
  #sim: SimulatedPatient
  #course: TreatmentSegment[] = [{ fromDay: 0, effect: noEffect }]
  #infusions: { day: number; active: boolean }[] = []
  #steps: Step[] = []
  #generation = 0
  #subjectId = ''
  #screeningNumber = ''
  #truth: SubjectTruth | null = null
  /** Day the subject stopped being followed for visits (withdrawal, death, screen failure, completion). */
  #endedDay: number | null = null
  #extractionId = ''
  #lotId = ''
  #lotReleased: boolean | null = null
  #deltaFs: number | null = null
  #lastWeight: { day: number; kg: number } | null = null
  /** Adverse events reported as ongoing, with the values of their form, until the follow-up that closes them. */
  readonly #openAes = new Map<string, { id: string; values: FormValues }>()

  constructor(world: DemoWorld, plan: CandidatePlan) {
    this.#world = world
    this.plan = plan
    const staff = world.team.sites.get(plan.siteId)
    if (!staff) throw new Error(`demo: no team at site ${plan.siteId}`)
    this.#staff = staff
    this.#sim = this.#simulate()
  }

  /** Plans the patient's first step (screening) in the diary. */
  start(): void {
    this.#steps = this.#buildSteps(-Infinity)
    this.#planNext()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Simulation and planning

  /** Day 0 of the model is randomization; the schedule stops at the data cut. */
  #modelDay(studyDay: number): number {
    return studyDay - this.plan.randomizationDay
  }

  #visitsInScope(): readonly PlannedVisit[] {
    const { outcome } = this.plan
    const cut = this.#world.cutDay
    const visits = this.plan.visits.filter((v) => v.day <= cut)
    if (outcome.kind === 'randomized') return visits
    // Screen failures: the screening visit, and the extraction when the tissue turns out insufficient.
    const last =
      outcome.kind === 'insufficient-tissue' ? visits.findIndex((v) => v.visit.procedures.includes('extraction')) : 0
    return visits.slice(0, last + 1)
  }

  #simulate(): SimulatedPatient {
    const visits = this.#visitsInScope()
    const visitDays = visits.map((v) => this.#modelDay(v.day))
    const extraction = visits.find((v) => v.visit.procedures.includes('extraction'))
    // A randomized patient is followed to the last visit of the protocol or to the data cut, whichever is first.
    const lastPlanned = this.plan.visits[this.plan.visits.length - 1]?.day ?? this.plan.randomizationDay
    const endDay =
      this.plan.outcome.kind === 'randomized'
        ? this.#modelDay(Math.min(this.#world.cutDay, lastPlanned))
        : (visitDays[visitDays.length - 1] ?? 0)
    return simulatePatient(this.#world.settings.params, this.#course, this.#world.patients.fork(this.plan.index), {
      visitDays,
      endDay,
      aeFromDay: this.#modelDay(this.plan.screeningDay),
      ...(extraction ? { extractionDay: this.#modelDay(extraction.day) } : {}),
      infusions: this.#infusions,
    })
  }

  /** Every step still to come after `after` (minutes since the study start), in time order. */
  #buildSteps(after: number): Step[] {
    const steps: Step[] = []
    const cutAt = (this.#world.cutDay + 1) * MINUTES_PER_DAY
    const at = (day: number, minute: number): number => day * MINUTES_PER_DAY + minute
    const r = this.plan.rng
    const R = this.plan.randomizationDay
    this.#visitsInScope().forEach((visit, index) => {
      steps.push({
        kind: 'visit',
        at: at(visit.day, 540 + 15 * r.fork('time').fork(visit.visit.id).int(16)),
        visit,
        index,
      })
    })
    if (this.plan.outcome.kind === 'randomized') {
      steps.push({ kind: 'manufacture', at: at(this.plan.manufactureDay, AT.manufacture) })
      steps.push({ kind: 'release', at: at(this.plan.releaseDay, AT.release) })
    }
    const { events } = this.#sim
    let deathAt: number | null = null
    // A candidate who declines never consents, so no adverse event is collected.
    const aes = this.plan.outcome.kind === 'declined' ? [] : this.#sim.adverseEvents
    aes.forEach((ae, i) => {
      const key = `${ae.term}@${ae.onsetDay}#${i}`
      const t = r.fork('ae').fork(`${ae.term}@${ae.onsetDay}`)
      let reportAt: number
      let awarenessAt: number | null = null
      if (ae.serious) {
        // The site learns of a serious event within hours and reports it within the 24 h the protocol allows
        // (a few reports arrive late).
        awarenessAt = at(R + ae.onsetDay, 480 + 60 * t.int(12))
        reportAt = awarenessAt + (t.next() < 0.04 ? 60 * (26 + t.int(14)) : 60 * (1 + t.int(20)))
      } else {
        reportAt = at(R + ae.onsetDay + t.int(8), 780 + 10 * t.int(24))
      }
      if (ae.origin === 'death') deathAt = reportAt + 5
      steps.push({ kind: 'ae-report', at: reportAt, ae, key, awarenessAt })
      if (ae.resolvedDay !== null && ae.outcome === 'recovered') {
        const resolveAt = at(R + ae.resolvedDay + 1 + t.int(10), 840 + 10 * t.int(18))
        if (resolveAt > reportAt) steps.push({ kind: 'ae-resolve', at: resolveAt, ae, key })
      }
    })
    if (events.ventilationDay !== null)
      steps.push({ kind: 'ventilation', at: at(R + events.ventilationDay + 1, AT.ventilation) })
    if (events.deathDay !== null) steps.push({ kind: 'death', at: deathAt ?? at(R + events.deathDay + 1, AT.death) })
    if (events.dropoutDay !== null) steps.push({ kind: 'dropout', at: at(R + events.dropoutDay, AT.dropout) })
    return steps.filter((s) => s.at > after && s.at < cutAt).sort((a, b) => a.at - b.at)
  }

  /** Puts the next step in the diary; a replan makes earlier diary entries stale. */
  #planNext(): void {
    const next = this.#steps.shift()
    if (!next) return
    const generation = this.#generation
    this.#world.agenda.add(
      { day: Math.floor(next.at / MINUTES_PER_DAY), minute: next.at % MINUTES_PER_DAY },
      async () => {
        if (generation !== this.#generation) return
        await this.#run(next)
        if (generation === this.#generation) this.#planNext()
      },
    )
  }

  /** Replans everything after the visit in progress from the patient simulated with the treatment so far. */
  #replan(now: number, visitIndex: number): void {
    this.#steps = this.#buildSteps(now - 1).filter((s) => s.at > now || !(s.kind === 'visit' && s.index <= visitIndex))
    this.#generation++
    this.#planNext()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Steps

  async #run(step: Step): Promise<void> {
    const day = Math.floor(step.at / MINUTES_PER_DAY)
    moveTo(this.#world, day, step.at % MINUTES_PER_DAY)
    switch (step.kind) {
      case 'visit':
        return this.#visit(step.visit, step.index, step.at)
      case 'manufacture':
        return this.#manufacture(day)
      case 'release':
        return this.#release(day)
      case 'ae-report':
        return this.#reportAe(step.ae, step.key, step.awarenessAt, day)
      case 'ae-resolve':
        return this.#resolveAe(step.ae, step.key)
      case 'ventilation':
        return this.#ventilation()
      case 'death':
        return this.#death(day)
      case 'dropout':
        return this.#dropout(day)
    }
  }

  #date(day: number): IsoDate {
    return dateOf(this.#world, day)
  }

  #record(index: number): VisitRecord | undefined {
    return this.#sim.visits[index]
  }

  async #visit(planned: PlannedVisit, index: number, now: number): Promise<void> {
    const { visit } = planned
    const w = this.#world
    if (visit.procedures.includes('consent') || visit.procedures.includes('eligibility'))
      return this.#screening(planned, index)
    if (this.#endedDay !== null) return
    const record = this.#record(index)
    if (!record || record.status === 'dead' || record.status === 'dropped-out') return
    const date = this.#date(planned.day)
    const c = this.#staff.coordinator
    // A procedure (randomization, infusion) happens even when the model has the patient miss the assessments.
    const procedure = visit.procedures.some((p) => p === 'randomization' || p === 'infusion')
    if (record.status === 'completed' || (record.status === 'missed' && procedure)) {
      must(await w.services.visits.record(c, this.#subjectId, visit.id, { date }), `recording visit ${visit.id}`)
      w.tally.counts.visitsDone++
      if (planned.outOfWindow) w.tally.counts.visitsOutOfWindow++
      await this.#saveForms(planned, record)
    } else {
      const reason =
        record.status === 'missed'
          ? 'The patient did not attend'
          : 'Functional assessments ended at tracheostomy/permanent ventilation'
      must(
        await w.services.visits.record(c, this.#subjectId, visit.id, { notDone: true, reason }),
        `recording visit ${visit.id} as not done`,
      )
      w.tally.counts.visitsNotDone++
    }
    if (visit.procedures.includes('extraction')) await this.#extraction(planned)
    if (visit.procedures.includes('randomization')) await this.#randomize(planned)
    if (visit.procedures.includes('infusion') && this.#endedDay === null) await this.#infuse(planned, index, now)
    await this.#periodChange(planned)
  }

  /** Screening: registration, consent, the screening forms and the eligibility checklist. */
  async #screening(planned: PlannedVisit, index: number): Promise<void> {
    const w = this.#world
    const s = w.services.subjects
    const c = this.#staff.coordinator
    const date = this.#date(planned.day)
    const subject = must(await s.screen(c, { siteId: this.plan.siteId, screeningDate: date }), 'screening')
    this.#subjectId = subject.id
    this.#screeningNumber = subject.screeningNumber
    this.#truth = w.tally.add({
      subjectId: subject.id,
      screeningNumber: subject.screeningNumber,
      siteId: this.plan.siteId,
    })
    this.#lotId = `LOT-${subject.screeningNumber}`
    const { outcome } = this.plan
    if (outcome.kind === 'declined')
      return this.#screenFail(
        planned.day,
        outcome.reason,
        'The patient decided not to take part after the information visit',
      )
    pass(w, 20)
    must(await s.recordConsent(c, subject.id, { date, version: w.protocol.study.version }), 'consent')
    const { inclusion, exclusion } = w.protocol.eligibility
    const answers: Record<string, boolean> = Object.fromEntries([
      ...inclusion.map((k): [string, boolean] => [k.id, true]),
      ...exclusion.map((k): [string, boolean] => [k.id, false]),
    ])
    if (outcome.kind === 'ineligible') {
      answers[outcome.criterion] = !answers[outcome.criterion]
      must(await s.recordEligibility(this.#staff.investigator, subject.id, { answers }), 'eligibility')
      const text = [...inclusion, ...exclusion].find((k) => k.id === outcome.criterion)?.text ?? outcome.criterion
      return this.#screenFail(planned.day, outcome.reason, `${outcome.criterion}: ${text}`)
    }
    const record = this.#record(index)
    must(await w.services.visits.record(c, subject.id, planned.visit.id, { date }), 'recording the screening visit')
    w.tally.counts.visitsDone++
    if (record?.status === 'completed') await this.#saveForms(planned, record)
    pass(w, 10)
    must(await s.recordEligibility(this.#staff.investigator, subject.id, { answers }), 'eligibility')
  }

  async #screenFail(day: number, reason: string, details: string): Promise<void> {
    must(
      await this.#world.services.subjects.screenFail(this.#staff.coordinator, this.#subjectId, {
        date: this.#date(day),
        reason,
        details,
      }),
      'screen failure',
    )
    if (this.#truth) this.#truth.screenFailure = reason
    this.#endedDay = day
  }

  /** Enters each form of the visit the model has values for, by the role that collects it. */
  async #saveForms(planned: PlannedVisit, record: VisitRecord): Promise<void> {
    if (record.status !== 'completed') return
    const w = this.#world
    for (const formId of planned.visit.forms) {
      const form = w.compiled.forms.find((f) => f.id === formId)
      if (!form) continue
      const r = this.plan.rng.fork('form').fork(`${planned.visit.id}/${formId}`)
      const values = formValues({
        form,
        record,
        baseline: this.#sim.baseline,
        plan: this.plan,
        visitId: planned.visit.id,
        date: this.#date(planned.day),
        day0: this.#date(this.plan.randomizationDay),
        rng: r,
      })
      if (!values) continue
      const wrong = this.plan.transcriptionErrors.has(`${planned.visit.id}/${formId}`)
        ? withTranscriptionError(values, r.fork('error'))
        : null
      const saved = await saveForm(w, collectorOf(this.#staff, form.instrument?.id), {
        subjectId: this.#subjectId,
        siteId: this.plan.siteId,
        visitId: planned.visit.id,
        form,
        values: wrong ?? values,
      })
      this.#afterSave(planned, form, saved, values, wrong)
    }
  }

  #afterSave(
    planned: PlannedVisit,
    form: CompiledForm,
    saved: SaveResult,
    values: FormValues,
    wrong: FormValues | null,
  ): void {
    if (form.instrument?.id === 'VITALS' && typeof values['weight'] === 'number')
      this.#lastWeight = { day: planned.day, kg: values['weight'] }
    if (
      form.instrument?.id === 'ALSFRS-R' &&
      this.#deltaFs === null &&
      typeof saved.form.derived['deltaFS'] === 'number'
    ) {
      this.#deltaFs = saved.form.derived['deltaFS']
    }
    const itemId = wrong ? Object.keys(values).find((k) => values[k] !== wrong[k]) : undefined
    registerSaved(this.#world, {
      formInstanceId: saved.form.id,
      subjectId: this.#subjectId,
      siteId: this.plan.siteId,
      visitId: planned.visit.id,
      form,
      error: itemId ? { itemId, correct: values, queryRaised: false } : null,
      autoQueries: saved.queriesRaised.length,
    })
  }

  async #extraction(planned: PlannedVisit): Promise<void> {
    const w = this.#world
    pass(w, 30)
    const view = must(
      await w.services.supply.recordExtraction(this.#staff.coordinator, this.#subjectId, {
        date: this.#date(planned.day),
        tissueGrams: this.plan.extraction.tissueGrams,
      }),
      'recording the extraction',
    )
    this.#extractionId = view.extractions.at(-1)?.id ?? ''
    if (this.plan.outcome.kind === 'insufficient-tissue') {
      const minimum = w.protocol.product?.minimumTissueGrams ?? 0
      await this.#screenFail(
        planned.day,
        this.plan.outcome.reason,
        `${this.plan.extraction.tissueGrams} g of adipose tissue obtained (at least ${minimum} g needed)`,
      )
    }
  }

  async #manufacture(day: number): Promise<void> {
    if (this.#extractionId === '' || this.#endedDay !== null) return
    const w = this.#world
    must(
      await w.services.supply.recordManufacture(w.team.manufacturing, this.#subjectId, {
        lotId: this.#lotId,
        extractionId: this.#extractionId,
        date: this.#date(day),
      }),
      'recording the lot',
    )
  }

  async #release(day: number): Promise<void> {
    if (this.#extractionId === '') return
    const w = this.#world
    const view = must(
      await w.services.supply.recordRelease(w.team.manufacturing, this.#lotId, {
        date: this.#date(day),
        values: this.plan.releaseValues,
      }),
      'recording the release',
    )
    this.#lotReleased = view.lots.find((l) => l.id === this.#lotId)?.release?.status === 'passed'
  }

  /** Enrolment with the stratification inputs, then randomization by the investigator. */
  async #randomize(planned: PlannedVisit): Promise<void> {
    const w = this.#world
    const s = w.services.subjects
    const date = this.#date(planned.day)
    const b = this.#sim.baseline
    const deltaFs = this.#deltaFs ?? Math.round(((48 - b.alsfrsTotal) / b.monthsSinceOnset) * 100) / 100
    pass(w, 10)
    must(
      await s.enrol(this.#staff.coordinator, this.#subjectId, {
        date,
        factors: { onset: b.onsetRegion === 'bulbar' ? 'bulbar' : 'spinal', deltaFS: deltaFs },
      }),
      'enrolment',
    )
    pass(w, 5)
    must(await s.randomize(this.#staff.investigator, this.#subjectId, { date }), 'randomization')
    w.tally.counts.randomized++
    const truth = this.#truth
    if (truth) {
      truth.arm = (await this.#assignment(0)).arm
      truth.periods.push(w.protocol.periods[0]?.id ?? '')
    }
  }

  /** The subject's assignment in a period, as the unblinded pharmacist sees it (the demo's ground truth). */
  async #assignment(periodIndex: number): Promise<{ readonly arm: string; readonly kind: 'allocated' | 'continues' }> {
    const view = must(
      await this.#world.services.subjects.get(this.#staff.pharmacist, this.#subjectId),
      'reading the allocation',
    )
    const allocation = view.allocation
    if (!allocation || allocation.blinded) throw new Error('demo: the pharmacist should see the allocation')
    const period = allocation.periods[periodIndex]
    if (!period) throw new Error(`demo: ${this.#screeningNumber} has no period ${periodIndex}`)
    return period.assignment
  }

  async #infuse(planned: PlannedVisit, index: number, now: number): Promise<void> {
    const w = this.#world
    const date = this.#date(planned.day)
    const truth = this.#truth
    if (this.#lotReleased !== true) {
      const reason =
        w.protocol.disposition.withdrawalReasons.find((r) => /not released|not infused/i.test(r)) ?? 'Other'
      await this.#withdraw(planned.day, reason, `Lot ${this.#lotId} failed release: the patient cannot be infused`)
      if (truth) truth.releaseFailed = true
      return
    }
    // The dose follows the weight taken at the visit, or a recent one; otherwise the pharmacy weighs the patient.
    const maxAge = w.protocol.dosing?.weightMaxAgeDays ?? 14
    const weight = this.#lastWeight
    const recent = weight !== null && planned.day - weight.day <= maxAge
    pass(w, 40)
    const sheet = must(
      await w.services.supply.prepareDose(this.#staff.pharmacist, this.#subjectId, {
        lotId: this.#lotId,
        infusionDate: date,
        ...(!recent && weight ? { weightKg: weight.kg, weightDate: date } : {}),
      }),
      'preparing the dose',
    )
    w.tally.counts.preparations++
    // The patient's biology follows what is in the bag: a re-randomized placebo patient starts the allocated
    // dose's effect now; an active patient's matched placebo leaves the first infusion's effect running.
    const active = w.protocol.arms.find((a) => a.id === sheet.arm)?.type === 'active'
    const modelDay = this.#modelDay(planned.day)
    this.#infusions = [...this.#infusions, { day: modelDay, active }]
    const current = this.#course[this.#course.length - 1]?.effect
    const effect: ArmEffect = w.settings.effects[sheet.arm] ?? noEffect
    if (active && effect !== current) this.#course = [...this.#course, { fromDay: modelDay, effect }]
    this.#sim = this.#simulate()
    const reaction = this.#sim.adverseEvents.find(
      (a) => a.origin === 'infusion' && a.onsetDay === modelDay && /infusion.related reaction/i.test(a.term),
    )
    pass(w, 45)
    const start = w.clock.now()
    const minutes = w.protocol.dosing?.preparation.infusionMinutes ?? 30
    must(
      await w.services.supply.recordInfusion(this.#staff.coordinator, this.#subjectId, {
        preparationCode: sheet.preparationCode,
        lotId: this.#lotId,
        date,
        startedAt: start,
        endedAt: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
        volumeMl: sheet.volumeMl,
        status: 'completed',
        ...(reaction ? { reaction: true, reactionDetails: `${reaction.term} (CTCAE grade ${reaction.grade})` } : {}),
      }),
      'recording the infusion',
    )
    pass(w, minutes)
    w.tally.counts.infusions++
    if (truth) truth.infusions++
    this.#replan(now, index)
  }

  /** At the last visit of a period the subject enters the next one (the month-6 crossover, the extension). */
  async #periodChange(planned: PlannedVisit): Promise<void> {
    const w = this.#world
    const periods = w.protocol.periods
    const k = periods.findIndex((p) => p.id === planned.visit.periodId)
    if (k < 0 || lastVisitOf(w.compiled, planned.visit.periodId)?.id !== planned.visit.id || this.#endedDay !== null)
      return
    const next = periods[k + 1]
    const date = this.#date(planned.day)
    if (!next) {
      pass(w, 10)
      must(await w.services.subjects.complete(this.#staff.investigator, this.#subjectId, { date }), 'completion')
      if (this.#truth) this.#truth.completed = true
      this.#endedDay = planned.day
      return
    }
    pass(w, 10)
    must(
      await w.services.subjects.enterNextPeriod(this.#staff.investigator, this.#subjectId, { date }),
      `entering ${next.id}`,
    )
    const truth = this.#truth
    if (truth) {
      const assignment = await this.#assignment(k + 1)
      truth.laterArms.push(assignment.arm)
      truth.periods.push(next.id)
      if (assignment.kind === 'allocated') truth.reRandomizedTo = assignment.arm
    }
  }

  async #withdraw(day: number, reason: string, details: string): Promise<void> {
    must(
      await this.#world.services.subjects.withdraw(this.#staff.investigator, this.#subjectId, {
        date: this.#date(day),
        reason,
        details,
      }),
      'withdrawal',
    )
    if (this.#truth) this.#truth.withdrawal = { date: this.#date(day), reason }
    this.#endedDay = day
  }

  async #dropout(day: number): Promise<void> {
    const w = this.#world
    if (this.#endedDay !== null || !this.#truth?.arm) return
    const code = this.#sim.events.dropoutReason ?? 'withdrawal-by-subject'
    const pattern = WITHDRAWAL_PATTERNS[code] ?? /other/i
    const reason = w.protocol.disposition.withdrawalReasons.find((r) => pattern.test(r)) ?? 'Other'
    await this.#withdraw(day, reason, `Withdrawn on ${this.#date(day)}`)
  }

  async #ventilation(): Promise<void> {
    const events = this.#sim.events
    if (events.ventilationDay === null || !this.#truth?.arm || this.#truth.deathDate !== null) return
    const kind = events.ventilationKind ?? 'tracheostomy'
    const date = this.#date(this.plan.randomizationDay + events.ventilationDay)
    must(
      await this.#world.services.subjects.recordEvent(this.#staff.investigator, this.#subjectId, { kind, date }),
      `recording ${kind}`,
    )
    this.#truth.ventilation = { date, kind }
  }

  async #death(day: number): Promise<void> {
    const events = this.#sim.events
    if (events.deathDay === null || this.#truth === null || this.#truth.arm === null || this.#truth.deathDate !== null)
      return
    const date = this.#date(this.plan.randomizationDay + events.deathDay)
    const fatal = this.#sim.adverseEvents.find((a) => a.origin === 'death')
    must(
      await this.#world.services.subjects.recordDeath(this.#staff.investigator, this.#subjectId, {
        date,
        cause: fatal?.term ?? 'Amyotrophic lateral sclerosis (disease progression)',
      }),
      'recording the death',
    )
    this.#truth.deathDate = date
    if (this.#endedDay === null) this.#endedDay = day
  }

  // ---------------------------------------------------------------------------------------------------------
  // Adverse events

  async #reportAe(ae: SimulatedAdverseEvent, key: string, awarenessAt: number | null, today: number): Promise<void> {
    const w = this.#world
    const truth = this.#truth
    if (!truth) return
    const R = this.plan.randomizationDay
    const onsetDay = R + ae.onsetDay
    // Events after the end of follow-up (screen failure, withdrawal) are not collected.
    if (this.#endedDay !== null && truth.deathDate === null && onsetDay > this.#endedDay) return
    const resolvedDay =
      ae.resolvedDay !== null && ae.outcome === 'recovered' && R + ae.resolvedDay <= today ? R + ae.resolvedDay : null
    const fatal = ae.outcome === 'fatal'
    const values: FormValues = {
      term: ae.term,
      pt: ae.term,
      meddra_version: MEDDRA_VERSION,
      soc: ae.soc,
      onset_date: this.#date(onsetDay),
      ongoing: resolvedDay === null && !fatal,
      ...(resolvedDay !== null ? { resolution_date: this.#date(resolvedDay) } : {}),
      ...(fatal ? { resolution_date: this.#date(onsetDay) } : {}),
      grade: ae.grade,
      serious: ae.serious,
      ...(ae.serious ? { seriousness: [...ae.seriousness] } : {}),
      causality: ae.causality,
      // A single infusion: there is no dosing to change in response to an event.
      action: 'not-applicable',
      outcome: fatal ? 'fatal' : resolvedDay !== null ? 'recovered' : 'not-recovered',
    }
    const actor = ae.serious ? this.#staff.investigator : this.#staff.coordinator
    pass(w, 8)
    const view: AdverseEventView = must(
      await w.services.safety.report(actor, this.#subjectId, {
        values,
        ...(awarenessAt !== null ? { awarenessAt: instantOf(w, 0, awarenessAt) } : {}),
      }),
      `reporting ${ae.term}`,
    )
    w.tally.counts.adverseEvents++
    if (view.classification.serious) {
      w.tally.counts.seriousAdverseEvents++
      acknowledgeLater(w, view, this.plan.rng.fork('sponsor').fork(key))
    }
    if (resolvedDay === null && !fatal) this.#openAes.set(key, { id: view.id, values })
    // The report is a version of the protocol's AE form: the monitor verifies it like the other forms.
    const form = w.compiled.forms.find((f) => f.instrument?.id === 'AE')
    if (form) {
      registerSaved(w, {
        formInstanceId: view.formId,
        subjectId: this.#subjectId,
        siteId: this.plan.siteId,
        visitId: AE_VISIT,
        form,
        error: null,
        autoQueries: 0,
      })
    }
  }

  async #resolveAe(ae: SimulatedAdverseEvent, key: string): Promise<void> {
    const open = this.#openAes.get(key)
    if (!open || ae.resolvedDay === null) return
    const w = this.#world
    pass(w, 5)
    const { ongoing: _ongoing, outcome: _outcome, ...rest } = open.values
    must(
      await w.services.safety.followUp(this.#staff.coordinator, open.id, {
        values: {
          ...rest,
          ongoing: false,
          resolution_date: this.#date(this.plan.randomizationDay + ae.resolvedDay),
          outcome: 'recovered',
        },
        reason: 'Follow-up: the event has resolved',
      }),
      `following up ${ae.term}`,
    )
    w.tally.counts.aeFollowUps++
    this.#openAes.delete(key)
  }
}
