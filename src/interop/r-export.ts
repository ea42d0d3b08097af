/**
 * Analysis-ready export for R: one CSV per form (one row per subject × visit × repeat, the current version of
 * each form), an allocation table in unblinded exports, a define-style dictionary and `read-data.R`, which reads
 * everything back with the right classes and factor levels (visits in protocol order, choices with their
 * labels). Identifying items are left out unless asked for; items that reveal the allocation
 * (`unblindedOnly`) are left out of blinded exports.
 */
import { fail, ok, ProblemCode, type ItemDef, type Result } from '../domain/index.ts'
import type { Dataset, Row, Variable, VariableType } from './dataset.ts'
import { UNSCHEDULED_VISIT } from './odm-oids.ts'
import { tabularFiles, type TabularExport } from './sdtm.ts'
import { carriesAllocation, visibleExtract, type CapturedValue, type StudyExtract } from './study-extract.ts'

export interface RExportOptions {
  /** Keep items flagged `identifier` (default false: a de-identified export). */
  readonly includeIdentifiers?: boolean
}

const ITEM_TYPES: Readonly<Record<ItemDef['type'], VariableType>> = {
  integer: 'integer',
  decimal: 'number',
  text: 'text',
  date: 'date',
  datetime: 'datetime',
  boolean: 'logical',
  choice: 'text',
  multichoice: 'text',
}

export function rExport(input: StudyExtract, options: RExportOptions = {}): Result<TabularExport> {
  if (input.blinded && carriesAllocation(input))
    return fail({
      code: ProblemCode.Forbidden,
      path: 'subjects',
      message: 'a blinded export must not carry allocations',
    })
  const extract = visibleExtract(input)
  const design = extract.design
  const visits = [...design.protocol.visits.map((v) => v.id), UNSCHEDULED_VISIT]
  const visitLabels = [...design.protocol.visits.map((v) => v.label), 'Unscheduled']
  const keys: Variable[] = [
    { name: 'subject', label: 'Subject', type: 'text' },
    { name: 'site', label: 'Site', type: 'text', levels: design.protocol.sites.map((s) => s.id), codelist: 'SITE' },
    { name: 'visit', label: 'Visit', type: 'text', levels: visits, labels: visitLabels, codelist: 'VISIT' },
    { name: 'visit_repeat', label: 'Unscheduled visit number', type: 'integer' },
    { name: 'form_repeat', label: 'Form repeat number', type: 'integer' },
    { name: 'visit_date', label: 'Visit date', type: 'date' },
    { name: 'version', label: 'Form version', type: 'integer' },
  ]
  const datasets: Dataset[] = []
  for (const form of design.forms) {
    const items = form.items.filter((i) => options.includeIdentifiers || !i.identifier)
    const variables: Variable[] = [
      ...keys,
      ...items.map((i): Variable => {
        const opts = i.options ?? (i.codeList ? design.codeLists[i.codeList] : undefined)
        const factor =
          i.type === 'choice' && opts
            ? { levels: opts.map((o) => o.code), labels: opts.map((o) => o.label), codelist: `${form.id}.${i.id}` }
            : {}
        return {
          name: i.id,
          label: i.unit ? `${i.label} (${i.unit})` : i.label,
          type: ITEM_TYPES[i.type],
          ...factor,
          origin: 'CRF',
        }
      }),
      ...form.derived.map((d): Variable => ({
        name: d.id,
        label: d.unit ? `${d.label} (${d.unit})` : d.label,
        type: d.type === 'text' ? 'text' : d.type === 'integer' ? 'integer' : 'number',
        origin: d.formula ? `Derived: ${d.formula}` : `Derived by ${d.computedBy ?? 'the instrument'}`,
      })),
    ]
    const rows: Row[] = []
    for (const s of extract.subjects) {
      for (const visit of s.visits) {
        for (const f of visit.forms) {
          const current = f.versions[f.versions.length - 1]
          if (f.formId !== form.id || !current) continue
          const row: Record<string, Row[string]> = {
            subject: s.subjectKey,
            site: s.siteId,
            visit: visit.visitId,
            visit_repeat: visit.repeatKey,
            form_repeat: f.repeatKey,
            visit_date: visit.date,
            version: current.version,
          }
          for (const i of items) row[i.id] = cell(current.values[i.id])
          for (const d of form.derived) row[d.id] = current.derived?.[d.id] ?? undefined
          rows.push(row)
        }
      }
    }
    datasets.push({ name: form.id, label: form.label, variables, rows })
  }
  if (!extract.blinded) {
    const arms = design.protocol.arms
    datasets.push({
      name: 'ALLOCATION',
      label: 'Treatment allocation (unblinded)',
      variables: [
        { name: 'subject', label: 'Subject', type: 'text' },
        {
          name: 'period',
          label: 'Period',
          type: 'text',
          levels: design.protocol.periods.map((p) => p.id),
          codelist: 'PERIOD',
        },
        {
          name: 'arm',
          label: 'Arm',
          type: 'text',
          levels: arms.map((a) => a.id),
          labels: arms.map((a) => a.label),
          codelist: 'ARM',
        },
        { name: 'allocated_at', label: 'Allocated at (UTC)', type: 'datetime' },
      ],
      rows: extract.subjects.flatMap((s) =>
        (s.allocations ?? []).map((a) => ({
          subject: s.subjectKey,
          period: a.periodId,
          arm: a.armId,
          allocated_at: a.at,
        })),
      ),
    })
  }
  return ok(
    tabularFiles(
      datasets,
      `${design.protocol.study.id} analysis-ready data (protocol ${design.protocol.study.version}, ${extract.blinded ? 'blinded' : 'unblinded'}, extracted ${extract.extractedAt})`,
    ),
  )
}

function cell(value: CapturedValue | undefined): Row[string] {
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value)) return value.join(';')
  return value as string | number | boolean
}
