import type { Migration } from 'kysely'
import { initial } from './0001-initial.ts'
import { apiTokens } from './0002-api-tokens.ts'
import { sealCheck } from './0003-seal-check.ts'

/**
 * Every migration, in order. A static list (not a folder scan) so the order is explicit and it runs the
 * same under tsx and after `tsc` emit. Migrations are append-only once released: fix forward.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-api-tokens': apiTokens,
  '0003-seal-check': sealCheck,
}
