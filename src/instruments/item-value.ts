/**
 * Checking and normalising one entered value against its item definition (protocol schema `ItemDef`). This is
 * the bottom of the single validation path: web forms post strings, the API and importers send JSON, and all
 * of them end up with the same typed value or the same problem.
 */
import { ProblemCode, type ChoiceOption, type ItemDef, type Problem } from '../domain/index.ts'
import { isIsoDate } from './iso-date.ts'
import { roundHalfAwayFromZero } from './formula.ts'

/** A stored answer: numbers for integer/decimal, text, ISO date/datetime strings, booleans, option codes. */
export type ItemValue = number | string | boolean | ReadonlyArray<string | number>

/** Entered values keyed by item id (absent or null = not answered). */
export type FormValues = Readonly<Record<string, ItemValue | null | undefined>>

export type NormalisedValue =
  { readonly ok: true; readonly value: ItemValue | null } | { readonly ok: false; readonly problem: Problem }

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const DATETIME =
  /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,3})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$/

/** Whether a raw value means "not answered": undefined, null, blank text or an empty list. */
export function isBlank(raw: unknown): boolean {
  return (
    raw === undefined ||
    raw === null ||
    (typeof raw === 'string' && raw.trim() === '') ||
    (Array.isArray(raw) && raw.length === 0)
  )
}

/**
 * Checks `raw` against `item` and returns the normalised value (null when blank) or one problem at `path`.
 * Choice items must carry their options (code lists already expanded, as `resolveInstrument` and the protocol
 * compiler do). Numbers may arrive as numeric text; choices match their code as text or value.
 */
export function normaliseItemValue(item: ItemDef, raw: unknown, path: string): NormalisedValue {
  if (isBlank(raw)) return { ok: true, value: null }
  const bad = (message: string, code: Problem['code'] = ProblemCode.Invalid): NormalisedValue => ({
    ok: false,
    problem: { code, path, message },
  })
  switch (item.type) {
    case 'integer':
    case 'decimal': {
      const n = toNumber(raw)
      if (n === null) return bad(item.type === 'integer' ? 'must be a whole number' : 'must be a number')
      if (item.type === 'integer' && !Number.isInteger(n)) return bad('must be a whole number')
      if (item.type === 'decimal' && item.decimals !== undefined && roundHalfAwayFromZero(n, item.decimals) !== n) {
        return bad(`must have at most ${item.decimals} decimal place${item.decimals === 1 ? '' : 's'}`)
      }
      const outside = rangeMessage(n, item.range, item.unit)
      return outside ? bad(outside, ProblemCode.OutOfRange) : { ok: true, value: n }
    }
    case 'text': {
      if (typeof raw !== 'string') return bad('must be text')
      const text = raw.trim()
      if (item.maxLength !== undefined && text.length > item.maxLength) {
        return bad(`must be at most ${item.maxLength} characters`, ProblemCode.TooLarge)
      }
      return { ok: true, value: text }
    }
    case 'date': {
      const text = typeof raw === 'string' ? raw.trim() : ''
      return isIsoDate(text) ? { ok: true, value: text } : bad('must be a date written YYYY-MM-DD')
    }
    case 'datetime': {
      const text = typeof raw === 'string' ? raw.trim() : ''
      const m = DATETIME.exec(text)
      return m && isIsoDate(m[1] ?? '')
        ? { ok: true, value: text }
        : bad('must be a date and time written YYYY-MM-DDTHH:MM')
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw }
      if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' }
      return bad('must be true or false')
    }
    case 'choice': {
      if (Array.isArray(raw)) return bad('must be a single choice')
      const option = matchOption(item.options ?? [], raw)
      return option ? { ok: true, value: option.code } : bad(`must be one of ${listCodes(item.options ?? [])}`)
    }
    case 'multichoice': {
      const entries: unknown[] = Array.isArray(raw) ? raw : [raw]
      const options = item.options ?? []
      const unknown = entries.filter((e) => !matchOption(options, e))
      if (unknown.length > 0) {
        return bad(`${unknown.map((u) => JSON.stringify(u)).join(', ')} not among ${listCodes(options)}`)
      }
      // Stored in the options' order, without repeats, so equal answers compare equal.
      const chosen = options.filter((o) => entries.some((e) => matchOption([o], e))).map((o) => o.code)
      return { ok: true, value: chosen }
    }
  }
}

function toNumber(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null
  if (typeof raw === 'string' && NUMBER_TEXT.test(raw.trim())) return Number(raw.trim())
  return null
}

function matchOption(options: readonly ChoiceOption[], raw: unknown): ChoiceOption | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined
  const text = String(raw).trim()
  return options.find((o) => o.code === raw || String(o.code) === text)
}

function listCodes(options: readonly ChoiceOption[]): string {
  return options.map((o) => (typeof o.code === 'string' ? `"${o.code}"` : String(o.code))).join(', ')
}

/** The message for a number outside `range`, or null when inside (or no range). */
export function rangeMessage(
  n: number,
  range: { readonly min?: number | undefined; readonly max?: number | undefined } | undefined,
  unit?: string,
): string | null {
  if (!range) return null
  const u = unit ? ` ${unit}` : ''
  const tooLow = range.min !== undefined && n < range.min
  const tooHigh = range.max !== undefined && n > range.max
  if (!tooLow && !tooHigh) return null
  if (range.min !== undefined && range.max !== undefined) return `must be between ${range.min} and ${range.max}${u}`
  return tooLow ? `must be at least ${range.min}${u}` : `must be at most ${range.max}${u}`
}
