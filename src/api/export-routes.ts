import { createHash } from 'node:crypto'
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { Action, authorize, type Actor } from '../access/index.ts'
import { DATASET_NAMES, datasetsFromExtract, serializeAnalysisDatasets } from '../analysis/index.ts'
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'
import {
  buildExport,
  designFromProtocol,
  ODM_FILE,
  redcapDictionary,
  type BuiltExport,
  type ExportRequest,
} from '../interop/index.ts'
import type { AppEnv } from './app-env.ts'
import { PACKAGE_VERSION } from './package-version.ts'
import { renamePaths, type RouteRegistrar } from './route-kit.ts'

/** `?flag=true|false` (query strings carry text). */
const Flag = z.enum(['true', 'false'])

const Blinded = Flag.default('true').openapi({
  description:
    '`false` for the export with allocations (arm, dose): needs `export.unblinded` and a reader who sees ' +
    'allocations. Blinded by default, whoever asks: the blinded projection drops every assignment.',
})

const OdmQuery = z.strictObject({
  blinded: Blinded,
  withAudit: Flag.default('false').openapi({
    description: 'audit records (who saved, when, why) and signatures of each form (always in a transactional file)',
  }),
  fileType: z
    .enum(['snapshot', 'transactional'])
    .default('snapshot')
    .openapi({ description: 'ODM FileType: the current data, or every version of every form' }),
})

const BundleQuery = z.strictObject({ blinded: Blinded })

const ExportBundle = z
  .object({
    format: z.enum(['redcap', 'sdtm', 'r']),
    blinded: z.boolean(),
    subjects: z.number().int(),
    contentHash: z.string().openapi({
      description: 'SHA-256 over the files (name, NUL, content, NUL, in name order): the hash in the audit trail',
    }),
    files: z.record(z.string(), z.string()).openapi({ description: 'file name → content (CSV, define.csv, R)' }),
  })
  .openapi('ExportBundle', {
    description:
      'The files of a multi-file export as one JSON document (a folder of text files; no archive format needed)',
  })

const Extract = z
  .object({
    study: z.object({
      id: z.string(),
      title: z.string(),
      protocolHash: z.string(),
      databaseLockedAt: z.string().nullable(),
      snapshotHash: z.string().nullable(),
    }),
    extractedAt: z.string(),
    blinded: z.boolean(),
    sites: z.array(z.object({ id: z.string(), name: z.string(), targetEnrolment: z.number().nullable() })),
    subjects: z.array(
      z.object({ id: z.string(), siteId: z.string(), screeningNumber: z.string(), status: z.string() }),
    ),
    visits: z.array(
      z.object({ subjectId: z.string(), visitId: z.string(), status: z.string(), actualDate: z.string().nullable() }),
    ),
    forms: z.array(
      z.object({
        subjectId: z.string(),
        visitId: z.string(),
        formId: z.string(),
        instance: z.number(),
        version: z.number(),
      }),
    ),
    adverseEvents: z.array(z.object({ subjectId: z.string() })),
    infusions: z.array(z.object({ subjectId: z.string() })),
  })
  .openapi('StudyExtract', { description: 'The whole study as plain data; blinded unless the reader sees allocations' })

/** The multi-file exports, by route name: interop's format and what the audit record calls the bytes. */
const BUNDLES = {
  sdtm: {
    format: 'sdtm',
    label: 'SDTM-style CSV (JSON bundle)',
    summary: 'SDTM-style datasets (DM, DS, EX, AE, QS, VS, RS), define.csv and an R reader, as one JSON bundle',
  },
  r: {
    format: 'r',
    label: 'R-ready CSV (JSON bundle)',
    summary: 'R-ready CSVs (one per form, allocation when unblinded), define.csv and read-data.R, as one JSON bundle',
  },
  'redcap-data': {
    format: 'redcap',
    label: 'REDCap data dictionary and import CSV (JSON bundle)',
    summary:
      'A REDCap project: data dictionary, events, instrument-event mapping and the data import CSV (JSON bundle)',
  },
} as const

/** What the audit record says of where the bytes went. */
const DESTINATION = 'HTTP download (API)'

/**
 * Data exports: the study extraction as JSON, the REDCap dictionary, analysis datasets, and the interop formats
 * (ODM XML; SDTM, R and REDCap data as JSON bundles). Every one is built from the services' extraction (itself
 * audited) and recorded in the audit trail (`export.written`: format, blinding, SHA-256 of the bytes) before a
 * byte is sent. Blinded unless the reader asks otherwise and may: blinded roles only ever get blinded exports.
 */
export function registerExportRoutes(r: RouteRegistrar): void {
  const { services, protocol } = r.deps
  const { reads } = services
  const studyId = fileSafe(protocol.protocol.study.id)

  /** Builds an interop export for `actor`, refusing an unblinded one before anything is extracted or written. */
  async function audited(actor: Actor, request: ExportRequest, label: string): Promise<Result<BuiltExport>> {
    if (request.blinded === false && !authorize(actor, Action.ExportUnblinded).ok) {
      return fail({
        code: ProblemCode.Forbidden,
        path: 'query.blinded',
        message: 'an export with allocations needs export.unblinded',
      })
    }
    const built = renamePaths(await buildExport(services, actor, protocol, request), 'blinded', 'query.blinded')
    if (!built.ok) return built
    const recorded = await reads.recordExport(actor, {
      kind: built.value.format,
      format: label,
      blinded: built.value.blinded,
      contentHash: built.value.contentHash,
      records: built.value.subjects,
      destination: DESTINATION,
    })
    return recorded.ok ? built : recorded
  }

  const attachment = (c: Context<AppEnv>, name: string): void =>
    c.header('Content-Disposition', `attachment; filename="${name}"`)
  const blindingOf = (built: BuiltExport): string => (built.blinded ? 'blinded' : 'unblinded')
  const softwareVersion = r.deps.softwareVersion ?? PACKAGE_VERSION

  r.add(
    {
      method: 'get',
      path: '/api/exports/study',
      access: Action.ExportBlinded,
      tag: 'exports',
      summary: 'The whole study as JSON (blinded unless you see allocations); audited with its content hash',
      response: Extract,
    },
    ({ actor }) => services.extractStudy(actor),
  )
  r.add(
    {
      method: 'get',
      path: '/api/exports/redcap-dictionary',
      access: Action.ExportBlinded,
      tag: 'exports',
      summary: 'The protocol’s forms as a REDCap data dictionary (CSV); audited with its content hash',
      response: z.string(),
      produces: 'text/csv',
    },
    async ({ c, actor }) => {
      const csv = redcapDictionary(designFromProtocol(protocol.protocol, protocol.hash))
      const contentHash = createHash('sha256').update(csv).digest('hex')
      const recorded = await reads.recordExport(actor, {
        kind: 'redcap-dictionary',
        format: 'csv',
        blinded: true,
        contentHash,
        records: 0,
      })
      if (!recorded.ok) return recorded
      attachment(c, 'redcap-dictionary.csv')
      return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8' })
    },
  )
  r.add(
    {
      method: 'get',
      path: '/api/exports/analysis/{dataset}',
      access: Action.ExportBlinded,
      tag: 'exports',
      summary:
        'An ADaM-like analysis dataset (ADSL, ADQS, ADTTE, ...) as CSV or JSON; blinded unless you see allocations',
      description: 'Built from the study extraction, which is audited with its content hash.',
      params: z.strictObject({ dataset: z.enum(DATASET_NAMES) }),
      query: z.strictObject({ format: z.enum(['csv', 'json']).default('csv') }),
      response: z.string(),
      produces: 'text/csv',
    },
    async ({ c, actor, params, query }) => {
      const extract = await services.extractStudy(actor)
      if (!extract.ok) return extract
      const files = serializeAnalysisDatasets(datasetsFromExtract(protocol.protocol, extract.value), {
        format: query.format,
        protocol: protocol.protocol,
      })
      const name = `${params.dataset}.${query.format}`
      const file = files.find((f) => f.name === name)
      if (!file) throw new Error(`the analysis datasets have no ${name}`)
      attachment(c, name)
      const type = query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json'
      return c.body(file.content, 200, { 'Content-Type': type })
    },
  )

  r.add(
    {
      method: 'get',
      path: '/api/exports/odm',
      access: Action.ExportBlinded,
      tag: 'exports',
      summary: 'The study as CDISC ODM 1.3.2 XML (snapshot or transactional); audited with its content hash',
      query: OdmQuery,
      response: z.string(),
      produces: 'application/xml',
    },
    async ({ c, actor, query }) => {
      const transactional = query.fileType === 'transactional'
      const built = await audited(
        actor,
        {
          format: 'odm',
          blinded: query.blinded === 'true',
          fileType: transactional ? 'Transactional' : 'Snapshot',
          withAudit: query.withAudit === 'true',
          softwareVersion,
        },
        `CDISC ODM 1.3.2 ${transactional ? 'Transactional' : 'Snapshot'}`,
      )
      if (!built.ok) return built
      const xml = built.value.files[ODM_FILE]
      if (xml === undefined) throw new Error(`an ODM export without ${ODM_FILE}`)
      attachment(c, `${studyId}-odm-${query.fileType}-${blindingOf(built.value)}.xml`)
      return c.body(xml, 200, { 'Content-Type': 'application/xml; charset=utf-8' })
    },
  )

  for (const [name, bundle] of Object.entries(BUNDLES)) {
    r.add(
      {
        method: 'get',
        path: `/api/exports/${name}`,
        access: Action.ExportBlinded,
        tag: 'exports',
        summary: bundle.summary,
        description: 'Audited with the bundle’s content hash.',
        query: BundleQuery,
        response: ExportBundle,
      },
      async ({ c, actor, query }) => {
        const built = await audited(
          actor,
          { format: bundle.format, blinded: query.blinded === 'true', softwareVersion },
          bundle.label,
        )
        if (!built.ok) return built
        const { format, blinded, subjects, contentHash, files } = built.value
        attachment(c, `${studyId}-${name}-${blindingOf(built.value)}.json`)
        return ok({ format: format as typeof bundle.format, blinded, subjects, contentHash, files })
      },
    )
  }
}

/** A study id as a file-name part (ids are plain already; this keeps quotes and slashes out of the header). */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_')
}
