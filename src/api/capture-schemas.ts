/**
 * Response schemas of the data-capture views (forms, visits, AEs, queries, supply, dashboards). They list
 * the fields readers rely on; the compiler checks every handler's value against them.
 */
import { z } from '@hono/zod-openapi'
import { AllocationSchema } from './schemas.ts'

const Nullable = <T extends z.ZodType>(t: T) => t.nullable()
const At = z.string().openapi({ description: 'ISO-8601 instant' })
const Day = z.string().openapi({ description: 'ISO-8601 date' })
const AtBy = z.object({ at: At, by: z.string() })

/** An item or derived value: number, code, date text, boolean, or the codes of a multiple choice. */
const Value = z.unknown().openapi({ description: 'number | string | boolean | (string|number)[] | null' })

const Signoff = z.object({ version: z.number(), at: At, by: z.string(), current: z.boolean() })

export const FormViewSchema = z
  .object({
    id: z.string().openapi({ description: 'form instance id (queries, SDV, signatures and locks refer to it)' }),
    subjectId: z.string(),
    siteId: z.string(),
    visitId: z.string(),
    formId: z.string(),
    instance: z.number(),
    version: z.number(),
    status: z.enum(['entered', 'deleted']),
    values: z.record(z.string(), Value),
    derived: z.record(z.string(), Value),
    protocolVersionId: z.string(),
    formHash: z.string(),
    firstSavedAt: At,
    savedAt: At,
    savedBy: z.string(),
    savedRole: z.string(),
    reason: Nullable(z.string()),
    verified: Nullable(Signoff),
    signed: Nullable(Signoff),
    locked: Nullable(AtBy),
  })
  .openapi('Form')

export const SaveResultSchema = z
  .object({
    form: FormViewSchema,
    queriesRaised: z.array(z.object({ itemId: z.string(), checkId: z.string(), message: z.string() })),
    queriesClosed: z.number(),
  })
  .openapi('FormSaved')

export const FormVersionSchema = z
  .object({
    version: z.number(),
    status: z.enum(['entered', 'deleted']),
    values: z.record(z.string(), Value),
    derived: z.record(z.string(), Value),
    protocolVersionId: z.string(),
    formHash: z.string(),
    savedAt: At,
    savedBy: z.string(),
    savedRole: z.string(),
    reason: Nullable(z.string()),
  })
  .openapi('FormVersion')

export const FieldHistorySchema = z.object({
  version: z.number(),
  value: Value,
  savedAt: At,
  savedBy: z.string(),
  reason: Nullable(z.string()),
})

export const SubjectReviewSchema = z
  .object({ subjectId: z.string(), signed: Nullable(AtBy), locked: Nullable(AtBy) })
  .openapi('SubjectReview')

export const CalendarSchema = z
  .object({
    subjectId: z.string(),
    today: Day,
    visits: z.array(
      z.object({
        visitId: z.string(),
        label: z.string(),
        periodId: Nullable(z.string()),
        pending: z.boolean(),
        status: z.enum(['done', 'due', 'overdue', 'out-of-window', 'missed', 'upcoming']),
        actualDate: Nullable(Day),
        notDone: Nullable(z.object({ reason: z.string() })),
        forms: z.array(z.string()),
        formStatus: z.array(
          z.object({
            formId: z.string(),
            status: z.enum(['entered', 'deleted', 'missing', 'not-due']),
            formInstanceId: Nullable(z.string()),
          }),
        ),
      }),
    ),
  })
  .openapi('VisitCalendar')

export const MissingFormsSchema = z.object({
  items: z.array(
    z.object({
      subjectId: z.string(),
      siteId: z.string(),
      screeningNumber: z.string(),
      visitId: z.string(),
      formId: z.string(),
      visitDate: Day,
    }),
  ),
})

const SaeClock = z.object({
  awarenessAt: At,
  dueAt: At,
  acknowledgedAt: Nullable(At),
  acknowledgedBy: Nullable(z.string()),
  hoursRemaining: Nullable(z.number()),
  overdue: z.boolean(),
})

export const AdverseEventSchema = z
  .object({
    id: z.string(),
    subjectId: z.string(),
    siteId: z.string(),
    aeNumber: z.number(),
    formId: z
      .string()
      .openapi({ description: 'the AE form instance (history, queries, SDV and signatures go through it)' }),
    version: z.number(),
    values: z.record(z.string(), Value),
    term: z.string(),
    onsetDate: Day,
    endDate: Nullable(Day),
    grade: Nullable(z.number()),
    seriousness: z.array(z.string()),
    causality: z.string(),
    outcome: Nullable(z.string()),
    status: z.enum(['ongoing', 'resolved']),
    classification: z.object({
      serious: z.boolean(),
      seriousnessFlags: z.record(z.string(), z.enum(['Y', 'N'])),
      relatedByInvestigator: z.boolean(),
      relatedBySponsor: Nullable(z.boolean()),
      related: z.boolean(),
      expected: z.boolean(),
      susar: z.boolean(),
    }),
    sae: Nullable(SaeClock),
    createdAt: At,
    updatedAt: At,
  })
  .openapi('AdverseEvent')

export const AdverseEventDetailSchema = AdverseEventSchema.extend({ versions: z.array(FormVersionSchema) }).openapi(
  'AdverseEventDetail',
)

export const QueryViewSchema = z
  .object({
    id: z.string(),
    subjectId: z.string(),
    siteId: z.string(),
    formId: Nullable(z.string()),
    itemId: Nullable(z.string()),
    origin: z.enum(['manual', 'auto']),
    checkId: Nullable(z.string()),
    status: z.enum(['open', 'answered', 'closed']),
    text: z.string(),
    raisedAt: At,
    updatedAt: At,
    messages: z.array(
      z.object({
        action: z.enum(['raise', 'answer', 'close', 'reopen']),
        text: z.string(),
        at: At,
        username: z.string(),
        role: z.string(),
      }),
    ),
  })
  .openapi('Query')

export const QueryPageSchema = z.object({ items: z.array(QueryViewSchema), total: z.number() }).openapi('QueryPage')

const PreparationFacts = {
  label: z.string(),
  productLabel: z.string(),
  container: z.string(),
  volumeMl: z.number(),
  vehicle: z.string(),
  infusionMinutes: z.number(),
  preparationCode: z.string(),
  subjectId: z.string(),
  periodId: z.string(),
  preparedAt: At,
}

/** The unblinded preparation sheet (the pharmacist's): arm, computed dose, content. */
export const PreparationSheetSchema = z
  .object({
    ...PreparationFacts,
    arm: z.string(),
    armLabel: z.string(),
    content: z.string(),
    dose: z.object({
      armId: z.string(),
      armType: z.enum(['active', 'placebo']),
      unit: z.string(),
      perKg: z.number(),
      weightKg: z.number(),
    }),
    lotId: z.string(),
    lotUse: z.string(),
  })
  .openapi('PreparationSheet')

export const SupplyViewSchema = z
  .object({
    subjectId: z.string(),
    extractions: z.array(z.object({ id: z.string(), date: Day, tissueGrams: z.number(), sufficient: z.boolean() })),
    lots: z.array(
      z.object({
        id: z.string(),
        extractionId: z.string(),
        manufacturedOn: Day,
        release: Nullable(
          z.object({
            status: z.enum(['passed', 'failed']),
            date: Day,
            expiresOn: Nullable(Day),
            failures: z.array(z.object({ criterionId: z.string(), label: z.string(), reason: z.string() })),
          }),
        ),
      }),
    ),
    preparations: z.array(
      z
        .union([
          z.object({ ...PreparationFacts, blinded: z.literal(true), lotId: z.string(), infusedOn: Nullable(Day) }),
          z.object({
            ...PreparationFacts,
            blinded: z.literal(false),
            arm: z.string(),
            armLabel: z.string(),
            content: z.string(),
            infusedOn: Nullable(Day),
          }),
        ])
        .openapi({ description: 'blinded (the same for every arm) unless the reader sees allocations' }),
    ),
    infusions: z.array(
      z.object({
        id: z.string(),
        periodId: z.string(),
        preparationCode: z.string(),
        date: Day,
        startedAt: At,
        endedAt: Nullable(At),
        volumeMl: z.number(),
        status: z.string(),
        notes: Nullable(z.string()),
      }),
    ),
  })
  .openapi('Supply')

const SiteFigures = {
  screened: z.number(),
  randomized: z.number(),
  byStatus: z.record(z.string(), z.number()),
  overdueVisits: z.number(),
  openQueries: z.number(),
  saesAwaitingReport: z.number(),
  saesOverdue: z.number(),
}

export const DashboardSchema = z
  .object({
    today: Day,
    targetEnrolment: z.number(),
    sites: z.array(
      z.object({ siteId: z.string(), name: z.string(), targetEnrolment: Nullable(z.number()), ...SiteFigures }),
    ),
    totals: z.object(SiteFigures),
  })
  .openapi('Dashboard')

export const SubjectPageSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        siteId: z.string(),
        screeningNumber: z.string(),
        status: z.string(),
        screeningDate: Day,
        randomizationDate: Nullable(Day),
        currentPeriod: Nullable(z.string()),
        emergencyUnblinded: z.boolean(),
        locked: z.boolean(),
      }),
    ),
    total: z.number(),
    offset: z.number(),
    limit: z.number(),
  })
  .openapi('SubjectPage')

export const NotificationsSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      createdAt: At,
      kind: z.string(),
      subjectId: Nullable(z.string()),
      siteId: Nullable(z.string()),
      message: z.string(),
      readAt: Nullable(At),
    }),
  ),
})

/** What an emergency unblinding discloses to the investigator who asked (in this response only). */
export const DisclosureSchema = AllocationSchema
