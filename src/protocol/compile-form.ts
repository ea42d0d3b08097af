/**
 * Resolving a protocol form into concrete items: the instrument's items (from instruments.json or a built-in
 * template) followed by the protocol's own, label overrides applied, code lists expanded; the instrument's
 * scores and derived values followed by the protocol's formulas; the instrument's edit checks followed by the
 * protocol's. Every reference inside the form is checked here, so a compiled form is internally consistent.
 */
import {
  ProblemCode,
  type ChoiceOption,
  type EditCheck,
  type FormDef,
  type ItemDef,
  type Problem,
  type Product,
} from '../domain/index.ts'
import {
  codeList,
  compileDerived,
  conditionComparisons,
  conditionReferences,
  formulaReferences,
  instrumentData,
  resolveInstrument,
  withCodeListOptions,
  type CompiledDerived,
  type InstrumentKind,
  type InstrumentOptions,
  type RuleCondition,
  type ScoreDef,
} from '../instruments/index.ts'

/** An item of a compiled form; `source` says whether it comes from the instrument or the protocol file. */
export type CompiledItem = ItemDef & { readonly source: 'instrument' | 'protocol' }

/** The instrument a form is built on, with the per-form options that its scoring needs. */
export interface FormInstrument {
  readonly id: string
  readonly name: string
  readonly kind: InstrumentKind
  readonly reference?: string | undefined
  readonly options: InstrumentOptions
}

/** A form ready for data entry: plain data (JSON-serialisable), validated by `validateFormEntry`. */
export interface CompiledForm {
  readonly id: string
  readonly label: string
  readonly repeating: boolean
  readonly instrument: FormInstrument | null
  readonly items: readonly CompiledItem[]
  /** Values computed by the instrument's code (ALSFRS-R `total`, MAS `sumOrdinal`, ...). */
  readonly scores: readonly ScoreDef[]
  /** Formula-derived values, instrument's first; each may use items, scores and the ones before it. */
  readonly derived: readonly CompiledDerived[]
  readonly checks: readonly EditCheck[]
}

/** A value a form produces: an item, a score or a derived value; `numeric` says whether a slope can be fitted. */
export interface FormValueDef {
  readonly id: string
  readonly label: string
  readonly kind: 'item' | 'score' | 'derived'
  readonly numeric: boolean
  readonly unit?: string | undefined
}

/** Every value of a form in order: items, scores, derived values. */
export function formValues(form: CompiledForm): FormValueDef[] {
  return [
    ...form.items.map((i): FormValueDef => ({
      id: i.id,
      label: i.label,
      kind: 'item',
      numeric: isNumericItem(i),
      unit: i.unit,
    })),
    ...form.scores.map((s): FormValueDef => ({
      id: s.id,
      label: s.label,
      kind: 'score',
      numeric: s.type === 'integer' || s.type === 'decimal',
      unit: s.unit,
    })),
    ...form.derived.map((d): FormValueDef => ({
      id: d.id,
      label: d.label,
      kind: 'derived',
      numeric: true,
      unit: d.unit,
    })),
  ]
}

/** Integer and decimal items, and single choices whose codes are all numbers (ALSFRS-R items). */
export function isNumericItem(item: ItemDef): boolean {
  if (item.type === 'integer' || item.type === 'decimal') return true
  return item.type === 'choice' && (item.options ?? []).every((o) => typeof o.code === 'number')
}

/**
 * Compiles one form definition. `path` is the form's path in the protocol (`forms[3]`); every problem found is
 * returned with its full path, and the form is null when the instrument cannot be resolved.
 */
export function compileForm(
  def: FormDef,
  path: string,
  product?: Product,
): { readonly form: CompiledForm | null; readonly problems: Problem[] } {
  const problems: Problem[] = []
  const add = (p: string, message: string, code: Problem['code'] = ProblemCode.Invalid): void => {
    problems.push({ code, path: p, message })
  }

  let instrument: FormInstrument | null = null
  let base: {
    items: readonly ItemDef[]
    scores: readonly ScoreDef[]
    derived: readonly CompiledDerived[]
    checks: readonly EditCheck[]
  } = {
    items: [],
    scores: [],
    derived: [],
    checks: [],
  }
  if (def.instrument !== undefined) {
    const options: InstrumentOptions = {
      ...(def.muscleGroups ? { muscleGroups: def.muscleGroups } : {}),
      ...(def.cutoffs ? { cutoffs: def.cutoffs } : {}),
      ...(def.instrument === 'MANUFACTURING' && product ? { releaseCriteria: product.releaseCriteria } : {}),
    }
    const resolved = resolveInstrument(def.instrument, options)
    if (resolved.ok) {
      const r = resolved.value
      instrument = { id: r.id, name: r.name, kind: r.kind, reference: r.reference, options: r.options }
      base = r
    } else {
      // Keep checking the protocol's own items so that every problem is reported in one pass.
      for (const p of resolved.problems) problems.push({ ...p, path: `${path}.${p.path || 'instrument'}` })
    }
  } else {
    if (def.muscleGroups) add(`${path}.muscleGroups`, 'applies only to a form with instrument: MAS')
    if (def.cutoffs) add(`${path}.cutoffs`, 'applies only to a form with instrument: ECAS')
    if (def.items.length === 0) add(`${path}.items`, 'must list at least one item (or name an instrument)')
  }

  const taken = new Map<string, string>()
  const claim = (id: string, p: string, what: string): void => {
    const prior = taken.get(id)
    if (prior) add(p, `duplicate id "${id}" (also ${prior})`, ProblemCode.Conflict)
    else taken.set(id, what)
  }
  base.items.forEach((i) => taken.set(i.id, `an item of instrument ${instrument?.id ?? ''}`))
  base.scores.forEach((s) => taken.set(s.id, `a score of instrument ${instrument?.id ?? ''}`))
  base.derived.forEach((d) => taken.set(d.id, `a derived value of instrument ${instrument?.id ?? ''}`))

  def.items.forEach((item, j) => {
    claim(item.id, `${path}.items[${j}].id`, `${path}.items[${j}]`)
    problems.push(...itemDefinitionProblems(item, `${path}.items[${j}]`))
  })
  const items: CompiledItem[] = [
    ...base.items.map((i): CompiledItem => ({ ...i, source: 'instrument' })),
    ...def.items.map((i): CompiledItem => ({ ...withCodeListOptions(i), source: 'protocol' })),
  ].map((i) => (def.labels?.[i.id] !== undefined ? { ...i, label: def.labels[i.id] ?? i.label } : i))
  const itemsById = new Map(items.map((i) => [i.id, i]))
  for (const key of Object.keys(def.labels ?? {})) {
    if (!itemsById.has(key)) add(`${path}.labels.${key}`, `unknown item "${key}"`)
  }

  // Display logic and conditional requirements read items only: they must be decidable while typing.
  def.items.forEach((item, j) => {
    for (const key of ['showWhen', 'requiredWhen'] as const) {
      const cond = item[key]
      if (!cond) continue
      const p = `${path}.items[${j}].${key}`
      if (conditionReferences(cond).includes(item.id)) add(p, 'must not depend on the item itself')
      problems.push(...conditionProblems(cond, p, itemsById, new Set()))
    }
  })

  const scoreIds = new Set(base.scores.map((s) => s.id))
  const derived: CompiledDerived[] = [...base.derived]
  def.derived.forEach((d, k) => {
    const p = `${path}.derived[${k}]`
    claim(d.id, `${p}.id`, p)
    const compiled = compileDerived(d)
    if (!compiled.ok) {
      compiled.problems.forEach((q) => add(`${p}.formula`, q.message))
      return
    }
    const known = new Set(derived.map((x) => x.id))
    for (const ref of formulaReferences(compiled.value.ast)) {
      const item = itemsById.get(ref)
      if (item && !isNumericItem(item)) add(`${p}.formula`, `item "${ref}" is ${item.type}, not numeric`)
      else if (!item && !scoreIds.has(ref) && !known.has(ref)) {
        add(
          `${p}.formula`,
          `unknown item "${ref}"${def.derived.some((x) => x.id === ref) ? ' (derived values may use only earlier ones)' : ''}`,
        )
      }
    }
    derived.push(compiled.value)
  })

  const checkIds = new Set(base.checks.map((c) => c.id))
  const valueIds = new Set([...itemsById.keys(), ...scoreIds, ...derived.map((d) => d.id)])
  def.checks.forEach((check, k) => {
    const p = `${path}.checks[${k}]`
    if (checkIds.has(check.id)) add(`${p}.id`, `duplicate check "${check.id}"`, ProblemCode.Conflict)
    checkIds.add(check.id)
    problems.push(...conditionProblems(check.when, `${p}.when`, itemsById, valueIds))
    if (check.item !== undefined && !itemsById.has(check.item)) add(`${p}.item`, `unknown item "${check.item}"`)
  })

  const form: CompiledForm = {
    id: def.id,
    label: def.label,
    repeating: def.repeating,
    instrument,
    items,
    scores: base.scores,
    derived,
    checks: [...base.checks, ...def.checks],
  }
  return { form: def.instrument !== undefined && !instrument ? null : form, problems }
}

/** Field combinations that make no sense for the item's type, unknown code lists, duplicate option codes. */
function itemDefinitionProblems(item: ItemDef, path: string): Problem[] {
  const problems: Problem[] = []
  const add = (p: string, message: string): void =>
    void problems.push({ code: ProblemCode.Invalid, path: `${path}.${p}`, message })
  const numeric = item.type === 'integer' || item.type === 'decimal'
  const choice = item.type === 'choice' || item.type === 'multichoice'
  if (!numeric && item.range) add('range', `applies only to integer and decimal items, not ${item.type}`)
  if (!numeric && item.softRange) add('softRange', `applies only to integer and decimal items, not ${item.type}`)
  if (item.decimals !== undefined && item.type !== 'decimal')
    add('decimals', `applies only to decimal items, not ${item.type}`)
  if (item.maxLength !== undefined && item.type !== 'text')
    add('maxLength', `applies only to text items, not ${item.type}`)
  if (!choice && (item.options || item.codeList))
    add(item.options ? 'options' : 'codeList', `applies only to choice items, not ${item.type}`)
  if (choice && !item.options && !item.codeList) add('options', `a ${item.type} item needs options or a codeList`)
  if (item.options && item.codeList) add('codeList', 'give either options or a codeList, not both')
  if (item.codeList && !codeList(item.codeList)) {
    add(
      'codeList',
      `unknown code list "${item.codeList}" (known: ${instrumentData()
        .codeLists.map((l) => l.id)
        .join(', ')})`,
    )
  }
  item.options?.forEach((o, k) => {
    if (item.options?.findIndex((x) => String(x.code) === String(o.code)) !== k)
      add(`options[${k}].code`, `duplicate option code "${o.code}"`)
  })
  return problems
}

/**
 * References of a condition: each must be an item of the form (or, for edit checks, a score or derived value),
 * and each compared value must suit the item (a number for numbers, an existing option for choices).
 */
function conditionProblems(
  cond: RuleCondition,
  path: string,
  items: ReadonlyMap<string, ItemDef>,
  otherValues: ReadonlySet<string>,
): Problem[] {
  const problems: Problem[] = []
  for (const ref of conditionReferences(cond)) {
    if (!items.has(ref) && !otherValues.has(ref))
      problems.push({ code: ProblemCode.Invalid, path, message: `unknown item "${ref}"` })
  }
  for (const c of conditionComparisons(cond, path)) {
    const item = items.get(c.item)
    if (!item) continue
    const mismatch = comparisonMismatch(item, c.op, c.value)
    if (mismatch) problems.push({ code: ProblemCode.Invalid, path: `${c.path}.value`, message: mismatch })
  }
  return problems
}

function comparisonMismatch(item: ItemDef, op: string, value: number | string | boolean): string | null {
  const shown = JSON.stringify(value)
  if (item.type === 'choice' || item.type === 'multichoice') {
    const options: readonly ChoiceOption[] = withCodeListOptions(item).options ?? []
    if (!options.some((o) => o.code === value)) return `${shown} is not an option of item "${item.id}"`
    if (item.type === 'multichoice' && op !== '==' && op !== '!=')
      return `only == and != apply to multiple-choice item "${item.id}"`
    return null
  }
  const expected =
    item.type === 'integer' || item.type === 'decimal' ? 'number' : item.type === 'boolean' ? 'boolean' : 'string'
  if (typeof value !== expected) return `item "${item.id}" is ${item.type}: compare it with a ${expected}, not ${shown}`
  if (expected === 'boolean' && op !== '==' && op !== '!=') return `only == and != apply to boolean item "${item.id}"`
  return null
}
