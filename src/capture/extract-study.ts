import { createHash } from 'node:crypto'
import { z } from 'zod'
import { Action, authorize, seesAllocation, type Actor } from '../access/index.ts'
import { AuditKind } from '../audit/index.ts'
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'
import { canonicalJson } from '../protocol/index.ts'
import type { StudyPhase } from '../randomization/index.ts'
import {
  fromJson,
  listAllFormVersions,
  listAllSubjectPeriods,
  listAllSubjects,
  listClinicalEvents,
  listCurrentFormVersions,
  listProtocolVersions,
  listSites,
  listVisitRecords,
  loadSupplyRows,
  type Conn,
  type FormVersionTable,
} from '../store/index.ts'
import { openPeriods, subjectFactorValues } from './allocation.ts'
import { audit, phaseOf, studyState, type Ctx } from './context.ts'
import { hiddenFor, visibleValues, type FormCatalogue } from './form-service.ts'
import { EligibilityRecord } from './subject-view.ts'

/** One subject, flat. `periods[].arm`/`receives` are present only in an unblinded extract. */
export interface ExtractSubject {
  readonly id: string
  readonly siteId: string
  readonly screeningNumber: string
  readonly status: string
  readonly protocolVersionId: string
  readonly screeningDate: string
  readonly consentDate: string | null
  readonly eligible: boolean | null
  readonly enrolmentDate: string | null
  readonly randomizationDate: string | null
  readonly factors: Readonly<Record<string, string | number>>
  readonly stratum: string | null
  readonly endDate: string | null
  readonly endReason: string | null
  readonly deathDate: string | null
  readonly events: readonly { readonly kind: string; readonly date: string }[]
  readonly emergencyUnblinded: boolean
  readonly periods: readonly {
    readonly periodId: string
    readonly startDate: string
    readonly arm?: string
    readonly receives?: string | null
    readonly assignment?: 'allocated' | 'continues'
  }[]
}

/** A sign-off (source data verification, investigator signature) of one version of a form instance. */
export interface ExtractSignoff {
  readonly version: number
  readonly at: string
  /** User id. */
  readonly by: string
}

/** One saved version of a form instance: values as the reader may see them, and who saved it, when and why. */
export interface ExtractFormVersion {
  readonly version: number
  readonly status: 'entered' | 'deleted'
  readonly values: Readonly<Record<string, unknown>>
  readonly derived: Readonly<Record<string, unknown>>
  readonly protocolVersionId: string
  readonly formHash: string
  readonly savedAt: string
  /** User id and role of whoever saved the version. */
  readonly savedBy: string
  readonly savedRole: string
  readonly reason: string | null
}

/** A form instance in its current version, with its provenance and review state. */
export interface ExtractForm extends ExtractFormVersion {
  /** The form instance's id (as in the form service: history, queries, SDV). */
  readonly id: string
  readonly subjectId: string
  readonly visitId: string
  readonly formId: string
  readonly instance: number
  /** The visit's actual date, when recorded. */
  readonly visitDate: string | null
  readonly firstSavedAt: string
  readonly verified: ExtractSignoff | null
  readonly signed: ExtractSignoff | null
  /** Every version, oldest first: only in an extraction asked `history: true`. */
  readonly history?: readonly ExtractFormVersion[]
}

/** An adipose tissue extraction (supply chain): the same for every patient, whatever the arm. */
export interface ExtractExtraction {
  readonly id: string
  readonly subjectId: string
  readonly date: string
  readonly tissueGrams: number
  /** At least the protocol's `product.minimumTissueGrams`. */
  readonly sufficient: boolean
}

/** A manufactured lot of the patient's own cells and its release; made for every patient, whatever the arm. */
export interface ExtractLot {
  readonly id: string
  readonly subjectId: string
  readonly extractionId: string
  readonly manufacturedOn: string
  /** Null while no release result is recorded. */
  readonly release: {
    readonly status: 'passed' | 'failed'
    readonly date: string
    readonly expiresOn: string | null
    /** The results recorded, by release criterion (and manufacturing measurement). */
    readonly results: Readonly<Record<string, number | boolean>>
    readonly failures: readonly { readonly criterionId: string; readonly label: string; readonly reason: string }[]
  } | null
}

export interface ExtractAdverseEvent {
  readonly id: string
  readonly subjectId: string
  readonly aeNumber: number
  readonly term: string
  /** MedDRA preferred term, when coded. */
  readonly preferredTerm: string | null
  /** MedDRA primary system organ class (the AE form's `soc`); null when the form has none. */
  readonly soc: string | null
  readonly onsetDate: string
  readonly endDate: string | null
  readonly grade: number | null
  readonly serious: boolean
  readonly seriousness: readonly string[]
  readonly causality: string
  readonly related: boolean
  readonly expected: boolean
  readonly susar: boolean
  readonly outcome: string | null
  readonly status: string
}

export interface ExtractInfusion {
  readonly subjectId: string
  readonly periodId: string
  readonly date: string
  readonly status: string
  readonly volumeMl: number
}

/** The whole study as plain data, for analysis (ADaM derivation) and the database-lock snapshot. */
export interface StudyExtract {
  readonly study: {
    readonly id: string
    readonly title: string
    readonly protocolHash: string
    readonly protocolVersions: readonly {
      readonly id: string
      readonly ordinal: number
      readonly label: string
      readonly hash: string
    }[]
    readonly phase: StudyPhase
    readonly databaseLockedAt: string | null
    /** The SHA-256 frozen at database lock: an unblinded extract taken later has the same `contentHash`. */
    readonly snapshotHash: string | null
  }
  readonly extractedAt: string
  /** False only for readers who see allocations (unblinded roles, or everyone after unblinding). */
  readonly blinded: boolean
  readonly sites: readonly { readonly id: string; readonly name: string; readonly targetEnrolment: number | null }[]
  readonly subjects: readonly ExtractSubject[]
  readonly visits: readonly {
    readonly subjectId: string
    readonly visitId: string
    readonly status: string
    readonly actualDate: string | null
  }[]
  readonly forms: readonly ExtractForm[]
  readonly adverseEvents: readonly ExtractAdverseEvent[]
  /**
   * The supply chain (tissue extractions, lots and their release): per patient and identical whatever the arm,
   * so blinded extractions carry it too. Dose preparations are not extracted (their content is the arm).
   */
  readonly extractions: readonly ExtractExtraction[]
  readonly lots: readonly ExtractLot[]
  readonly infusions: readonly ExtractInfusion[]
  /**
   * SHA-256 of the canonical JSON of sites, subjects, visits, forms (without their `history`), adverse events,
   * extractions, lots and infusions.
   */
  readonly contentHash: string
}

export interface ExtractOptions {
  /** Adds every saved version of each form instance (`ExtractForm.history`); not part of the content hash. */
  readonly history?: boolean
}

type Content = Pick<
  StudyExtract,
  'sites' | 'subjects' | 'visits' | 'forms' | 'adverseEvents' | 'extractions' | 'lots' | 'infusions'
>

const Json = z.record(z.string(), z.json())
const AeStored = z.looseObject({
  pt: z.string().optional(),
  soc: z.string().optional(),
  seriousness: z.array(z.string()).optional(),
})
const ReleaseResults = z.record(z.string(), z.union([z.number(), z.boolean()]))
const ReleaseFailures = z.array(z.object({ criterionId: z.string(), label: z.string(), reason: z.string() }))

/** Reads every clinical record of the study; `unblinded` adds the assignments. */
export async function studyContent(ctx: Ctx, catalogue: FormCatalogue, c: Conn, unblinded: boolean): Promise<Content> {
  const [sites, subjects, periods, events, records, forms, supply, aes] = await Promise.all([
    listSites(c),
    listAllSubjects(c),
    listAllSubjectPeriods(c),
    listClinicalEvents(c),
    listVisitRecords(c),
    listCurrentFormVersions(c),
    loadSupplyRows(c),
    c.db.selectFrom('adverse_event').selectAll().orderBy('subject_id').orderBy('ae_number').execute(),
  ])
  const visitDates = new Map(
    records.filter((r) => r.status === 'done').map((r) => [`${r.subject_id}/${r.visit_id}`, r.actual_date]),
  )
  const aeData = new Map(forms.map((f) => [f.form_state_id, f.data]))
  return {
    sites: sites.map((s) => ({ id: s.id, name: s.name, targetEnrolment: s.target_enrolment })),
    subjects: subjects.map((s): ExtractSubject => ({
      id: s.id,
      siteId: s.site_id,
      screeningNumber: s.screening_number,
      status: s.status,
      protocolVersionId: s.protocol_version_id,
      screeningDate: s.screening_date,
      consentDate: s.consent_date,
      eligible: s.eligibility ? EligibilityRecord.parse(JSON.parse(s.eligibility)).eligible : null,
      enrolmentDate: s.enrolment_date,
      randomizationDate: s.randomization_date,
      factors: subjectFactorValues(s),
      stratum: s.stratum,
      endDate: s.end_date,
      endReason: s.end_reason,
      deathDate: s.death_date,
      events: events.filter((e) => e.subject_id === s.id).map((e) => ({ kind: e.kind, date: e.event_date })),
      emergencyUnblinded: s.emergency_unblinded_at !== null,
      periods: openPeriods(
        ctx,
        periods.filter((p) => p.subject_id === s.id),
      ).map(({ row, assignment }) => ({
        periodId: row.period_id,
        startDate: row.start_date,
        ...(unblinded ? { arm: assignment.arm, receives: assignment.receives, assignment: assignment.kind } : {}),
      })),
    })),
    visits: records.map((r) => ({
      subjectId: r.subject_id,
      visitId: r.visit_id,
      status: r.status,
      actualDate: r.actual_date,
    })),
    forms: forms.map((f): ExtractForm => ({
      id: f.form_state_id,
      subjectId: f.subject_id,
      visitId: f.visit_id,
      formId: f.form_id,
      instance: f.instance,
      visitDate: visitDates.get(`${f.subject_id}/${f.visit_id}`) ?? null,
      ...versionOf(f, hiddenFor(catalogue, f.form_id, unblinded)),
      firstSavedAt: f.first_saved_at,
      verified: signoff(f.verified_version, f.verified_at, f.verified_by),
      signed: signoff(f.signed_version, f.signed_at, f.signed_by),
    })),
    adverseEvents: aes.map((a) => {
      const data = fromJson(AeStored, aeData.get(a.form_state_id) ?? '{}', `AE ${a.id}`)
      return {
        id: a.id,
        subjectId: a.subject_id,
        aeNumber: a.ae_number,
        term: a.term,
        preferredTerm: data.pt ?? null,
        soc: data.soc ?? null,
        onsetDate: a.onset_date,
        endDate: a.end_date,
        grade: a.grade,
        serious: a.serious === 1,
        seriousness: data.seriousness ?? [],
        causality: a.causality,
        related: a.related === 1,
        expected: a.expected === 1,
        susar: a.susar === 1,
        outcome: a.outcome,
        status: a.status,
      }
    }),
    extractions: supply.extractions.map((e) => ({
      id: e.id,
      subjectId: e.subject_id,
      date: e.extraction_date,
      tissueGrams: e.tissue_grams,
      sufficient: e.sufficient === 1,
    })),
    lots: supply.lots.map((l) => ({
      id: l.id,
      subjectId: l.subject_id,
      extractionId: l.extraction_id,
      manufacturedOn: l.manufactured_on,
      release:
        (l.release_status === 'passed' || l.release_status === 'failed') && l.release_date
          ? {
              status: l.release_status,
              date: l.release_date,
              expiresOn: l.expires_on,
              results: fromJson(ReleaseResults, l.release_values ?? '{}', `lot ${l.id} release results`),
              failures: fromJson(ReleaseFailures, l.release_failures ?? '[]', `lot ${l.id} release failures`),
            }
          : null,
    })),
    infusions: supply.infusions.map((i) => ({
      subjectId: i.subject_id,
      periodId: i.period_id,
      date: i.infusion_date,
      status: i.status,
      volumeMl: i.volume_ml,
    })),
  }
}

/** One stored version as a reader sees it: `hidden` are the values the reader may not see. */
function versionOf(v: FormVersionTable, hidden: ReadonlySet<string>): ExtractFormVersion {
  return {
    version: v.version,
    status: v.status as ExtractFormVersion['status'],
    values: visibleValues(fromJson(Json, v.data, 'form data'), hidden),
    derived: visibleValues(fromJson(Json, v.derived, 'derived values'), hidden),
    protocolVersionId: v.protocol_version_id,
    formHash: v.form_hash,
    savedAt: v.saved_at,
    savedBy: v.saved_by,
    savedRole: v.saved_role,
    reason: v.reason,
  }
}

function signoff(version: number | null, at: string | null, by: string | null): ExtractSignoff | null {
  return version !== null && at !== null && by !== null ? { version, at, by } : null
}

/** The forms of `content` with every version of each instance, oldest first, projected for the reader. */
async function withHistory(catalogue: FormCatalogue, c: Conn, content: Content, unblinded: boolean): Promise<Content> {
  const byState = new Map<string, FormVersionTable[]>()
  for (const v of await listAllFormVersions(c)) {
    const list = byState.get(v.form_state_id)
    if (list) list.push(v)
    else byState.set(v.form_state_id, [v])
  }
  return {
    ...content,
    forms: content.forms.map((f) => {
      const hidden = hiddenFor(catalogue, f.formId, unblinded)
      return { ...f, history: (byState.get(f.id) ?? []).map((v) => versionOf(v, hidden)) }
    }),
  }
}

export const contentHash = (content: Content): string =>
  createHash('sha256').update(canonicalJson(content)).digest('hex')

/** The snapshot hash taken at database lock: the unblinded content, inside the locking transaction. */
export async function snapshotHash(ctx: Ctx, catalogue: FormCatalogue, c: Conn): Promise<string> {
  return contentHash(await studyContent(ctx, catalogue, c, true))
}

/**
 * The full study as plain data for `actor` (export.blinded or export.unblinded): blinded unless the actor
 * sees allocations. The extraction is itself audited (`export.written`, with its content hash).
 */
export async function extractStudy(
  ctx: Ctx,
  catalogue: FormCatalogue,
  actor: Actor,
  options: ExtractOptions = {},
): Promise<Result<StudyExtract>> {
  const allowed = authorize(actor, Action.ExportBlinded)
  const unblindedAllowed = authorize(actor, Action.ExportUnblinded)
  if (!allowed.ok && !unblindedAllowed.ok) return allowed
  const at = ctx.clock.now()
  return ctx.store.write(async (tx) => {
    const state = await studyState(ctx, tx, 'share')
    if (!state.ok) return state
    const unblinded = seesAllocation(actor, state.value.blind)
    if (!unblinded && !allowed.ok)
      return fail({ code: ProblemCode.Forbidden, path: '', message: 'your role may not export blinded data' })
    const content = await studyContent(ctx, catalogue, tx, unblinded)
    const hash = contentHash(content)
    const versions = await listProtocolVersions(tx)
    const row = state.value.row
    await audit(ctx, tx, actor, at, [
      {
        kind: AuditKind.ExportWritten,
        entityType: 'study',
        entityId: row.id,
        changes: [
          { field: 'export', old: null, new: 'study-extract' },
          { field: 'blinded', old: null, new: !unblinded },
          { field: 'contentHash', old: null, new: hash },
          { field: 'subjects', old: null, new: content.subjects.length },
          ...(options.history ? [{ field: 'history', old: null, new: true }] : []),
        ],
      },
    ])
    return ok({
      study: {
        id: row.id,
        title: row.title,
        protocolHash: ctx.version.hash,
        protocolVersions: versions.map((v) => ({ id: v.id, ordinal: v.ordinal, label: v.version_label, hash: v.hash })),
        phase: phaseOf(row),
        databaseLockedAt: row.database_locked_at,
        snapshotHash: row.database_lock_hash,
      },
      extractedAt: at,
      blinded: !unblinded,
      ...(options.history ? await withHistory(catalogue, tx, content, unblinded) : content),
      contentHash: hash,
    })
  })
}
