import { createHash } from 'node:crypto'
import { z } from 'zod'
import { Action, type Actor } from '../access/index.ts'
import { AuditKind, type AuditChange, type AuditEntry } from '../audit/index.ts'
import { fail, ok, ProblemCode, type Instant, type IsoDate, type Result } from '../domain/index.ts'
import type { DerivedValue, ItemValue } from '../instruments/index.ts'
import {
  canonicalJson,
  validateFormEntry,
  type CompiledForm,
  type EntryContext,
  type Query,
} from '../protocol/index.ts'
import {
  findFormState,
  findFormStateById,
  findFormVersion,
  fromJson,
  insertFormState,
  insertFormVersion,
  insertQuery,
  listCurrentFormVersions,
  listFormVersions,
  openAutoQueries,
  toJson,
  updateFormState,
  type Conn,
  type FormStateTable,
  type FormVersionTable,
  type SubjectTable,
} from '../store/index.ts'
import {
  audit,
  dateOf,
  parse,
  requireOpen,
  requireReason,
  requireSubjectOpen,
  studyState,
  subjectFor,
  type Ctx,
} from './context.ts'
import { newQuery, transitionQuery } from './query-service.ts'

/** Visit id prefix of unscheduled visits (`UNS-1`, `UNS-2`, ...), which take the protocol's unscheduled forms. */
export const UNSCHEDULED_VISIT = 'UNS'

export interface Signoff {
  /** The form version that was verified/signed; stale when the form changed since. */
  readonly version: number
  readonly at: string
  readonly by: string
  readonly current: boolean
}

/** A form instance with its current values. */
export interface FormView {
  /** The form instance id (used by queries, SDV, signatures, locks). */
  readonly id: string
  readonly subjectId: string
  readonly siteId: string
  readonly visitId: string
  readonly formId: string
  readonly instance: number
  readonly version: number
  readonly status: 'entered' | 'deleted'
  readonly values: Readonly<Record<string, ItemValue>>
  readonly derived: Readonly<Record<string, DerivedValue>>
  /** The protocol version and form definition the values were validated against. */
  readonly protocolVersionId: string
  readonly formHash: string
  readonly firstSavedAt: string
  readonly savedAt: string
  readonly savedBy: string
  readonly savedRole: string
  readonly reason: string | null
  readonly verified: Signoff | null
  readonly signed: Signoff | null
  readonly locked: { readonly at: string; readonly by: string } | null
}

/** One version of a form in its history. */
export interface FormVersionView {
  readonly version: number
  readonly status: 'entered' | 'deleted'
  readonly values: Readonly<Record<string, ItemValue>>
  readonly derived: Readonly<Record<string, DerivedValue>>
  readonly protocolVersionId: string
  readonly formHash: string
  readonly savedAt: string
  readonly savedBy: string
  readonly savedRole: string
  readonly reason: string | null
}

export interface FieldHistoryEntry {
  readonly version: number
  readonly value: ItemValue | DerivedValue | null
  readonly savedAt: string
  readonly savedBy: string
  readonly reason: string | null
}

export interface SaveResult {
  readonly form: FormView
  /** Automatic queries raised by this save (soft ranges, edit checks). */
  readonly queriesRaised: readonly Query[]
  /** Automatic queries closed because the data no longer triggers them. */
  readonly queriesClosed: number
}

const SaveForm = z.strictObject({
  subjectId: z.string().min(1),
  visitId: z.string().min(1),
  formId: z.string().min(1),
  /** Repeat number for repeating forms (1 for the others). */
  instance: z.number().int().positive().default(1),
  values: z.record(z.string(), z.unknown()),
  /** Required for every save after the first (a correction). */
  reason: z.string().trim().optional(),
})
export type SaveFormInput = z.input<typeof SaveForm>

export interface FormService {
  /**
   * Saves a form: validates the values against the compiled form (the protocol module's `validateFormEntry`),
   * appends a new immutable version with the derived scores, the protocol version and form hash, who/when/why,
   * and raises (or closes) automatic queries from soft ranges and edit checks, all in one transaction with the
   * audit records. A reason is required after the first save; locked data is refused with `locked`.
   */
  save(actor: Actor, input: SaveFormInput): Promise<Result<SaveResult>>
  /** "Deletes" a form: an audited new version with status `deleted` (nothing is removed). Reason required. */
  remove(actor: Actor, formId: string, input: { reason: string }): Promise<Result<FormView>>
  get(actor: Actor, formId: string): Promise<Result<FormView>>
  /** Every form instance of a subject, current versions. */
  listForSubject(actor: Actor, subjectId: string): Promise<Result<readonly FormView[]>>
  /** All versions of a form instance, oldest first. */
  history(actor: Actor, formId: string): Promise<Result<readonly FormVersionView[]>>
  /** The value of one item (or derived value) in each version. */
  fieldHistory(actor: Actor, formId: string, itemId: string): Promise<Result<readonly FieldHistoryEntry[]>>
}

const Values = z.record(z.string(), z.json())

/** What the form service precomputes once per protocol: forms by id with their definition hashes. */
export interface FormCatalogue {
  readonly forms: ReadonlyMap<string, { readonly form: CompiledForm; readonly hash: string }>
  /** Forms that carry the date of first symptom (`onset_date`), read for ALSFRS-R ΔFS. */
  readonly onsetForms: readonly string[]
}

export function formCatalogue(ctx: Ctx): FormCatalogue {
  const forms = new Map(
    ctx.compiled.forms.map((form) => [
      form.id,
      { form, hash: createHash('sha256').update(canonicalJson(form)).digest('hex') },
    ]),
  )
  return {
    forms,
    onsetForms: ctx.compiled.forms.filter((f) => f.items.some((i) => i.id === 'onset_date')).map((f) => f.id),
  }
}

export function formService(ctx: Ctx, catalogue: FormCatalogue): FormService {
  const visits = new Map(ctx.compiled.visits.map((v) => [v.id, v]))

  /** Whether the form is collected at the visit: the visit's forms, or the unscheduled forms at `UNS-<n>`. */
  function belongs(visitId: string, formId: string): boolean {
    if (new RegExp(`^${UNSCHEDULED_VISIT}-[1-9][0-9]{0,3}$`).test(visitId))
      return ctx.protocol.unscheduledForms.includes(formId)
    return visits.get(visitId)?.forms.includes(formId) ?? false
  }

  /** The context the instrument's derived values need: onset and assessment dates, and death. */
  async function entryContext(tx: Conn, subject: SubjectTable, visitId: string, at: Instant): Promise<EntryContext> {
    const visit = await tx.db
      .selectFrom('visit_record')
      .select('actual_date')
      .where('subject_id', '=', subject.id)
      .where('visit_id', '=', visitId)
      .executeTakeFirst()
    const assessmentDate = (visit?.actual_date ?? dateOf(at)) as IsoDate
    let onsetDate: IsoDate | undefined
    if (catalogue.onsetForms.length > 0) {
      const rows = await listCurrentFormVersions(tx, { subjectId: subject.id, formIds: catalogue.onsetForms })
      for (const row of rows) {
        const value = fromJson(Values, row.data, 'form data')['onset_date']
        if (typeof value === 'string') onsetDate = value as IsoDate
      }
    }
    return {
      mode: 'final',
      assessmentDate,
      onsetDate,
      died: subject.death_date !== null && subject.death_date <= assessmentDate,
    }
  }

  /** Loads a form instance and its subject for `action` (site scope applies); `lock` row-locks the subject. */
  async function formFor(c: Conn, actor: Actor, action: Action, formId: string, lock = false) {
    const head = await findFormStateById(c, formId)
    const notFound = fail<never>({ code: ProblemCode.NotFound, path: 'formId', message: 'not found' })
    if (!head) return notFound
    const subject = await subjectFor(c, actor, action, head.subject_id, lock)
    if (!subject.ok) return subject.problems[0]?.code === ProblemCode.NotFound ? notFound : subject
    return ok({ head, subject: subject.value })
  }

  return {
    async save(actor, input) {
      const parsed = parse(SaveForm, input)
      if (!parsed.ok) return parsed
      const { subjectId, visitId, formId, instance, values } = parsed.value
      const entry = catalogue.forms.get(formId)
      if (!entry) return fail({ code: ProblemCode.NotFound, path: 'formId', message: `unknown form "${formId}"` })
      if (!belongs(visitId, formId)) {
        return fail({
          code: ProblemCode.Invalid,
          path: 'visitId',
          message: `form ${formId} is not collected at visit ${visitId}`,
        })
      }
      if (instance > 1 && !entry.form.repeating) {
        return fail({ code: ProblemCode.Invalid, path: 'instance', message: `form ${formId} does not repeat` })
      }
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
        const head = await findFormState(tx, { subjectId, visitId, formId, instance })
        if (head?.locked_at) return fail({ code: ProblemCode.Locked, path: 'formId', message: 'the form is locked' })
        let reason: string | null = null
        if (head) {
          const r = requireReason(parsed.value.reason)
          if (!r.ok) return r
          reason = r.value
        }
        const checked = validateFormEntry(
          entry.form,
          values,
          entry.form.instrument ? await entryContext(tx, subject.value, visitId, at) : {},
        )
        if (!checked.ok) return checked
        const { values: clean, derived, queries } = checked.value

        const previous = head ? await findFormVersion(tx, head.id, head.current_version) : undefined
        const version = (head?.current_version ?? 0) + 1
        const formStateId = head?.id ?? ctx.newId()
        const row: FormVersionTable = {
          id: ctx.newId(),
          form_state_id: formStateId,
          version,
          status: 'entered',
          data: toJson(clean),
          derived: toJson(derived),
          protocol_version_id: state.value.protocolVersionId,
          form_hash: entry.hash,
          saved_at: at,
          saved_by: actor.userId,
          saved_role: actor.role,
          reason,
        }
        const current: FormStateTable = head
          ? { ...head, current_version: version, status: 'entered', last_saved_at: at }
          : {
              id: formStateId,
              subject_id: subjectId,
              site_id: subject.value.site_id,
              visit_id: visitId,
              form_id: formId,
              instance,
              current_version: version,
              status: 'entered',
              first_saved_at: at,
              last_saved_at: at,
              verified_version: null,
              verified_at: null,
              verified_by: null,
              signed_version: null,
              signed_at: null,
              signed_by: null,
              locked_at: null,
              locked_by: null,
            }
        if (head) await updateFormState(tx, head.id, { current_version: version, status: 'entered', last_saved_at: at })
        else await insertFormState(tx, current)
        await insertFormVersion(tx, row)
        const before = previous
          ? { values: parseValues(previous.data), derived: parseValues(previous.derived) }
          : { values: {}, derived: {} }
        const entries: AuditEntry[] = [
          {
            kind: AuditKind.FormSaved,
            entityType: 'form',
            entityId: formStateId,
            subjectId,
            siteId: subject.value.site_id,
            changes: [
              {
                field: 'form',
                old: previous ? `${visitId}/${formId}#${instance} v${version - 1}` : null,
                new: `${visitId}/${formId}#${instance} v${version}`,
              },
              ...diff(before.values, clean, ''),
              ...diff(before.derived, derived, 'derived.'),
            ],
            reason,
          },
        ]
        const auto = await reconcileAutoQueries(
          ctx,
          tx,
          actor,
          at,
          subject.value,
          formStateId,
          queries,
          head !== undefined,
        )
        entries.push(...auto.entries)
        await audit(ctx, tx, actor, at, entries)
        return ok({ form: formView(current, row), queriesRaised: auto.raised, queriesClosed: auto.closed })
      })
    },

    async remove(actor, formId, input) {
      const parsed = parse(z.strictObject({ reason: z.string().trim().min(1, 'a reason is required') }), input)
      if (!parsed.ok) return parsed
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'share')
        if (!state.ok) return state
        const found = await formFor(tx, actor, Action.FormEnter, formId, true)
        if (!found.ok) return found
        const { head, subject } = found.value
        const open = requireOpen(state.value)
        if (!open.ok) return open
        const unlocked = requireSubjectOpen(subject)
        if (!unlocked.ok) return unlocked
        if (head.locked_at) return fail({ code: ProblemCode.Locked, path: 'formId', message: 'the form is locked' })
        if (head.status === 'deleted')
          return fail({ code: ProblemCode.StateInvalid, path: 'formId', message: 'the form is already deleted' })
        const previous = await findFormVersion(tx, head.id, head.current_version)
        const version = head.current_version + 1
        const row: FormVersionTable = {
          id: ctx.newId(),
          form_state_id: head.id,
          version,
          status: 'deleted',
          data: '{}',
          derived: '{}',
          protocol_version_id: state.value.protocolVersionId,
          form_hash: previous?.form_hash ?? '',
          saved_at: at,
          saved_by: actor.userId,
          saved_role: actor.role,
          reason: parsed.value.reason,
        }
        await insertFormVersion(tx, row)
        await updateFormState(tx, head.id, { current_version: version, status: 'deleted', last_saved_at: at })
        const closing = await openAutoQueries(tx, head.id)
        const entries: AuditEntry[] = [
          {
            kind: AuditKind.FormDeleted,
            entityType: 'form',
            entityId: head.id,
            subjectId: subject.id,
            siteId: subject.site_id,
            changes: [
              { field: 'status', old: head.status, new: 'deleted' },
              ...diff(parseValues(previous?.data ?? '{}'), {}, ''),
            ],
            reason: parsed.value.reason,
          },
        ]
        for (const q of closing)
          entries.push((await transitionQuery(ctx, tx, actor, at, q, 'close', 'form deleted')).entry)
        await audit(ctx, tx, actor, at, entries)
        return ok(formView({ ...head, current_version: version, status: 'deleted', last_saved_at: at }, row))
      })
    },

    async get(actor, formId) {
      const found = await formFor(ctx.store, actor, Action.FormView, formId)
      if (!found.ok) return found
      const version = await findFormVersion(ctx.store, formId, found.value.head.current_version)
      if (!version) throw new Error(`form ${formId} has no current version`)
      return ok(formView(found.value.head, version))
    },

    async listForSubject(actor, subjectId) {
      const subject = await subjectFor(ctx.store, actor, Action.FormView, subjectId)
      if (!subject.ok) return subject
      const [heads, versions] = await Promise.all([
        ctx.store.db.selectFrom('form_state').selectAll().where('subject_id', '=', subjectId).execute(),
        listCurrentFormVersions(ctx.store, { subjectId }),
      ])
      const byState = new Map(versions.map((v) => [v.form_state_id, v]))
      const order = new Map(ctx.compiled.visits.map((v, i) => [v.id, i]))
      return ok(
        heads
          .flatMap((h) => {
            const v = byState.get(h.id)
            return v ? [formView(h, v)] : []
          })
          .sort(
            (a, b) =>
              (order.get(a.visitId) ?? 1e6) - (order.get(b.visitId) ?? 1e6) ||
              a.visitId.localeCompare(b.visitId) ||
              a.formId.localeCompare(b.formId) ||
              a.instance - b.instance,
          ),
      )
    },

    async history(actor, formId) {
      const found = await formFor(ctx.store, actor, Action.FormView, formId)
      if (!found.ok) return found
      return ok((await listFormVersions(ctx.store, formId)).map(versionView))
    },

    async fieldHistory(actor, formId, itemId) {
      const found = await formFor(ctx.store, actor, Action.FormView, formId)
      if (!found.ok) return found
      const definition = catalogue.forms.get(found.value.head.form_id)?.form
      const known =
        definition && [...definition.items, ...definition.scores, ...definition.derived].some((i) => i.id === itemId)
      if (!known)
        return fail({
          code: ProblemCode.NotFound,
          path: 'itemId',
          message: `form ${found.value.head.form_id} has no value ${itemId}`,
        })
      return ok(
        (await listFormVersions(ctx.store, formId)).map((v) => {
          const view = versionView(v)
          return {
            version: v.version,
            value: view.values[itemId] ?? view.derived[itemId] ?? null,
            savedAt: v.saved_at,
            savedBy: v.saved_by,
            reason: v.reason,
          }
        }),
      )
    },
  }
}

/**
 * Brings the automatic queries of a form in line with the latest save: a query is raised for every check that
 * fires and has none open; an open one whose check no longer fires is closed as resolved by the data change.
 */
async function reconcileAutoQueries(
  ctx: Ctx,
  tx: Conn,
  actor: Actor,
  at: Instant,
  subject: SubjectTable,
  formStateId: string,
  fired: readonly Query[],
  existed: boolean,
): Promise<{ entries: AuditEntry[]; raised: Query[]; closed: number }> {
  const open = existed ? await openAutoQueries(tx, formStateId) : []
  const key = (checkId: string | null, itemId: string | null) => `${checkId ?? ''}|${itemId ?? ''}`
  const firing = new Set(fired.map((q) => key(q.checkId, q.itemId)))
  const already = new Set(open.map((q) => key(q.check_id, q.item_id)))
  const entries: AuditEntry[] = []
  const raised: Query[] = []
  for (const q of fired) {
    if (already.has(key(q.checkId, q.itemId))) continue
    const made = newQuery(ctx, actor, at, {
      subjectId: subject.id,
      siteId: subject.site_id,
      formStateId,
      itemId: q.itemId || null,
      origin: 'auto',
      checkId: q.checkId,
      text: q.message,
    })
    await insertQuery(tx, made.row, made.message)
    entries.push(made.entry)
    raised.push(q)
  }
  let closed = 0
  for (const q of open) {
    if (firing.has(key(q.check_id, q.item_id))) continue
    entries.push(
      (await transitionQuery(ctx, tx, actor, at, q, 'close', 'resolved: the data no longer triggers the check')).entry,
    )
    closed++
  }
  return { entries, raised, closed }
}

function parseValues(text: string): Record<string, ItemValue> {
  return fromJson(Values, text, 'form data') as Record<string, ItemValue>
}

/** Field-level changes between two value maps (canonical comparison, so arrays and numbers compare by value). */
function diff(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  prefix: string,
): AuditChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  return keys.flatMap((k) => {
    const old = before[k] ?? null
    const now = after[k] ?? null
    return canonicalJson(old) === canonicalJson(now)
      ? []
      : [{ field: `${prefix}${k}`, old: old as AuditChange['old'], new: now as AuditChange['new'] }]
  })
}

function signoff(version: number | null, at: string | null, by: string | null, current: number): Signoff | null {
  return version !== null && at && by ? { version, at, by, current: version === current } : null
}

export function formView(head: FormStateTable, v: FormVersionTable): FormView {
  return {
    id: head.id,
    subjectId: head.subject_id,
    siteId: head.site_id,
    visitId: head.visit_id,
    formId: head.form_id,
    instance: head.instance,
    ...versionView(v),
    firstSavedAt: head.first_saved_at,
    verified: signoff(head.verified_version, head.verified_at, head.verified_by, head.current_version),
    signed: signoff(head.signed_version, head.signed_at, head.signed_by, head.current_version),
    locked: head.locked_at && head.locked_by ? { at: head.locked_at, by: head.locked_by } : null,
  }
}

function versionView(v: FormVersionTable): FormVersionView {
  return {
    version: v.version,
    status: v.status as FormVersionView['status'],
    values: parseValues(v.data),
    derived: fromJson(Values, v.derived, 'derived values') as Record<string, DerivedValue>,
    protocolVersionId: v.protocol_version_id,
    formHash: v.form_hash,
    savedAt: v.saved_at,
    savedBy: v.saved_by,
    savedRole: v.saved_role,
    reason: v.reason,
  }
}
