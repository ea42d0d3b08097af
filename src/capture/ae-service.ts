import { z } from 'zod'
import { Action, authorize, seesAllocation, type Actor } from '../access/index.ts'
import { AuditKind, type AuditEntry } from '../audit/index.ts'
import { fail, ok, ProblemCode, Role, type Instant, type Result, type SiteId } from '../domain/index.ts'
import {
  adverseEventFromForm,
  classifyAdverseEvent,
  type AdverseEventClassification,
  type ItemValue,
} from '../instruments/index.ts'
import type { CompiledForm } from '../protocol/index.ts'
import {
  findAdverseEvent,
  findAdverseEvents,
  findFormStateById,
  findFormVersion,
  fromJson,
  insertAdverseEvent,
  insertNotification,
  listFormVersions,
  nextAeNumber,
  updateAdverseEvent,
  type AdverseEventTable,
  type Conn,
  type SubjectTable,
} from '../store/index.ts'
import {
  audit,
  parse,
  readerSeesAllocation,
  requireOpen,
  requireSubjectOpen,
  studyState,
  subjectFor,
  type Ctx,
  type StudyState,
} from './context.ts'
import { formHistory, hiddenFor, writeFormVersion, type FormCatalogue, type FormVersionView } from './form-service.ts'

/** Visit id under which adverse events are stored as versions of the protocol's AE form (instance = AE number). */
export const AE_VISIT = 'AE'

const Values = z.record(z.string(), z.unknown())
const Report = z.strictObject({
  /** Values of the protocol's AE form (term, onset_date, grade, seriousness, causality, outcome, ...). */
  values: Values,
  /** When the site became aware of the event (the SAE clock starts here); defaults to now. */
  awarenessAt: z.iso.datetime({ offset: false }).optional(),
  /** Kept on the AE form's first version, e.g. the provenance of an imported event. */
  reason: z.string().trim().min(1).max(1000).optional(),
})
const FollowUp = z.strictObject({
  /** The complete values of the new version (a follow-up is a new version of the AE form). */
  values: Values,
  reason: z.string().trim().min(1, 'a reason is required'),
  /** When the site learnt the event had become serious (defaults to now). */
  awarenessAt: z.iso.datetime({ offset: false }).optional(),
})
const Expectedness = z.strictObject({
  expected: z.boolean(),
  /** The sponsor may upgrade (never downgrade) the investigator's causality. */
  sponsorCausality: z.string().min(1).optional(),
  reason: z.string().trim().min(1).optional(),
})
export type ReportAeInput = z.input<typeof Report>
export type FollowUpAeInput = z.input<typeof FollowUp>
export type ExpectednessInput = z.input<typeof Expectedness>

export interface SaeClock {
  readonly awarenessAt: string
  /** awareness + the protocol's `saeReportingHours` (ICH E2A practice: 24 h). */
  readonly dueAt: string
  readonly acknowledgedAt: string | null
  readonly acknowledgedBy: string | null
  /** Whole hours left (negative when late) while not acknowledged. */
  readonly hoursRemaining: number | null
  readonly overdue: boolean
}

export interface AdverseEventView {
  readonly id: string
  readonly subjectId: string
  readonly siteId: string
  readonly aeNumber: number
  /** The AE form instance (history, queries, SDV and signatures go through it). */
  readonly formId: string
  readonly version: number
  readonly values: Readonly<Record<string, ItemValue>>
  readonly term: string
  readonly onsetDate: string
  readonly endDate: string | null
  readonly grade: number | null
  readonly seriousness: readonly string[]
  readonly causality: string
  readonly outcome: string | null
  readonly status: 'ongoing' | 'resolved'
  readonly classification: AdverseEventClassification
  readonly sae: SaeClock | null
  readonly createdAt: string
  readonly updatedAt: string
}

export interface AeService {
  /** Reports an adverse event (ae.report); a serious one starts the SAE clock and notifies the sponsor. */
  report(actor: Actor, subjectId: string, input: ReportAeInput): Promise<Result<AdverseEventView>>
  /** A follow-up version until resolution, with the reason (ae.report). Becoming serious starts the clock. */
  followUp(actor: Actor, aeId: string, input: FollowUpAeInput): Promise<Result<AdverseEventView>>
  /** The sponsor's expectedness (and optional causality upgrade) for SUSAR assessment (ae.assess-expectedness). */
  assessExpectedness(actor: Actor, aeId: string, input: ExpectednessInput): Promise<Result<AdverseEventView>>
  /** The sponsor acknowledges receipt of an SAE report, which stops the clock. */
  acknowledge(actor: Actor, aeId: string): Promise<Result<AdverseEventView>>
  get(actor: Actor, aeId: string): Promise<Result<AdverseEventView & { readonly versions: readonly FormVersionView[] }>>
  /** Study-wide AE list across the actor's sites. */
  list(
    actor: Actor,
    filter?: {
      siteId?: string
      subjectId?: string
      serious?: boolean
      status?: 'ongoing' | 'resolved'
      awaitingReport?: boolean
    },
  ): Promise<Result<readonly AdverseEventView[]>>
}

const FormData = z.record(z.string(), z.json())

export function aeService(ctx: Ctx, catalogue: FormCatalogue): AeService {
  const { safety } = ctx.protocol
  const aeForm: CompiledForm | undefined = ctx.compiled.forms.find((f) => f.instrument?.id === 'AE')
  const noForm = fail<never>({
    code: ProblemCode.Unsupported,
    path: '',
    message: 'the protocol has no adverse-event form (instrument AE)',
  })

  const classify = (values: Readonly<Record<string, unknown>>): Result<AdverseEventClassification> =>
    classifyAdverseEvent(adverseEventFromForm(values), safety)

  /** The head columns that follow from the current values. */
  function headOf(values: Readonly<Record<string, unknown>>, c: AdverseEventClassification) {
    const text = (k: string) => (typeof values[k] === 'string' ? values[k] : null)
    const grade = values['grade']
    return {
      term: text('term') ?? '',
      onset_date: text('onset_date') ?? '',
      end_date: text('resolution_date'),
      grade: grade === undefined || grade === null ? null : Number(grade),
      serious: c.serious ? 1 : 0,
      causality: text('causality') ?? '',
      related: c.related ? 1 : 0,
      expected: c.expected ? 1 : 0,
      susar: c.susar ? 1 : 0,
      status: values['ongoing'] === false ? 'resolved' : 'ongoing',
      outcome: text('outcome'),
    } as const
  }

  const dueAt = (awareness: string): string =>
    new Date(new Date(awareness).getTime() + safety.saeReportingHours * 3_600_000).toISOString()

  function view(
    row: AdverseEventTable,
    version: number,
    values: Readonly<Record<string, ItemValue>>,
    now: Instant,
  ): AdverseEventView {
    const c = classify(values)
    if (!c.ok) throw new Error(`stored AE ${row.id} no longer classifies: ${c.problems[0]?.message ?? ''}`)
    const open = row.sae_due_at !== null && row.sae_acknowledged_at === null
    const due = row.sae_due_at
    return {
      id: row.id,
      subjectId: row.subject_id,
      siteId: row.site_id,
      aeNumber: row.ae_number,
      formId: row.form_state_id,
      version,
      values,
      term: row.term,
      onsetDate: row.onset_date,
      endDate: row.end_date,
      grade: row.grade,
      seriousness: adverseEventFromForm(values).seriousness,
      causality: row.causality,
      outcome: row.outcome,
      status: row.status as AdverseEventView['status'],
      classification: c.value,
      sae:
        due === null
          ? null
          : {
              awarenessAt: row.awareness_at,
              dueAt: due,
              acknowledgedAt: row.sae_acknowledged_at,
              acknowledgedBy: row.sae_acknowledged_by,
              hoursRemaining: open ? Math.floor((new Date(due).getTime() - new Date(now).getTime()) / 3_600_000) : null,
              overdue: open ? now > due : (row.sae_acknowledged_at ?? '') > due,
            },
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
  }

  async function current(
    c: Conn,
    row: AdverseEventTable,
  ): Promise<{ version: number; values: Record<string, ItemValue> }> {
    const head = await findFormStateById(c, row.form_state_id)
    const version = head && (await findFormVersion(c, head.id, head.current_version))
    if (!head || !version) throw new Error(`AE ${row.id} has no form data`)
    return {
      version: head.current_version,
      values: fromJson(FormData, version.data, `AE ${row.id}`) as Record<string, ItemValue>,
    }
  }

  const notifySponsor = (tx: Conn, row: { subject_id: string; site_id: string }, at: Instant, message: string) =>
    insertNotification(tx, {
      id: ctx.newId(),
      created_at: at,
      kind: 'sae',
      recipient_role: Role.Sponsor,
      subject_id: row.subject_id,
      site_id: row.site_id,
      message,
      read_at: null,
      read_by: null,
    })

  const aeEntry = (
    row: AdverseEventTable,
    kind: AuditEntry['kind'],
    changes: AuditEntry['changes'],
    reason: string | null = null,
  ): AuditEntry => ({
    kind,
    entityType: 'adverse_event',
    entityId: row.id,
    subjectId: row.subject_id,
    siteId: row.site_id,
    changes: changes ?? [],
    reason,
  })

  /** Loads an AE for `action` under its subject's lock, refuses locked data, and runs `work`. */
  async function change(
    actor: Actor,
    action: Action,
    aeId: string,
    work: (
      tx: Conn,
      state: StudyState,
      subject: SubjectTable,
      row: AdverseEventTable,
      at: Instant,
    ) => Promise<Result<{ entries: AuditEntry[] }>>,
  ): Promise<Result<AdverseEventView>> {
    const at = ctx.clock.now()
    return ctx.store.write(async (tx) => {
      const state = await studyState(ctx, tx, 'share')
      if (!state.ok) return state
      const found = await findAdverseEvent(tx, aeId)
      const subject = found ? await subjectFor(tx, actor, action, found.subject_id, true) : authorize(actor, action)
      if (!subject.ok && subject.problems[0]?.code === ProblemCode.Forbidden) return fail(subject.problems)
      if (!found || !subject.ok || subject.value === true)
        return fail({ code: ProblemCode.NotFound, path: 'aeId', message: 'not found' })
      const open = requireOpen(state.value)
      if (!open.ok) return open
      const unlocked = requireSubjectOpen(subject.value)
      if (!unlocked.ok) return unlocked
      const done = await work(tx, state.value, subject.value, found, at)
      if (!done.ok) return done
      await audit(ctx, tx, actor, at, done.value.entries)
      const row = await findAdverseEvent(tx, aeId)
      if (!row) throw new Error('AE vanished')
      const now = await current(tx, row)
      return ok(view(row, now.version, now.values, at))
    })
  }

  /** Writes a new version of the AE form and brings the head row (and the SAE clock) up to date. */
  async function revise(
    tx: Conn,
    actor: Actor,
    state: StudyState,
    subject: SubjectTable,
    row: AdverseEventTable,
    at: Instant,
    values: Readonly<Record<string, unknown>>,
    reason: string,
    awarenessAt: string | undefined,
  ): Promise<Result<{ entries: AuditEntry[] }>> {
    if (!aeForm) return noForm
    const written = await writeFormVersion(ctx, catalogue, tx, {
      actor,
      at,
      state,
      subject,
      key: { subjectId: subject.id, visitId: AE_VISIT, formId: aeForm.id, instance: row.ae_number },
      values,
      reason,
      unblinded: seesAllocation(actor, state.blind),
    })
    if (!written.ok) return written
    const c = classify(written.value.values)
    if (!c.ok) return c
    const becameSerious = c.value.serious && row.sae_due_at === null
    const awareness = becameSerious ? (awarenessAt ?? at) : row.awareness_at
    await updateAdverseEvent(tx, row.id, {
      ...headOf(written.value.values, c.value),
      awareness_at: awareness,
      ...(becameSerious ? { sae_due_at: dueAt(awareness) } : {}),
      updated_at: at,
    })
    const entries = [...written.value.entries]
    if (becameSerious) {
      await notifySponsor(
        tx,
        row,
        at,
        `AE #${row.ae_number} of ${subject.screening_number} became serious: report due ${dueAt(awareness)}`,
      )
      entries.push(
        aeEntry(
          row,
          AuditKind.AeUpdated,
          [
            { field: 'serious', old: false, new: true },
            { field: 'awarenessAt', old: row.awareness_at, new: awareness },
          ],
          reason,
        ),
      )
    }
    return ok({ entries })
  }

  return {
    async report(actor, subjectId, input) {
      if (!aeForm) return noForm
      const parsed = parse(Report, input)
      if (!parsed.ok) return parsed
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'share')
        if (!state.ok) return state
        const subject = await subjectFor(tx, actor, Action.AeReport, subjectId, true)
        if (!subject.ok) return subject
        const open = requireOpen(state.value)
        if (!open.ok) return open
        const unlocked = requireSubjectOpen(subject.value)
        if (!unlocked.ok) return unlocked
        const s = subject.value
        if (!s.consent_date)
          return fail({
            code: ProblemCode.StateInvalid,
            path: 'subjectId',
            message: 'adverse events are collected from consent',
          })
        const onset = parsed.value.values['onset_date']
        if (safety.collectFrom === 'consent' && typeof onset === 'string' && onset < s.consent_date) {
          return fail({
            code: ProblemCode.Invalid,
            path: 'items.onset_date',
            message: 'onset before consent is medical history, not an adverse event',
          })
        }
        const aeNumber = await nextAeNumber(tx, s.id)
        const written = await writeFormVersion(ctx, catalogue, tx, {
          actor,
          at,
          state: state.value,
          subject: s,
          key: { subjectId: s.id, visitId: AE_VISIT, formId: aeForm.id, instance: aeNumber },
          values: parsed.value.values,
          reason: parsed.value.reason,
          unblinded: seesAllocation(actor, state.value.blind),
        })
        if (!written.ok) return written
        const c = classify(written.value.values)
        if (!c.ok) return c
        const awareness = parsed.value.awarenessAt ?? at
        const row: AdverseEventTable = {
          id: ctx.newId(),
          subject_id: s.id,
          site_id: s.site_id,
          ae_number: aeNumber,
          form_state_id: written.value.form.id,
          ...headOf(written.value.values, c.value),
          awareness_at: awareness,
          sae_due_at: c.value.serious ? dueAt(awareness) : null,
          sae_acknowledged_at: null,
          sae_acknowledged_by: null,
          created_at: at,
          updated_at: at,
        }
        await insertAdverseEvent(tx, row)
        if (c.value.serious)
          await notifySponsor(
            tx,
            row,
            at,
            `SAE #${aeNumber} of ${s.screening_number}: ${row.term}; report due ${row.sae_due_at ?? ''}`,
          )
        await audit(ctx, tx, actor, at, [
          aeEntry(row, AuditKind.AeReported, [
            { field: 'aeNumber', old: null, new: aeNumber },
            { field: 'term', old: null, new: row.term },
            { field: 'serious', old: null, new: c.value.serious },
            { field: 'awarenessAt', old: null, new: awareness },
            { field: 'saeDueAt', old: null, new: row.sae_due_at },
          ]),
          ...written.value.entries,
        ])
        return ok(view(row, 1, written.value.values, at))
      })
    },

    async followUp(actor, aeId, input) {
      const parsed = parse(FollowUp, input)
      if (!parsed.ok) return parsed
      return change(actor, Action.AeReport, aeId, (tx, state, subject, row, at) =>
        revise(tx, actor, state, subject, row, at, parsed.value.values, parsed.value.reason, parsed.value.awarenessAt),
      )
    },

    async assessExpectedness(actor, aeId, input) {
      const parsed = parse(Expectedness, input)
      if (!parsed.ok) return parsed
      const { expected, sponsorCausality } = parsed.value
      return change(actor, Action.AeAssessExpectedness, aeId, async (tx, state, subject, row, at) => {
        const before = await current(tx, row)
        const values = {
          ...before.values,
          expectedness: expected ? 'expected' : 'unexpected',
          ...(sponsorCausality ? { sponsor_causality: sponsorCausality } : {}),
        }
        const was = classify(before.values)
        const now = classify(values)
        if (!now.ok) return now
        if (was.ok && was.value.related && !now.value.related) {
          return fail({
            code: ProblemCode.Invalid,
            path: 'sponsorCausality',
            message: 'the sponsor may upgrade but not downgrade causality',
          })
        }
        const revised = await revise(
          tx,
          actor,
          state,
          subject,
          row,
          at,
          values,
          parsed.value.reason ?? 'sponsor assessment of expectedness',
          undefined,
        )
        if (!revised.ok) return revised
        return ok({
          entries: [
            ...revised.value.entries,
            aeEntry(row, AuditKind.AeExpectedness, [
              { field: 'expected', old: row.expected === 1, new: now.value.expected },
              { field: 'susar', old: row.susar === 1, new: now.value.susar },
            ]),
          ],
        })
      })
    },

    async acknowledge(actor, aeId) {
      return change(actor, Action.AeAssessExpectedness, aeId, async (tx, _state, _subject, row, at) => {
        if (row.sae_due_at === null)
          return fail({ code: ProblemCode.StateInvalid, path: 'aeId', message: 'not a serious adverse event' })
        if (row.sae_acknowledged_at !== null)
          return fail({ code: ProblemCode.Conflict, path: 'aeId', message: 'already acknowledged' })
        await updateAdverseEvent(tx, row.id, {
          sae_acknowledged_at: at,
          sae_acknowledged_by: actor.userId,
          updated_at: at,
        })
        return ok({
          entries: [
            aeEntry(row, AuditKind.SaeAcknowledged, [
              { field: 'acknowledgedAt', old: null, new: at },
              { field: 'onTime', old: null, new: at <= row.sae_due_at },
            ]),
          ],
        })
      })
    },

    async get(actor, aeId) {
      const row = await findAdverseEvent(ctx.store, aeId)
      const allowed = authorize(actor, Action.AeView, row ? { siteId: row.site_id as SiteId } : {})
      if (!allowed.ok && allowed.problems[0]?.code === ProblemCode.Forbidden) return allowed
      if (!row || !allowed.ok) return fail({ code: ProblemCode.NotFound, path: 'aeId', message: 'not found' })
      const now = await current(ctx.store, row)
      return ok({
        ...view(row, now.version, now.values, ctx.clock.now()),
        versions: formHistory(
          await listFormVersions(ctx.store, row.form_state_id),
          hiddenFor(catalogue, aeForm?.id ?? '', await readerSeesAllocation(ctx, actor)),
        ),
      })
    },

    async list(actor, filter = {}) {
      const allowed = authorize(actor, Action.AeView)
      if (!allowed.ok) return allowed
      const rows = await findAdverseEvents(ctx.store, {
        siteIds: actor.sites,
        ...(filter.siteId !== undefined ? { siteId: filter.siteId } : {}),
        ...(filter.subjectId !== undefined ? { subjectId: filter.subjectId } : {}),
        ...(filter.serious !== undefined ? { serious: filter.serious } : {}),
        ...(filter.status !== undefined ? { status: filter.status } : {}),
        ...(filter.awaitingReport !== undefined ? { awaitingReport: filter.awaitingReport } : {}),
      })
      const now = ctx.clock.now()
      const views: AdverseEventView[] = []
      for (const r of rows) {
        const cur = await current(ctx.store, r)
        views.push(view(r, cur.version, cur.values, now))
      }
      return ok(views)
    },
  }
}
