import { z } from 'zod'
import type { AllocatedSlot, MarginalCounts, PeriodAssignment } from '../randomization/index.ts'

/** Schemas of the values kept sealed at rest, checked when opened. Branded ids are restored by the cast. */

export const AllocatedSlotPayload = z
  .object({
    periodId: z.string(),
    stratum: z.string(),
    subjectId: z.string(),
    sequence: z.number().int().positive(),
    arm: z.string(),
    block: z.number().int().nullable(),
    blockSize: z.number().int().nullable(),
    allocatedAt: z.string(),
  })
  .transform((v) => v as AllocatedSlot)

export const MarginalCountsPayload = z
  .record(z.string(), z.record(z.string(), z.record(z.string(), z.number())))
  .transform((v) => v as MarginalCounts)

export const PeriodAssignmentPayload = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('allocated'),
      periodId: z.string(),
      previousArm: z.string().nullable(),
      arm: z.string(),
      receives: z.string().nullable(),
      slot: AllocatedSlotPayload,
    }),
    z.object({ kind: z.literal('continues'), periodId: z.string(), arm: z.string(), receives: z.string().nullable() }),
  ])
  .transform((v) => v as PeriodAssignment)
