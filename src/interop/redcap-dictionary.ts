/**
 * REDCap data dictionary (CSV) → TrialDesk protocol: field types, validation types (→ item type and range),
 * choices, checkboxes, yes/no, sliders, calculated fields (→ derived formulas), branching logic (→ display
 * conditions), required and identifier flags, matrix groups; with the events, arms and instrument-event
 * designation CSVs when given (→ visits and arms). Whatever cannot be translated is reported with its CSV line.
 */
import {
  fail,
  ok,
  ProblemCode,
  type Condition,
  type DerivedDef,
  type FormDef,
  type ItemDef,
  type ItemType,
  type ProtocolFile,
  type Result,
  type Visit,
} from '../domain/index.ts'
import { parseCsv, type CsvRow, type CsvTable } from './csv.ts'
import { translateCondition, translateFormula, type ItemResolver, type ResolvedItem } from './expression-translate.ts'
import { ReportCollector, type ImportReport } from './import-report.ts'
import { assembleProtocol, cleanLabel, IdAllocator, parseRedcapChoices, validateImported } from './protocol-builder.ts'

/** Dictionary columns: the data-dictionary download headings and the API's names. */
const COLUMNS = {
  field: ['Variable / Field Name', 'field_name'],
  form: ['Form Name', 'form_name'],
  section: ['Section Header', 'section_header'],
  type: ['Field Type', 'field_type'],
  label: ['Field Label', 'field_label'],
  choices: ['Choices, Calculations, OR Slider Labels', 'select_choices_or_calculations'],
  note: ['Field Note', 'field_note'],
  validation: ['Text Validation Type OR Show Slider Number', 'text_validation_type_or_show_slider_number'],
  min: ['Text Validation Min', 'text_validation_min'],
  max: ['Text Validation Max', 'text_validation_max'],
  identifier: ['Identifier?', 'identifier'],
  branching: ['Branching Logic (Show field only if...)', 'branching_logic'],
  required: ['Required Field?', 'required_field'],
  matrix: ['Matrix Group Name', 'matrix_group_name'],
  annotation: ['Field Annotation', 'field_annotation'],
} as const
type Column = keyof typeof COLUMNS

export interface RedcapImportInput {
  /** The data dictionary CSV text and its name for reports. */
  readonly dictionary: { readonly name: string; readonly text: string }
  /** Optional events / arms / instrument-event designation CSVs (recognised by their headers). */
  readonly extras?: readonly { readonly name: string; readonly text: string }[]
}

/** Where a REDCap variable's values go in the protocol made from the dictionary. */
export interface RedcapFieldTarget {
  readonly formId: string
  readonly id: string
  /** `derived`: a translated calculation (TrialDesk computes it). */
  readonly kind: 'item' | 'derived'
  readonly type: ItemType
  readonly numericCodes: boolean
  /** Multiple choice: the option codes (checkbox columns are `<field>___<code>`). */
  readonly codes?: readonly (string | number)[]
}

/** How REDCap records map to the protocol: variables, instruments and events. */
export interface RedcapMapping {
  /** The record identifier variable (the dictionary's first field). */
  readonly recordId: string
  readonly fields: Readonly<Record<string, RedcapFieldTarget>>
  /** Instrument (form name) → form id. */
  readonly forms: Readonly<Record<string, string>>
  /** Unique event name → visit id; absent for a classic project (one visit). */
  readonly events: Readonly<Record<string, string>>
  /** The visit of a classic project's records. */
  readonly defaultVisit?: string
}

export interface RedcapImport {
  readonly protocol: ProtocolFile
  readonly mapping: RedcapMapping
  readonly report: ImportReport
}

interface FieldDraft {
  readonly row: CsvRow
  readonly field: string
  readonly item?: ItemDef
  readonly derived?: DerivedDef
}

/** Validation types → item type (and decimals). Others are text types whose pattern TrialDesk does not check. */
function validationType(v: string): { type: ItemType; decimals?: number; comma?: boolean } | undefined {
  if (v === 'integer' || v === 'int') return { type: 'integer' }
  const number = /^number(?:_(\d)dp)?(_comma_decimal)?$/.exec(v)
  if (number)
    return {
      type: 'decimal',
      ...(number[1] ? { decimals: Number(number[1]) } : {}),
      ...(number[2] ? { comma: true } : {}),
    }
  if (v === 'float') return { type: 'decimal' }
  if (/^date_(ymd|mdy|dmy)$/.test(v)) return { type: 'date' }
  if (/^datetime_(seconds_)?(ymd|mdy|dmy)$/.test(v)) return { type: 'datetime' }
  return undefined
}

/** Imports a REDCap data dictionary. Fails only on unreadable CSV or a dictionary without fields. */
export function importRedcapDictionary(input: RedcapImportInput): Result<RedcapImport> {
  const parsed = parseCsv(input.dictionary.text)
  if (!parsed.ok)
    return fail(parsed.problems.map((p) => ({ ...p, path: `${input.dictionary.name}${p.path ? ` ${p.path}` : ''}` })))
  const table = parsed.value
  const col = columnFinder(table)
  const missing = (['field', 'form', 'type', 'label'] as const).filter((c) => !col(c))
  if (missing.length > 0) {
    return fail({
      code: ProblemCode.Invalid,
      path: `${input.dictionary.name} line 1`,
      message: `not a REDCap data dictionary: missing column ${missing.map((m) => `"${COLUMNS[m][0]}"`).join(', ')}`,
    })
  }
  const get = (row: CsvRow, c: Column): string => {
    const name = col(c)
    return name ? (row.cells[name] ?? '').trim() : ''
  }
  const report = new ReportCollector()
  const at = (row: CsvRow, field: string) => `line ${row.line} (${field})`
  for (const f of table.formulaCells)
    report.add(
      `line ${f.line}, column "${f.column}"`,
      `cell starts like a spreadsheet formula (${f.value}); kept as text`,
    )

  // Forms in dictionary order; fields in order within each.
  const formIds = new IdAllocator('F')
  const forms = new Map<
    string,
    {
      def: FormDef & { items: ItemDef[]; derived: DerivedDef[] }
      fields: FieldDraft[]
      names: Map<string, ResolvedItem>
    }
  >()
  const formOfField = new Map<string, string>()
  const itemIds = new IdAllocator('I')
  const matrixGroups = new Map<string, number>()
  let fields = 0
  for (const row of table.rows) {
    const field = get(row, 'field')
    const formName = get(row, 'form')
    if (!field || !formName) {
      report.add(`line ${row.line}`, 'row without a variable or form name; skipped', row.line)
      continue
    }
    fields++
    let form = forms.get(formName)
    if (!form) {
      const id = formIds.make(formName)
      form = {
        def: { id, label: labelOfForm(formName), items: [], derived: [], checks: [], repeating: false },
        fields: [],
        names: new Map(),
      }
      forms.set(formName, form)
    }
    formOfField.set(field, formName)
    const type = get(row, 'type')
    const label = cleanLabel(get(row, 'label')) || field
    const note = cleanLabel(get(row, 'note'))
    const matrix = get(row, 'matrix')
    if (matrix) matrixGroups.set(matrix, (matrixGroups.get(matrix) ?? 0) + 1)
    const annotation = get(row, 'annotation')
    if (annotation)
      report.add(at(row, field), `field annotation / action tags "${annotation.slice(0, 60)}" not translated`, row.line)
    const help = [note, matrix ? `Matrix group: ${matrix}` : ''].filter(Boolean).join(' · ')
    const base = {
      label,
      required: get(row, 'required').toLowerCase() === 'y',
      identifier: get(row, 'identifier').toLowerCase() === 'y',
      ...(help ? { help } : {}),
    }
    const id = itemIds.make(field)
    let item: ItemDef | undefined
    let derived: DerivedDef | undefined
    const skip = (reason: string) => report.add(at(row, field), reason, row.line)
    switch (type) {
      case 'text': {
        const v = get(row, 'validation')
        const vt = v ? validationType(v) : undefined
        if (v && !vt) skip(`text validation "${v}" has no TrialDesk equivalent; kept as free text`)
        const t = vt?.type ?? 'text'
        const range =
          t === 'integer' || t === 'decimal'
            ? numericRange(get(row, 'min'), get(row, 'max'), vt?.comma ?? false)
            : undefined
        if (range === null)
          skip(`validation min/max "${get(row, 'min')}"/"${get(row, 'max')}" do not make a numeric range; no range`)
        if ((t === 'date' || t === 'datetime') && (get(row, 'min') || get(row, 'max')))
          skip('date limits (min/max) are not translated')
        item = {
          id,
          ...base,
          type: t,
          ...(vt?.decimals !== undefined ? { decimals: vt.decimals } : {}),
          ...(range ? { range } : {}),
        }
        break
      }
      case 'notes':
        item = { id, ...base, type: 'text' }
        break
      case 'radio':
      case 'dropdown':
      case 'checkbox': {
        const choices = parseRedcapChoices(get(row, 'choices'))
        if (typeof choices === 'string') {
          skip(`${type} without usable choices (${choices}); field skipped`)
          break
        }
        item = { id, ...base, type: type === 'checkbox' ? 'multichoice' : 'choice', options: choices.options }
        break
      }
      case 'yesno':
      case 'truefalse':
        item = { id, ...base, type: 'boolean' }
        break
      case 'slider': {
        // REDCap sliders store 0–100 unless min/max are given; the choices column holds the end labels.
        const range = numericRange(get(row, 'min') || '0', get(row, 'max') || '100', false) ?? { min: 0, max: 100 }
        const labels = get(row, 'choices')
        item = {
          id,
          ...base,
          type: 'integer',
          range,
          ...(labels ? { help: [help, `Slider: ${labels}`].filter(Boolean).join(' · ') } : {}),
        }
        break
      }
      case 'calc':
        derived = { id, label, formula: get(row, 'choices') }
        break
      case 'descriptive':
        skip('descriptive text, not a data item')
        break
      case 'file':
        skip(
          get(row, 'validation') === 'signature'
            ? 'signature field (an image): not imported'
            : 'file upload: files are not imported',
        )
        break
      case 'sql':
        skip('SQL field: its choices come from a database query; not imported')
        break
      default:
        skip(`unknown field type "${type}"`)
    }
    form.fields.push({ row, field, ...(item ? { item } : {}), ...(derived ? { derived } : {}) })
    if (item) {
      form.def.items.push(item)
      form.names.set(field, {
        id: item.id,
        type: item.type,
        numericCodes: item.options?.every((o) => typeof o.code === 'number') ?? false,
      })
    }
    if (derived) form.names.set(field, { id: derived.id, type: 'decimal' })
  }
  if (fields === 0)
    return fail({ code: ProblemCode.Invalid, path: input.dictionary.name, message: 'the dictionary has no fields' })
  for (const [name, count] of matrixGroups)
    report.add(
      `matrix group ${name}`,
      `${count} fields imported as separate items (the group name is kept in their help text)`,
    )

  // Second pass: branching logic and calculations, once every field of the form is known.
  const derivedFields = new Set<string>()
  for (const [, form] of forms) {
    const resolve: ItemResolver = (ref) => {
      if (ref.event) return `refers to event "${ref.event}" (conditions only see the same visit)`
      const r = form.names.get(ref.name)
      if (r) return r
      const other = formOfField.get(ref.name)
      return other
        ? `refers to "${ref.name}" on form "${other}" (conditions only see the same form)`
        : `refers to "${ref.name}", which is not a field`
    }
    for (const f of form.fields) {
      const branching = get(f.row, 'branching')
      if (branching && f.item) {
        const t = translateCondition(branching, resolve)
        if (!t.ok)
          report.add(at(f.row, f.field), `branching logic "${branching}" not translated: ${t.reason}`, f.row.line)
        else if (t.value === false)
          report.add(at(f.row, f.field), 'branching logic is always false: the field is never shown', f.row.line)
        else if (t.value !== true) (f.item as { showWhen?: Condition }).showWhen = t.value
      } else if (branching) {
        report.add(at(f.row, f.field), `branching logic "${branching}" on a field that was not imported`, f.row.line)
      }
      if (f.derived) {
        const t = translateFormula(f.derived.formula, resolve)
        if (t.ok) {
          form.def.derived.push({ ...f.derived, formula: t.value })
          derivedFields.add(f.field)
        } else {
          report.add(
            at(f.row, f.field),
            `calculation "${f.derived.formula}" not translated (${t.reason}); kept as an entered number`,
            f.row.line,
          )
          form.def.items.push({
            id: f.derived.id,
            label: f.derived.label,
            type: 'decimal',
            required: false,
            identifier: false,
          })
        }
      }
    }
  }

  const extras = readExtras(input.extras ?? [], report)
  if (!extras.ok) return extras
  const formIdOf = new Map([...forms].map(([name, f]) => [name, f.def.id]))
  const allForms = [...forms.values()].map((f) => f.def).filter((f) => f.items.length > 0 || f.derived.length > 0)
  for (const [name, f] of forms)
    if (f.def.items.length === 0 && f.def.derived.length === 0)
      report.add(`form ${name}`, 'no importable fields; form left out')
  const kept = new Set(allForms.map((f) => f.id))
  const { visits, events } = buildVisits(extras.value, formIdOf, kept, report)
  const firstForm = table.rows[0] ? get(table.rows[0], 'field') : ''
  const studyId = new IdAllocator('S').make(
    input.dictionary.name.replace(/\.[^.]*$/, '').replace(/[_-]?dictionary$/i, '') || 'REDCAP',
  )
  const { protocol, placeholders } = assembleProtocol({
    studyId,
    title: `Imported from REDCap data dictionary ${input.dictionary.name}`,
    version: '1',
    forms: allForms,
    visits,
    unscheduledForms: [],
    sites: [],
    arms: extras.value.arms.map((a) => ({ id: new IdAllocator('ARM').make(`ARM${a.num}`), label: a.name })),
    sourceName: 'the REDCap dictionary',
  })
  if (firstForm)
    report.add(
      `record id field "${firstForm}"`,
      'the record identifier is kept as an ordinary item; TrialDesk assigns its own subject ids',
    )
  const checked = validateImported(protocol, input.dictionary.name, (construct, reason) =>
    report.add(construct, reason),
  )
  if (!checked.ok) return checked
  const itemCount = allForms.reduce((n, f) => n + f.items.length, 0)
  const targets: Record<string, RedcapFieldTarget> = {}
  for (const form of forms.values()) {
    if (!kept.has(form.def.id)) continue
    for (const f of form.fields) {
      const item = f.item ?? (f.derived ? form.def.items.find((i) => i.id === f.derived?.id) : undefined)
      const derived = derivedFields.has(f.field)
      if (!item && !derived) continue
      const options = item?.options
      targets[f.field] = {
        formId: form.def.id,
        id: item?.id ?? f.derived?.id ?? f.field,
        kind: derived ? 'derived' : 'item',
        type: item?.type ?? 'decimal',
        numericCodes: options?.every((o) => typeof o.code === 'number') ?? false,
        ...(item?.type === 'multichoice' && options ? { codes: options.map((o) => o.code) } : {}),
      }
    }
  }
  const mapping: RedcapMapping = {
    recordId: firstForm,
    fields: targets,
    forms: Object.fromEntries([...formIdOf].filter(([, id]) => kept.has(id))),
    events,
    ...(Object.keys(events).length === 0 && visits[0] ? { defaultVisit: visits[0].id } : {}),
  }
  return ok({
    protocol: checked.value,
    mapping,
    report: {
      source: input.dictionary.name,
      format: 'redcap-dictionary',
      counts: {
        fields,
        forms: forms.size,
        items: itemCount,
        derived: allForms.reduce((n, f) => n + f.derived.length, 0),
        displayConditions: allForms.reduce((n, f) => n + f.items.filter((i) => i.showWhen).length, 0),
        events: extras.value.events.length,
        arms: extras.value.arms.length,
      },
      skipped: report.entries(),
      extensions: [],
      placeholders,
    },
  })
}

function columnFinder(table: CsvTable): (c: Column) => string | undefined {
  const lower = new Map(table.header.map((h) => [h.toLowerCase(), h]))
  return (c) => COLUMNS[c].map((n) => lower.get(n.toLowerCase())).find((x) => x !== undefined)
}

function labelOfForm(name: string): string {
  const words = name.replace(/_/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** Min/max text → range; `null` when given but not numeric, undefined when absent or empty. */
function numericRange(min: string, max: string, comma: boolean): { min?: number; max?: number } | null | undefined {
  const num = (s: string) => (s === '' ? undefined : Number(comma ? s.replace(',', '.') : s))
  const lo = num(min)
  const hi = num(max)
  if ((lo !== undefined && !Number.isFinite(lo)) || (hi !== undefined && !Number.isFinite(hi))) return null
  if (lo === undefined && hi === undefined) return undefined
  if (lo !== undefined && hi !== undefined && lo > hi) return null
  return { ...(lo !== undefined ? { min: lo } : {}), ...(hi !== undefined ? { max: hi } : {}) }
}

interface Extras {
  readonly events: {
    readonly unique: string
    readonly name: string
    readonly arm: string
    readonly day?: number
    readonly before?: number
    readonly after?: number
  }[]
  readonly arms: { readonly num: string; readonly name: string }[]
  readonly designations: { readonly arm: string; readonly event: string; readonly form: string }[]
}

/** Recognises events, arms and instrument-event designation CSVs by their headers. */
function readExtras(files: readonly { name: string; text: string }[], report: ReportCollector): Result<Extras> {
  const out: {
    events: Extras['events'][number][]
    arms: Extras['arms'][number][]
    designations: Extras['designations'][number][]
  } = { events: [], arms: [], designations: [] }
  for (const file of files) {
    const parsed = parseCsv(file.text)
    if (!parsed.ok)
      return fail(parsed.problems.map((p) => ({ ...p, path: `${file.name}${p.path ? ` ${p.path}` : ''}` })))
    const h = new Set(parsed.value.header)
    for (const f of parsed.value.formulaCells)
      report.add(
        `${file.name} line ${f.line}, column "${f.column}"`,
        `cell starts like a spreadsheet formula (${f.value}); kept as text`,
      )
    const num = (s: string | undefined) =>
      s === undefined || s.trim() === '' || !Number.isFinite(Number(s)) ? undefined : Number(s)
    if (h.has('unique_event_name') && h.has('form')) {
      for (const r of parsed.value.rows)
        out.designations.push({
          arm: r.cells['arm_num'] ?? '1',
          event: r.cells['unique_event_name'] ?? '',
          form: r.cells['form'] ?? '',
        })
    } else if (h.has('unique_event_name') && h.has('event_name')) {
      for (const r of parsed.value.rows) {
        const day = num(r.cells['day_offset'])
        const before = num(r.cells['offset_min'])
        const after = num(r.cells['offset_max'])
        out.events.push({
          unique: r.cells['unique_event_name'] ?? '',
          name:
            cleanLabel(r.cells['custom_event_label']) ||
            cleanLabel(r.cells['event_name']) ||
            (r.cells['unique_event_name'] ?? ''),
          arm: r.cells['arm_num'] ?? '1',
          ...(day !== undefined ? { day } : {}),
          ...(before !== undefined ? { before } : {}),
          ...(after !== undefined ? { after } : {}),
        })
      }
    } else if (h.has('arm_num') && h.has('name')) {
      for (const r of parsed.value.rows)
        out.arms.push({
          num: r.cells['arm_num'] ?? '',
          name: cleanLabel(r.cells['name']) || `Arm ${r.cells['arm_num'] ?? ''}`,
        })
    } else {
      return fail({
        code: ProblemCode.Invalid,
        path: `${file.name} line 1`,
        message: 'not a REDCap events, arms or instrument-event mapping CSV (unknown columns)',
      })
    }
  }
  return ok(out)
}

function buildVisits(
  extras: Extras,
  formIdOf: ReadonlyMap<string, string>,
  kept: ReadonlySet<string>,
  report: ReportCollector,
): { visits: Visit[]; events: Record<string, string> } {
  const all = [...kept]
  const eventList: readonly Extras['events'][number][] =
    extras.events.length > 0
      ? extras.events
      : [...new Set(extras.designations.map((d) => d.event))].map((e) => ({ unique: e, name: e, arm: '1' }))
  if (eventList.length === 0) {
    report.add('events', 'no events given (classic project): one visit with every form')
    const visits: Visit[] = [
      {
        id: 'VISIT1',
        label: 'Visit 1',
        anchor: 'screening',
        day: 0,
        window: { before: 0, after: 0 },
        forms: all,
        procedures: [],
      },
    ]
    return { visits, events: {} }
  }
  if (extras.designations.length === 0)
    report.add('instrument-event mapping', 'not given: every form is placed at every visit')
  if (eventList.some((e) => e.day === undefined))
    report.add('events', 'no day offsets given: visit days follow the event order (0, 1, 2, …)')
  const ids = new IdAllocator('V')
  const visits = eventList.map((e, i): Visit => {
    const designated = extras.designations
      .filter((d) => d.event === e.unique)
      .flatMap((d) => {
        const id = formIdOf.get(d.form)
        if (!id)
          report.add(`instrument-event mapping ${e.unique}/${d.form}`, 'names a form that is not in the dictionary')
        return id && kept.has(id) ? [id] : []
      })
    return {
      id: ids.make(e.unique),
      label: e.name,
      anchor: 'screening',
      day: e.day ?? i,
      window: { before: e.before ?? 0, after: e.after ?? 0 },
      forms: extras.designations.length > 0 ? [...new Set(designated)] : all,
      procedures: [],
    }
  })
  return { visits, events: Object.fromEntries(eventList.map((e, i) => [e.unique, visits[i]?.id ?? ''])) }
}
