import { z } from 'zod'
import { Action, authorize, coversSite, seesAllocation, type Actor } from '../access/index.ts'
import { AuditKind, readAuditTrail, type AuditPage } from '../audit/index.ts'
import { fail, ok, ProblemCode, type IsoDate, type Result, type SiteId } from '../domain/index.ts'
import {
  findAdverseEvents,
  findSubjects,
  listAllSubjects,
  listNotifications,
  listSites,
  markNotificationRead,
  type Conn,
} from '../store/index.ts'
import { audit, dateOf, parse, requireOpen, studyState, type Ctx } from './context.ts'
import { SubjectStatus } from './subject-view.ts'
import { activeVisits, allCalendarFacts, calendarOf } from './visit-service.ts'

/** Per-site figures for the dashboard. Nothing here differs by arm. */
export interface SiteDashboard {
  readonly siteId: string
  readonly name: string
  readonly targetEnrolment: number | null
  readonly screened: number
  readonly randomized: number
  readonly byStatus: Readonly<Record<SubjectStatus, number>>
  /** Visits past their target day (overdue) or window (missed) and not recorded. */
  readonly overdueVisits: number
  readonly openQueries: number
  /** Serious AEs not yet acknowledged by the sponsor, and how many of them are past their reporting deadline. */
  readonly saesAwaitingReport: number
  readonly saesOverdue: number
}

export interface Dashboard {
  readonly today: IsoDate
  readonly targetEnrolment: number
  readonly sites: readonly SiteDashboard[]
  readonly totals: Omit<SiteDashboard, 'siteId' | 'name' | 'targetEnrolment'>
}

export interface SubjectListItem {
  readonly id: string
  readonly siteId: string
  readonly screeningNumber: string
  readonly status: SubjectStatus
  readonly screeningDate: string
  readonly randomizationDate: string | null
  readonly currentPeriod: string | null
  readonly emergencyUnblinded: boolean
  readonly locked: boolean
}

export interface SubjectPage {
  readonly items: readonly SubjectListItem[]
  readonly total: number
  readonly offset: number
  readonly limit: number
}

export interface NotificationView {
  readonly id: string
  readonly createdAt: string
  readonly kind: string
  readonly subjectId: string | null
  readonly siteId: string | null
  readonly message: string
  readonly readAt: string | null
}

const SubjectListFilter = z.strictObject({
  siteId: z.string().optional(),
  status: z.array(z.enum(Object.values(SubjectStatus) as [SubjectStatus, ...SubjectStatus[]])).optional(),
  /** Start of the screening number. */
  search: z.string().trim().max(40).optional(),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(500).default(50),
})
export type SubjectListFilter = z.input<typeof SubjectListFilter>

const AuditFilter = z.strictObject({
  entityType: z.string().optional(),
  entityId: z.string().optional(),
  subjectId: z.string().optional(),
  userId: z.string().optional(),
  kind: z.string().optional(),
  beforeSeq: z.number().int().positive().optional(),
  limit: z.number().int().positive().max(500).default(100),
})
export type AuditTrailFilter = z.input<typeof AuditFilter>

const ExportRecord = z.strictObject({
  /** What was exported, e.g. `odm`, `sdtm`, `redcap`, `r-dataset`. */
  kind: z.string().min(1).max(60),
  format: z.string().min(1).max(60),
  blinded: z.boolean(),
  /** SHA-256 of the exported bytes. */
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  records: z.number().int().nonnegative(),
  destination: z.string().max(500).optional(),
})
export type ExportRecordInput = z.input<typeof ExportRecord>

const ImportRecord = z.strictObject({
  /** The file (or other source) the data came from, as the importer names it. */
  source: z.string().trim().min(1).max(500),
  /** SHA-256 of the imported bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** e.g. `CDISC ODM 1.3.2`, `REDCap data CSV`. */
  format: z.string().min(1).max(60),
  /** What was loaded, by kind (subjects created, form versions, adverse events, ...). */
  counts: z.record(z.string().min(1).max(60), z.number().int().nonnegative()),
})
export type ImportRecordInput = z.input<typeof ImportRecord>

export interface ReadModels {
  /** Counts per site within the actor's scope (recruitment vs target, status, overdue visits, queries, SAEs). */
  dashboard(actor: Actor, options?: { today?: string }): Promise<Result<Dashboard>>
  /** Subjects within the actor's scope, filtered and paginated. */
  subjects(actor: Actor, filter?: SubjectListFilter): Promise<Result<SubjectPage>>
  /**
   * The audit trail by entity, subject or user (audit.view), newest first with keyset pagination. Site-scoped
   * readers see their sites' records; allocation detail is masked for readers who do not see allocations.
   */
  auditTrail(actor: Actor, filter?: AuditTrailFilter): Promise<Result<AuditPage>>
  /** Notifications addressed to the actor's role (e.g. emergency unblinding, SAEs for the sponsor). */
  notifications(actor: Actor, options?: { unreadOnly?: boolean }): Promise<Result<readonly NotificationView[]>>
  markNotificationRead(actor: Actor, id: string): Promise<Result<true>>
  /** Audits a data export written by an exporter (ODM, SDTM, R datasets, ...): `export.written`. */
  recordExport(actor: Actor, input: ExportRecordInput): Promise<Result<true>>
  /**
   * Audits a data import (`import.loaded`: source, SHA-256, format, counts). Call it inside the import's
   * transaction (`Services.inTransaction`), so the record commits with the data it describes or not at all.
   * Needs `form.enter`; refused once the database is locked.
   */
  recordImport(actor: Actor, input: ImportRecordInput): Promise<Result<true>>
}

export function readModels(ctx: Ctx): ReadModels {
  return {
    async dashboard(actor, options = {}) {
      const allowed = authorize(actor, Action.SubjectView)
      if (!allowed.ok) return allowed
      const today = (options.today ?? dateOf(ctx.clock.now())) as IsoDate
      const c: Conn = ctx.store
      const [sites, subjects, facts, queries, saes] = await Promise.all([
        listSites(c),
        listAllSubjects(c),
        allCalendarFacts(c),
        c.db.selectFrom('data_query').select(['site_id']).where('status', '!=', 'closed').execute(),
        findAdverseEvents(c, { siteIds: 'all', awaitingReport: true }),
      ])
      const now = ctx.clock.now()
      const empty = () =>
        Object.fromEntries(Object.values(SubjectStatus).map((s) => [s, 0])) as Record<SubjectStatus, number>
      const rows = sites
        .filter((s) => coversSite(actor, s.id as SiteId))
        .map((site): SiteDashboard => {
          const here = subjects.filter((s) => s.site_id === site.id)
          const byStatus = empty()
          let overdue = 0
          for (const s of here) {
            byStatus[s.status as SubjectStatus] += 1
            const calendar = calendarOf(ctx, facts(s), today)
            overdue += activeVisits(calendar, s).filter(
              (v) => v.status === 'overdue' || (v.status === 'missed' && v.notDone === null),
            ).length
          }
          const siteSaes = saes.filter((a) => a.site_id === site.id)
          return {
            siteId: site.id,
            name: site.name,
            targetEnrolment: site.target_enrolment,
            screened: here.length,
            randomized: here.filter((s) => s.randomization_date !== null).length,
            byStatus,
            overdueVisits: overdue,
            openQueries: queries.filter((q) => q.site_id === site.id).length,
            saesAwaitingReport: siteSaes.length,
            saesOverdue: siteSaes.filter((a) => a.sae_due_at !== null && a.sae_due_at < now).length,
          }
        })
      const sum = (f: (r: SiteDashboard) => number) => rows.reduce((a, r) => a + f(r), 0)
      const byStatus = empty()
      for (const r of rows) for (const k of Object.values(SubjectStatus)) byStatus[k] += r.byStatus[k]
      return ok({
        today,
        targetEnrolment: ctx.protocol.study.targetEnrolment,
        sites: rows,
        totals: {
          screened: sum((r) => r.screened),
          randomized: sum((r) => r.randomized),
          byStatus,
          overdueVisits: sum((r) => r.overdueVisits),
          openQueries: sum((r) => r.openQueries),
          saesAwaitingReport: sum((r) => r.saesAwaitingReport),
          saesOverdue: sum((r) => r.saesOverdue),
        },
      })
    },

    async subjects(actor, filter = {}) {
      const allowed = authorize(actor, Action.SubjectView)
      if (!allowed.ok) return allowed
      const parsed = parse(SubjectListFilter, filter)
      if (!parsed.ok) return parsed
      const f = parsed.value
      const page = await findSubjects(ctx.store, {
        siteIds: actor.sites,
        offset: f.offset,
        limit: f.limit,
        ...(f.siteId !== undefined ? { siteId: f.siteId } : {}),
        ...(f.status !== undefined ? { status: f.status } : {}),
        ...(f.search !== undefined ? { search: f.search } : {}),
      })
      return ok({
        items: page.rows.map((s) => ({
          id: s.id,
          siteId: s.site_id,
          screeningNumber: s.screening_number,
          status: s.status as SubjectStatus,
          screeningDate: s.screening_date,
          randomizationDate: s.randomization_date,
          currentPeriod: s.current_period,
          emergencyUnblinded: s.emergency_unblinded_at !== null,
          locked: s.locked_at !== null,
        })),
        total: page.total,
        offset: f.offset,
        limit: f.limit,
      })
    },

    async auditTrail(actor, filter = {}) {
      const allowed = authorize(actor, Action.AuditView)
      if (!allowed.ok) return allowed
      const parsed = parse(AuditFilter, filter)
      if (!parsed.ok) return parsed
      const state = await studyState(ctx, ctx.store)
      if (!state.ok) return state
      const f = parsed.value
      const reader = seesAllocation(actor, state.value.blind)
        ? { blinded: false as const, sealer: ctx.sealer }
        : { blinded: true as const }
      return ok(
        await readAuditTrail(
          ctx.store,
          {
            siteIds: actor.sites,
            limit: f.limit,
            ...(f.entityType !== undefined ? { entityType: f.entityType } : {}),
            ...(f.entityId !== undefined ? { entityId: f.entityId } : {}),
            ...(f.subjectId !== undefined ? { subjectId: f.subjectId } : {}),
            ...(f.userId !== undefined ? { actorId: f.userId } : {}),
            ...(f.kind !== undefined ? { kind: f.kind } : {}),
            ...(f.beforeSeq !== undefined ? { beforeSeq: f.beforeSeq } : {}),
          },
          reader,
        ),
      )
    },

    async notifications(actor, options = {}) {
      const rows = await listNotifications(ctx.store, actor.role, options.unreadOnly ?? false)
      return ok(
        rows
          .filter((n) => n.site_id === null || coversSite(actor, n.site_id as SiteId))
          .map((n) => ({
            id: n.id,
            createdAt: n.created_at,
            kind: n.kind,
            subjectId: n.subject_id,
            siteId: n.site_id,
            message: n.message,
            readAt: n.read_at,
          })),
      )
    },

    async markNotificationRead(actor, id) {
      const marked = await markNotificationRead(ctx.store, id, actor.role, ctx.clock.now(), actor.userId)
      return marked
        ? ok(true)
        : fail({ code: ProblemCode.NotFound, path: 'id', message: 'no unread notification with that id' })
    },

    async recordExport(actor, input) {
      const parsed = parse(ExportRecord, input)
      if (!parsed.ok) return parsed
      const e = parsed.value
      const allowed = authorize(actor, e.blinded ? Action.ExportBlinded : Action.ExportUnblinded)
      if (!allowed.ok) return allowed
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'share')
        if (!state.ok) return state
        if (!e.blinded && !seesAllocation(actor, state.value.blind)) {
          return fail({
            code: ProblemCode.Forbidden,
            path: 'blinded',
            message: 'an unblinded export needs a reader who sees allocations',
          })
        }
        await audit(ctx, tx, actor, at, [
          {
            kind: AuditKind.ExportWritten,
            entityType: 'study',
            entityId: state.value.row.id,
            changes: [
              { field: 'export', old: null, new: e.kind },
              { field: 'format', old: null, new: e.format },
              { field: 'blinded', old: null, new: e.blinded },
              { field: 'contentHash', old: null, new: e.contentHash },
              { field: 'records', old: null, new: e.records },
              ...(e.destination ? [{ field: 'destination', old: null, new: e.destination }] : []),
            ],
          },
        ])
        return ok(true)
      })
    },

    async recordImport(actor, input) {
      const parsed = parse(ImportRecord, input)
      if (!parsed.ok) return parsed
      const allowed = authorize(actor, Action.FormEnter)
      if (!allowed.ok) return allowed
      const e = parsed.value
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'share')
        if (!state.ok) return state
        const open = requireOpen(state.value)
        if (!open.ok) return open
        await audit(ctx, tx, actor, at, [
          {
            kind: AuditKind.ImportLoaded,
            entityType: 'study',
            entityId: state.value.row.id,
            changes: [
              { field: 'source', old: null, new: e.source },
              { field: 'format', old: null, new: e.format },
              { field: 'sha256', old: null, new: e.sha256 },
              ...Object.entries(e.counts).map(([k, n]) => ({ field: `counts.${k}`, old: null, new: n })),
            ],
          },
        ])
        return ok(true)
      })
    },
  }
}
