import { z } from 'zod'
import { Action, authorize, coversSite, type Actor } from '../access/index.ts'
import { AuditKind } from '../audit/index.ts'
import { fail, ok, ProblemCode, type IsoDate, type Result, type SiteId } from '../domain/index.ts'
import { visitSchedule, visitStatus, type ScheduledVisit, type VisitStatus } from '../protocol/index.ts'
import {
  listAllSubjects,
  listFormStates,
  listVisitRecords,
  upsertVisitRecord,
  type Conn,
  type FormStateTable,
  type InfusionTable,
  type SubjectPeriodTable,
  type SubjectTable,
  type VisitRecordTable,
} from '../store/index.ts'
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
} from './context.ts'

export type FormStatus = 'entered' | 'deleted' | 'missing' | 'not-due'

/** One visit of a subject's calendar: the protocol's schedule from the subject's anchors, with what happened. */
export type CalendarVisit = ScheduledVisit & {
  readonly status: VisitStatus
  /** Recorded as not done (with the reason), as opposed to simply not recorded yet. */
  readonly notDone: { readonly reason: string } | null
  readonly actualDate: IsoDate | null
  /** Each of the visit's forms (`forms`), with whether it is entered. */
  readonly formStatus: readonly {
    readonly formId: string
    readonly status: FormStatus
    readonly formInstanceId: string | null
  }[]
}

export interface VisitCalendar {
  readonly subjectId: string
  readonly today: IsoDate
  readonly visits: readonly CalendarVisit[]
}

export interface MissingForm {
  readonly subjectId: string
  readonly siteId: string
  readonly screeningNumber: string
  readonly visitId: string
  readonly formId: string
  readonly visitDate: IsoDate
}

const RecordVisit = z.union([
  z.strictObject({ date: IsoDateInput, reason: z.string().trim().optional() }),
  z.strictObject({
    notDone: z.literal(true),
    reason: z.string().trim().min(1, 'give the reason the visit was not done'),
  }),
])
export type RecordVisitInput = z.input<typeof RecordVisit>

export interface VisitService {
  /**
   * The subject's calendar from the protocol: target dates and windows from the subject's anchors (screening,
   * randomization, first infusion, period starts), status on `today` (done, due, overdue, out-of-window,
   * missed, upcoming), and the forms entered or missing at each visit.
   */
  calendar(actor: Actor, subjectId: string, options?: { today?: string }): Promise<Result<VisitCalendar>>
  /** Records the date a visit was performed (or that it was not done, with the reason); a correction needs a reason. */
  record(actor: Actor, subjectId: string, visitId: string, input: RecordVisitInput): Promise<Result<VisitCalendar>>
  /** Forms due at performed visits but not entered, across the actor's sites (missing-form tracking). */
  missingForms(actor: Actor, filter?: { siteId?: string }): Promise<Result<readonly MissingForm[]>>
}

/** The facts a calendar is computed from, for one subject. */
export interface CalendarFacts {
  readonly subject: SubjectTable
  readonly periods: readonly SubjectPeriodTable[]
  readonly infusions: readonly InfusionTable[]
  readonly records: readonly VisitRecordTable[]
  readonly forms: readonly FormStateTable[]
}

/** Computes a subject's calendar (pure, given the facts). */
export function calendarOf(ctx: Ctx, facts: CalendarFacts, today: IsoDate): VisitCalendar {
  const { subject } = facts
  const firstPeriod = ctx.protocol.periods[0]?.id
  const firstInfusion = facts.infusions
    .filter((i) => i.period_id === firstPeriod)
    .sort((a, b) => a.infusion_date.localeCompare(b.infusion_date))[0]
  const schedule = visitSchedule(ctx.compiled, {
    screening: subject.screening_date as IsoDate,
    randomization: (subject.randomization_date ?? undefined) as IsoDate | undefined,
    infusion: firstInfusion?.infusion_date as IsoDate | undefined,
    periodStarts: Object.fromEntries(facts.periods.map((p) => [p.period_id, p.start_date as IsoDate])),
  })
  const records = new Map(facts.records.map((r) => [r.visit_id, r]))
  const visits = schedule.map((v): CalendarVisit => {
    const record = records.get(v.visitId)
    const actualDate = record?.status === 'done' ? (record.actual_date as IsoDate) : null
    const performed = actualDate !== null
    const formStatus = v.forms.map((formId) => {
      const head = facts.forms.find((f) => f.visit_id === v.visitId && f.form_id === formId)
      const status: FormStatus = head ? (head.status as 'entered' | 'deleted') : performed ? 'missing' : 'not-due'
      return { formId, status, formInstanceId: head?.id ?? null }
    })
    return {
      ...v,
      status: record?.status === 'not-done' ? 'missed' : visitStatus(v, today, actualDate),
      notDone: record?.status === 'not-done' ? { reason: record.reason ?? '' } : null,
      actualDate,
      formStatus,
    }
  })
  return { subjectId: subject.id, today, visits }
}

/** Visits no longer expected: after the subject's end of follow-up, visits not yet performed are dropped. */
export function activeVisits(calendar: VisitCalendar, subject: SubjectTable): readonly CalendarVisit[] {
  if (subject.status === 'screen-failed') return calendar.visits.filter((v) => v.actualDate !== null)
  const end = subject.end_date
  return end
    ? calendar.visits.filter((v) => v.actualDate !== null || (!v.pending && v.earliest <= end))
    : calendar.visits
}

export function visitService(ctx: Ctx): VisitService {
  async function facts(c: Conn, subject: SubjectTable): Promise<CalendarFacts> {
    const [periods, infusions, records, forms] = await Promise.all([
      c.db.selectFrom('subject_period').selectAll().where('subject_id', '=', subject.id).execute(),
      c.db.selectFrom('infusion').selectAll().where('subject_id', '=', subject.id).execute(),
      listVisitRecords(c, subject.id),
      listFormStates(c, { subjectId: subject.id }),
    ])
    return { subject, periods, infusions, records, forms }
  }

  const known = new Set(ctx.compiled.visits.map((v) => v.id))

  return {
    async calendar(actor, subjectId, options = {}) {
      const subject = await subjectFor(ctx.store, actor, Action.SubjectView, subjectId)
      if (!subject.ok) return subject
      const today = (options.today ?? dateOf(ctx.clock.now())) as IsoDate
      return ok(calendarOf(ctx, await facts(ctx.store, subject.value), today))
    },

    async record(actor, subjectId, visitId, input) {
      const parsed = parse(RecordVisit, input)
      if (!parsed.ok) return parsed
      if (!known.has(visitId))
        return fail({ code: ProblemCode.NotFound, path: 'visitId', message: `unknown visit "${visitId}"` })
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'share')
        if (!state.ok) return state
        const subject = await subjectFor(tx, actor, Action.FormEnter, subjectId, true)
        if (!subject.ok) return subject
        const open = requireOpen(state.value)
        if (!open.ok) return open
        const unlocked = requireSubjectOpen(subject.value)
        if (!unlocked.ok) return unlocked
        const before = (await listVisitRecords(tx, subjectId)).find((r) => r.visit_id === visitId)
        const done = 'date' in parsed.value
        const row: VisitRecordTable = {
          subject_id: subjectId,
          visit_id: visitId,
          status: done ? 'done' : 'not-done',
          actual_date: 'date' in parsed.value ? parsed.value.date : null,
          reason: 'date' in parsed.value ? null : parsed.value.reason,
          recorded_at: at,
          recorded_by: actor.userId,
        }
        let reason: string | null = done ? null : row.reason
        if (before) {
          const r = requireReason(parsed.value.reason)
          if (!r.ok) return r
          reason = r.value
        }
        await upsertVisitRecord(tx, row, before !== undefined)
        await audit(ctx, tx, actor, at, [
          {
            kind: AuditKind.VisitRecorded,
            entityType: 'visit',
            entityId: `${subjectId}/${visitId}`,
            subjectId,
            siteId: subject.value.site_id,
            changes: [
              { field: 'status', old: before?.status ?? null, new: row.status },
              { field: 'actualDate', old: before?.actual_date ?? null, new: row.actual_date },
            ],
            reason,
          },
        ])
        return ok(calendarOf(ctx, await facts(tx, subject.value), dateOf(at)))
      })
    },

    async missingForms(actor, filter = {}) {
      const allowed = authorize(actor, Action.FormView)
      if (!allowed.ok) return allowed
      const subjects = (await listAllSubjects(ctx.store)).filter(
        (s) => coversSite(actor, s.site_id as SiteId) && (filter.siteId === undefined || s.site_id === filter.siteId),
      )
      const today = dateOf(ctx.clock.now())
      const all = await allCalendarFacts(ctx.store)
      const missing: MissingForm[] = []
      for (const s of subjects) {
        const calendar = calendarOf(ctx, all(s), today)
        for (const v of activeVisits(calendar, s)) {
          if (!v.actualDate) continue
          for (const f of v.formStatus) {
            if (f.status === 'missing') {
              missing.push({
                subjectId: s.id,
                siteId: s.site_id,
                screeningNumber: s.screening_number,
                visitId: v.visitId,
                formId: f.formId,
                visitDate: v.actualDate,
              })
            }
          }
        }
      }
      return ok(missing)
    },
  }
}

/** Every subject's calendar facts in five queries (dashboards, missing forms). */
export async function allCalendarFacts(c: Conn): Promise<(subject: SubjectTable) => CalendarFacts> {
  const [periods, infusions, records, forms] = await Promise.all([
    c.db.selectFrom('subject_period').selectAll().execute(),
    c.db.selectFrom('infusion').selectAll().execute(),
    listVisitRecords(c),
    listFormStates(c),
  ])
  const group = <T extends { subject_id: string }>(rows: readonly T[]) => {
    const map = new Map<string, T[]>()
    for (const r of rows) {
      const list = map.get(r.subject_id)
      if (list) list.push(r)
      else map.set(r.subject_id, [r])
    }
    return map
  }
  const [p, i, r, f] = [group(periods), group(infusions), group(records), group(forms)]
  return (subject) => ({
    subject,
    periods: p.get(subject.id) ?? [],
    infusions: i.get(subject.id) ?? [],
    records: r.get(subject.id) ?? [],
    forms: f.get(subject.id) ?? [],
  })
}
