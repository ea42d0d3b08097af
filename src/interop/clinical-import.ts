/**
 * Loads clinical data read from another system (ODM SubjectData, REDCap records) into the study through the
 * application services: each subject is found by its screening number or screened, each form version is saved
 * through the form service (validation, derived values, automatic queries, audit), adverse events through the
 * safety service. Derived values in the file are never loaded: the services compute them, and a file value that
 * differs is reported. Every version keeps the source system's who/when/why in its reason, the first included.
 *
 * All or nothing: the whole file loads in ONE database transaction (`Services.inTransaction`), closed by the
 * audited import record (`import.loaded`: the file, its SHA-256, its format and what was loaded), so the first
 * problem anywhere (an invalid value, an unknown form, a locked study) rolls back everything the file wrote,
 * audit records included.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Actor } from '../access/index.ts'
import { createServices, type CaptureDeps, type Services } from '../capture/index.ts'
import { fail, ok, ProblemCode, type Problem, type Result } from '../domain/index.ts'
import { compileProtocol, validateFormEntry, type CompiledForm } from '../protocol/index.ts'
import { joinVisitId } from './capture-extract.ts'
import type { ImportedAudit, ImportedFormSave, ImportedSubject } from './odm-clinical.ts'
import { ADVERSE_EVENT_VISIT, ALLOCATION_FORM, PRODUCT_LOT_VISIT, UNSCHEDULED_VISIT } from './odm-oids.ts'
import { ReportCollector, type ImportReport, type ReportEntry } from './import-report.ts'
import { importOdmFile, type OdmImportOptions } from './odm-import.ts'
import type { CapturedValue } from './study-extract.ts'

export interface ClinicalLoadOptions {
  /** Who loads the data: needs `subject.screen`, `form.enter` and `ae.report` at the subjects' sites. */
  readonly actor: Actor
  /**
   * The file the data comes from: named in the reason of every version (with the original who/when/why), in
   * the import record and, through the importer's name, in every audit record the import writes.
   */
  readonly source: string
  /** SHA-256 (hex) of the file's bytes, and its format (e.g. `CDISC ODM 1.3.2`), for the import record. */
  readonly sha256: string
  readonly format: string
  /** Site of subjects whose file names no (known) site. */
  readonly site?: string | undefined
  /**
   * What a form that fails validation does: `fail` (default) fails the whole file, so nothing is written;
   * `skip` leaves that form version out and reports it (for legacy data whose source system did not enforce
   * its own rules), loading the rest.
   */
  readonly invalidForms?: 'fail' | 'skip' | undefined
  /** The file's user OIDs → names, for the provenance text. */
  readonly users?: ReadonlyMap<string, string>
}

export interface ClinicalLoadSummary {
  readonly subjectsCreated: number
  /** Subjects already in the study (matched by screening number), whose forms got new versions. */
  readonly subjectsMatched: number
  /** Form instances written (created or given a new version). */
  readonly forms: number
  readonly formVersions: number
  /** Form versions left out because they fail validation (`invalidForms: 'skip'` only). */
  readonly formVersionsSkipped: number
  readonly values: number
  readonly adverseEvents: number
  readonly skipped: readonly ReportEntry[]
}

/** Loads every subject of a file in one transaction, with its import record; any problem loads nothing. */
export async function loadClinicalData(
  deps: CaptureDeps,
  subjects: readonly ImportedSubject[],
  options: ClinicalLoadOptions,
): Promise<Result<ClinicalLoadSummary>> {
  const mismatch = protocolMismatch(deps, subjects)
  if (mismatch) return fail(mismatch)
  // Every audit record the import writes names the file, also those that carry no reason (a subject screened).
  const actor = { ...options.actor, username: `${options.actor.username} (import of ${options.source})`.slice(0, 200) }
  return createServices(deps).inTransaction(async (services) => {
    const loader = new SubjectLoader(
      services,
      { ...options, actor },
      deps.clock.now().slice(0, 10),
      new Map(compileProtocol(deps.protocol).forms.map((f) => [f.id, f])),
      new Set(deps.protocol.protocol.visits.map((v) => v.id)),
    )
    for (const subject of subjects) {
      const r = await loader.load(subject)
      if (!r.ok) return r
    }
    const summary = loader.summary()
    const recorded = await services.reads.recordImport(actor, {
      source: options.source.slice(0, 500),
      sha256: options.sha256,
      format: options.format,
      counts: {
        subjectsCreated: summary.subjectsCreated,
        subjectsMatched: summary.subjectsMatched,
        formVersions: summary.formVersions,
        formVersionsSkipped: summary.formVersionsSkipped,
        adverseEvents: summary.adverseEvents,
        values: summary.values,
      },
    })
    return recorded.ok ? ok(summary) : recorded
  })
}

/**
 * A file made for another protocol fails as a whole, before anything is written, naming what the study lacks
 * (rather than at the first form the services refuse).
 */
function protocolMismatch(deps: CaptureDeps, subjects: readonly ImportedSubject[]): Problem | undefined {
  const protocol = deps.protocol.protocol
  const forms = new Set(protocol.forms.map((f) => f.id))
  const visits = new Set([
    ...protocol.visits.map((v) => v.id),
    UNSCHEDULED_VISIT,
    ADVERSE_EVENT_VISIT,
    PRODUCT_LOT_VISIT,
  ])
  const missing = new Set<string>()
  for (const s of subjects)
    for (const save of s.saves) {
      if (save.formId === ALLOCATION_FORM) continue
      if (!forms.has(save.formId)) missing.add(`form ${save.formId}`)
      if (!visits.has(save.visitId)) missing.add(`visit ${save.visitId}`)
    }
  if (missing.size === 0) return undefined
  const list = [...missing]
  return {
    code: ProblemCode.Conflict,
    path: '',
    message:
      `the study's protocol (${protocol.study.id} ${protocol.study.version}) has no ${list.slice(0, 5).join(', ')}` +
      `${list.length > 5 ? ` or ${list.length - 5} more` : ''}: the file was made for another protocol ` +
      '(load it into a study set up from the protocol its metadata translates to)',
  }
}

/** ISO date of an ODM DateTimeStamp (`2026-01-31T…` or a bare date); undefined for anything else. */
function dateOf(stamp: string | undefined): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(stamp ?? '')
  return m?.[1]
}

interface SubjectState {
  readonly id: string
  readonly consented: boolean
  /** Values loaded so far per form instance, to apply partial (Transactional) updates on top. */
  readonly current: Map<string, Record<string, CapturedValue>>
  /** AE number in the file → the AE's id once reported. */
  readonly aeIds: Map<number, string>
}

class SubjectLoader {
  private readonly report = new ReportCollector()
  private readonly touchedForms = new Set<string>()
  private readonly subjects = new Map<string, SubjectState>()
  private created = 0
  private matched = 0
  private versions = 0
  private values = 0
  private aes = 0
  private skippedForms = 0

  constructor(
    private readonly services: Services,
    private readonly options: ClinicalLoadOptions,
    /** Screening date of subjects whose file gives no date at all (the import's date). */
    private readonly today: string,
    /** The study's compiled forms by id. */
    private readonly forms: ReadonlyMap<string, CompiledForm>,
    /** The study's scheduled visit ids. */
    private readonly protocolVisits: ReadonlySet<string>,
  ) {}

  summary(): ClinicalLoadSummary {
    return {
      subjectsCreated: this.created,
      subjectsMatched: this.matched,
      forms: this.touchedForms.size,
      formVersions: this.versions,
      formVersionsSkipped: this.skippedForms,
      values: this.values,
      adverseEvents: this.aes,
      skipped: this.report.entries(),
    }
  }

  async load(subject: ImportedSubject): Promise<Result<true>> {
    const where = `SubjectData ${subject.subjectKey}`
    // A Transactional file repeats SubjectData for every change: the subject's state carries over between them.
    let state = this.subjects.get(subject.subjectKey)
    if (!state) {
      const found = await this.subject(subject)
      if (!found.ok) return prefixed(found, where)
      state = { ...found.value, current: new Map(), aeIds: new Map() }
      this.subjects.set(subject.subjectKey, state)
    }
    const { id, consented, current, aeIds } = state
    for (const save of subject.saves) {
      if (save.formId === ALLOCATION_FORM) {
        this.report.add(
          'treatment allocation',
          'allocations are never imported: subjects are randomized in TrialDesk through its sealed lists',
        )
        continue
      }
      const visitId = joinVisitId(save.visitId, save.visitRepeatKey)
      if (visitId === PRODUCT_LOT_VISIT && !this.protocolVisits.has(visitId)) {
        this.report.add(
          'product lot release',
          'not loaded: lots and their release are recorded through the supply chain, which writes this form',
        )
        continue
      }
      const instance = save.formRepeatKey ?? 1
      const key = `${visitId}/${save.formId}#${instance}`
      const isAe = visitId === ADVERSE_EVENT_VISIT
      if (isAe && !consented) {
        this.report.add(
          'adverse event',
          'not loaded: the subject has no informed consent recorded in TrialDesk (adverse events are collected from consent)',
        )
        continue
      }
      const { values, derived } = this.split(save.formId, mergedValues(current.get(key), save), save.derived)
      current.set(key, values)
      if (this.options.invalidForms === 'skip' && !this.valid(save.formId, values)) continue
      const reason = this.provenance(save.audit)
      const saved = isAe
        ? await this.saveAe(id, instance, values, reason, aeIds)
        : await this.saveForm(id, visitId, save.formId, instance, values, derived, reason)
      if (!saved.ok) return prefixed(saved, `${where} ${visitId}/${save.formId}#${instance}`)
      this.touchedForms.add(`${id}/${key}`)
      this.versions++
      this.values += Object.keys(values).length
    }
    return ok(true)
  }

  /** The subject with the file's key as screening number: the existing one, or a newly screened one. */
  private async subject(subject: ImportedSubject): Promise<Result<{ id: string; consented: boolean }>> {
    const { actor } = this.options
    const found = await this.services.reads.subjects(actor, { search: subject.subjectKey, limit: 500 })
    if (!found.ok) return found
    const existing = found.value.items.find((s) => s.screeningNumber === subject.subjectKey)
    if (existing) {
      const view = await this.services.subjects.get(actor, existing.id)
      if (!view.ok) return view
      this.matched++
      return ok({ id: existing.id, consented: view.value.consent !== null })
    }
    const siteId = subject.siteId ?? this.options.site
    if (!siteId)
      return fail({
        code: ProblemCode.Required,
        path: 'site',
        message: 'the file names no site for this subject: give the site with --site',
      })
    const dates = subject.saves.map((s) => dateOf(s.audit?.at)).filter((d): d is string => d !== undefined)
    const screened = await this.services.subjects.screen(actor, {
      siteId,
      screeningNumber: subject.subjectKey,
      screeningDate: dates.sort()[0] ?? this.today,
    })
    if (!screened.ok) return screened
    this.created++
    return ok({ id: screened.value.id, consented: false })
  }

  /**
   * The protocol's own validation (`validateFormEntry`, as the form service runs it) ahead of the save, so that
   * an invalid form can be left out and reported instead of failing the file. Unknown forms are not judged
   * here: the services refuse them, which fails the file (the protocol does not match).
   */
  private valid(formId: string, values: Readonly<Record<string, CapturedValue>>): boolean {
    const form = this.forms.get(formId)
    if (!form) return true
    const checked = validateFormEntry(form, values, { mode: 'final' })
    if (checked.ok) return true
    const [first] = checked.problems
    this.skippedForms++
    this.report.add(
      `form ${formId}${first?.path ? ` ${first.path}` : ''}`,
      `form version not loaded: ${first?.message ?? 'invalid'}`,
    )
    return false
  }

  /**
   * Entered values apart from the values TrialDesk computes: a file written from a protocol without the
   * instrument's code (another system, or ODM read back) carries scores as plain items.
   */
  private split(
    formId: string,
    all: Record<string, CapturedValue>,
    derived: Readonly<Record<string, number | null>>,
  ): { values: Record<string, CapturedValue>; derived: Record<string, unknown> } {
    const form = this.forms.get(formId)
    const computed = new Set(form ? [...form.scores, ...form.derived].map((d) => d.id) : [])
    const values: Record<string, CapturedValue> = {}
    const fileDerived: Record<string, unknown> = { ...derived }
    for (const [id, v] of Object.entries(all)) {
      if (computed.has(id)) fileDerived[id] = v
      else values[id] = v
    }
    return { values, derived: fileDerived }
  }

  private async saveForm(
    subjectId: string,
    visitId: string,
    formId: string,
    instance: number,
    values: Record<string, CapturedValue>,
    fileDerived: Readonly<Record<string, unknown>>,
    reason: string,
  ): Promise<Result<true>> {
    const saved = await this.services.forms.save(this.options.actor, {
      subjectId,
      visitId,
      formId,
      instance,
      values,
      reason,
    })
    if (!saved.ok) return saved
    // Values the importing user may not see (computed from unblinded-only items) are not compared.
    const shown = saved.value.form.derived
    for (const [id, fileValue] of Object.entries(fileDerived)) {
      if (!(id in shown)) continue
      if (fileValue !== null && fileValue !== (shown[id] ?? null))
        this.report.add(
          `derived value ${formId}.${id}`,
          `recomputed by TrialDesk; the file held a different value (TrialDesk’s is kept)`,
        )
    }
    return ok(true)
  }

  /** The first version of an AE number reports the event; later versions are follow-ups. */
  private async saveAe(
    subjectId: string,
    aeNumber: number,
    values: Record<string, CapturedValue>,
    reason: string,
    aeIds: Map<number, string>,
  ): Promise<Result<true>> {
    const { actor } = this.options
    const known = aeIds.get(aeNumber)
    const r = known
      ? await this.services.safety.followUp(actor, known, { values, reason })
      : await this.services.safety.report(actor, subjectId, { values, reason })
    if (!r.ok) return r
    if (!known) {
      aeIds.set(aeNumber, r.value.id)
      this.aes++
    }
    return ok(true)
  }

  /** Who, when and why the source system recorded, kept in the version's reason. */
  private provenance(audit: ImportedAudit | undefined): string {
    const user = audit?.userOid ? (this.options.users?.get(audit.userOid) ?? audit.userOid) : undefined
    const parts = [`Imported from ${this.options.source}`]
    if (user || audit?.at)
      parts.push(`originally saved${user ? ` by ${user}` : ''}${audit?.at ? ` at ${audit.at}` : ''}`)
    if (audit?.reason) parts.push(`reason: ${audit.reason}`)
    return parts.join('; ').slice(0, 1000)
  }
}

/** A save's values, on top of the instance's previous values when the file sends a partial update. */
function mergedValues(
  previous: Readonly<Record<string, CapturedValue>> | undefined,
  save: ImportedFormSave,
): Record<string, CapturedValue> {
  const partial = previous && (save.transactionType === 'Update' || save.transactionType === 'Upsert')
  const merged: Record<string, CapturedValue> = partial ? { ...previous, ...save.values } : { ...save.values }
  for (const id of save.removed) delete merged[id]
  return merged
}

function prefixed<T>(r: { readonly ok: false; readonly problems: readonly Problem[] }, where: string): Result<T> {
  return fail(r.problems.map((p) => ({ ...p, path: p.path ? `${where}: ${p.path}` : where })))
}

export interface OdmLoadOptions extends Omit<ClinicalLoadOptions, 'source' | 'users' | 'sha256' | 'format'> {
  readonly metadataFile?: string | undefined
  readonly limits?: OdmImportOptions['limits']
}

export interface OdmLoadResult {
  /** What the file holds and what was skipped while mapping it. */
  readonly report: ImportReport
  readonly loaded: ClinicalLoadSummary
}

/**
 * `trialdesk import odm --db`: reads an ODM file (its own metadata, or `metadataFile`, gives the OID mapping),
 * maps every SubjectData, then loads them all in one transaction. A file that does not read cleanly, maps no
 * metadata, or fails anywhere in the services writes nothing.
 */
export async function loadOdmFile(
  deps: CaptureDeps,
  path: string,
  options: OdmLoadOptions,
): Promise<Result<OdmLoadResult>> {
  const subjects: ImportedSubject[] = []
  const read = await importOdmFile(path, {
    ...(options.metadataFile ? { metadataFile: options.metadataFile } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    onSubject: (s) => void subjects.push(s),
  })
  if (!read.ok) return read
  if (!read.value.mapping)
    return fail({
      code: ProblemCode.NotFound,
      path: '',
      message: 'the file holds no study metadata (Study/MetaDataVersion) to map its data: give the metadata file',
    })
  const users = new Map(
    read.value.admin.users.map((u) => [u.oid, u.fullName ?? u.displayName ?? u.loginName ?? u.oid] as const),
  )
  const loaded = await loadClinicalData(deps, subjects, {
    ...options,
    source: basename(path),
    sha256: createHash('sha256')
      .update(await readFile(path))
      .digest('hex'),
    format: 'CDISC ODM 1.3.2',
    users,
  })
  return loaded.ok ? ok({ report: read.value.report, loaded: loaded.value }) : loaded
}
