/**
 * Shared request/response schemas of the API. Response schemas describe the services' views for the OpenAPI
 * document; the compiler checks each handler's value against its route's schema (see `route-kit.ts`).
 */
import { z } from '@hono/zod-openapi'
import { ROLES, type Role } from '../domain/index.ts'

export const IsoDate = z.iso.date('must be an ISO date such as 2026-01-31').openapi({ example: '2026-03-02' })
export const Sites = z
  .union([z.literal('all'), z.array(z.string())])
  .openapi({ description: '`all` or a list of site ids' })
export const RoleName = z.enum(ROLES as [Role, ...Role[]])

/** A non-empty reason, as 21 CFR 11.10(e) asks for every change after first entry. */
export const Reason = z.string().trim().min(1, 'a reason is required').max(1000)

export const SubjectParams = z.strictObject({
  subjectId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'subjectId', in: 'path' } }),
})

/** `?limit=&cursor=`: keyset pagination (the cursor comes from the previous page's `next`). */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

export const Empty = z.strictObject({}).openapi('Empty')
export const Done = z.object({ ok: z.literal(true) }).openapi('Done')

export const SessionInfoSchema = z
  .object({
    user: z.object({ id: z.string(), username: z.string(), role: z.string(), sites: Sites }),
    via: z.enum(['session', 'token']),
    expiresAt: z.string().nullable(),
  })
  .openapi('Session')

export const UserViewSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: RoleName,
    sites: Sites,
    active: z.boolean(),
    createdAt: z.string(),
    deactivatedAt: z.string().nullable(),
    lastLoginAt: z.string().nullable(),
  })
  .openapi('User')

const ProtocolVersionSchema = z.object({
  ordinal: z.number(),
  label: z.string(),
  hash: z.string(),
  loadedAt: z.string(),
})

export const StudyPhaseSchema = z.union([
  z.object({ status: z.literal('setup') }),
  z.object({ status: z.literal('live') }),
  z.object({ status: z.literal('locked'), lockedAt: z.string() }),
  z.object({ status: z.literal('unblinded'), lockedAt: z.string(), unblindedAt: z.string() }),
])

export const StudySummarySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    protocol: ProtocolVersionSchema,
    versions: z.array(ProtocolVersionSchema),
    sites: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        country: z.string(),
        city: z.string().nullable(),
        targetEnrolment: z.number().nullable(),
        active: z.boolean(),
      }),
    ),
    phase: StudyPhaseSchema,
    randomizationFingerprints: z.record(z.string(), z.string()),
    randomizationLiveAt: z.string().nullable(),
    databaseLockedAt: z.string().nullable(),
    databaseLockHash: z.string().nullable(),
    databaseLockReason: z.string().nullable(),
    unblindedAt: z.string().nullable(),
    unblindingReason: z.string().nullable(),
  })
  .openapi('StudySummary')

const BlindedPeriodSchema = z.object({
  periodId: z.string(),
  label: z.string(),
  step: z.enum(['allocation', 'entry']),
  dosing: z.boolean(),
  treatmentLabel: z.string().nullable(),
  message: z.string(),
  at: z.string(),
  preparationCode: z.string().nullable(),
})

/** A subject's allocation: blinded (no arm, the same for every subject of a period) unless the reader sees allocations. */
export const AllocationSchema = z
  .union([
    z.object({
      blinded: z.literal(true),
      subjectId: z.string(),
      siteId: z.string(),
      periods: z.array(BlindedPeriodSchema),
      emergencyUnblinded: z.boolean(),
    }),
    z.object({
      blinded: z.literal(false),
      subjectId: z.string(),
      siteId: z.string(),
      periods: z.array(
        BlindedPeriodSchema.extend({
          assignment: z.record(z.string(), z.unknown()),
          armLabel: z.string(),
          receivesLabel: z.string().nullable(),
        }),
      ),
      emergencyUnblinding: z.object({ at: z.string(), by: z.string() }).nullable(),
    }),
  ])
  .openapi('Allocation')

export const SubjectViewSchema = z
  .object({
    id: z.string(),
    siteId: z.string(),
    screeningNumber: z.string(),
    status: z.enum(['screening', 'screen-failed', 'enrolled', 'randomized', 'withdrawn', 'completed', 'died']),
    protocolVersionId: z.string(),
    screeningDate: z.string(),
    consent: z.object({ date: z.string(), version: z.string() }).nullable(),
    eligibility: z
      .object({ answers: z.record(z.string(), z.boolean()), eligible: z.boolean(), failed: z.array(z.string()) })
      .nullable(),
    enrolmentDate: z.string().nullable(),
    factors: z.record(z.string(), z.union([z.string(), z.number()])),
    stratum: z.string().nullable(),
    randomizationDate: z.string().nullable(),
    currentPeriod: z.string().nullable(),
    periodStarts: z.record(z.string(), z.string()),
    allocation: AllocationSchema.nullable(),
    end: z.object({ date: z.string(), reason: z.string() }).nullable(),
    deathDate: z.string().nullable(),
    events: z.array(z.object({ kind: z.string(), date: z.string() })),
    emergencyUnblinded: z.boolean(),
    signed: z.object({ at: z.string(), by: z.string() }).nullable(),
    locked: z.object({ at: z.string(), by: z.string() }).nullable(),
  })
  .openapi('Subject')

/** Any JSON value (described, not recursed into: generators loop on recursive schemas). */
const JsonValue = z.unknown().openapi({ description: 'a JSON value' })

export const AuditViewSchema = z
  .object({
    seq: z.number(),
    at: z.string(),
    userId: z.string(),
    username: z.string(),
    role: z.string(),
    siteId: z.string().nullable(),
    kind: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    subjectId: z.string().nullable(),
    changes: z.array(
      z.object({ field: z.string(), old: JsonValue, new: JsonValue, blinded: z.literal(true).optional() }),
    ),
    reason: z.string().nullable(),
  })
  .openapi('AuditRecord')

export const AuditPageSchema = z
  .object({ items: z.array(AuditViewSchema), nextBeforeSeq: z.number().optional() })
  .openapi('AuditPage')

export const AuditVerificationSchema = z
  .object({
    ok: z.boolean(),
    records: z.number(),
    headHash: z.string(),
    firstBroken: z.object({ seq: z.number(), reason: z.string() }).optional(),
  })
  .openapi('AuditVerification')
