import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { PreparationSheetSchema, SupplyViewSchema } from './capture-schemas.ts'
import { compact, type RouteRegistrar } from './route-kit.ts'
import { IsoDate, SubjectParams } from './schemas.ts'

const Id = z.string().trim().min(1).max(64)
/** Lot numbers appear in URLs and labels: letters, digits, `.`, `_`, `-`. */
const LotId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/, 'must be 1–60 letters, digits, ".", "_" or "-"')
const Instant = z.iso.datetime({ offset: false }).openapi({ example: '2026-03-02T09:30:00.000Z' })

const Extraction = z.strictObject({ date: IsoDate, tissueGrams: z.number().positive().max(10_000) })
const Manufacture = z.strictObject({ lotId: LotId, extractionId: Id, date: IsoDate })
const Release = z.strictObject({
  date: IsoDate,
  values: z
    .record(z.string().max(40), z.union([z.number(), z.boolean()]))
    .openapi({ description: 'release criterion id → measured value or pass/fail' }),
})
const Prepare = z.strictObject({
  lotId: LotId,
  infusionDate: IsoDate,
  weightKg: z
    .number()
    .positive()
    .max(500)
    .optional()
    .openapi({ description: 'weighed at preparation; default the latest recorded weight' }),
  weightDate: IsoDate.optional(),
})
const Infusion = z.strictObject({
  preparationCode: Id,
  lotId: LotId.openapi({ description: 'the lot scanned at the bedside' }),
  date: IsoDate,
  startedAt: Instant,
  endedAt: Instant,
  volumeMl: z.number().nonnegative().max(10_000),
  status: z.enum(['completed', 'interrupted']),
  notes: z
    .string()
    .trim()
    .max(2000)
    .optional()
    .openapi({ description: 'why the infusion was interrupted, or other remarks' }),
  reaction: z.boolean().optional().openapi({ description: 'an infusion reaction occurred (default false)' }),
  reactionDetails: z.string().trim().max(2000).optional(),
})

/**
 * The patient's supply chain: extraction, lot manufacture and release, dose preparation (the unblinded
 * pharmacist's sheet: arm, dose, content), infusion. The supply view is blinded for everyone else.
 */
export function registerSupplyRoutes(r: RouteRegistrar): void {
  const { supply } = r.deps.services
  const tag = 'supply'
  r.add(
    {
      method: 'get',
      path: '/api/subjects/{subjectId}/supply',
      access: Action.SupplyView,
      tag,
      summary: 'The patient’s extractions, lots, preparations (blinded unless you see allocations) and infusions',
      params: SubjectParams,
      response: SupplyViewSchema,
    },
    ({ actor, params }) => supply.view(actor, params.subjectId),
  )
  r.add(
    {
      method: 'post',
      path: '/api/subjects/{subjectId}/extraction',
      access: Action.SupplyRecord,
      tag,
      summary: 'Record the adipose tissue extraction',
      params: SubjectParams,
      body: Extraction,
      response: SupplyViewSchema,
    },
    ({ actor, params, body }) => supply.recordExtraction(actor, params.subjectId, body),
  )
  r.add(
    {
      method: 'post',
      path: '/api/subjects/{subjectId}/lots',
      access: Action.SupplyRecord,
      tag,
      summary: 'Record a lot manufactured from an extraction',
      params: SubjectParams,
      body: Manufacture,
      response: SupplyViewSchema,
      status: 201,
    },
    ({ actor, params, body }) => supply.recordManufacture(actor, params.subjectId, body),
  )
  r.add(
    {
      method: 'post',
      path: '/api/lots/{lotId}/release',
      access: Action.SupplyRecord,
      tag,
      summary: 'Record the lot’s release results against the protocol’s criteria',
      params: z.strictObject({ lotId: LotId }),
      body: Release,
      response: SupplyViewSchema,
    },
    ({ actor, params, body }) => supply.recordRelease(actor, params.lotId, body),
  )
  r.add(
    {
      method: 'post',
      path: '/api/subjects/{subjectId}/preparation',
      access: Action.DosePrepare,
      tag,
      summary: 'Prepare the dose of the current period (unblinded pharmacist): the preparation sheet',
      params: SubjectParams,
      body: Prepare,
      response: PreparationSheetSchema,
      status: 201,
    },
    ({ actor, params, body }) => supply.prepareDose(actor, params.subjectId, compact(body)),
  )
  r.add(
    {
      method: 'post',
      path: '/api/subjects/{subjectId}/infusion',
      access: Action.InfusionRecord,
      tag,
      summary: 'Record the infusion after the bedside checks',
      params: SubjectParams,
      body: Infusion,
      response: SupplyViewSchema,
      status: 201,
    },
    ({ actor, params, body }) => supply.recordInfusion(actor, params.subjectId, compact(body)),
  )
}
