import { z } from 'zod'
import { Action, authorize, type Actor } from '../access/index.ts'
import { AuditKind, type AuditChange, type AuditEntry } from '../audit/index.ts'
import { fail, ok, ProblemCode, SurvivalEvent, type Instant, type Result, type SiteId } from '../domain/index.ts'
import { subjectLevels } from '../randomization/index.ts'
import {
  countSubjectsAtSite,
  findSubjectByScreeningNumber,
  forUpdate,
  insertClinicalEvent,
  insertSubject,
  listClinicalEvents,
  listSubjectPeriods,
  toJson,
  updateSubject,
  type Conn,
  type SubjectTable,
} from '../store/index.ts'
import { enterPeriod, openPeriods } from './allocation.ts'
import {
  audit,
  IsoDateInput,
  dateOf,
  parse,
  requireOpen,
  requireReason,
  requireSubjectOpen,
  studyState,
  subjectFor,
  type Ctx,
  type StudyState,
} from './context.ts'
import { EligibilityRecord, SubjectStatus, subjectView, type SubjectView } from './subject-view.ts'

const Reason = z.string().trim().min(1).optional()

const Screen = z.strictObject({
  siteId: z.string().min(1),
  screeningDate: IsoDateInput,
  /** The site's own screening-log number; assigned as `<site>-<nnn>` when omitted. */
  screeningNumber: z.string().trim().min(1).max(40).optional(),
})
const Consent = z.strictObject({ date: IsoDateInput, version: z.string().trim().min(1), reason: Reason })
const Eligibility = z.strictObject({ answers: z.record(z.string(), z.boolean()), reason: Reason })
const Enrol = z.strictObject({
  date: IsoDateInput,
  factors: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
})
const OnDate = z.strictObject({ date: IsoDateInput.optional() })
const Disposition = z.strictObject({
  date: IsoDateInput,
  reason: z.string().trim().min(1),
  details: z.string().trim().optional(),
})
const Complete = z.strictObject({ date: IsoDateInput })
const Death = z.strictObject({ date: IsoDateInput, cause: z.string().trim().optional() })
const Event = z.strictObject({ kind: SurvivalEvent.exclude(['death']), date: IsoDateInput })

export type ScreenInput = z.input<typeof Screen>
export type ConsentInput = z.input<typeof Consent>
export type EligibilityInput = z.input<typeof Eligibility>
export type EnrolInput = z.input<typeof Enrol>
export type DispositionInput = z.input<typeof Disposition>

export interface SubjectService {
  /** Registers a screened subject at a site. */
  screen(actor: Actor, input: ScreenInput): Promise<Result<SubjectView>>
  /** Records informed consent (date, version of the consent form); a correction needs a reason. */
  recordConsent(actor: Actor, subjectId: string, input: ConsentInput): Promise<Result<SubjectView>>
  /**
   * Records the eligibility checklist: every inclusion criterion (true = met) and exclusion criterion
   * (true = present) of the protocol. Eligible when all inclusion criteria are met and no exclusion holds.
   */
  recordEligibility(actor: Actor, subjectId: string, input: EligibilityInput): Promise<Result<SubjectView>>
  /** Ends screening without enrolment, with a reason from the protocol's screen-failure list. */
  screenFail(actor: Actor, subjectId: string, input: DispositionInput): Promise<Result<SubjectView>>
  /** Enrols a consented, eligible subject, recording the stratification inputs the protocol's factors read. */
  enrol(actor: Actor, subjectId: string, input: EnrolInput): Promise<Result<SubjectView>>
  /**
   * Randomizes an enrolled subject into the first period through the SlotStore (stratum from the protocol's
   * factors), in one transaction with the audit record. A repeat returns the same allocation and writes nothing.
   */
  randomize(actor: Actor, subjectId: string, input?: { date?: string }): Promise<Result<SubjectView>>
  /**
   * Moves a continuing subject into the next period, e.g. the month-6 crossover: subjects on an arm the period
   * re-allocates take a slot, the others get the protocol's matched preparation. The step, its audit record
   * (masked) and the answer are the same for every blinded reader whatever the arm.
   */
  enterNextPeriod(actor: Actor, subjectId: string, input: { date: string }): Promise<Result<SubjectView>>
  /** Withdraws a subject, with a reason from the protocol's list. Randomized subjects stay in the ITT population. */
  withdraw(actor: Actor, subjectId: string, input: DispositionInput): Promise<Result<SubjectView>>
  /** Completes a subject who is in the protocol's last period. */
  complete(actor: Actor, subjectId: string, input: { date: string }): Promise<Result<SubjectView>>
  /** Records a death (a survival event; also ends follow-up of an active subject). */
  recordDeath(actor: Actor, subjectId: string, input: { date: string; cause?: string }): Promise<Result<SubjectView>>
  /** Records tracheostomy or permanent ventilation (survival events). */
  recordEvent(
    actor: Actor,
    subjectId: string,
    input: { kind: 'tracheostomy' | 'permanent-ventilation'; date: string },
  ): Promise<Result<SubjectView>>
  get(actor: Actor, subjectId: string): Promise<Result<SubjectView>>
}

type Work<T> = (tx: Conn, state: StudyState, subject: SubjectTable, at: Instant) => Promise<Result<T>>

export function subjectService(ctx: Ctx): SubjectService {
  const { protocol } = ctx

  /** Loads the subject for `action` with its row lock, refuses locked data, runs `work`, and answers the new view. */
  async function change(
    actor: Actor,
    action: Action,
    subjectId: string,
    work: Work<AuditEntry[]>,
  ): Promise<Result<SubjectView>> {
    const at = ctx.clock.now()
    return ctx.store.write(async (tx) => {
      const state = await studyState(ctx, tx, 'share')
      if (!state.ok) return state
      const subject = await subjectFor(tx, actor, action, subjectId, true)
      if (!subject.ok) return subject
      const open = requireOpen(state.value)
      if (!open.ok) return open
      const unlocked = requireSubjectOpen(subject.value)
      if (!unlocked.ok) return unlocked
      const entries = await work(tx, state.value, subject.value, at)
      if (!entries.ok) return entries
      await audit(ctx, tx, actor, at, entries.value)
      return ok(await view(tx, actor, state.value, subjectId))
    })
  }

  async function view(c: Conn, actor: Actor, state: StudyState, subjectId: string): Promise<SubjectView> {
    const subject = await c.db.selectFrom('subject').selectAll().where('id', '=', subjectId).executeTakeFirstOrThrow()
    const [periods, events] = await Promise.all([listSubjectPeriods(c, subjectId), listClinicalEvents(c, subjectId)])
    return subjectView(ctx, actor, state.phase, subject, periods, events)
  }

  /** One audit entry about the subject, with the changed fields. */
  const entry = (
    s: SubjectTable,
    kind: AuditEntry['kind'],
    changes: AuditChange[],
    reason?: string | null,
  ): AuditEntry => ({
    kind,
    entityType: 'subject',
    entityId: s.id,
    subjectId: s.id,
    siteId: s.site_id,
    changes,
    reason: reason ?? null,
  })

  const inStatus = (s: SubjectTable, allowed: readonly SubjectStatus[], what: string): Result<true> =>
    allowed.includes(s.status as SubjectStatus)
      ? ok(true)
      : fail({
          code: ProblemCode.StateInvalid,
          path: 'subjectId',
          message: `cannot ${what}: the subject is ${s.status}`,
        })

  return {
    async screen(actor, input) {
      const parsed = parse(Screen, input)
      if (!parsed.ok) return parsed
      const { siteId, screeningDate } = parsed.value
      const allowed = authorize(actor, Action.SubjectScreen, { siteId: siteId as SiteId })
      if (!allowed.ok) return allowed
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'share')
        if (!state.ok) return state
        const open = requireOpen(state.value)
        if (!open.ok) return open
        // The site row lock serialises screening numbers per site on PostgreSQL.
        const site = await forUpdate(
          tx,
          tx.db.selectFrom('site').select('id').where('id', '=', siteId),
        ).executeTakeFirst()
        if (!site) return fail({ code: ProblemCode.NotFound, path: 'siteId', message: `unknown site "${siteId}"` })
        const number =
          parsed.value.screeningNumber ??
          `${siteId}-${String((await countSubjectsAtSite(tx, siteId)) + 1).padStart(3, '0')}`
        if (await findSubjectByScreeningNumber(tx, number)) {
          return fail({
            code: ProblemCode.Conflict,
            path: 'screeningNumber',
            message: `screening number ${number} is already used`,
          })
        }
        const row: SubjectTable = {
          id: ctx.newId(),
          site_id: siteId,
          screening_number: number,
          status: SubjectStatus.Screening,
          protocol_version_id: state.value.protocolVersionId,
          screening_date: screeningDate,
          screened_at: at,
          consent_date: null,
          consent_version: null,
          eligibility: null,
          eligible: null,
          enrolment_date: null,
          factors: null,
          stratum: null,
          randomization_date: null,
          randomized_at: null,
          current_period: null,
          end_date: null,
          end_reason: null,
          death_date: null,
          emergency_unblinded_at: null,
          emergency_unblinded_by: null,
          signed_at: null,
          signed_by: null,
          locked_at: null,
          locked_by: null,
          created_at: at,
          updated_at: at,
        }
        await insertSubject(tx, row)
        await audit(ctx, tx, actor, at, [
          entry(row, AuditKind.SubjectScreened, [
            { field: 'screeningNumber', old: null, new: number },
            { field: 'screeningDate', old: null, new: screeningDate },
            { field: 'status', old: null, new: SubjectStatus.Screening },
          ]),
        ])
        return ok(await view(tx, actor, state.value, row.id))
      })
    },

    async recordConsent(actor, subjectId, input) {
      const parsed = parse(Consent, input)
      if (!parsed.ok) return parsed
      const { date, version } = parsed.value
      return change(actor, Action.SubjectScreen, subjectId, async (tx, _state, s, at) => {
        const status = inStatus(
          s,
          [SubjectStatus.Screening, SubjectStatus.Enrolled, SubjectStatus.Randomized],
          'record consent',
        )
        if (!status.ok) return status
        let reason: string | null = null
        if (s.consent_date !== null) {
          const r = requireReason(parsed.value.reason)
          if (!r.ok) return r
          reason = r.value
        }
        await updateSubject(tx, s.id, { consent_date: date, consent_version: version, updated_at: at })
        return ok([
          entry(
            s,
            AuditKind.SubjectConsented,
            [
              { field: 'consentDate', old: s.consent_date, new: date },
              { field: 'consentVersion', old: s.consent_version, new: version },
            ],
            reason,
          ),
        ])
      })
    },

    async recordEligibility(actor, subjectId, input) {
      const parsed = parse(Eligibility, input)
      if (!parsed.ok) return parsed
      const { answers } = parsed.value
      const { inclusion, exclusion } = protocol.eligibility
      const criteria = [...inclusion, ...exclusion].map((c) => c.id)
      const problems = [
        ...criteria
          .filter((id) => answers[id] === undefined)
          .map((id) => ({ code: ProblemCode.Required, path: `answers.${id}`, message: 'is required' })),
        ...Object.keys(answers)
          .filter((id) => !criteria.includes(id))
          .map((id) => ({
            code: ProblemCode.UnknownField,
            path: `answers.${id}`,
            message: 'not a criterion of the protocol',
          })),
      ]
      if (problems.length > 0) return fail(problems)
      const failed = [
        ...inclusion.filter((c) => answers[c.id] !== true),
        ...exclusion.filter((c) => answers[c.id] === true),
      ].map((c) => c.id)
      const record: EligibilityRecord = { answers, eligible: failed.length === 0, failed }
      return change(actor, Action.SubjectScreen, subjectId, async (tx, _state, s, at) => {
        const status = inStatus(s, [SubjectStatus.Screening], 'record eligibility')
        if (!status.ok) return status
        let reason: string | null = null
        if (s.eligibility !== null) {
          const r = requireReason(parsed.value.reason)
          if (!r.ok) return r
          reason = r.value
        }
        const before = s.eligibility ? EligibilityRecord.parse(JSON.parse(s.eligibility)) : null
        await updateSubject(tx, s.id, {
          eligibility: toJson(record),
          eligible: record.eligible ? 1 : 0,
          updated_at: at,
        })
        return ok([
          entry(
            s,
            AuditKind.SubjectEligibility,
            [
              ...criteria
                .filter((id) => before?.answers[id] !== answers[id])
                .map((id) => ({
                  field: `eligibility.${id}`,
                  old: before?.answers[id] ?? null,
                  new: answers[id] ?? null,
                })),
              { field: 'eligible', old: before?.eligible ?? null, new: record.eligible },
            ],
            reason,
          ),
        ])
      })
    },

    async screenFail(actor, subjectId, input) {
      const parsed = parse(Disposition, input)
      if (!parsed.ok) return parsed
      const { date, reason, details } = parsed.value
      if (!protocol.disposition.screenFailureReasons.includes(reason)) {
        return fail({
          code: ProblemCode.Invalid,
          path: 'reason',
          message: `must be one of: ${protocol.disposition.screenFailureReasons.join('; ')}`,
        })
      }
      return change(actor, Action.SubjectScreen, subjectId, async (tx, _state, s, at) => {
        const status = inStatus(s, [SubjectStatus.Screening], 'record a screen failure')
        if (!status.ok) return status
        await updateSubject(tx, s.id, {
          status: SubjectStatus.ScreenFailed,
          end_date: date,
          end_reason: reason,
          updated_at: at,
        })
        return ok([
          entry(
            s,
            AuditKind.SubjectScreenFailed,
            [
              { field: 'status', old: s.status, new: SubjectStatus.ScreenFailed },
              { field: 'endDate', old: null, new: date },
              { field: 'endReason', old: null, new: reason },
            ],
            details ?? null,
          ),
        ])
      })
    },

    async enrol(actor, subjectId, input) {
      const parsed = parse(Enrol, input)
      if (!parsed.ok) return parsed
      const { date, factors } = parsed.value
      return change(actor, Action.SubjectEnrol, subjectId, async (tx, _state, s, at) => {
        const status = inStatus(s, [SubjectStatus.Screening], 'enrol')
        if (!status.ok) return status
        if (s.consent_date === null)
          return fail({ code: ProblemCode.StateInvalid, path: 'subjectId', message: 'consent is not recorded' })
        if (s.eligible !== 1)
          return fail({ code: ProblemCode.StateInvalid, path: 'subjectId', message: 'the subject is not eligible' })
        if (date < s.consent_date)
          return fail({ code: ProblemCode.Invalid, path: 'date', message: 'enrolment cannot precede consent' })
        // Every stratification factor must be readable now, so randomization cannot fail on a missing value later.
        const levels = subjectLevels(protocol, protocol.stratification.factors, { siteId: s.site_id, values: factors })
        if (!levels.ok) return fail(levels.problems.map((p) => ({ ...p, path: `factors.${p.path}` })))
        await updateSubject(tx, s.id, {
          status: SubjectStatus.Enrolled,
          enrolment_date: date,
          factors: toJson(factors),
          updated_at: at,
        })
        return ok([
          entry(s, AuditKind.SubjectEnrolled, [
            { field: 'status', old: s.status, new: SubjectStatus.Enrolled },
            { field: 'enrolmentDate', old: null, new: date },
            ...Object.entries(factors).map(([k, v]) => ({ field: `factors.${k}`, old: null, new: v })),
          ]),
        ])
      })
    },

    async randomize(actor, subjectId, input = {}) {
      const parsed = parse(OnDate, input)
      if (!parsed.ok) return parsed
      const first = protocol.periods[0]
      if (!first) throw new Error('protocol without periods')
      return change(actor, Action.SubjectRandomize, subjectId, async (tx, state, s, at) => {
        if (s.status === SubjectStatus.Randomized && s.current_period !== null) return ok([])
        const status = inStatus(s, [SubjectStatus.Enrolled], 'randomize')
        if (!status.ok) return status
        const date = parsed.value.date ?? dateOf(at)
        const entered = await enterPeriod(ctx, tx, state, actor, s, first.id, date, at)
        if (!entered.ok) return entered
        const { assignment } = entered.value
        const slot = assignment.kind === 'allocated' ? assignment.slot : null
        await updateSubject(tx, s.id, {
          status: SubjectStatus.Randomized,
          randomization_date: date,
          randomized_at: at,
          stratum: slot?.stratum ?? null,
          current_period: first.id,
          updated_at: at,
        })
        return ok([
          ...entered.value.entries,
          entry(s, AuditKind.SubjectRandomized, [
            { field: 'status', old: s.status, new: SubjectStatus.Randomized },
            { field: 'period', old: null, new: first.id },
            { field: 'randomizationDate', old: null, new: date },
            { field: 'stratum', old: null, new: slot?.stratum ?? null },
            { field: 'arm', old: null, new: assignment.arm, sensitive: true },
            { field: 'sequence', old: null, new: slot?.sequence ?? null, sensitive: true },
          ]),
        ])
      })
    },

    async enterNextPeriod(actor, subjectId, input) {
      const parsed = parse(Complete, input)
      if (!parsed.ok) return parsed
      return change(actor, Action.SubjectRandomize, subjectId, async (tx, state, s, at) => {
        const status = inStatus(s, [SubjectStatus.Randomized], 'enter the next period')
        if (!status.ok) return status
        const index = protocol.periods.findIndex((p) => p.id === s.current_period)
        const next = protocol.periods[index + 1]
        if (!next)
          return fail({
            code: ProblemCode.StateInvalid,
            path: 'subjectId',
            message: 'the subject is in the last period',
          })
        if (next.entry.who !== 'continuing' || next.entry.from !== s.current_period) {
          return fail({
            code: ProblemCode.StateInvalid,
            path: 'subjectId',
            message: `period ${next.id} is not entered from ${s.current_period}`,
          })
        }
        const last = openPeriods(ctx, await listSubjectPeriods(tx, s.id)).at(-1)
        const previous = last?.assignment
        if (last && parsed.value.date < last.row.start_date) {
          return fail({
            code: ProblemCode.Invalid,
            path: 'date',
            message: 'the period cannot start before the previous one',
          })
        }
        const entered = await enterPeriod(ctx, tx, state, actor, s, next.id, parsed.value.date, at)
        if (!entered.ok) return entered
        const { assignment } = entered.value
        await updateSubject(tx, s.id, { current_period: next.id, updated_at: at })
        // The same fields for every subject, whatever the arm: masked, the records are identical.
        return ok([
          ...entered.value.entries,
          entry(s, next.allocation ? AuditKind.SubjectRerandomized : AuditKind.SubjectPeriodEntered, [
            { field: 'period', old: s.current_period, new: next.id },
            { field: 'periodStart', old: null, new: parsed.value.date },
            { field: 'arm', old: previous?.arm ?? null, new: assignment.arm, sensitive: true },
            { field: 'receives', old: null, new: assignment.receives, sensitive: true },
            { field: 'assignment', old: null, new: assignment.kind, sensitive: true },
          ]),
        ])
      })
    },

    async withdraw(actor, subjectId, input) {
      const parsed = parse(Disposition, input)
      if (!parsed.ok) return parsed
      const { date, reason, details } = parsed.value
      if (!protocol.disposition.withdrawalReasons.includes(reason)) {
        return fail({
          code: ProblemCode.Invalid,
          path: 'reason',
          message: `must be one of: ${protocol.disposition.withdrawalReasons.join('; ')}`,
        })
      }
      return change(actor, Action.SubjectDisposition, subjectId, async (tx, _state, s, at) => {
        const status = inStatus(s, [SubjectStatus.Enrolled, SubjectStatus.Randomized], 'withdraw')
        if (!status.ok) return status
        await updateSubject(tx, s.id, {
          status: SubjectStatus.Withdrawn,
          end_date: date,
          end_reason: reason,
          updated_at: at,
        })
        return ok([
          entry(
            s,
            AuditKind.SubjectWithdrawn,
            [
              { field: 'status', old: s.status, new: SubjectStatus.Withdrawn },
              { field: 'endDate', old: null, new: date },
              { field: 'endReason', old: null, new: reason },
            ],
            details ?? null,
          ),
        ])
      })
    },

    async complete(actor, subjectId, input) {
      const parsed = parse(Complete, input)
      if (!parsed.ok) return parsed
      return change(actor, Action.SubjectDisposition, subjectId, async (tx, _state, s, at) => {
        const status = inStatus(s, [SubjectStatus.Randomized], 'complete')
        if (!status.ok) return status
        if (s.current_period !== protocol.periods.at(-1)?.id) {
          return fail({
            code: ProblemCode.StateInvalid,
            path: 'subjectId',
            message: 'the subject has not reached the last period',
          })
        }
        await updateSubject(tx, s.id, {
          status: SubjectStatus.Completed,
          end_date: parsed.value.date,
          end_reason: 'Completed',
          updated_at: at,
        })
        return ok([
          entry(s, AuditKind.SubjectCompleted, [
            { field: 'status', old: s.status, new: SubjectStatus.Completed },
            { field: 'endDate', old: null, new: parsed.value.date },
          ]),
        ])
      })
    },

    async recordDeath(actor, subjectId, input) {
      const parsed = parse(Death, input)
      if (!parsed.ok) return parsed
      const { date, cause } = parsed.value
      return change(actor, Action.SubjectDisposition, subjectId, async (tx, _state, s, at) => {
        if (s.death_date !== null)
          return fail({ code: ProblemCode.Conflict, path: 'subjectId', message: 'a death is already recorded' })
        const status = inStatus(
          s,
          [SubjectStatus.Enrolled, SubjectStatus.Randomized, SubjectStatus.Withdrawn, SubjectStatus.Completed],
          'record a death',
        )
        if (!status.ok) return status
        // Death ends follow-up of an active subject; after withdrawal or completion it is survival follow-up only.
        const ends = s.status === SubjectStatus.Enrolled || s.status === SubjectStatus.Randomized
        await insertClinicalEvent(tx, {
          id: ctx.newId(),
          subject_id: s.id,
          kind: 'death',
          event_date: date,
          details: cause ? toJson({ cause }) : null,
          recorded_at: at,
          recorded_by: actor.userId,
        })
        await updateSubject(tx, s.id, {
          death_date: date,
          ...(ends ? { status: SubjectStatus.Died, end_date: date, end_reason: 'Death' } : {}),
          updated_at: at,
        })
        return ok([
          entry(s, AuditKind.SubjectDied, [
            { field: 'deathDate', old: null, new: date },
            ...(cause ? [{ field: 'cause', old: null, new: cause }] : []),
            ...(ends ? [{ field: 'status', old: s.status, new: SubjectStatus.Died }] : []),
          ]),
        ])
      })
    },

    async recordEvent(actor, subjectId, input) {
      const parsed = parse(Event, input)
      if (!parsed.ok) return parsed
      const { kind, date } = parsed.value
      return change(actor, Action.SubjectDisposition, subjectId, async (tx, _state, s, at) => {
        const status = inStatus(
          s,
          [SubjectStatus.Randomized, SubjectStatus.Withdrawn, SubjectStatus.Completed],
          `record ${kind}`,
        )
        if (!status.ok) return status
        const events = await listClinicalEvents(tx, s.id)
        if (events.some((e) => e.kind === kind))
          return fail({ code: ProblemCode.Conflict, path: 'kind', message: `${kind} is already recorded` })
        await insertClinicalEvent(tx, {
          id: ctx.newId(),
          subject_id: s.id,
          kind,
          event_date: date,
          details: null,
          recorded_at: at,
          recorded_by: actor.userId,
        })
        await updateSubject(tx, s.id, { updated_at: at })
        return ok([entry(s, AuditKind.SubjectEvent, [{ field: kind, old: null, new: date }])])
      })
    },

    async get(actor, subjectId) {
      const subject = await subjectFor(ctx.store, actor, Action.SubjectView, subjectId)
      if (!subject.ok) return subject
      const state = await studyState(ctx, ctx.store)
      if (!state.ok) return state
      return ok(await view(ctx.store, actor, state.value, subjectId))
    },
  }
}
