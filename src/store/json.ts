import type { z } from 'zod'
import { canonicalJson } from '../protocol/index.ts'
import type { Bool } from './schema.ts'

/** JSON text for a column: canonical (sorted keys), so equal content is equal bytes in both dialects. */
export function toJson(value: unknown): string {
  return canonicalJson(value)
}

/**
 * Reads a JSON column through its schema. The application wrote it, so a mismatch means the database was
 * edited behind the application's back or a migration is missing: a broken invariant, which throws.
 */
export function fromJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const parsed = schema.safeParse(JSON.parse(text))
  if (!parsed.success) throw new Error(`corrupt JSON in ${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}

export const toBool = (b: boolean): Bool => (b ? 1 : 0)
export const fromBool = (b: number | null): boolean | null => (b === null ? null : b === 1)
