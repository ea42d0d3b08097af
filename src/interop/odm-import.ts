/**
 * The ODM import as the CLI and services run it: a first streaming pass reads the metadata and counts
 * everything; the metadata becomes a protocol and an OID mapping; a second pass maps every SubjectData and hands
 * it to `onSubject` (the services load it as an audited import, or a dry run just reports). Nothing is handed
 * on unless the whole file reads cleanly in the first pass, so a broken file never half-loads.
 */
import { fail, ok, type ProtocolFile, type Result } from '../domain/index.ts'
import { mapOdmSubject, type ImportedSubject } from './odm-clinical.ts'
import { readOdmFile, type OdmLimits, type OdmReadResult } from './odm-reader.ts'
import { odmToProtocol, type OdmMapping } from './odm-to-protocol.ts'
import { ReportCollector, type ImportReport } from './import-report.ts'
import type { OdmAdminData } from './odm-model.ts'

export interface OdmImportOptions {
  readonly limits?: Partial<OdmLimits>
  /** ODM file with the Study metadata, for a file that holds ClinicalData only. */
  readonly metadataFile?: string
  /** Receives each mapped subject in file order (second pass). */
  readonly onSubject?: (subject: ImportedSubject) => void | Promise<void>
}

export interface OdmImportResult {
  /** Absent when neither the file nor `metadataFile` holds study metadata. */
  readonly protocol?: ProtocolFile
  readonly mapping?: OdmMapping
  /** Users, sites and signature meanings of the file (to map audit records to TrialDesk users). */
  readonly admin: OdmAdminData
  readonly report: ImportReport
}

export async function importOdmFile(path: string, options: OdmImportOptions = {}): Promise<Result<OdmImportResult>> {
  const limits = options.limits ?? {}
  const first = await readOdmFile(path, { limits })
  if (!first.ok) return first
  let metadata: OdmReadResult = first.value
  if (options.metadataFile) {
    const meta = await readOdmFile(options.metadataFile, { limits })
    if (!meta.ok)
      return fail(meta.problems.map((p) => ({ ...p, path: `${options.metadataFile ?? ''} ${p.path}`.trim() })))
    metadata = { ...meta.value, admin: mergeAdmin(meta.value, first.value) }
  }
  const clinical = new ReportCollector()
  const counts: Record<string, number> = { ...first.value.counts }
  if (options.metadataFile) Object.assign(counts, metadataCounts(metadata))
  const hasMetadata = metadata.studies.some((s) => s.metaDataVersions.length > 0)
  let protocol: ProtocolFile | undefined
  let mapping: OdmMapping | undefined
  let translation = { skipped: [] as ImportReport['skipped'], placeholders: [] as ImportReport['placeholders'] }
  if (hasMetadata) {
    const p = odmToProtocol(metadata, path)
    if (!p.ok) return p
    protocol = p.value.protocol
    mapping = p.value.mapping
    translation = { skipped: p.value.skipped, placeholders: p.value.placeholders }
  } else if (first.value.counts.subjects > 0) {
    clinical.add(
      'ClinicalData',
      'the file has no study metadata: subjects were counted but not mapped (give the metadata file)',
    )
  }
  if (mapping && first.value.counts.subjects > 0) {
    const m = mapping
    let saves = 0
    let values = 0
    const second = await readOdmFile(path, {
      limits,
      onSubject: async (s) => {
        const mapped = mapOdmSubject(s, m, clinical)
        saves += mapped.saves.length
        values += mapped.saves.reduce((n, f) => n + Object.keys(f.values).length, 0)
        if (options.onSubject) await options.onSubject(mapped)
      },
    })
    if (!second.ok) return second
    counts['formSavesMapped'] = saves
    counts['valuesMapped'] = values
  }
  return ok({
    ...(protocol ? { protocol } : {}),
    ...(mapping ? { mapping } : {}),
    admin: metadata.admin,
    report: {
      source: path,
      format: 'odm',
      counts,
      skipped: [...first.value.skipped, ...translation.skipped, ...clinical.entries()],
      extensions: first.value.extensions,
      placeholders: translation.placeholders,
    },
  })
}

function metadataCounts(r: OdmReadResult): Record<string, number> {
  const {
    subjects: _s,
    studyEventData: _e,
    formData: _f,
    itemGroupData: _g,
    itemData: _i,
    auditRecords: _a,
    signatures: _g2,
    ...defs
  } = r.counts
  return defs
}

function mergeAdmin(meta: OdmReadResult, data: OdmReadResult): OdmReadResult['admin'] {
  return {
    users: [...meta.admin.users, ...data.admin.users],
    locations: [...meta.admin.locations, ...data.admin.locations],
    signatureDefs: [...meta.admin.signatureDefs, ...data.admin.signatureDefs],
  }
}
