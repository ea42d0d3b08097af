/** Branded identifiers: an id from one table cannot be passed where another is expected. */
declare const brand: unique symbol
export type Brand<T, B extends string> = T & { readonly [brand]: B }

export type StudyId = Brand<string, 'StudyId'>
export type SiteId = Brand<string, 'SiteId'>
export type ArmId = Brand<string, 'ArmId'>
export type PeriodId = Brand<string, 'PeriodId'>
export type VisitId = Brand<string, 'VisitId'>
export type FormId = Brand<string, 'FormId'>
export type ItemId = Brand<string, 'ItemId'>
export type SubjectId = Brand<string, 'SubjectId'>
export type UserId = Brand<string, 'UserId'>

/** ISO-8601 UTC instant with millisecond precision, e.g. `2026-01-31T09:15:00.000Z`. */
export type Instant = Brand<string, 'Instant'>
/** ISO-8601 calendar date, e.g. `2026-01-31`. */
export type IsoDate = Brand<string, 'IsoDate'>

export const asInstant = (d: Date): Instant => d.toISOString() as Instant
export const asIsoDate = (s: string): IsoDate => s as IsoDate
