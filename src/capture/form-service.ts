import { createHash } from 'node:crypto'
import { z } from 'zod'
import { Action, seesAllocation, type Actor } from '../access/index.ts'
import { AuditKind, type AuditChange, type AuditEntry } from '../audit/index.ts'
import { fail, ok, ProblemCode, type Instant, type IsoDate, type Result } from '../domain/index.ts'
import {
  conditionReferences,
  formulaReferences,
  InstrumentId,
  type DerivedValue,
  type ItemValue,
} from '../instruments/index.ts'
import {
  canonicalJson,
  validateFormEntry,
  type CompiledForm,
  type EntryContext,
  type Query,
} from '../protocol/index.ts'
import {
  countAutoQueries,
  findFormHead,
  findFormStateById,
  findFormVersion,
  fromJson,
  insertFormState,
  insertFormVersion,
  recordFormSave,
  insertQuery,
  listCurrentFormVersions,
  listFormVersions,
  openAutoQueries,
  toJson,
  updateFormState,
  type Conn,
  type FormKey,
  type FormStateTable,
  type FormVersionTable,
  type SubjectTable,
} from '../store/index.ts'
import {
  audit,
  dateOf,
  parse,
  readerSeesAllocation,
  requireOpen,
  requireReason,
  requireSubjectOpen,
  studyState,
  subjectFor,
  type Ctx,
  type StudyState,
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
  /** Required for every save after the first (a correction); kept on the first when given (e.g. an import's provenance). */
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

/** A form as the services use it: the compiled definition, its hash, and what blinded readers may not see. */
export interface CatalogueForm {
  readonly form: CompiledForm
  readonly hash: string
  /**
   * Values that reveal the allocation: `unblindedOnly` items and the derived values computed from them. They
   * are left out of every view and extract given to a blinded reader and sealed in the audit trail; a blinded
   * user is never required to enter them (the system fills them), and its save keeps their previous values.
   */
  readonly hidden: ReadonlySet<string>
  /**
   * Edit checks that read hidden values: they raise no automatic query, since a query's presence or text would
   * tell a blinded reader something about the allocation (e.g. the share of the dose given).
   */
  readonly blindChecks: ReadonlySet<string>
}

/** What the form service precomputes once per protocol: forms by id with their definition hashes. */
export interface FormCatalogue {
  readonly forms: ReadonlyMap<string, CatalogueForm>
  /** Forms that carry the date of first symptom (`onset_date`), read for ALSFRS-R ΔFS. */
  readonly onsetForms: readonly string[]
}

export function formCatalogue(ctx: Ctx): FormCatalogue {
  const forms = new Map(ctx.compiled.forms.map((form): [string, CatalogueForm] => [form.id, catalogueForm(form)]))
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
        const written = await writeFormVersion(ctx, catalogue, tx, {
          actor,
          at,
          state: state.value,
          subject: subject.value,
          key: { subjectId, visitId, formId, instance },
          values,
          reason: parsed.value.reason,
          unblinded: seesAllocation(actor, state.value.blind),
        })
        if (!written.ok) return written
        await audit(ctx, tx, actor, at, written.value.entries)
        return ok({
          form: written.value.form,
          queriesRaised: written.value.raised,
          queriesClosed: written.value.closed,
        })
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
              ...diff(parseValues(previous?.data ?? '{}'), {}, '', NONE, []),
            ],
            reason: parsed.value.reason,
          },
        ]
        for (const q of closing)
          entries.push((await transitionQuery(ctx, tx, actor, at, q, 'close', 'form deleted')).entry)
        await audit(ctx, tx, actor, at, entries)
        const hidden = hiddenFor(catalogue, head.form_id, seesAllocation(actor, state.value.blind))
        return ok(formView({ ...head, current_version: version, status: 'deleted', last_saved_at: at }, row, hidden))
      })
    },

    async get(actor, formId) {
      const found = await formFor(ctx.store, actor, Action.FormView, formId)
      if (!found.ok) return found
      const version = await findFormVersion(ctx.store, formId, found.value.head.current_version)
      if (!version) throw new Error(`form ${formId} has no current version`)
      const unblinded = await readerSeesAllocation(ctx, actor)
      return ok(formView(found.value.head, version, hiddenFor(catalogue, found.value.head.form_id, unblinded)))
    },

    async listForSubject(actor, subjectId) {
      const subject = await subjectFor(ctx.store, actor, Action.FormView, subjectId)
      if (!subject.ok) return subject
      const [heads, versions] = await Promise.all([
        ctx.store.db.selectFrom('form_state').selectAll().where('subject_id', '=', subjectId).execute(),
        listCurrentFormVersions(ctx.store, { subjectId }),
      ])
      const byState = new Map(versions.map((v) => [v.form_state_id, v]))
      const unblinded = await readerSeesAllocation(ctx, actor)
      const order = new Map(ctx.compiled.visits.map((v, i) => [v.id, i]))
      return ok(
        heads
          .flatMap((h) => {
            const v = byState.get(h.id)
            return v ? [formView(h, v, hiddenFor(catalogue, h.form_id, unblinded))] : []
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
      const hidden = hiddenFor(catalogue, found.value.head.form_id, await readerSeesAllocation(ctx, actor))
      return ok(formHistory(await listFormVersions(ctx.store, formId), hidden))
    },

    async fieldHistory(actor, formId, itemId) {
      const found = await formFor(ctx.store, actor, Action.FormView, formId)
      if (!found.ok) return found
      const definition = catalogue.forms.get(found.value.head.form_id)?.form
      const known =
        definition && [...definition.items, ...definition.scores, ...definition.derived].some((i) => i.id === itemId)
      const hidden = hiddenFor(catalogue, found.value.head.form_id, await readerSeesAllocation(ctx, actor))
      if (!known || hidden.has(itemId)) {
        return fail({
          code: ProblemCode.NotFound,
          path: 'itemId',
          message: `form ${found.value.head.form_id} has no value ${itemId}`,
        })
      }
      return ok(
        (await listFormVersions(ctx.store, formId)).map((v) => {
          const view = versionView(v, hidden)
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

export interface WriteFormInput {
  readonly actor: Actor
  readonly at: Instant
  readonly state: StudyState
  /** The subject, already loaded for the caller's permission and row-locked. */
  readonly subject: SubjectTable
  readonly key: FormKey
  readonly values: unknown
  /** Required when the form instance exists already; kept on a first version when given. */
  readonly reason: string | undefined
  /**
   * Whether the writer sees allocations. Hidden items are not required of a blinded writer, and the previous
   * version's hidden values it does not send are kept. A system write (the infusion record filling the dose
   * from the sealed preparation) passes `true`, so the hidden items stay required of it.
   */
  readonly unblinded: boolean
  /** Items a system write has no source for (e.g. a measurement the release record lacks): not required of it. */
  readonly notRequired?: ReadonlySet<string>
}

export interface WrittenForm {
  readonly form: FormView
  readonly values: Readonly<Record<string, ItemValue>>
  /** The audit entries of the save and of its automatic queries (the caller appends them with its own). */
  readonly entries: readonly AuditEntry[]
  readonly raised: readonly Query[]
  readonly closed: number
}

/**
 * Appends a version of a form instance inside the caller's transaction: refuses a locked form, requires a
 * reason after the first save, validates through `validateFormEntry` (with the instrument's context), stores
 * values and derived scores stamped with the protocol version and form hash, and reconciles the automatic
 * queries. Permission, study and subject checks are the caller's. Shared by form saves and adverse events.
 */
export async function writeFormVersion(
  ctx: Ctx,
  catalogue: FormCatalogue,
  tx: Conn,
  w: WriteFormInput,
): Promise<Result<WrittenForm>> {
  const { actor, at, subject, key } = w
  const entry = catalogue.forms.get(key.formId)
  if (!entry) return fail({ code: ProblemCode.NotFound, path: 'formId', message: `unknown form "${key.formId}"` })
  // One query for the head and its current data: the save path stays at a handful of statements.
  const found = await findFormHead(tx, key)
  const head = found && headOnly(found)
  if (head?.locked_at) return fail({ code: ProblemCode.Locked, path: 'formId', message: 'the form is locked' })
  // A first version keeps a reason when one is given (an import's original who/when/why, a system write's cause).
  let reason: string | null = w.reason?.trim() ? w.reason.trim() : null
  if (head) {
    const r = requireReason(w.reason)
    if (!r.ok) return r
    reason = r.value
  }
  const previous = found?.data && found.derived ? { data: found.data, derived: found.derived } : undefined
  // A blinded writer can neither see nor enter the values that reveal the allocation: they are not required of
  // it, and the ones the system filled (the dose from the sealed preparation) carry over to its correction.
  const blindWrite = !w.unblinded && entry.hidden.size > 0
  const checked = validateFormEntry(
    entry.form,
    blindWrite ? withKeptHidden(w.values, previous?.data, entry.hidden) : w.values,
    {
      ...(entry.form.instrument?.id === InstrumentId.AlsfrsR
        ? await entryContext(catalogue, tx, subject, key.visitId, at)
        : {}),
      ...(blindWrite || w.notRequired
        ? { notRequired: new Set([...(blindWrite ? entry.hidden : []), ...(w.notRequired ?? [])]) }
        : {}),
    },
  )
  if (!checked.ok) return checked
  const { values: clean, derived } = checked.value
  const queries =
    entry.blindChecks.size > 0
      ? checked.value.queries.filter((q) => !entry.blindChecks.has(q.checkId))
      : checked.value.queries

  const version = (head?.current_version ?? 0) + 1
  const formStateId = head?.id ?? ctx.newId()
  const row: FormVersionTable = {
    id: ctx.newId(),
    form_state_id: formStateId,
    version,
    status: 'entered',
    data: toJson(clean),
    derived: toJson(derived),
    protocol_version_id: w.state.protocolVersionId,
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
        subject_id: key.subjectId,
        site_id: subject.site_id,
        visit_id: key.visitId,
        form_id: key.formId,
        instance: key.instance,
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
        open_auto_queries: 0,
      }
  if (head) await recordFormSave(tx, head.id, version, at)
  else await insertFormState(tx, current)
  await insertFormVersion(tx, row)
  const before = previous
    ? { values: parseValues(previous.data), derived: parseValues(previous.derived) }
    : { values: {}, derived: {} }
  const label = (v: number) => `${key.visitId}/${key.formId}#${key.instance} v${v}`
  const entries: AuditEntry[] = [
    {
      kind: AuditKind.FormSaved,
      entityType: 'form',
      entityId: formStateId,
      subjectId: key.subjectId,
      siteId: subject.site_id,
      changes: [
        { field: 'form', old: previous ? label(version - 1) : null, new: label(version) },
        ...diff(before.values, clean, '', entry.hidden, entry.form.items),
        ...diff(before.derived, derived, 'derived.', entry.hidden, [...entry.form.scores, ...entry.form.derived]),
      ],
      reason,
    },
  ]
  const auto = await reconcileAutoQueries(
    ctx,
    tx,
    actor,
    at,
    subject,
    formStateId,
    queries,
    head?.open_auto_queries ?? 0,
  )
  entries.push(...auto.entries)
  return ok({
    form: formView(current, row, w.unblinded ? NONE : entry.hidden, { values: clean, derived }),
    values: clean,
    entries,
    raised: auto.raised,
    closed: auto.closed,
  })
}

/** The context the instrument's derived values need: onset and assessment dates, and death. */
async function entryContext(
  catalogue: FormCatalogue,
  tx: Conn,
  subject: SubjectTable,
  visitId: string,
  at: Instant,
): Promise<EntryContext> {
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

function catalogueForm(form: CompiledForm): CatalogueForm {
  const hidden = hiddenValues(form)
  const blindChecks = new Set(
    form.checks.filter((c) => conditionReferences(c.when).some((r) => hidden.has(r))).map((c) => c.id),
  )
  return { form, hash: createHash('sha256').update(canonicalJson(form)).digest('hex'), hidden, blindChecks }
}

/** The unblinded-only items of a form and the derived values that depend on them (derived values may chain). */
function hiddenValues(form: CompiledForm): ReadonlySet<string> {
  const hidden = new Set(form.items.filter((i) => i.unblindedOnly).map((i) => i.id))
  for (const d of form.derived) if (formulaReferences(d.ast).some((r) => hidden.has(r))) hidden.add(d.id)
  return hidden
}

/** Drops the hidden values from a map of values (for a blinded reader). */
export function visibleValues<T>(values: Readonly<Record<string, T>>, hidden: ReadonlySet<string>): Record<string, T> {
  if (hidden.size === 0) return { ...values }
  return Object.fromEntries(Object.entries(values).filter(([k]) => !hidden.has(k)))
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
  openCount: number,
): Promise<{ entries: AuditEntry[]; raised: Query[]; closed: number }> {
  const open = openCount > 0 ? await openAutoQueries(tx, formStateId) : []
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
  if (raised.length > 0) await countAutoQueries(tx, formStateId, raised.length)
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

/** Entered values with the previous version's hidden values the (blinded) writer did not send. */
function withKeptHidden(values: unknown, previous: string | undefined, hidden: ReadonlySet<string>): unknown {
  if (previous === undefined || typeof values !== 'object' || values === null || Array.isArray(values)) return values
  const sent = values as Readonly<Record<string, unknown>>
  const kept = Object.entries(parseValues(previous)).filter(([k]) => hidden.has(k) && !(k in sent))
  return kept.length > 0 ? { ...Object.fromEntries(kept), ...sent } : values
}

function headOnly({
  data: _data,
  derived: _derived,
  ...head
}: FormStateTable & { data: unknown; derived: unknown }): FormStateTable {
  return head
}

function parseValues(text: string): Record<string, ItemValue> {
  return fromJson(Values, text, 'form data') as Record<string, ItemValue>
}

const NONE: ReadonlySet<string> = new Set()

/** The values of `formId` a reader may not see: none for a reader who sees allocations. */
export function hiddenFor(catalogue: FormCatalogue, formId: string, unblinded: boolean): ReadonlySet<string> {
  return unblinded ? NONE : (catalogue.forms.get(formId)?.hidden ?? NONE)
}

/**
 * Field-level changes between two value maps (canonical comparison, so arrays and numbers compare by value).
 * Hidden values are sensitive: sealed at rest, masked for blinded readers, and listed on every save whether
 * or not they changed, so that the presence of a change cannot tell arms apart (a placebo's 0/0 dose share
 * stays empty while an active one's changes).
 */
function diff(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  prefix: string,
  hidden: ReadonlySet<string>,
  defined: readonly { readonly id: string }[],
): AuditChange[] {
  const always = defined.map((d) => d.id).filter((id) => hidden.has(id))
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...always])]
  return keys.flatMap((k): AuditChange[] => {
    const old = (before[k] ?? null) as AuditChange['old']
    const now = (after[k] ?? null) as AuditChange['new']
    if (hidden.has(k)) return [{ field: `${prefix}${k}`, old, new: now, sensitive: true }]
    return canonicalJson(old) === canonicalJson(now) ? [] : [{ field: `${prefix}${k}`, old, new: now }]
  })
}

function signoff(version: number | null, at: string | null, by: string | null, current: number): Signoff | null {
  return version !== null && at && by ? { version, at, by, current: version === current } : null
}

/** A form instance's view; `hidden` are the values the reader may not see (empty for unblinded readers). */
export function formView(
  head: FormStateTable,
  v: FormVersionTable,
  hidden: ReadonlySet<string>,
  parsed?: {
    readonly values: Readonly<Record<string, ItemValue>>
    readonly derived: Readonly<Record<string, DerivedValue>>
  },
): FormView {
  return {
    id: head.id,
    subjectId: head.subject_id,
    siteId: head.site_id,
    visitId: head.visit_id,
    formId: head.form_id,
    instance: head.instance,
    ...versionView(v, hidden, parsed),
    firstSavedAt: head.first_saved_at,
    verified: signoff(head.verified_version, head.verified_at, head.verified_by, head.current_version),
    signed: signoff(head.signed_version, head.signed_at, head.signed_by, head.current_version),
    locked: head.locked_at && head.locked_by ? { at: head.locked_at, by: head.locked_by } : null,
  }
}

/** The versions of a form instance as history entries, without the values the reader may not see. */
export function formHistory(versions: readonly FormVersionTable[], hidden: ReadonlySet<string>): FormVersionView[] {
  return versions.map((v) => versionView(v, hidden))
}

/** A version's view; `parsed` spares re-reading values the caller has just written. */
function versionView(
  v: FormVersionTable,
  hidden: ReadonlySet<string>,
  parsed?: {
    readonly values: Readonly<Record<string, ItemValue>>
    readonly derived: Readonly<Record<string, DerivedValue>>
  },
): FormVersionView {
  return {
    version: v.version,
    status: v.status as FormVersionView['status'],
    values: visibleValues(parsed?.values ?? parseValues(v.data), hidden),
    derived: visibleValues(
      parsed?.derived ?? (fromJson(Values, v.derived, 'derived values') as Record<string, DerivedValue>),
      hidden,
    ),
    protocolVersionId: v.protocol_version_id,
    formHash: v.form_hash,
    savedAt: v.saved_at,
    savedBy: v.saved_by,
    savedRole: v.saved_role,
    reason: v.reason,
  }
}
