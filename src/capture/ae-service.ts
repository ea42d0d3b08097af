import { z } from 'zod'
import { Action, authorize, type Actor } from '../access/index.ts'
import { AuditKind, type AuditChange, type AuditEntry } from '../audit/index.ts'
import { fail, ok, ProblemCode, Role, type Instant, type Result, type SiteId } from '../domain/index.ts'
import { classifyAdverseEvent } from '../instruments/index.ts'
import { canonicalJson } from '../protocol/index.ts'
import {
  findAdverseEvent,
  findAdverseEvents,
  fromJson,
  insertAdverseEvent,
  insertNotification,
  listAeVersions,
  nextAeNumber,
  toJson,
  updateAdverseEvent,
  type AdverseEventTable,
  type AeVersionTable,
  type Conn,
} from '../store/index.ts'
import {
  audit,
  parse,
  requireOpen,
  requireReason,
  requireSubjectOpen,
  studyState,
  subjectFor,
  type Ctx,
} from './context.ts'

const IsoDateInput = z.iso.date('must be an ISO date such as 2026-01-31')
export const AeOutcome = z.enum([
  'recovered',
  'recovering',
  'not-recovered',
  'recovered-with-sequelae',
  'fatal',
  'unknown',
])

/** What the investigator reports and follows up; the sponsor's assessments are kept beside it. */
export const AeData = z.strictObject({
  term: z.string().trim().min(1).max(200),
  /** MedDRA preferred term once coded. */
  preferredTerm: z.string().trim().min(1).optional(),
  onsetDate: IsoDateInput,
  /** Date the event resolved (or the date of death for a fatal outcome). */
  endDate: IsoDateInput.optional(),
  /** CTCAE grade 1–5 (severity, not seriousness). */
  grade: z.number().int().min(1).max(5),
  /** ICH E2A seriousness criteria ticked; empty = not serious. */
  seriousness: z.array(z.string()),
  /** Investigator's WHO-UMC causality. */
  causality: z.string().min(1),
  outcome: AeOutcome.optional(),
  description: z.string().trim().max(8000).optional(),
})
export type AeData = z.infer<typeof AeData>

const Report = AeData.extend({
  seriousness: z.array(z.string()).default([]),
  /** When the site became aware of the event (the SAE clock starts here); defaults to now. */
  awarenessAt: z.iso.datetime({ offset: false }).optional(),
})
const FollowUp = AeData.partial().extend({
  reason: z.string().trim().optional(),
  awarenessAt: z.iso.datetime({ offset: false }).optional(),
})
const Expectedness = z.strictObject({
  expected: z.boolean(),
  /** The sponsor may upgrade (never downgrade) the investigator's causality. */
  sponsorCausality: z.string().min(1).optional(),
  reason: z.string().trim().optional(),
})

export type ReportAeInput = z.input<typeof Report>
export type FollowUpAeInput = z.input<typeof FollowUp>

/** Stored with each version: the investigator's data plus the sponsor's assessment. */
const StoredAe = AeData.extend({
  sponsorCausality: z.string().optional(),
  expectedness: z.enum(['expected', 'unexpected']).optional(),
})
type StoredAe = z.infer<typeof StoredAe>

export interface SaeClock {
  readonly awarenessAt: string
  /** awareness + the protocol's `saeReportingHours` (ICH E2A practice: 24 h). */
  readonly dueAt: string
  readonly acknowledgedAt: string | null
  readonly acknowledgedBy: string | null
  /** Whole hours left (negative when overdue) while not acknowledged. */
  readonly hoursRemaining: number | null
  readonly overdue: boolean
}

export interface AdverseEventView extends StoredAe {
  readonly id: string
  readonly subjectId: string
  readonly siteId: string
  readonly aeNumber: number
  readonly version: number
  readonly serious: boolean
  readonly related: boolean
  /** The sponsor's decision when made, else from the protocol's expected terms. */
  readonly expected: boolean
  readonly susar: boolean
  readonly status: 'ongoing' | 'resolved'
  readonly sae: SaeClock | null
  readonly createdAt: string
  readonly updatedAt: string
}

export interface AeVersionView {
  readonly version: number
  readonly data: StoredAe
  readonly savedAt: string
  readonly savedBy: string
  readonly savedRole: string
  readonly reason: string | null
}

export interface AeService {
  /** Reports an adverse event (ae.report); a serious one starts the SAE clock and notifies the sponsor. */
  report(actor: Actor, subjectId: string, input: ReportAeInput): Promise<Result<AdverseEventView>>
  /** A follow-up version until resolution (changed fields only; reason required for corrections of earlier data). */
  followUp(actor: Actor, aeId: string, input: FollowUpAeInput): Promise<Result<AdverseEventView>>
  /** The sponsor's expectedness (and optional causality upgrade) for SUSAR assessment. */
  assessExpectedness(
    actor: Actor,
    aeId: string,
    input: { expected: boolean; sponsorCausality?: string; reason?: string },
  ): Promise<Result<AdverseEventView>>
  /** The sponsor acknowledges receipt of an SAE report, which stops the clock. */
  acknowledge(actor: Actor, aeId: string): Promise<Result<AdverseEventView>>
  get(actor: Actor, aeId: string): Promise<Result<AdverseEventView & { readonly versions: readonly AeVersionView[] }>>
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

export function aeService(ctx: Ctx): AeService {
  const { safety } = ctx.protocol
  const hours = safety.saeReportingHours

  function classify(data: StoredAe): Result<{ serious: boolean; related: boolean; expected: boolean; susar: boolean }> {
    const c = classifyAdverseEvent(
      {
        term: data.term,
        preferredTerm: data.preferredTerm,
        seriousness: data.seriousness,
        causality: data.causality,
        sponsorCausality: data.sponsorCausality,
        expectedness: data.expectedness,
      },
      safety,
    )
    return c.ok ? ok(c.value) : c
  }

  /** The head row for data (status from outcome and end date). */
  function headOf(data: StoredAe, cls: { serious: boolean; related: boolean; expected: boolean; susar: boolean }) {
    const resolved =
      data.endDate !== undefined &&
      data.outcome !== undefined &&
      data.outcome !== 'recovering' &&
      data.outcome !== 'not-recovered'
    return {
      term: data.term,
      onset_date: data.onsetDate,
      end_date: data.endDate ?? null,
      grade: data.grade,
      serious: cls.serious ? 1 : 0,
      seriousness: toJson(data.seriousness),
      causality: data.causality,
      related: cls.related ? 1 : 0,
      expected: data.expectedness === undefined ? null : data.expectedness === 'expected' ? 1 : 0,
      susar: cls.susar ? 1 : 0,
      status: resolved ? 'resolved' : 'ongoing',
      outcome: data.outcome ?? null,
    } as const
  }

  const dueAt = (awareness: string): string => new Date(new Date(awareness).getTime() + hours * 3_600_000).toISOString()

  function view(row: AdverseEventTable, data: StoredAe, now: Instant): AdverseEventView {
    const cls = classify(data)
    if (!cls.ok) throw new Error(`stored AE ${row.id} no longer classifies: ${cls.problems[0]?.message ?? ''}`)
    const open = row.sae_due_at !== null && row.sae_acknowledged_at === null
    const left = row.sae_due_at
      ? Math.floor((new Date(row.sae_due_at).getTime() - new Date(now).getTime()) / 3_600_000)
      : null
    return {
      ...data,
      id: row.id,
      subjectId: row.subject_id,
      siteId: row.site_id,
      aeNumber: row.ae_number,
      version: row.current_version,
      ...cls.value,
      status: row.status as AdverseEventView['status'],
      sae:
        row.sae_due_at === null
          ? null
          : {
              awarenessAt: row.awareness_at,
              dueAt: row.sae_due_at,
              acknowledgedAt: row.sae_acknowledged_at,
              acknowledgedBy: row.sae_acknowledged_by,
              hoursRemaining: open ? left : null,
              overdue: open
                ? now > row.sae_due_at
                : row.sae_acknowledged_at !== null && row.sae_acknowledged_at > row.sae_due_at,
            },
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
  }

  async function currentData(c: Conn, row: AdverseEventTable): Promise<StoredAe> {
    const version = await c.db
      .selectFrom('ae_version')
      .select('data')
      .where('ae_id', '=', row.id)
      .where('version', '=', row.current_version)
      .executeTakeFirstOrThrow()
    return fromJson(StoredAe, version.data, `AE ${row.id}`)
  }

  const versionRow = (
    ctx_: Ctx,
    aeId: string,
    version: number,
    data: StoredAe,
    actor: Actor,
    at: Instant,
    reason: string | null,
  ): AeVersionTable => ({
    id: ctx_.newId(),
    ae_id: aeId,
    version,
    data: toJson(data),
    saved_at: at,
    saved_by: actor.userId,
    saved_role: actor.role,
    reason,
  })

  const notifySponsor = async (
    tx: Conn,
    row: { id: string; subject_id: string; site_id: string },
    at: Instant,
    message: string,
  ) =>
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

  /** Loads an AE for `action` on its site and runs `work` under the subject's lock. */
  async function change(
    actor: Actor,
    action: Action,
    aeId: string,
    clinical: boolean,
    work: (tx: Conn, row: AdverseEventTable, data: StoredAe, at: Instant) => Promise<Result<AuditEntry[]>>,
  ): Promise<Result<AdverseEventView>> {
    const at = ctx.clock.now()
    return ctx.store.write(async (tx) => {
      const state = await studyState(ctx, tx, 'share')
      if (!state.ok) return state
      const found = await findAdverseEvent(tx, aeId)
      const allowed = authorize(actor, action, found ? { siteId: found.site_id as SiteId } : {})
      if (!found || !allowed.ok) {
        return !allowed.ok && allowed.problems[0]?.code === ProblemCode.Forbidden
          ? allowed
          : fail({ code: ProblemCode.NotFound, path: 'aeId', message: 'not found' })
      }
      const subject = await subjectFor(tx, actor, action, found.subject_id, true)
      if (!subject.ok) return subject
      const open = requireOpen(state.value)
      if (!open.ok) return open
      if (clinical) {
        const unlocked = requireSubjectOpen(subject.value)
        if (!unlocked.ok) return unlocked
      }
      const entries = await work(tx, found, await currentData(tx, found), at)
      if (!entries.ok) return entries
      await audit(ctx, tx, actor, at, entries.value)
      const row = await findAdverseEvent(tx, aeId)
      if (!row) throw new Error('AE vanished')
      return ok(view(row, await currentData(tx, row), at))
    })
  }

  const aeEntry = (
    row: { id: string; subject_id: string; site_id: string },
    kind: AuditEntry['kind'],
    changes: AuditChange[],
    reason: string | null = null,
  ): AuditEntry => ({
    kind,
    entityType: 'adverse_event',
    entityId: row.id,
    subjectId: row.subject_id,
    siteId: row.site_id,
    changes,
    reason,
  })

  return {
    async report(actor, subjectId, input) {
      const parsed = parse(Report, input)
      if (!parsed.ok) return parsed
      const { awarenessAt, ...data } = parsed.value
      const cls = classify(data)
      if (!cls.ok) return cls
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
        if (data.onsetDate < s.consent_date && safety.collectFrom === 'consent') {
          return fail({
            code: ProblemCode.Invalid,
            path: 'onsetDate',
            message: 'onset before consent is medical history, not an adverse event',
          })
        }
        const awareness = awarenessAt ?? at
        const id = ctx.newId()
        const row: AdverseEventTable = {
          id,
          subject_id: s.id,
          site_id: s.site_id,
          ae_number: await nextAeNumber(tx, s.id),
          current_version: 1,
          ...headOf(data, cls.value),
          awareness_at: awareness,
          sae_due_at: cls.value.serious ? dueAt(awareness) : null,
          sae_acknowledged_at: null,
          sae_acknowledged_by: null,
          created_at: at,
          updated_at: at,
        }
        await insertAdverseEvent(tx, row, versionRow(ctx, id, 1, data, actor, at, null))
        if (cls.value.serious) {
          await notifySponsor(
            tx,
            row,
            at,
            `SAE ${s.screening_number} #${row.ae_number}: ${data.term}; report due ${row.sae_due_at ?? ''}`,
          )
        }
        await audit(ctx, tx, actor, at, [
          aeEntry(row, AuditKind.AeReported, [
            ...Object.entries(data).map(([field, value]) => ({ field, old: null, new: value as AuditChange['new'] })),
            { field: 'serious', old: null, new: cls.value.serious },
            { field: 'awarenessAt', old: null, new: awareness },
          ]),
        ])
        return ok(view(row, data, at))
      })
    },

    async followUp(actor, aeId, input) {
      const parsed = parse(FollowUp, input)
      if (!parsed.ok) return parsed
      const { reason: given, awarenessAt, ...fields } = parsed.value
      const patch = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<AeData>
      return change(actor, Action.AeReport, aeId, true, async (tx, row, before, at) => {
        const data: StoredAe = { ...before, ...patch }
        const changes = (Object.keys(patch) as (keyof AeData)[])
          .filter((k) => canonicalJson(before[k] ?? null) !== canonicalJson(data[k] ?? null))
          .map((field): AuditChange => ({ field, old: before[field] ?? null, new: data[field] ?? null }))
        if (changes.length === 0) return fail({ code: ProblemCode.Invalid, path: '', message: 'nothing changed' })
        // Completing what was unknown (end date, outcome) is follow-up; changing what was reported is a correction.
        const corrects = changes.some((c) => c.old !== null)
        let reason: string | null = given ?? null
        if (corrects) {
          const r = requireReason(given)
          if (!r.ok) return r
          reason = r.value
        }
        const cls = classify(data)
        if (!cls.ok) return cls
        const becameSerious = cls.value.serious && row.sae_due_at === null
        const awareness = becameSerious ? (awarenessAt ?? at) : row.awareness_at
        const version = row.current_version + 1
        await updateAdverseEvent(
          tx,
          row.id,
          {
            ...headOf(data, cls.value),
            current_version: version,
            awareness_at: awareness,
            ...(becameSerious ? { sae_due_at: dueAt(awareness) } : {}),
            updated_at: at,
          },
          versionRow(ctx, row.id, version, data, actor, at, reason),
        )
        if (becameSerious)
          await notifySponsor(
            tx,
            row,
            at,
            `AE #${row.ae_number} became serious: ${data.term}; report due ${dueAt(awareness)}`,
          )
        return ok([aeEntry(row, AuditKind.AeUpdated, changes, reason)])
      })
    },

    async assessExpectedness(actor, aeId, input) {
      const parsed = parse(Expectedness, input)
      if (!parsed.ok) return parsed
      return change(actor, Action.AeAssessExpectedness, aeId, false, async (tx, row, before, at) => {
        const data: StoredAe = {
          ...before,
          expectedness: parsed.value.expected ? 'expected' : 'unexpected',
          ...(parsed.value.sponsorCausality ? { sponsorCausality: parsed.value.sponsorCausality } : {}),
        }
        const cls = classify(data)
        if (!cls.ok) return cls
        const previous = classify(before)
        if (previous.ok && previous.value.related && !cls.value.related) {
          return fail({
            code: ProblemCode.Invalid,
            path: 'sponsorCausality',
            message: 'the sponsor may upgrade but not downgrade causality',
          })
        }
        const version = row.current_version + 1
        await updateAdverseEvent(
          tx,
          row.id,
          { ...headOf(data, cls.value), current_version: version, updated_at: at },
          versionRow(ctx, row.id, version, data, actor, at, parsed.value.reason ?? null),
        )
        return ok([
          aeEntry(
            row,
            AuditKind.AeExpectedness,
            [
              { field: 'expectedness', old: before.expectedness ?? null, new: data.expectedness ?? null },
              { field: 'sponsorCausality', old: before.sponsorCausality ?? null, new: data.sponsorCausality ?? null },
              { field: 'susar', old: row.susar === 1, new: cls.value.susar },
            ],
            parsed.value.reason ?? null,
          ),
        ])
      })
    },

    async acknowledge(actor, aeId) {
      return change(actor, Action.AeAssessExpectedness, aeId, false, async (tx, row, _data, at) => {
        if (row.sae_due_at === null)
          return fail({ code: ProblemCode.StateInvalid, path: 'aeId', message: 'not a serious adverse event' })
        if (row.sae_acknowledged_at !== null)
          return fail({ code: ProblemCode.Conflict, path: 'aeId', message: 'already acknowledged' })
        await tx.db
          .updateTable('adverse_event')
          .set({ sae_acknowledged_at: at, sae_acknowledged_by: actor.userId, updated_at: at })
          .where('id', '=', row.id)
          .execute()
        return ok([
          aeEntry(row, AuditKind.SaeAcknowledged, [
            { field: 'acknowledgedAt', old: null, new: at },
            { field: 'onTime', old: null, new: at <= row.sae_due_at },
          ]),
        ])
      })
    },

    async get(actor, aeId) {
      const row = await findAdverseEvent(ctx.store, aeId)
      const allowed = authorize(actor, Action.AeView, row ? { siteId: row.site_id as SiteId } : {})
      if (!allowed.ok && allowed.problems[0]?.code === ProblemCode.Forbidden) return allowed
      if (!row || !allowed.ok) return fail({ code: ProblemCode.NotFound, path: 'aeId', message: 'not found' })
      const versions = await listAeVersions(ctx.store, aeId)
      return ok({
        ...view(row, await currentData(ctx.store, row), ctx.clock.now()),
        versions: versions.map((v) => ({
          version: v.version,
          data: fromJson(StoredAe, v.data, `AE ${aeId} v${v.version}`),
          savedAt: v.saved_at,
          savedBy: v.saved_by,
          savedRole: v.saved_role,
          reason: v.reason,
        })),
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
      const versions =
        rows.length === 0
          ? []
          : await ctx.store.db
              .selectFrom('ae_version')
              .select(['ae_id', 'version', 'data'])
              .where(
                'ae_id',
                'in',
                rows.map((r) => r.id),
              )
              .execute()
      const data = new Map(versions.map((v) => [`${v.ae_id}#${v.version}`, v.data]))
      return ok(
        rows.map((r) =>
          view(r, fromJson(StoredAe, data.get(`${r.id}#${r.current_version}`) ?? '{}', `AE ${r.id}`), now),
        ),
      )
    },
  }
}
