/**
 * Data exports from the live study: the services' extraction (blinded or not per the reader, itself audited)
 * made into ODM, REDCap, SDTM-style or R-ready files, then written and recorded in the audit trail
 * (`export.written` with the SHA-256 of the bytes, the format and the destination) through the services'
 * `recordExport`. Files are staged beside their destination and renamed into place only once the audit record
 * is committed, so an export is never on disk without its audit record, nor half-written.
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { Actor } from '../access/index.ts'
import type { Services, StudyExtract as CaptureExtract } from '../capture/index.ts'
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'
import { compileProtocol, type ProtocolVersion } from '../protocol/index.ts'
import { blindedCapture, toSdtmInput, toStudyExtract } from './capture-extract.ts'
import { odmToString, type OdmFileType } from './odm-writer.ts'
import { rExport } from './r-export.ts'
import { redcapData, redcapDictionary, redcapEvents } from './redcap-export.ts'
import { sdtmExport } from './sdtm.ts'
import { designFromCompiled, visibleExtract, type StudyExtract } from './study-extract.ts'

export type ExportFormat = 'odm' | 'redcap' | 'sdtm' | 'r'

export interface ExportRequest {
  readonly format: ExportFormat
  /** The projection wanted: blinded (no allocation) unless `false`, which needs a reader who sees allocations. */
  readonly blinded?: boolean
  /** ODM only (default Snapshot). */
  readonly fileType?: OdmFileType
  /** ODM only: audit records and signatures (always for Transactional). */
  readonly withAudit?: boolean
  /** Written as the ODM SourceSystemVersion. */
  readonly softwareVersion: string
}

export interface BuiltExport {
  readonly format: ExportFormat
  readonly blinded: boolean
  /** File name → content. ODM: one file; the others: a folder's files. */
  readonly files: Readonly<Record<string, string>>
  readonly subjects: number
  /** SHA-256 over the files (names and contents, in name order). */
  readonly contentHash: string
}

/** The single file of an ODM export. */
export const ODM_FILE = 'study.xml'

/**
 * Builds the files of an export for `actor` from the services' extraction (blinded unless the actor sees
 * allocations). `protocol` is the version the services run on (its compiled forms give the design).
 */
export async function buildExport(
  services: Services,
  actor: Actor,
  protocol: ProtocolVersion,
  request: ExportRequest,
): Promise<Result<BuiltExport>> {
  const transactional = request.format === 'odm' && request.fileType === 'Transactional'
  const withAudit = request.format === 'odm' && (transactional || request.withAudit === true)
  // Who saved each version and its sign-offs come with the extraction; a Transactional file needs every version.
  const extracted = await services.extractStudy(actor, { history: transactional })
  if (!extracted.ok) return extracted
  const wantBlinded = request.blinded !== false
  if (!wantBlinded && extracted.value.blinded)
    return fail({
      code: ProblemCode.Forbidden,
      path: 'blinded',
      message: 'an unblinded export needs a reader who sees allocations',
    })
  const source = wantBlinded ? blindedCapture(extracted.value) : extracted.value
  if (source.study.protocolHash !== protocol.hash)
    return fail({
      code: ProblemCode.Conflict,
      path: 'protocol',
      message: 'the services run on another protocol version than the one given for the export',
    })
  const design = designFromCompiled(compileProtocol(protocol))
  // Blinded: the design and data without the values that reveal the allocation, for every writer alike.
  const extract = visibleExtract(toStudyExtract(source, design))
  const files = writeFiles(source, extract, request, withAudit)
  if (!files.ok) return files
  return ok({
    format: request.format,
    blinded: extract.blinded,
    files: files.value,
    subjects: extract.subjects.length,
    contentHash: hashFiles(files.value),
  })
}

function writeFiles(
  source: CaptureExtract,
  extract: StudyExtract,
  request: ExportRequest,
  withAudit: boolean,
): Result<Record<string, string>> {
  switch (request.format) {
    case 'odm': {
      const xml = odmToString(extract, {
        fileType: request.fileType ?? 'Snapshot',
        withAudit,
        fileOid: `TrialDesk.${extract.design.protocol.study.id}.${source.extractedAt.replace(/[^0-9]/g, '')}`,
        createdAt: source.extractedAt,
        sourceSystemVersion: request.softwareVersion,
      })
      return xml.ok ? ok({ [ODM_FILE]: xml.value }) : xml
    }
    case 'redcap': {
      const data = redcapData(extract)
      if (!data.ok) return data
      const { events, mapping } = redcapEvents(extract.design)
      return ok({
        'data-dictionary.csv': redcapDictionary(extract.design),
        'events.csv': events,
        'instrument-event-mapping.csv': mapping,
        'data.csv': data.value,
      })
    }
    case 'sdtm': {
      const sdtm = sdtmExport(toSdtmInput(source, extract))
      return sdtm.ok ? ok({ ...sdtm.value.files }) : sdtm
    }
    case 'r': {
      const r = rExport(extract)
      return r.ok ? ok({ ...r.value.files }) : r
    }
  }
}

function hashFiles(files: Readonly<Record<string, string>>): string {
  const h = createHash('sha256')
  for (const name of Object.keys(files).sort()) h.update(`${name}\u0000${files[name] ?? ''}\u0000`)
  return h.digest('hex')
}

/**
 * Writes a built export to `destination` (the ODM file, or the folder of the others) and records it in the audit
 * trail. The files are staged first; the audit record is committed before they are renamed into place.
 */
export async function writeExport(
  services: Services,
  actor: Actor,
  built: BuiltExport,
  destination: string,
): Promise<Result<readonly string[]>> {
  const single = built.format === 'odm'
  const folder = single ? dirname(resolve(destination)) : resolve(destination)
  const targets = Object.keys(built.files).map((name) => ({
    name,
    path: single ? resolve(destination) : join(folder, name),
  }))
  const staged: { tmp: string; path: string }[] = []
  try {
    await mkdir(folder, { recursive: true })
    for (const t of targets) {
      const tmp = join(dirname(t.path), `.${basename(t.path)}.${randomUUID()}.tmp`)
      staged.push({ tmp, path: t.path })
      await writeFile(tmp, built.files[t.name] ?? '', { flag: 'wx' })
    }
  } catch (e) {
    await Promise.all(staged.map((s) => rm(s.tmp, { force: true })))
    return fail({ code: ProblemCode.Io, path: destination, message: `cannot write (${errorCode(e)})` })
  }
  const recorded = await services.reads.recordExport(actor, {
    kind: built.format,
    format: formatName(built),
    blinded: built.blinded,
    contentHash: built.contentHash,
    records: built.subjects,
    destination: resolve(destination).slice(-500),
  })
  if (!recorded.ok) {
    await Promise.all(staged.map((s) => rm(s.tmp, { force: true })))
    return recorded
  }
  try {
    for (const s of staged) await rename(s.tmp, s.path)
  } catch (e) {
    await Promise.all(staged.map((s) => rm(s.tmp, { force: true })))
    return fail({ code: ProblemCode.Io, path: destination, message: `cannot write (${errorCode(e)})` })
  }
  return ok(staged.map((s) => s.path))
}

function formatName(built: BuiltExport): string {
  return {
    odm: 'CDISC ODM 1.3.2',
    redcap: 'REDCap data dictionary and import CSV',
    sdtm: 'SDTM-style CSV',
    r: 'R-ready CSV',
  }[built.format]
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'error'
}
