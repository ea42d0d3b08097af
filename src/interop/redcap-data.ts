/**
 * REDCap records (the data export / import CSV: one row per record × event, and per repeat instance) → form
 * saves for the capture services, through the mapping made from the project's data dictionary. Checkbox columns
 * `<field>___<code>` become one multiple-choice value; calculated fields are left to TrialDesk (and compared);
 * the `<form>_complete` status columns and REDCap's own bookkeeping columns are not data. Values that cannot be
 * stored as the item's type are reported, never guessed.
 */
import { createHash } from 'node:crypto'
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'
import type { CaptureDeps } from '../capture/index.ts'
import { loadClinicalData, type ClinicalLoadOptions, type ClinicalLoadSummary } from './clinical-import.ts'
import { parseCsv, type CsvLimits, type CsvRow } from './csv.ts'
import { ReportCollector, type ReportEntry } from './import-report.ts'
import { convertValue, type ImportedFormSave, type ImportedSubject } from './odm-clinical.ts'
import {
  importRedcapDictionary,
  type RedcapFieldTarget,
  type RedcapImportInput,
  type RedcapMapping,
} from './redcap-dictionary.ts'
import type { CapturedValue } from './study-extract.ts'

export interface RedcapRecords {
  readonly subjects: readonly ImportedSubject[]
  readonly counts: Readonly<Record<string, number>>
  readonly skipped: readonly ReportEntry[]
}

const EVENT = 'redcap_event_name'
const REPEAT_INSTRUMENT = 'redcap_repeat_instrument'
const REPEAT_INSTANCE = 'redcap_repeat_instance'
/** REDCap's own columns, never data. */
const BOOKKEEPING = new Set([
  EVENT,
  REPEAT_INSTRUMENT,
  REPEAT_INSTANCE,
  'redcap_data_access_group',
  'redcap_survey_identifier',
])

/** The checkbox column suffix REDCap (and TrialDesk's REDCap export) uses for an option code. */
const checkboxSuffix = (code: string | number) =>
  String(code)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '_')

/** Reads a REDCap data CSV into subjects with their form saves, in file order. */
export function readRedcapRecords(
  text: string,
  mapping: RedcapMapping,
  limits: Partial<CsvLimits> = {},
): Result<RedcapRecords> {
  const parsed = parseCsv(text, limits)
  if (!parsed.ok) return parsed
  const table = parsed.value
  const recordColumn = table.header.includes(mapping.recordId) ? mapping.recordId : table.header[0]
  if (!recordColumn || !table.header.some((h) => h in mapping.fields || h.includes('___')))
    return fail({
      code: ProblemCode.Invalid,
      path: 'line 1',
      message: 'not a REDCap data CSV for this dictionary: no column is one of its variables',
    })
  const report = new ReportCollector()
  for (const f of table.formulaCells)
    report.add(`column "${f.column}"`, 'cell starts like a spreadsheet formula; loaded as text', f.line)
  const columns = columnTargets(table.header, mapping, report)
  const subjects = new Map<string, ImportedFormSave[]>()
  let values = 0
  for (const row of table.rows) {
    const key = (row.cells[recordColumn] ?? '').trim()
    if (!key) {
      report.add('row without a record id', 'skipped', row.line)
      continue
    }
    const event = row.cells[EVENT]?.trim() ?? ''
    const visitId = event ? mapping.events[event] : mapping.defaultVisit
    if (!visitId) {
      report.add(`event "${event}"`, 'not an event of the project; its rows were not loaded', row.line)
      continue
    }
    const saves = formSaves(row, visitId, columns, mapping, report)
    values += saves.reduce((n, s) => n + Object.keys(s.values).length, 0)
    const list = subjects.get(key) ?? []
    list.push(...saves)
    subjects.set(key, list)
  }
  return ok({
    subjects: [...subjects].map(([subjectKey, saves]) => ({ subjectKey, saves })),
    counts: {
      rows: table.rows.length,
      records: subjects.size,
      formSavesMapped: [...subjects.values()].reduce((n, s) => n + s.length, 0),
      valuesMapped: values,
    },
    skipped: report.entries(),
  })
}

interface ColumnTarget {
  readonly column: string
  readonly target: RedcapFieldTarget
  /** Checkbox columns: the option code the column stands for. */
  readonly code?: string | number
}

/** Which column feeds which item; anything else is reported once. */
function columnTargets(header: readonly string[], mapping: RedcapMapping, report: ReportCollector): ColumnTarget[] {
  const forms = new Set(Object.keys(mapping.forms))
  const out: ColumnTarget[] = []
  for (const column of header) {
    // The record id is in every row: it is a value of its form only where that form has data (see formSaves).
    if (BOOKKEEPING.has(column) || column === mapping.recordId) continue
    const direct = mapping.fields[column]
    if (direct && direct.type !== 'multichoice') {
      out.push({ column, target: direct })
      continue
    }
    const box = /^(.+)___(.+)$/.exec(column)
    const target = box ? mapping.fields[box[1] ?? ''] : undefined
    const code = target?.codes?.find((c) => checkboxSuffix(c) === box?.[2])
    if (target && code !== undefined) out.push({ column, target, code })
    else if (/_complete$/.test(column) && forms.has(column.slice(0, -'_complete'.length))) continue
    else report.add(`column "${column}"`, 'not a variable of the dictionary; not loaded')
  }
  return out
}

/** One save per form that has a value in the row (only the repeating instrument's fields on a repeat row). */
function formSaves(
  row: CsvRow,
  visitId: string,
  columns: readonly ColumnTarget[],
  mapping: RedcapMapping,
  report: ReportCollector,
): ImportedFormSave[] {
  const repeatForm = row.cells[REPEAT_INSTRUMENT]?.trim()
  const repeatFormId = repeatForm ? mapping.forms[repeatForm] : undefined
  const instance = Number(row.cells[REPEAT_INSTANCE] ?? '')
  if (!repeatForm && instance > 1) {
    report.add(
      `repeat ${instance} of event "${row.cells[EVENT] ?? ''}"`,
      'a TrialDesk visit does not repeat; not loaded',
      row.line,
    )
    return []
  }
  const byForm = new Map<string, { values: Record<string, CapturedValue>; derived: Record<string, number | null> }>()
  for (const { column, target, code } of columns) {
    if (repeatFormId !== undefined && target.formId !== repeatFormId) continue
    const raw = row.cells[column] ?? ''
    if (raw.trim() === '') continue
    const form = byForm.get(target.formId) ?? { values: {}, derived: {} }
    byForm.set(target.formId, form)
    if (code !== undefined) {
      const chosen = (form.values[target.id] as (string | number)[] | undefined) ?? []
      if (raw.trim() === '1') chosen.push(code)
      form.values[target.id] = chosen
    } else if (target.kind === 'derived') {
      const n = Number(raw)
      form.derived[target.id] = Number.isFinite(n) ? n : null
    } else {
      // REDCap writes date-times as `YYYY-MM-DD HH:MM[:SS]`; TrialDesk as ISO 8601 with a `T`.
      const text = target.type === 'datetime' ? raw.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})/, '$1T$2') : raw
      const v = convertValue(text, target.type, target.numericCodes)
      if (v !== null && typeof v === 'object' && !Array.isArray(v))
        report.add(`column "${column}"`, `${(v as { reason: string }).reason}; not loaded`, row.line)
      else form.values[target.id] = v as CapturedValue
    }
  }
  const record = mapping.fields[mapping.recordId]
  return [...byForm].flatMap(([formId, { values, derived }]) => {
    // A checkbox with every box unticked is no answer at all.
    for (const [id, v] of Object.entries(values)) if (Array.isArray(v) && v.length === 0) delete values[id]
    if (Object.keys(values).length === 0) return []
    if (record?.formId === formId) values[record.id] = row.cells[mapping.recordId] ?? null
    return [
      {
        visitId,
        formId,
        formRepeatKey: repeatFormId === formId && Number.isInteger(instance) && instance > 0 ? instance : undefined,
        values,
        derived,
        removed: [],
      },
    ]
  })
}

export interface RedcapLoadResult {
  readonly records: Omit<RedcapRecords, 'subjects'>
  readonly loaded: ClinicalLoadSummary
}

/**
 * `trialdesk import redcap-data --db`: the dictionary (with its events and instrument-event mapping) gives the
 * mapping, the data CSV the records; all records load in one transaction, or none.
 */
export async function loadRedcapData(
  deps: CaptureDeps,
  input: RedcapImportInput & { readonly data: { readonly name: string; readonly text: string } },
  options: Omit<ClinicalLoadOptions, 'source' | 'users' | 'sha256' | 'format'>,
): Promise<Result<RedcapLoadResult>> {
  const dictionary = importRedcapDictionary(input)
  if (!dictionary.ok) return dictionary
  const read = readRedcapRecords(input.data.text, dictionary.value.mapping)
  if (!read.ok)
    return fail(read.problems.map((p) => ({ ...p, path: `${input.data.name}${p.path ? ` ${p.path}` : ''}` })))
  const { subjects, ...records } = read.value
  const loaded = await loadClinicalData(deps, subjects, {
    ...options,
    source: input.data.name,
    sha256: createHash('sha256').update(input.data.text, 'utf8').digest('hex'),
    format: 'REDCap data CSV',
  })
  return loaded.ok ? ok({ records, loaded: loaded.value }) : loaded
}
