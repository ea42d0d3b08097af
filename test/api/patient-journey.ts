/**
 * The life of a patient in the reference trial, driven through the HTTP API by the people who do each step:
 * screening, consent, eligibility, tissue extraction and lot release, enrolment, randomization, dose
 * preparation (unblinded pharmacist), infusion, monthly visits with vital signs, an adverse event and its
 * follow-up, a query, SDV and signature, the month-6 blinded re-randomization with its infusion, the extension,
 * and death. Steps run for a group of patients in lockstep (same clock, same data), so that patients of
 * different arms can be compared; a hook sees every answer (the life test checks the audit trail there).
 */
import { expect } from 'vitest'
import { TEST_PASSWORD } from '../support/index.ts'
import type { ApiClient, ApiFixture, ApiResponse } from './api-fixture.ts'

export interface Patient {
  id: string
  lotId: string
  extractionId: string
  preparationCodes: string[]
  forms: Record<string, string>
  aeId: string
  queryId: string
}

/**
 * Session settings for suites that move the clock by months: the people stay signed in (the timeouts have
 * their own test).
 */
export const LONG_SESSIONS = {
  secureCookies: false,
  sessionIdleMinutes: 5 * 365 * 24 * 60,
  sessionAbsoluteHours: 5 * 365 * 24,
}

/** Called after every successful step for every patient. */
export type StepHook = (step: string, patient: Patient, res: ApiResponse) => Promise<void> | void

const DAY = 86_400_000

export interface Team {
  readonly coordinator: ApiClient
  readonly investigator: ApiClient
  readonly pharmacist: ApiClient
  readonly monitor: ApiClient
  readonly sponsor: ApiClient
  readonly statistician: ApiClient
}

export async function signInTeam(f: ApiFixture): Promise<Team> {
  return {
    coordinator: await f.signIn('coordinator'),
    investigator: await f.signIn('investigator'),
    pharmacist: await f.signIn('unblinded-pharmacist'),
    monitor: await f.signIn('monitor'),
    sponsor: await f.signIn('sponsor'),
    statistician: await f.signIn('independent-statistician'),
  }
}

export class Journey {
  #lots = 0
  constructor(
    readonly f: ApiFixture,
    readonly team: Team,
    readonly hook: StepHook = () => undefined,
  ) {}

  get today(): string {
    return this.f.fx.clock.now().slice(0, 10)
  }

  /** Moves the clock to `days` after the first patient's screening day (the fixture's start, 08:00 UTC). */
  setDay(screeningDay: string, days: number): void {
    this.f.fx.clock.set(new Date(new Date(`${screeningDay}T08:00:00.000Z`).getTime() + days * DAY))
  }

  /** One call per patient; a non-2xx answer fails the test with the step's name. */
  async step<T = unknown>(
    name: string,
    patients: readonly Patient[],
    call: (p: Patient) => Promise<ApiResponse<T>>,
  ): Promise<ApiResponse<T>[]> {
    const answers: ApiResponse<T>[] = []
    for (const p of patients) {
      const res = await call(p)
      expect(res.status, `${name}: ${JSON.stringify(res.body).slice(0, 300)}`).toBeLessThan(300)
      await this.hook(name, p, res)
      answers.push(res)
    }
    return answers
  }

  /** Screening to enrolment for `count` new patients at MAL (lockstep). */
  async enrolPatients(count: number): Promise<Patient[]> {
    const { coordinator } = this.team
    const day0 = this.today
    const patients: Patient[] = []
    for (let i = 0; i < count; i++) {
      const res = await coordinator.post<{ id: string }>('/api/subjects', { siteId: 'MAL', screeningDate: day0 })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      const p: Patient = {
        id: res.body.id,
        lotId: '',
        extractionId: '',
        preparationCodes: [],
        forms: {},
        aeId: '',
        queryId: '',
      }
      await this.hook('screen', p, res)
      patients.push(p)
    }
    await this.step('consent', patients, (p) =>
      coordinator.post(`/api/subjects/${p.id}/consent`, { date: day0, version: '1.0' }),
    )
    const answers = Object.fromEntries([
      ...this.f.fx.protocol.protocol.eligibility.inclusion.map((c): [string, boolean] => [c.id, true]),
      ...this.f.fx.protocol.protocol.eligibility.exclusion.map((c): [string, boolean] => [c.id, false]),
    ])
    await this.step('eligibility', patients, (p) => coordinator.post(`/api/subjects/${p.id}/eligibility`, { answers }))
    await this.visit('SCR', patients, { weight: 72.4, sbp: 126, dbp: 81, hr: 74, temp: 36.6 })

    this.setDay(day0, 14)
    await this.step('extraction', patients, async (p) => {
      const res = await coordinator.post<{ extractions: { id: string }[] }>(`/api/subjects/${p.id}/extraction`, {
        date: this.today,
        tissueGrams: 85,
      })
      p.extractionId = res.body.extractions?.[0]?.id ?? ''
      return res
    })
    await this.step('manufacture', patients, (p) => {
      p.lotId = `LOT-${String(++this.#lots).padStart(3, '0')}`
      return coordinator.post(`/api/subjects/${p.id}/lots`, {
        lotId: p.lotId,
        extractionId: p.extractionId,
        date: this.today,
      })
    })
    this.setDay(day0, 35)
    const release = {
      viability: 92,
      cd_markers: 96,
      sterility: true,
      mycoplasma: true,
      endotoxin: 0.1,
      karyotype: true,
    }
    await this.step('release', patients, (p) =>
      coordinator.post(`/api/lots/${p.lotId}/release`, { date: this.today, values: release }),
    )

    this.setDay(day0, 49)
    await this.step('enrol', patients, (p) =>
      coordinator.post(`/api/subjects/${p.id}/enrol`, { date: this.today, factors: { onset: 'spinal', deltaFS: 0.6 } }),
    )
    return patients
  }

  async randomize(patients: readonly Patient[]): Promise<void> {
    await this.step('randomize', patients, (p) =>
      this.team.coordinator.post(`/api/subjects/${p.id}/randomize`, { date: this.today }),
    )
  }

  /** The arm each patient is on, as the independent statistician sees it. */
  async arms(patients: readonly Patient[]): Promise<string[]> {
    const arms: string[] = []
    for (const p of patients) {
      const res = await this.team.statistician.get<{ allocation: { periods: { assignment: { arm: string } }[] } }>(
        `/api/subjects/${p.id}`,
      )
      arms.push(res.body.allocation.periods.at(-1)?.assignment.arm ?? '?')
    }
    return arms
  }

  /** Records the visit as done today and saves its vital signs. */
  async visit(visitId: string, patients: readonly Patient[], vitals: Record<string, number>): Promise<void> {
    await this.step(`visit ${visitId}`, patients, (p) =>
      this.team.coordinator.post(`/api/subjects/${p.id}/visits/${visitId}`, { date: this.today }),
    )
    await this.step(`vitals ${visitId}`, patients, async (p) => {
      const res = await this.team.coordinator.post<{ form: { id: string } }>('/api/forms', {
        subjectId: p.id,
        visitId,
        formId: 'VITALS',
        values: vitals,
      })
      p.forms[visitId] = res.body.form?.id ?? ''
      return res
    })
  }

  /** The pharmacist prepares the period's dose; the investigator infuses it at the bedside. */
  async treat(visitId: string, patients: readonly Patient[]): Promise<void> {
    const { pharmacist, investigator } = this.team
    await this.step(`prepare ${visitId}`, patients, async (p) => {
      const res = await pharmacist.post<{ preparationCode: string }>(`/api/subjects/${p.id}/preparation`, {
        lotId: p.lotId,
        infusionDate: this.today,
        weightKg: 72,
        weightDate: this.today,
      })
      p.preparationCodes.push(res.body.preparationCode)
      return res
    })
    await this.visit(visitId, patients, { weight: 72, sbp: 122, dbp: 79, hr: 71, temp: 36.7 })
    await this.step(`infuse ${visitId}`, patients, (p) =>
      investigator.post(`/api/subjects/${p.id}/infusion`, {
        preparationCode: p.preparationCodes.at(-1),
        lotId: p.lotId,
        date: this.today,
        startedAt: `${this.today}T10:00:00.000Z`,
        endedAt: `${this.today}T10:30:00.000Z`,
        volumeMl: 50,
        status: 'completed',
      }),
    )
  }

  /** Randomization day + 3: first infusion; monthly visits to month 6 with an AE, a query, SDV and a signature. */
  async doubleBlind(patients: readonly Patient[], randomizedOn: string): Promise<void> {
    const { coordinator, investigator, monitor } = this.team
    this.setDay(randomizedOn, 3)
    const infusedOn = this.today
    await this.treat('INF1', patients)
    this.setDay(infusedOn, 7)
    await this.visit('W1', patients, { weight: 71.8, sbp: 120, dbp: 78, hr: 70, temp: 36.6 })
    await this.step('report AE', patients, async (p) => {
      const res = await investigator.post<{ id: string }>(`/api/subjects/${p.id}/adverse-events`, {
        values: {
          term: 'Headache',
          soc: 'Nervous system disorders',
          onset_date: this.today,
          ongoing: true,
          grade: 1,
          serious: false,
          causality: 'POSSIBLE',
          action: 'not-applicable',
          outcome: 'recovering',
        },
      })
      p.aeId = res.body.id
      return res
    })
    for (const [month, day] of [
      ['M1', 30],
      ['M2', 61],
      ['M3', 91],
      ['M4', 122],
      ['M5', 152],
      ['M6', 183],
    ] as const) {
      this.setDay(infusedOn, day)
      await this.visit(month, patients, {
        weight: Math.round(710 - day / 10) / 10,
        sbp: 121,
        dbp: 79,
        hr: 72,
        temp: 36.6,
      })
      if (month === 'M1') {
        await this.step('AE follow-up', patients, (p) =>
          investigator.post(`/api/adverse-events/${p.aeId}/follow-up`, {
            values: {
              term: 'Headache',
              soc: 'Nervous system disorders',
              onset_date: new Date(new Date(`${infusedOn}T00:00:00Z`).getTime() + 7 * DAY).toISOString().slice(0, 10),
              ongoing: false,
              resolution_date: this.today,
              grade: 1,
              serious: false,
              causality: 'POSSIBLE',
              action: 'not-applicable',
              outcome: 'recovered',
            },
            reason: 'resolved: follow-up at month 1',
          }),
        )
        await this.step('raise query', patients, async (p) => {
          const res = await monitor.post<{ id: string }>('/api/queries', {
            subjectId: p.id,
            formId: p.forms['M1'],
            itemId: 'sbp',
            text: 'blood pressure differs from source',
          })
          p.queryId = res.body.id
          return res
        })
        await this.step('correct form', patients, (p) =>
          coordinator.post('/api/forms', {
            subjectId: p.id,
            visitId: 'M1',
            formId: 'VITALS',
            values: { weight: 70.7, sbp: 131, dbp: 79, hr: 72, temp: 36.6 },
            reason: 'transcription error, corrected from source',
          }),
        )
        await this.step('answer query', patients, (p) =>
          coordinator.post(`/api/queries/${p.queryId}/answer`, { text: 'corrected to 131 from the source' }),
        )
        await this.step('close query', patients, (p) =>
          monitor.post(`/api/queries/${p.queryId}/close`, { text: 'verified' }),
        )
        await this.step('SDV', patients, (p) => monitor.post(`/api/forms/${p.forms['M1']}/verify`, {}))
        await this.step('sign form', patients, (p) =>
          investigator.post(`/api/forms/${p.forms['M1']}/sign`, { password: TEST_PASSWORD }),
        )
      }
    }
  }

  /** Month 6: the blinded re-randomization (placebo patients take a dose slot, the others get placebo), its infusion, months 7–12. */
  async crossover(patients: readonly Patient[]): Promise<void> {
    const start = this.today
    await this.step('re-randomize', patients, (p) =>
      this.team.coordinator.post(`/api/subjects/${p.id}/next-period`, { date: start }),
    )
    this.setDay(start, 3)
    await this.treat('INF2', patients)
    for (const [month, day] of [
      ['M7', 30],
      ['M9', 91],
      ['M12', 183],
    ] as const) {
      this.setDay(start, day)
      await this.visit(month, patients, { weight: 69.5, sbp: 119, dbp: 77, hr: 73, temp: 36.5 })
    }
  }

  /** The open-label extension, a visit, and death (survival follow-up ends). */
  async extensionAndDeath(patients: readonly Patient[]): Promise<void> {
    const start = this.today
    await this.step('enter extension', patients, (p) =>
      this.team.coordinator.post(`/api/subjects/${p.id}/next-period`, { date: start }),
    )
    this.setDay(start, 91)
    await this.visit('M15', patients, { weight: 67.9, sbp: 118, dbp: 76, hr: 78, temp: 36.6 })
    this.setDay(start, 200)
    await this.step('death', patients, (p) =>
      this.team.investigator.post(`/api/subjects/${p.id}/death`, { date: this.today, cause: 'respiratory failure' }),
    )
  }
}
