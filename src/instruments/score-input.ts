/**
 * Scoring one filled instrument given as untyped JSON (the `trialdesk score` command, importers, other tools).
 * Every invalid entry is reported at once, with the item id as path; unanswered items are allowed and give
 * null scores, never partial sums.
 */
import { fail, ok, ProblemCode, type IsoDate, type Problem, type Result } from '../domain/index.ts'
import { scoreAlsfrsR, type AlsfrsRScore } from './alsfrs-r.ts'
import { scoreEcas, type EcasScore } from './ecas.ts'
import { InstrumentId } from './instrument-data.ts'
import { normaliseItemValue, type ItemValue } from './item-value.ts'
import { resolveInstrument, scoreResolvedInstrument, type DerivedValue, type InstrumentOptions } from './library.ts'
import { scoreMas, type MasSummary } from './mas.ts'

export type InstrumentScoreReport =
  | ({ readonly instrument: 'ALSFRS-R' } & AlsfrsRScore)
  | ({ readonly instrument: 'MAS'; readonly grades: Readonly<Record<string, ItemValue>> } & MasSummary)
  | ({ readonly instrument: 'ECAS'; readonly domains: Readonly<Record<string, ItemValue>> } & EcasScore)
  | {
      readonly instrument: string
      readonly values: Readonly<Record<string, ItemValue>>
      readonly derived: Readonly<Record<string, DerivedValue>>
    }

/**
 * Checks and scores one instrument. ALSFRS-R input: an object keyed by item id (`Q1`…`Q12`, exactly one of
 * `Q5A`/`Q5B`, values 0–4) plus optional `onsetDate`, `assessmentDate` (ISO dates) and `died` (boolean).
 * Other instruments: an object keyed by the instrument's item ids (MAS: `<muscleGroup>_<side>` → grade text).
 */
export function scoreInstrument(
  id: string,
  raw: unknown,
  options: InstrumentOptions = {},
): Result<InstrumentScoreReport> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail({ code: ProblemCode.Invalid, path: '', message: 'must be a JSON object keyed by item id' })
  }
  const input = raw as Record<string, unknown>
  if (id === InstrumentId.AlsfrsR) return scoreAlsfrsRInput(input)

  const resolved = resolveInstrument(id, options)
  if (!resolved.ok) return resolved
  const instrument = resolved.value
  const items = new Map(instrument.items.map((it) => [it.id, it]))
  const problems: Problem[] = []
  const values: Record<string, ItemValue> = {}
  for (const [key, v] of Object.entries(input)) {
    const item = items.get(key)
    if (!item) {
      problems.push({ code: ProblemCode.UnknownField, path: key, message: `unknown item of ${id}` })
      continue
    }
    const n = normaliseItemValue(item, v, key)
    if (!n.ok) problems.push(n.problem)
    else if (n.value !== null) values[key] = n.value
  }
  if (problems.length > 0) return fail(problems)
  if (id === InstrumentId.Mas)
    return ok({ instrument: 'MAS', grades: values, ...scoreMas(values, instrument.options.muscleGroups) })
  if (id === InstrumentId.Ecas)
    return ok({ instrument: 'ECAS', domains: values, ...scoreEcas(values, instrument.options.cutoffs) })
  return ok({ instrument: id, values, derived: scoreResolvedInstrument(instrument, values) })
}

const CONTEXT_KEYS = new Set(['onsetDate', 'assessmentDate', 'died'])

function scoreAlsfrsRInput(input: Record<string, unknown>): Result<InstrumentScoreReport> {
  const problems: Problem[] = []
  const date = (key: 'onsetDate' | 'assessmentDate'): IsoDate | undefined => {
    const v = input[key]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'string')
      problems.push({ code: ProblemCode.Invalid, path: key, message: 'must be a date written YYYY-MM-DD' })
    return typeof v === 'string' ? (v as IsoDate) : undefined
  }
  const onsetDate = date('onsetDate')
  const assessmentDate = date('assessmentDate')
  const died = input['died']
  if (died !== undefined && died !== null && typeof died !== 'boolean') {
    problems.push({ code: ProblemCode.Invalid, path: 'died', message: 'must be true or false' })
  }
  const items = Object.fromEntries(Object.entries(input).filter(([k]) => !CONTEXT_KEYS.has(k)))
  const scored = scoreAlsfrsR({ items, onsetDate, assessmentDate, died: died === true })
  if (!scored.ok || problems.length > 0) return fail([...problems, ...(scored.ok ? [] : scored.problems)])
  return ok({ instrument: 'ALSFRS-R', ...scored.value })
}
