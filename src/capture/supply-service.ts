import { z } from 'zod'
import { Action, authorize, seesAllocation, type Actor } from '../access/index.ts'
import { AuditKind, type AuditEntry } from '../audit/index.ts'
import { fail, ok, ProblemCode, type Instant, type Product, type Result, type SubjectId } from '../domain/index.ts'
import type { CompiledForm } from '../protocol/index.ts'
import {
  blindedPreparationView,
  computeDose,
  preparationSheet,
  recordExtraction,
  recordInfusion,
  recordManufacture,
  recordPreparation,
  recordRelease,
  type BlindedPreparation,
  type Lot,
  type PreparationSheet,
  type ReleaseFailure,
  type ReleaseResult,
  type SupplyChain,
} from '../randomization/index.ts'
import {
  findLot,
  fromJson,
  insertExtraction,
  insertInfusion,
  insertLot,
  insertPreparation,
  listCurrentFormVersions,
  listSubjectPeriods,
  listVisitRecords,
  loadSupplyRows,
  nextFormInstance,
  toJson,
  updateLot,
  updatePreparation,
  type Conn,
  type DosePreparationTable,
  type ProductLotTable,
  type SubjectTable,
  type SupplyRows,
} from '../store/index.ts'
import { openPeriods } from './allocation.ts'
import { writeFormVersion, type FormCatalogue } from './form-service.ts'
import {
  audit,
  IsoDateInput,
  dateOf,
  parse,
  requireOpen,
  requireSubjectOpen,
  studyState,
  subjectFor,
  type Ctx,
  type StudyState,
} from './context.ts'

const Extraction = z.strictObject({ date: IsoDateInput, tissueGrams: z.number().positive() })
const Manufacture = z.strictObject({
  lotId: z.string().trim().min(1).max(60),
  extractionId: z.string().min(1),
  date: IsoDateInput,
})
const Release = z.strictObject({
  date: IsoDateInput,
  /**
   * Result per release criterion id (a number for a ranged criterion, pass/fail otherwise). Other measurements
   * of the protocol's manufacturing form may be given by item id (e.g. `cell_count`, ×10^6 viable cells): they
   * are kept with the results and written to the form.
   */
  values: z.record(z.string(), z.union([z.number(), z.boolean()])),
})
const Prepare = z.strictObject({
  lotId: z.string().min(1),
  /** Planned infusion date: the weight must be recent enough on this day. */
  infusionDate: IsoDateInput,
  /** Weighed at preparation; omitted: the latest weight recorded on the protocol's weight form. */
  weightKg: z.number().positive().optional(),
  weightDate: IsoDateInput.optional(),
})
const Infusion = z.strictObject({
  preparationCode: z.string().min(1),
  /** The lot scanned at the bedside. */
  lotId: z.string().min(1),
  date: IsoDateInput,
  startedAt: z.iso.datetime({ offset: false }),
  endedAt: z.iso.datetime({ offset: false }),
  volumeMl: z.number().nonnegative(),
  status: z.enum(['completed', 'interrupted']),
  /** Why the infusion was interrupted, or other remarks. */
  notes: z.string().trim().max(2000).optional(),
  reaction: z.boolean().default(false),
  reactionDetails: z.string().trim().max(2000).optional(),
})

export type ExtractionInput = z.input<typeof Extraction>
export type ManufactureInput = z.input<typeof Manufacture>
export type ReleaseInput = z.input<typeof Release>
export type PrepareInput = z.input<typeof Prepare>
export type InfusionInput = z.input<typeof Infusion>

/**
 * Visit id under which each lot's manufacturing and release is stored as a version of the protocol's
 * manufacturing (RELEASE) form, one instance per lot in release order: an event, not a scheduled visit.
 */
export const RELEASE_VISIT = 'LOT'

/** A preparation as a reader sees it: the blinded fields for everyone, the sheet (arm, dose, content) only when unblinded. */
export type PreparationView =
  | (BlindedPreparation & { readonly blinded: true; readonly lotId: string; readonly infusedOn: string | null })
  | (PreparationSheet & { readonly blinded: false; readonly infusedOn: string | null })

/** A patient's supply chain. Every patient has the same steps whatever the arm. */
export interface SupplyView {
  readonly subjectId: string
  readonly extractions: readonly {
    readonly id: string
    readonly date: string
    readonly tissueGrams: number
    readonly sufficient: boolean
  }[]
  readonly lots: readonly {
    readonly id: string
    readonly extractionId: string
    readonly manufacturedOn: string
    readonly release: {
      readonly status: 'passed' | 'failed'
      readonly date: string
      readonly expiresOn: string | null
      readonly failures: readonly ReleaseFailure[]
    } | null
  }[]
  readonly preparations: readonly PreparationView[]
  readonly infusions: readonly {
    readonly id: string
    readonly periodId: string
    readonly preparationCode: string
    readonly date: string
    readonly startedAt: string
    readonly endedAt: string | null
    readonly volumeMl: number
    readonly status: string
    readonly notes: string | null
  }[]
}

export interface SupplyService {
  /** Records the adipose tissue extraction (supply.record). */
  recordExtraction(actor: Actor, subjectId: string, input: ExtractionInput): Promise<Result<SupplyView>>
  /** Records a lot manufactured from an extraction (supply.record). */
  recordManufacture(actor: Actor, subjectId: string, input: ManufactureInput): Promise<Result<SupplyView>>
  /**
   * Records the lot's release results against the protocol's criteria; one failure fails the lot. When the
   * protocol has a manufacturing form (instrument MANUFACTURING), its version is written in the same
   * transaction at the `RELEASE_VISIT` event: lot, manufacture date, the results of its items, the decision
   * with its date or the failed criteria. Items the record has no value for are left empty.
   */
  recordRelease(actor: Actor, lotId: string, input: ReleaseInput): Promise<Result<SupplyView>>
  /**
   * The unblinded pharmacist prepares the dose of the subject's current period (dose.prepare): the dose is
   * computed from the weight by the protocol's rule for the arm the subject receives; the lot is checked for
   * every arm alike. Returns the preparation sheet; what it contains is sealed at rest.
   */
  prepareDose(actor: Actor, subjectId: string, input: PrepareInput): Promise<Result<PreparationSheet>>
  /**
   * Records the infusion after the bedside checks (the preparation's lot, released, in date) (infusion.record).
   * When the protocol has an INFUSION form at the period's infusion visit, its version is written in the same
   * transaction, the prescribed and given dose filled from the sealed preparation (hidden from blinded readers).
   */
  recordInfusion(actor: Actor, subjectId: string, input: InfusionInput): Promise<Result<SupplyView>>
  view(actor: Actor, subjectId: string): Promise<Result<SupplyView>>
}

const SheetPayload = z.record(z.string(), z.unknown()).transform((v) => v as unknown as PreparationSheet)
const Failures = z.array(z.object({ criterionId: z.string(), label: z.string(), reason: z.string() }))
const FormData = z.record(z.string(), z.json())

const preparationContext = (row: Pick<DosePreparationTable, 'id'>): string => `dose_preparation:${row.id}`

export function supplyService(ctx: Ctx, catalogue: FormCatalogue): SupplyService {
  const infusionForm = ctx.compiled.forms.find((f) => f.instrument?.id === 'INFUSION')
  const releaseForm = ctx.compiled.forms.find((f) => f.instrument?.id === 'MANUFACTURING')

  /** The lot's manufacturing and release form (a new instance per lot), from the release record. */
  async function writeReleaseForm(
    tx: Conn,
    actor: Actor,
    state: StudyState,
    subject: SubjectTable,
    lot: ProductLotTable,
    release: ReleaseResult,
    results: Readonly<Record<string, number | boolean>>,
    at: Instant,
  ): Promise<Result<AuditEntry[]>> {
    if (!releaseForm) return ok([])
    const values = releaseFormValues(releaseForm, lot, release, results)
    const key = { subjectId: subject.id, visitId: RELEASE_VISIT, formId: releaseForm.id }
    const written = await writeFormVersion(ctx, catalogue, tx, {
      actor,
      at,
      state,
      subject,
      key: { ...key, instance: await nextFormInstance(tx, key) },
      values,
      reason: `release of lot ${lot.id}`,
      unblinded: true,
      notRequired: new Set(releaseForm.items.map((i) => i.id).filter((id) => !(id in values))),
    })
    return written.ok ? ok([...written.value.entries]) : written
  }

  /** The INFUSION form of the period's infusion visit, with the dose from the sealed preparation sheet. */
  async function writeInfusionForm(
    tx: Conn,
    actor: Actor,
    state: StudyState,
    subject: SubjectTable,
    preparation: DosePreparationTable,
    i: z.infer<typeof Infusion>,
    at: Instant,
  ): Promise<Result<AuditEntry[]>> {
    const visit = ctx.compiled.visits.find(
      (v) =>
        v.procedures.includes('infusion') &&
        v.periodId === preparation.period_id &&
        infusionForm &&
        v.forms.includes(infusionForm.id),
    )
    if (!infusionForm || !visit) return ok([])
    const sheet = ctx.sealer.open(SheetPayload, preparation.sealed, preparationContext(preparation))
    const total = sheet.dose.total
    const values = {
      start: i.startedAt,
      end: i.endedAt,
      dose_prescribed: total,
      dose_given:
        preparation.volume_ml > 0
          ? Math.round((total * Math.min(i.volumeMl, preparation.volume_ml)) / preparation.volume_ml)
          : 0,
      volume_given_ml: i.volumeMl,
      completed: i.status === 'completed',
      ...(i.status !== 'completed' ? { incomplete_reason: i.notes ?? 'interrupted' } : {}),
      reaction: i.reaction,
      ...(i.reaction ? { reaction_details: i.reactionDetails ?? i.notes ?? 'infusion reaction' } : {}),
    }
    const written = await writeFormVersion(ctx, catalogue, tx, {
      actor,
      at,
      state,
      subject,
      key: { subjectId: subject.id, visitId: visit.id, formId: infusionForm.id, instance: 1 },
      values,
      reason: 'infusion record',
      unblinded: true,
    })
    return written.ok ? ok([...written.value.entries]) : written
  }

  const product = (): Result<Product> =>
    ctx.protocol.product
      ? ok(ctx.protocol.product)
      : fail({ code: ProblemCode.Unsupported, path: '', message: 'the protocol declares no product' })

  /** Loads the subject for `action` (row-locked), refuses locked data, and runs `work` with the subject's chain. */
  async function change<T>(
    actor: Actor,
    action: Action,
    subjectId: string,
    work: (
      tx: Conn,
      state: StudyState,
      subject: SubjectTable,
      rows: SupplyRows,
      chain: SupplyChain,
      at: Instant,
    ) => Promise<Result<{ value: T; entries: AuditEntry[] }>>,
  ): Promise<Result<T>> {
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
      const rows = await loadSupplyRows(tx, subjectId)
      const done = await work(tx, state.value, subject.value, rows, chainOf(subject.value, rows), at)
      if (!done.ok) return done
      await audit(ctx, tx, actor, at, done.value.entries)
      return ok(done.value.value)
    })
  }

  const entry = (
    s: SubjectTable,
    kind: AuditEntry['kind'],
    entityType: string,
    entityId: string,
    changes: AuditEntry['changes'],
  ): AuditEntry => ({
    kind,
    entityType,
    entityId,
    subjectId: s.id,
    siteId: s.site_id,
    changes: changes ?? [],
  })

  async function viewOf(c: Conn, actor: Actor, state: StudyState, subjectId: string): Promise<SupplyView> {
    return supplyView(ctx, await loadSupplyRows(c, subjectId), subjectId, seesAllocation(actor, state.blind))
  }

  return {
    async recordExtraction(actor, subjectId, input) {
      const parsed = parse(Extraction, input)
      if (!parsed.ok) return parsed
      const p = product()
      if (!p.ok) return p
      return change(actor, Action.SupplyRecord, subjectId, async (tx, state, s, _rows, chain, at) => {
        const id = ctx.newId()
        const next = recordExtraction(p.value, chain, {
          extractionId: id,
          date: parsed.value.date,
          tissueGrams: parsed.value.tissueGrams,
        })
        if (!next.ok) return next
        const sufficient = next.value.extractions.at(-1)?.sufficient ?? false
        await insertExtraction(tx, {
          id,
          subject_id: s.id,
          site_id: s.site_id,
          extraction_date: parsed.value.date,
          tissue_grams: parsed.value.tissueGrams,
          sufficient: sufficient ? 1 : 0,
          recorded_at: at,
          recorded_by: actor.userId,
        })
        return ok({
          value: await viewOf(tx, actor, state, s.id),
          entries: [
            entry(s, AuditKind.LotExtracted, 'extraction', id, [
              { field: 'date', old: null, new: parsed.value.date },
              { field: 'tissueGrams', old: null, new: parsed.value.tissueGrams },
              { field: 'sufficient', old: null, new: sufficient },
            ]),
          ],
        })
      })
    },

    async recordManufacture(actor, subjectId, input) {
      const parsed = parse(Manufacture, input)
      if (!parsed.ok) return parsed
      const p = product()
      if (!p.ok) return p
      const { lotId, extractionId, date } = parsed.value
      return change(actor, Action.SupplyRecord, subjectId, async (tx, state, s, _rows, chain, at) => {
        if (await findLot(tx, lotId))
          return fail({ code: ProblemCode.Conflict, path: 'lotId', message: `lot ${lotId} is already recorded` })
        const next = recordManufacture(p.value, chain, { lotId, extractionId, date })
        if (!next.ok) return next
        await insertLot(tx, {
          id: lotId,
          subject_id: s.id,
          site_id: s.site_id,
          extraction_id: extractionId,
          manufactured_on: date,
          release_status: null,
          release_date: null,
          expires_on: null,
          release_values: null,
          release_failures: null,
          recorded_at: at,
          recorded_by: actor.userId,
          updated_at: at,
        })
        return ok({
          value: await viewOf(tx, actor, state, s.id),
          entries: [
            entry(s, AuditKind.LotManufacturing, 'lot', lotId, [
              { field: 'manufacturedOn', old: null, new: date },
              { field: 'extraction', old: null, new: extractionId },
            ]),
          ],
        })
      })
    },

    async recordRelease(actor, lotId, input) {
      const parsed = parse(Release, input)
      if (!parsed.ok) return parsed
      const p = product()
      if (!p.ok) return p
      const lot = await findLot(ctx.store, lotId)
      if (!lot) {
        const allowed = authorize(actor, Action.SupplyRecord)
        return allowed.ok ? fail({ code: ProblemCode.NotFound, path: 'lotId', message: 'not found' }) : allowed
      }
      return change(actor, Action.SupplyRecord, lot.subject_id, async (tx, state, s, rows, chain, at) => {
        const next = recordRelease(p.value, chain, { lotId, date: parsed.value.date, values: parsed.value.values })
        if (!next.ok) return next
        const release = next.value.lots.find((l) => l.lotId === lotId)?.release
        const row = rows.lots.find((l) => l.id === lotId)
        if (!release || !row) throw new Error('release not recorded')
        const failures = release.status === 'failed' ? release.failures : []
        await updateLot(tx, lotId, {
          release_status: release.status,
          release_date: release.date,
          expires_on: release.status === 'passed' ? release.expiresOn : null,
          release_values: toJson(parsed.value.values),
          release_failures: toJson(failures),
          updated_at: at,
        })
        const form = await writeReleaseForm(tx, actor, state, s, row, release, parsed.value.values, at)
        if (!form.ok) return form
        return ok({
          value: await viewOf(tx, actor, state, s.id),
          entries: [
            entry(s, AuditKind.LotReleaseDecided, 'lot', lotId, [
              { field: 'release', old: null, new: release.status },
              ...Object.entries(parsed.value.values).map(([k, v]) => ({ field: `results.${k}`, old: null, new: v })),
              ...failures.map((f) => ({ field: `failed.${f.criterionId}`, old: null, new: f.reason })),
            ]),
            ...form.value,
          ],
        })
      })
    },

    async prepareDose(actor, subjectId, input) {
      const parsed = parse(Prepare, input)
      if (!parsed.ok) return parsed
      const { lotId, infusionDate } = parsed.value
      return change(actor, Action.DosePrepare, subjectId, async (tx, _state, s, _rows, chain, at) => {
        const period = ctx.protocol.periods.find((p) => p.id === s.current_period)
        const entered = openPeriods(ctx, await listSubjectPeriods(tx, s.id)).find(
          (p) => p.row.period_id === s.current_period,
        )
        if (s.status !== 'randomized' || !period || !entered) {
          return fail({
            code: ProblemCode.StateInvalid,
            path: 'subjectId',
            message: 'the subject is not in a treatment period',
          })
        }
        const receives = entered.assignment.receives
        if (!period.dosing || receives === null) {
          return fail({
            code: ProblemCode.StateInvalid,
            path: 'subjectId',
            message: `period ${period.id} gives no dose`,
          })
        }
        const weight =
          parsed.value.weightKg !== undefined
            ? { kg: parsed.value.weightKg, date: parsed.value.weightDate ?? dateOf(at) }
            : await recordedWeight(ctx, tx, s.id, infusionDate)
        if (!weight)
          return fail({
            code: ProblemCode.Required,
            path: 'weightKg',
            message: 'no weight recorded: weigh the subject',
          })
        const dose = computeDose(ctx.protocol, {
          armId: receives,
          weightKg: weight.kg,
          weightDate: weight.date,
          infusionDate,
        })
        if (!dose.ok) return dose
        const lot = chain.lots.find((l) => l.lotId === lotId)
        const sheet = preparationSheet(ctx.protocol, {
          subjectId: s.id as SubjectId,
          periodId: period.id,
          dose: dose.value,
          lot,
          preparedAt: at,
        })
        if (!sheet.ok) return sheet
        const recorded = recordPreparation(chain, {
          preparationCode: sheet.value.preparationCode,
          periodId: period.id,
          lot,
          date: dateOf(at),
        })
        if (!recorded.ok) return recorded
        const row: DosePreparationTable = {
          id: ctx.newId(),
          subject_id: s.id,
          period_id: period.id,
          preparation_code: sheet.value.preparationCode,
          lot_id: lotId,
          weight_kg: weight.kg,
          weight_date: weight.date,
          volume_ml: sheet.value.volumeMl,
          prepared_on: dateOf(at),
          prepared_at: at,
          prepared_by: actor.userId,
          infused_on: null,
          sealed: '',
        }
        await insertPreparation(tx, { ...row, sealed: ctx.sealer.seal(sheet.value, preparationContext(row)) })
        return ok({
          value: sheet.value,
          entries: [
            entry(s, AuditKind.DosePrepared, 'preparation', row.id, [
              { field: 'preparationCode', old: null, new: row.preparation_code },
              { field: 'period', old: null, new: period.id },
              { field: 'lot', old: null, new: lotId },
              { field: 'weightKg', old: null, new: weight.kg },
              { field: 'arm', old: null, new: sheet.value.arm, sensitive: true },
              { field: 'doseTotal', old: null, new: dose.value.total, sensitive: true },
              { field: 'content', old: null, new: sheet.value.content, sensitive: true },
            ]),
          ],
        })
      })
    },

    async recordInfusion(actor, subjectId, input) {
      const parsed = parse(Infusion, input)
      if (!parsed.ok) return parsed
      const i = parsed.value
      return change(actor, Action.InfusionRecord, subjectId, async (tx, state, s, rows, chain, at) => {
        const preparation = rows.preparations.find((p) => p.preparation_code === i.preparationCode)
        const next = recordInfusion(chain, {
          preparationCode: i.preparationCode,
          lot: chain.lots.find((l) => l.lotId === i.lotId),
          date: i.date,
        })
        if (!next.ok) return next
        if (!preparation) throw new Error('preparation vanished')
        const id = ctx.newId()
        await insertInfusion(tx, {
          id,
          subject_id: s.id,
          period_id: preparation.period_id,
          preparation_id: preparation.id,
          infusion_date: i.date,
          started_at: i.startedAt,
          ended_at: i.endedAt ?? null,
          volume_ml: i.volumeMl,
          status: i.status,
          notes: i.notes ?? null,
          recorded_at: at,
          recorded_by: actor.userId,
        })
        await updatePreparation(tx, preparation.id, { infused_on: i.date })
        const form = await writeInfusionForm(tx, actor, state, s, preparation, i, at)
        if (!form.ok) return form
        return ok({
          value: await viewOf(tx, actor, state, s.id),
          entries: [
            entry(s, AuditKind.InfusionRecorded, 'infusion', id, [
              { field: 'preparationCode', old: null, new: i.preparationCode },
              { field: 'period', old: null, new: preparation.period_id },
              { field: 'date', old: null, new: i.date },
              { field: 'startedAt', old: null, new: i.startedAt },
              { field: 'endedAt', old: null, new: i.endedAt ?? null },
              { field: 'volumeMl', old: null, new: i.volumeMl },
              { field: 'status', old: null, new: i.status },
            ]),
            ...form.value,
          ],
        })
      })
    },

    async view(actor, subjectId) {
      const subject = await subjectFor(ctx.store, actor, Action.SupplyView, subjectId)
      if (!subject.ok) return subject
      const state = await studyState(ctx, ctx.store)
      if (!state.ok) return state
      return ok(await viewOf(ctx.store, actor, state.value, subjectId))
    },
  }
}

/**
 * The manufacturing form's values from a lot's release record: lot and manufacture date, each result under
 * the item of the same id when its type fits (a pass/fail result on a two-option choice takes the first
 * option for a pass, as the MANUFACTURING template orders them: pass/fail, negative/positive, normal/abnormal),
 * the decision, and the release date or the failed criteria.
 */
function releaseFormValues(
  form: CompiledForm,
  lot: Pick<ProductLotTable, 'id' | 'manufactured_on'>,
  release: ReleaseResult,
  results: Readonly<Record<string, number | boolean>>,
): Record<string, string | number | boolean> {
  const items = new Map(form.items.map((i) => [i.id, i]))
  const values: Record<string, string | number | boolean> = {}
  const put = (id: string, value: string | number | boolean) => {
    if (items.has(id)) values[id] = value
  }
  for (const [id, v] of Object.entries(results)) {
    const item = items.get(id)
    if (!item) continue
    if (typeof v === 'number' && (item.type === 'integer' || item.type === 'decimal')) values[id] = v
    else if (typeof v === 'boolean' && item.type === 'boolean') values[id] = v
    else if (typeof v === 'boolean' && item.type === 'choice' && item.options?.length === 2) {
      const option = item.options[v ? 0 : 1]
      if (option) values[id] = option.code
    }
  }
  put('lot_id', lot.id)
  put('manufacture_date', lot.manufactured_on)
  put('release', release.status)
  if (release.status === 'passed') put('release_date', release.date)
  else put('failure_reason', release.failures.map((f) => `${f.label}: ${f.reason}`).join('; '))
  return values
}

/** The randomization module's supply chain value from the rows (blind by construction: no arm, no quantity). */
export function chainOf(subject: SubjectTable, rows: SupplyRows): SupplyChain {
  return {
    subjectId: subject.id as SubjectId,
    extractions: rows.extractions.map((e) => ({
      extractionId: e.id,
      date: e.extraction_date,
      tissueGrams: e.tissue_grams,
      sufficient: e.sufficient === 1,
    })),
    lots: rows.lots.map((l): Lot => ({
      lotId: l.id,
      subjectId: subject.id as SubjectId,
      extractionId: l.extraction_id,
      manufacturedOn: l.manufactured_on,
      release:
        l.release_status === 'passed' && l.release_date
          ? { status: 'passed', date: l.release_date, expiresOn: l.expires_on }
          : l.release_status === 'failed' && l.release_date
            ? {
                status: 'failed',
                date: l.release_date,
                failures: fromJson(Failures, l.release_failures ?? '[]', 'release failures'),
              }
            : null,
    })),
    preparations: rows.preparations.map((p) => ({
      preparationCode: p.preparation_code,
      periodId: p.period_id,
      lotId: p.lot_id,
      preparedOn: p.prepared_on,
      infusedOn: p.infused_on,
    })),
  }
}

/** Projects supply rows for a reader; the sealed sheet is opened only for readers who see allocations. */
export function supplyView(ctx: Ctx, rows: SupplyRows, subjectId: string, unblinded: boolean): SupplyView {
  const chain = chainOf({ id: subjectId } as SubjectTable, rows)
  return {
    subjectId,
    extractions: chain.extractions.map((e) => ({
      id: e.extractionId,
      date: e.date,
      tissueGrams: e.tissueGrams,
      sufficient: e.sufficient,
    })),
    lots: chain.lots.map((l) => ({
      id: l.lotId,
      extractionId: l.extractionId,
      manufacturedOn: l.manufacturedOn,
      release: l.release && {
        status: l.release.status,
        date: l.release.date,
        expiresOn: l.release.status === 'passed' ? l.release.expiresOn : null,
        failures: l.release.status === 'failed' ? l.release.failures : [],
      },
    })),
    preparations: rows.preparations.map((p): PreparationView => {
      const sheet = ctx.sealer.open(SheetPayload, p.sealed, preparationContext(p))
      return unblinded
        ? { ...sheet, blinded: false, infusedOn: p.infused_on }
        : { ...blindedPreparationView(sheet), blinded: true, lotId: p.lot_id, infusedOn: p.infused_on }
    }),
    infusions: rows.infusions.map((i) => ({
      id: i.id,
      periodId: i.period_id,
      preparationCode: rows.preparations.find((p) => p.id === i.preparation_id)?.preparation_code ?? '',
      date: i.infusion_date,
      startedAt: i.started_at,
      endedAt: i.ended_at,
      volumeMl: i.volume_ml,
      status: i.status,
      notes: i.notes,
    })),
  }
}

/**
 * The latest weight on the protocol's weight form dated on or before the infusion: the visit's actual date,
 * or the day the form was saved when the visit date is not recorded.
 */
async function recordedWeight(
  ctx: Ctx,
  c: Conn,
  subjectId: string,
  onOrBefore: string,
): Promise<{ kg: number; date: string } | undefined> {
  const source = ctx.protocol.dosing?.weight
  if (!source) return undefined
  const [forms, visits] = await Promise.all([
    listCurrentFormVersions(c, { subjectId, formIds: [source.form] }),
    listVisitRecords(c, subjectId),
  ])
  const visitDates = new Map(visits.map((v) => [v.visit_id, v.actual_date]))
  let best: { kg: number; date: string } | undefined
  for (const f of forms) {
    if (f.status !== 'entered') continue
    const kg = fromJson(FormData, f.data, 'form data')[source.item]
    const date = visitDates.get(f.visit_id) ?? f.saved_at.slice(0, 10)
    if (typeof kg !== 'number' || date > onOrBefore) continue
    if (!best || date >= best.date) best = { kg, date }
  }
  return best
}
