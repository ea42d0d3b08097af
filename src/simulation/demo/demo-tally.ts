/**
 * What the demo made happen, counted as it happened: the ground truth the report's CONSORT flow and the
 * summary are checked against. Arms are recorded from the unblinded pharmacist's view (the demo is the system,
 * not a blinded user), so the per-arm counts can be compared after unblinding.
 */

/** One subject's story as the demo lived it. */
export interface SubjectTruth {
  readonly subjectId: string
  readonly screeningNumber: string
  readonly siteId: string
  /** null: screen failure (with `screenFailure` set). */
  arm: string | null
  /** Arm in each later period entered, in protocol order. */
  laterArms: string[]
  screenFailure: string | null
  /** Product lot failed release: never infused. */
  releaseFailed: boolean
  infusions: number
  reRandomizedTo: string | null
  withdrawal: { readonly date: string; readonly reason: string } | null
  deathDate: string | null
  ventilation: { readonly date: string; readonly kind: string } | null
  completed: boolean
  /** Periods entered (ids), in order. */
  periods: string[]
}

export interface DemoCounts {
  screened: number
  randomized: number
  formsSaved: number
  formCorrections: number
  visitsDone: number
  visitsNotDone: number
  visitsOutOfWindow: number
  adverseEvents: number
  seriousAdverseEvents: number
  aeFollowUps: number
  saesAcknowledged: number
  saesLate: number
  queriesRaised: number
  autoQueries: number
  queriesAnswered: number
  queriesClosed: number
  formsVerified: number
  formsSigned: number
  casebooksSigned: number
  infusions: number
  preparations: number
}

export class DemoTally {
  readonly counts: DemoCounts = {
    screened: 0,
    randomized: 0,
    formsSaved: 0,
    formCorrections: 0,
    visitsDone: 0,
    visitsNotDone: 0,
    visitsOutOfWindow: 0,
    adverseEvents: 0,
    seriousAdverseEvents: 0,
    aeFollowUps: 0,
    saesAcknowledged: 0,
    saesLate: 0,
    queriesRaised: 0,
    autoQueries: 0,
    queriesAnswered: 0,
    queriesClosed: 0,
    formsVerified: 0,
    formsSigned: 0,
    casebooksSigned: 0,
    infusions: 0,
    preparations: 0,
  }
  readonly subjects = new Map<string, SubjectTruth>()

  add(subject: Pick<SubjectTruth, 'subjectId' | 'screeningNumber' | 'siteId'>): SubjectTruth {
    const truth: SubjectTruth = {
      ...subject,
      arm: null,
      laterArms: [],
      screenFailure: null,
      releaseFailed: false,
      infusions: 0,
      reRandomizedTo: null,
      withdrawal: null,
      deathDate: null,
      ventilation: null,
      completed: false,
      periods: [],
    }
    this.subjects.set(subject.subjectId, truth)
    this.counts.screened++
    return truth
  }

  /** Live figures for the progress line. */
  snapshot(): { screened: number; randomized: number; active: number; dead: number; forms: number } {
    let active = 0
    let dead = 0
    for (const s of this.subjects.values()) {
      if (s.deathDate !== null) dead++
      else if (s.arm !== null && !s.withdrawal && !s.completed) active++
    }
    return {
      screened: this.counts.screened,
      randomized: this.counts.randomized,
      active,
      dead,
      forms: this.counts.formsSaved,
    }
  }

  /** Pooled and per-arm disposition counts (the CONSORT figures the report must show). */
  disposition(arms: readonly string[]): DemoDisposition {
    const all = [...this.subjects.values()]
    const randomized = all.filter((s) => s.arm !== null)
    const count = (pred: (s: SubjectTruth) => boolean): Record<string, number> =>
      Object.fromEntries(arms.map((a) => [a, randomized.filter((s) => s.arm === a && pred(s)).length]))
    const reasons: Record<string, number> = {}
    for (const s of all) if (s.screenFailure) reasons[s.screenFailure] = (reasons[s.screenFailure] ?? 0) + 1
    const withdrawals: Record<string, number> = {}
    for (const s of randomized)
      if (s.withdrawal) withdrawals[s.withdrawal.reason] = (withdrawals[s.withdrawal.reason] ?? 0) + 1
    const reRandomized: Record<string, number> = {}
    for (const s of randomized)
      if (s.reRandomizedTo) reRandomized[s.reRandomizedTo] = (reRandomized[s.reRandomizedTo] ?? 0) + 1
    return {
      screened: all.length,
      screenFailures: all.filter((s) => s.screenFailure !== null).length,
      inScreening: all.filter((s) => s.screenFailure === null && s.arm === null).length,
      screenFailureReasons: reasons,
      randomized: randomized.length,
      randomizedByArm: count(() => true),
      releaseFailedByArm: count((s) => s.releaseFailed),
      infusedByArm: count((s) => s.infusions > 0),
      reRandomized,
      deaths: randomized.filter((s) => s.deathDate !== null).length,
      deathsByArm: count((s) => s.deathDate !== null),
      ventilations: randomized.filter((s) => s.ventilation !== null).length,
      withdrawals,
      withdrawnByArm: count((s) => s.withdrawal !== null),
      withdrawnAliveByArm: count((s) => s.withdrawal !== null && s.deathDate === null),
      completed: randomized.filter((s) => s.completed).length,
    }
  }
}

export interface DemoDisposition {
  readonly screened: number
  readonly screenFailures: number
  /** Still in screening at the data cut (neither failed nor randomized). */
  readonly inScreening: number
  readonly screenFailureReasons: Readonly<Record<string, number>>
  readonly randomized: number
  readonly randomizedByArm: Readonly<Record<string, number>>
  readonly releaseFailedByArm: Readonly<Record<string, number>>
  readonly infusedByArm: Readonly<Record<string, number>>
  /** Placebo patients re-randomized at the crossover, by the arm they were allocated to. */
  readonly reRandomized: Readonly<Record<string, number>>
  readonly deaths: number
  readonly deathsByArm: Readonly<Record<string, number>>
  readonly ventilations: number
  readonly withdrawals: Readonly<Record<string, number>>
  readonly withdrawnByArm: Readonly<Record<string, number>>
  /** Withdrawn and not known to have died by the data cut (a later death makes the subject count as died). */
  readonly withdrawnAliveByArm: Readonly<Record<string, number>>
  readonly completed: number
}
