/**
 * A study's forms as a REDCap data dictionary, its visits as REDCap events with the instrument-event mapping,
 * and its data as a REDCap-importable CSV (one row per subject and event; checkboxes as `field___code`
 * columns; repeating forms and unscheduled visits as repeat instances). REDCap names must be lower-case
 * `[a-z][a-z0-9_]*` and unique across the project, so item ids are mapped once by `redcapNames`.
 */
import { fail, ok, ProblemCode, type Condition, type ItemDef, type Result } from '../domain/index.ts'
import { toCsv, type CsvCell } from './csv.ts'
import { parseFormula, type Formula } from '../instruments/index.ts'
import { ADVERSE_EVENT_VISIT, PRODUCT_LOT_VISIT, UNSCHEDULED_VISIT } from './odm-oids.ts'
import {
  carriesAllocation,
  visibleExtract,
  type CapturedValue,
  type DesignForm,
  type StudyDesign,
  type StudyExtract,
} from './study-extract.ts'

export const REDCAP_DICTIONARY_HEADER = [
  'Variable / Field Name',
  'Form Name',
  'Section Header',
  'Field Type',
  'Field Label',
  'Choices, Calculations, OR Slider Labels',
  'Field Note',
  'Text Validation Type OR Show Slider Number',
  'Text Validation Min',
  'Text Validation Max',
  'Identifier?',
  'Branching Logic (Show field only if...)',
  'Required Field?',
  'Custom Alignment',
  'Question Number (surveys only)',
  'Matrix Group Name',
  'Matrix Ranking?',
  'Field Annotation',
] as const

export const RECORD_ID = 'record_id'

/** REDCap form and variable names for a design: lower case, unique across forms, `record_id` reserved. */
export interface RedcapNames {
  readonly form: (formId: string) => string
  readonly variable: (formId: string, itemId: string) => string
}

function redcapName(id: string): string {
  const s = id
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
  return /^[a-z]/.test(s) ? s : `v_${s}`
}

export function redcapNames(design: StudyDesign): RedcapNames {
  const counts = new Map<string, number>()
  for (const f of design.forms)
    for (const id of [...f.items.map((i) => i.id), ...f.derived.map((d) => d.id)])
      counts.set(redcapName(id), (counts.get(redcapName(id)) ?? 0) + 1)
  const forms = new Map(design.forms.map((f) => [f.id, redcapName(f.id)]))
  return {
    form: (formId) => forms.get(formId) ?? redcapName(formId),
    // An id used on several forms (or clashing with record_id) is prefixed with its form name.
    variable: (formId, itemId) => {
      const plain = redcapName(itemId)
      return (counts.get(plain) ?? 0) > 1 || plain === RECORD_ID ? `${redcapName(formId)}_${plain}` : plain
    },
  }
}

/** The data dictionary CSV. Conditions become branching logic; formulas become calculations. */
export function redcapDictionary(design: StudyDesign): string {
  const names = redcapNames(design)
  const rows: CsvCell[][] = []
  const first = design.forms[0]
  if (first) rows.push(row({ field: RECORD_ID, form: names.form(first.id), type: 'text', label: 'Record ID' }))
  for (const form of design.forms) {
    const v = (id: string) => `[${names.variable(form.id, id)}]`
    for (const item of form.items) rows.push(itemRow(form, item, names, v, design))
    for (const d of form.derived) {
      if (!d.formula) continue
      const calc = parseFormula(d.formula)
      rows.push(
        row({
          field: names.variable(form.id, d.id),
          form: names.form(form.id),
          type: 'calc',
          label: d.label,
          choices: calc.ok ? formulaToRedcap(calc.value, v, d.decimals) : d.formula,
          note: d.unit ?? '',
        }),
      )
    }
  }
  return toCsv(REDCAP_DICTIONARY_HEADER, rows)
}

function row(r: {
  field: string
  form: string
  type: string
  label: string
  choices?: string
  note?: string
  validation?: string
  min?: CsvCell
  max?: CsvCell
  identifier?: boolean
  branching?: string
  required?: boolean
}): CsvCell[] {
  return [
    r.field,
    r.form,
    '',
    r.type,
    r.label,
    r.choices ?? '',
    r.note ?? '',
    r.validation ?? '',
    r.min ?? '',
    r.max ?? '',
    r.identifier ? 'y' : '',
    r.branching ?? '',
    r.required ? 'y' : '',
    '',
    '',
    '',
    '',
    '',
  ]
}

function itemRow(
  form: DesignForm,
  item: ItemDef,
  names: RedcapNames,
  v: (id: string) => string,
  design: StudyDesign,
): CsvCell[] {
  const options = item.options ?? (item.codeList ? design.codeLists[item.codeList] : undefined) ?? []
  const choices = options.map((o) => `${o.code}, ${o.label.replace(/\|/g, '/')}`).join(' | ')
  // REDCap's min/max warn but allow saving, like a TrialDesk soft range; a hard range is used when there is no soft one.
  const range = item.softRange ?? item.range
  const base = {
    field: names.variable(form.id, item.id),
    form: names.form(form.id),
    label: item.label,
    note: [item.unit, item.help].filter(Boolean).join(' — '),
    identifier: item.identifier,
    required: item.required,
    branching: item.showWhen ? conditionToRedcap(item.showWhen, v, form) : '',
  }
  switch (item.type) {
    case 'integer':
      return row({ ...base, type: 'text', validation: 'integer', min: range?.min, max: range?.max })
    case 'decimal':
      return row({
        ...base,
        type: 'text',
        validation: item.decimals && item.decimals >= 1 && item.decimals <= 4 ? `number_${item.decimals}dp` : 'number',
        min: range?.min,
        max: range?.max,
      })
    case 'date':
      return row({ ...base, type: 'text', validation: 'date_ymd' })
    case 'datetime':
      return row({ ...base, type: 'text', validation: 'datetime_seconds_ymd' })
    case 'boolean':
      return row({ ...base, type: 'yesno' })
    case 'choice':
      return row({ ...base, type: 'radio', choices })
    case 'multichoice':
      return row({ ...base, type: 'checkbox', choices })
    default:
      return row({ ...base, type: (item.maxLength ?? 0) > 255 ? 'notes' : 'text' })
  }
}

/** Protocol condition → REDCap branching logic. REDCap has no `not`: negations are pushed down to comparisons. */
export function conditionToRedcap(c: Condition, v: (id: string) => string, form?: DesignForm, negate = false): string {
  const item = 'item' in c ? form?.items.find((i) => i.id === c.item) : undefined
  if ('answered' in c) return `${v(c.answered)} ${negate ? '=' : '<>'} ''`
  if ('not' in c) return conditionToRedcap(c.not, v, form, !negate)
  if ('all' in c || 'any' in c) {
    const parts = 'all' in c ? c.all : c.any
    const joiner = 'all' in c !== negate ? ' and ' : ' or '
    return parts.map((p) => `(${conditionToRedcap(p, v, form, negate)})`).join(joiner)
  }
  if (item?.type === 'multichoice' && (c.op === '==' || c.op === '!=')) {
    const ticked = (c.op === '==') !== negate
    return `${v(c.item).slice(0, -1)}(${String(c.value)})] = '${ticked ? 1 : 0}'`
  }
  const ops: Record<string, [string, string]> = {
    '==': ['=', '<>'],
    '!=': ['<>', '='],
    '<': ['<', '>='],
    '<=': ['<=', '>'],
    '>': ['>', '<='],
    '>=': ['>=', '<'],
  }
  const [op, neg] = ops[c.op] ?? ['=', '<>']
  const value =
    typeof c.value === 'boolean'
      ? `'${c.value ? 1 : 0}'`
      : typeof c.value === 'number'
        ? String(c.value)
        : `'${c.value.replace(/'/g, '')}'`
  return `${v(c.item)} ${negate ? neg : op} ${value}`
}

/** Protocol formula → REDCap calculation; `decimals` wraps it in `round(…, n)` as REDCap displays it. */
export function formulaToRedcap(f: Formula, v: (id: string) => string, decimals?: number): string {
  const text = (x: Formula): string => {
    switch (x.kind) {
      case 'number':
        return String(x.value)
      case 'ref':
        return v(x.id)
      case 'negate':
        return `-(${text(x.arg)})`
      case 'binary':
        return `(${text(x.left)} ${x.op} ${text(x.right)})`
      case 'call':
        return `${x.fn}(${x.args.map(text).join(', ')})`
    }
  }
  const body = text(f)
  return decimals !== undefined ? `round(${body}, ${decimals})` : body
}

/** REDCap unique event name of a visit (single arm: TrialDesk exports never reveal allocation). */
export function redcapEventName(visitId: string): string {
  return `${redcapName(visitId).slice(0, 25)}_arm_1`
}

/** Events CSV and instrument-event mapping CSV, to set up a longitudinal REDCap project. */
export function redcapEvents(design: StudyDesign): { events: string; mapping: string } {
  const names = redcapNames(design)
  const p = design.protocol
  const aeForms = design.forms.filter((f) => f.instrument === 'AE').map((f) => f.id)
  const lotForms = design.forms.filter((f) => f.instrument === 'MANUFACTURING').map((f) => f.id)
  const visits = [
    ...p.visits.map((v) => ({ id: v.id, label: v.label, forms: v.forms, day: v.day })),
    ...(p.unscheduledForms.length > 0
      ? [{ id: UNSCHEDULED_VISIT, label: 'Unscheduled visit', forms: p.unscheduledForms, day: undefined }]
      : []),
    // Adverse events: one repeat of the AE form per event, as the data CSV writes them.
    ...(aeForms.length > 0
      ? [{ id: ADVERSE_EVENT_VISIT, label: 'Adverse events', forms: aeForms, day: undefined }]
      : []),
    // Product lots: one repeat of the manufacturing form per lot.
    ...(lotForms.length > 0 ? [{ id: PRODUCT_LOT_VISIT, label: 'Product lots', forms: lotForms, day: undefined }] : []),
  ]
  return {
    events: toCsv(
      ['event_name', 'arm_num', 'unique_event_name', 'custom_event_label', 'day_offset'],
      visits.map((v) => [v.label, 1, redcapEventName(v.id), '', v.day]),
    ),
    mapping: toCsv(
      ['arm_num', 'unique_event_name', 'form'],
      visits.flatMap((v) => v.forms.map((f) => [1, redcapEventName(v.id), names.form(f)])),
    ),
  }
}

/**
 * The data as a REDCap import CSV: current values of every form, one row per subject × event (and per repeat
 * instance for repeating forms and unscheduled visits). Allocation is never written, so blinded and unblinded
 * extracts give the same file; a blinded extract that carries allocations is refused all the same.
 */
export function redcapData(input: StudyExtract): Result<string> {
  if (input.blinded && carriesAllocation(input)) {
    return fail({
      code: ProblemCode.Forbidden,
      path: 'subjects',
      message: 'a blinded export must not carry allocations',
    })
  }
  const extract = visibleExtract(input)
  const design = extract.design
  const names = redcapNames(design)
  const columns: { key: string; formId: string; itemId: string; option?: string | number }[] = []
  for (const f of design.forms) {
    for (const item of f.items) {
      const options = item.options ?? (item.codeList ? design.codeLists[item.codeList] : undefined) ?? []
      if (item.type === 'multichoice')
        for (const o of options)
          columns.push({
            key: `${names.variable(f.id, item.id)}___${String(o.code)
              .toLowerCase()
              .replace(/[^a-z0-9]/g, '_')}`,
            formId: f.id,
            itemId: item.id,
            option: o.code,
          })
      else columns.push({ key: names.variable(f.id, item.id), formId: f.id, itemId: item.id })
    }
  }
  const repeating = new Set(design.forms.filter((f) => f.repeating).map((f) => f.id))
  const header = [
    RECORD_ID,
    'redcap_event_name',
    'redcap_repeat_instrument',
    'redcap_repeat_instance',
    ...columns.map((c) => c.key),
  ]
  const rows: CsvCell[][] = []
  for (const subject of extract.subjects) {
    for (const visit of subject.visits) {
      // Non-repeating forms share one row per event; each repeating form instance gets its own row.
      const groups = new Map<
        string,
        { instrument: string; instance: number | undefined; values: Map<string, CapturedValue> }
      >()
      for (const form of visit.forms) {
        const current = form.versions[form.versions.length - 1]
        if (!current) continue
        const isRepeat = repeating.has(form.formId) || visit.visitId === PRODUCT_LOT_VISIT
        const instance = isRepeat
          ? (form.repeatKey ?? 1)
          : visit.visitId === UNSCHEDULED_VISIT
            ? (visit.repeatKey ?? 1)
            : undefined
        const key = isRepeat ? `${form.formId}#${instance}` : ''
        let g = groups.get(key)
        if (!g) {
          g = { instrument: isRepeat ? names.form(form.formId) : '', instance, values: new Map() }
          groups.set(key, g)
        }
        for (const [id, value] of Object.entries(current.values)) g.values.set(`${form.formId}\u0000${id}`, value)
      }
      for (const g of groups.values()) {
        const cells = columns.map((c) => {
          const value = g.values.get(`${c.formId}\u0000${c.itemId}`)
          if (c.option !== undefined)
            return value === undefined
              ? ''
              : Array.isArray(value) && value.some((x) => String(x) === String(c.option))
                ? '1'
                : '0'
          return redcapValue(value)
        })
        rows.push([subject.subjectKey, redcapEventName(visit.visitId), g.instrument, g.instance ?? '', ...cells])
      }
    }
  }
  return ok(toCsv(header, rows))
}

function redcapValue(value: CapturedValue | undefined): CsvCell {
  if (value === undefined || value === null) return ''
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (Array.isArray(value)) return value.join(',')
  // REDCap datetimes are `YYYY-MM-DD HH:MM:SS` without a zone; TrialDesk stores UTC instants.
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value))
    return value
      .replace('T', ' ')
      .replace(/(\.\d+)?Z$/, '')
      .slice(0, 19)
  return value as string | number
}
