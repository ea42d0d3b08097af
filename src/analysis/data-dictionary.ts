/**
 * The data dictionary of the analysis datasets, as data: every column of every file with its label, type, unit and
 * code list, so a statistician can re-run any result in R or SAS from the files alone. Fixed columns are declared
 * here once (the CSV codec reads their types from the same table); the grouped ADSL columns (arms of later periods,
 * strata, characteristics, baseline values, populations) are expanded from the protocol and the datasets' metadata.
 */
import type { ProtocolFile } from '../domain/index.ts'
import type { AnalysisDatasetsMeta, DatasetName } from './analysis-datasets.ts'
import { BLINDED_ARM } from './analysis-datasets.ts'

export type VariableType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime'

/** Named code lists resolved against the protocol (`arms`, `periods`, …) or literal values. */
type CodeListRef = 'arms' | 'periods' | 'scoreParams' | 'survivalParams' | 'sites' | 'visits' | readonly string[]

interface FixedVariable {
  readonly name: string
  readonly label: string
  readonly type: VariableType
  readonly nullable?: boolean
  readonly unit?: string
  readonly codelist?: CodeListRef
  readonly note?: string
}

/** One row of the dictionary (`define.csv`). */
export interface DictionaryEntry {
  readonly dataset: DatasetName
  readonly variable: string
  readonly label: string
  readonly type: VariableType
  readonly nullable: boolean
  readonly unit: string | null
  /** Allowed values, `|`-joined in `define.csv`; empty when free. */
  readonly codelist: readonly string[]
  readonly note: string | null
}

/** Descriptions of the datasets themselves. */
export const DATASET_LABELS: Readonly<Record<DatasetName, string>> = {
  adsl: 'Subject level: one row per randomized subject',
  adqs: 'Scores: one row per subject, visit and score parameter (long format)',
  adtte: 'Time to event: one row per subject and survival endpoint',
  adae: 'Adverse events: one row per event',
  adex: 'Exposure: one row per infusion given',
  adfeas: 'Feasibility: one row per subject who underwent tissue extraction',
  adds: 'Disposition: one row per subject and period entered',
  adscr: 'Screening log: one row per person screened',
}

const DISPOSITION = ['ongoing', 'completed', 'discontinued', 'died'] as const

/** Fixed columns per dataset, in file order. ADSL's grouped columns are inserted by `datasetColumns`. */
export const FIXED_VARIABLES: Readonly<Record<DatasetName, readonly FixedVariable[]>> = {
  adsl: [
    { name: 'subject', label: 'Subject identifier', type: 'string' },
    { name: 'site', label: 'Site identifier', type: 'string', codelist: 'sites' },
    { name: 'arm', label: 'Arm allocated at randomization', type: 'string', codelist: 'arms' },
    { name: 'age', label: 'Age at screening', type: 'number', unit: 'years', nullable: true },
    { name: 'sex', label: 'Sex', type: 'string', nullable: true, codelist: ['F', 'M'] },
    { name: 'consent_date', label: 'Date of informed consent', type: 'date', nullable: true },
    { name: 'rand_date', label: 'Date of randomization (day 0)', type: 'date' },
    { name: 'first_dose_date', label: 'Date of the first infusion', type: 'date', nullable: true },
    {
      name: 'last_date',
      label: 'Last date in follow-up',
      type: 'date',
      note: 'death, withdrawal, last contact or the data cut, whichever is first',
    },
    { name: 'death_date', label: 'Date of death', type: 'date', nullable: true },
    { name: 'eos_status', label: 'End-of-study status', type: 'string', codelist: DISPOSITION },
    { name: 'eos_reason', label: 'Reason for discontinuation', type: 'string', nullable: true },
    {
      name: 'eos_period',
      label: 'Period in which participation ended',
      type: 'string',
      nullable: true,
      codelist: 'periods',
    },
  ],
  adqs: [
    { name: 'subject', label: 'Subject identifier', type: 'string' },
    { name: 'arm', label: 'Arm allocated at randomization', type: 'string', codelist: 'arms' },
    {
      name: 'period',
      label: 'Period of the visit (empty before randomization)',
      type: 'string',
      nullable: true,
      codelist: 'periods',
    },
    { name: 'visit', label: 'Visit identifier', type: 'string', codelist: 'visits' },
    { name: 'date', label: 'Date of assessment', type: 'date' },
    { name: 'day', label: 'Days since randomization', type: 'integer', unit: 'days' },
    { name: 'month', label: 'Months since randomization', type: 'number', unit: 'months', note: 'day / 30.4375' },
    { name: 'param', label: 'Score parameter (protocol endpoint id)', type: 'string', codelist: 'scoreParams' },
    {
      name: 'value',
      label: 'Value of the parameter',
      type: 'number',
      note: 'unit per parameter: see the protocol endpoints',
    },
    {
      name: 'ablfl',
      label: 'Baseline record flag',
      type: 'boolean',
      note: '1 = last non-missing value on or before randomization',
    },
  ],
  adtte: [
    { name: 'subject', label: 'Subject identifier', type: 'string' },
    { name: 'arm', label: 'Arm allocated at randomization', type: 'string', codelist: 'arms' },
    { name: 'param', label: 'Survival endpoint (protocol id)', type: 'string', codelist: 'survivalParams' },
    { name: 'start_date', label: 'Time origin (randomization date)', type: 'date' },
    { name: 'time_months', label: 'Time from randomization to event or censoring', type: 'number', unit: 'months' },
    { name: 'event', label: 'Event indicator', type: 'integer', codelist: ['0', '1'], note: '1 = event, 0 = censored' },
    { name: 'evnt_desc', label: 'Event or censoring description', type: 'string' },
  ],
  adae: [
    { name: 'subject', label: 'Subject identifier', type: 'string' },
    { name: 'arm', label: 'Arm allocated at randomization', type: 'string', codelist: 'arms' },
    { name: 'seq', label: 'Sequence number of the event within the subject', type: 'integer' },
    { name: 'term', label: 'Reported term', type: 'string' },
    { name: 'pt', label: 'MedDRA preferred term', type: 'string' },
    { name: 'soc', label: 'MedDRA primary system organ class', type: 'string' },
    { name: 'onset_date', label: 'Onset date', type: 'date' },
    { name: 'onset_day', label: 'Onset, days since randomization', type: 'integer', unit: 'days' },
    { name: 'end_date', label: 'Resolution date', type: 'date', nullable: true },
    {
      name: 'period',
      label: 'Period at onset (empty before randomization)',
      type: 'string',
      nullable: true,
      codelist: 'periods',
    },
    { name: 'arm_at_onset', label: 'Arm during the period of onset', type: 'string', nullable: true, codelist: 'arms' },
    {
      name: 'dose_at_onset',
      label: 'Nominal dose per kg of the last preparation before onset',
      type: 'number',
      nullable: true,
      note: '0 = placebo; empty before any infusion or in a blinded extraction',
    },
    {
      name: 'hours_after_infusion',
      label: 'Hours from the start of the last infusion to onset',
      type: 'number',
      unit: 'hours',
      nullable: true,
    },
    {
      name: 'grade',
      label: 'CTCAE grade',
      type: 'integer',
      nullable: true,
      codelist: ['1', '2', '3', '4', '5'],
      note: 'empty = not graded',
    },
    { name: 'serious', label: 'Serious (ICH E2A)', type: 'boolean' },
    { name: 'seriousness', label: 'Seriousness criteria, ;-separated', type: 'string' },
    {
      name: 'causality',
      label: 'Causality (WHO-UMC)',
      type: 'string',
      codelist: ['CERTAIN', 'PROBABLE', 'POSSIBLE', 'UNLIKELY', 'CONDITIONAL', 'UNASSESSABLE'],
    },
    {
      name: 'related',
      label: 'Related to the study product',
      type: 'boolean',
      note: 'certain/probable/possible, and undecided per protocol',
    },
    { name: 'expected', label: 'Expected per the reference safety information', type: 'boolean' },
    { name: 'outcome', label: 'Outcome', type: 'string', nullable: true },
    { name: 'teae', label: 'Treatment-emergent (onset on or after the first infusion)', type: 'boolean' },
  ],
  adex: [
    { name: 'subject', label: 'Subject identifier', type: 'string' },
    { name: 'period', label: 'Period of the infusion', type: 'string', codelist: 'periods' },
    { name: 'visit', label: 'Visit identifier', type: 'string', codelist: 'visits' },
    { name: 'start', label: 'Start of the infusion', type: 'datetime' },
    { name: 'arm_received', label: 'Arm whose preparation was given', type: 'string', codelist: 'arms' },
    { name: 'dose_per_kg', label: 'Nominal dose per kg', type: 'number', nullable: true, note: '0 = placebo' },
    { name: 'dose_unit', label: 'Dose unit', type: 'string', nullable: true },
    { name: 'dose_prescribed', label: 'Total dose prescribed', type: 'number', nullable: true },
    { name: 'dose_given', label: 'Total dose given', type: 'number', nullable: true },
    { name: 'volume_ml', label: 'Volume infused', type: 'number', unit: 'mL', nullable: true },
    { name: 'completed', label: 'Infusion completed as per protocol', type: 'boolean' },
    { name: 'incomplete_reason', label: 'Why the infusion was not completed', type: 'string', nullable: true },
    { name: 'reaction', label: 'Infusion reaction', type: 'boolean' },
  ],
  adfeas: [
    { name: 'subject', label: 'Subject identifier', type: 'string' },
    { name: 'site', label: 'Site identifier', type: 'string', codelist: 'sites' },
    { name: 'extraction_date', label: 'Date of tissue extraction', type: 'date', nullable: true },
    { name: 'adipose_g', label: 'Adipose tissue obtained', type: 'number', unit: 'g', nullable: true },
    { name: 'lipoaspirate_ml', label: 'Lipoaspirate volume', type: 'number', unit: 'mL', nullable: true },
    { name: 'extraction_ok', label: 'Enough tissue for manufacturing', type: 'boolean' },
    { name: 'lot', label: 'Product lot', type: 'string', nullable: true },
    { name: 'manufacture_date', label: 'Date of manufacture', type: 'date', nullable: true },
    { name: 'cell_count', label: 'Total viable cells', type: 'number', unit: '×10^6 cells', nullable: true },
    { name: 'viability', label: 'Cell viability', type: 'number', unit: '%', nullable: true },
    { name: 'released', label: 'Lot released', type: 'boolean', nullable: true },
    { name: 'release_date', label: 'Date of release', type: 'date', nullable: true },
    { name: 'failure_reason', label: 'Reason the lot failed release', type: 'string', nullable: true },
    { name: 'first_infusion_date', label: 'Date of the first infusion', type: 'date', nullable: true },
  ],
  adds: [
    { name: 'subject', label: 'Subject identifier', type: 'string' },
    { name: 'period', label: 'Period', type: 'string', codelist: 'periods' },
    { name: 'arm', label: 'Arm during the period', type: 'string', codelist: 'arms' },
    { name: 'allocated', label: '(Re-)allocated at the start of the period', type: 'boolean' },
    { name: 'start_date', label: 'Date the period started for the subject', type: 'date' },
    { name: 'end_date', label: 'Date the period ended for the subject', type: 'date', nullable: true },
    { name: 'status', label: 'Status at the end of the period', type: 'string', codelist: DISPOSITION },
    { name: 'reason', label: 'Reason for discontinuation', type: 'string', nullable: true },
  ],
  adscr: [
    { name: 'subject', label: 'Screening identifier', type: 'string' },
    { name: 'site', label: 'Site identifier', type: 'string', codelist: 'sites' },
    { name: 'screen_date', label: 'Date of screening', type: 'date' },
    {
      name: 'outcome',
      label: 'Screening outcome',
      type: 'string',
      codelist: ['randomized', 'screen-failed', 'not-randomized'],
    },
    { name: 'reason', label: 'Reason not randomized', type: 'string', nullable: true },
  ],
}

/** A column as the CSV codec sees it: name, type, nullability, and where it lives in the row. */
export interface ColumnSpec {
  readonly name: string
  readonly type: VariableType
  readonly nullable: boolean
  /** For ADSL grouped columns: the record field and key (or array index) holding the value. */
  readonly group?: { readonly field: 'later_arms' | 'strata' | 'chars' | 'base' | 'pop'; readonly key: string | number }
}

/** The shape of ADSL's grouped columns, read from the rows (or a CSV header) so the codec needs no protocol. */
export interface AdslShape {
  readonly laterPeriods: number
  readonly strata: readonly string[]
  readonly base: readonly string[]
  readonly pop: readonly string[]
}

const CHAR_TYPE: Readonly<Record<'number' | 'string' | 'boolean', VariableType>> = {
  number: 'number',
  string: 'string',
  boolean: 'boolean',
}

/** Every column of a dataset in file order. ADSL: fixed columns, then arm2…, strat_*, characteristics, base_*, pop_*. */
export function datasetColumns(name: DatasetName, meta: AnalysisDatasetsMeta, shape?: AdslShape): ColumnSpec[] {
  const fixed = FIXED_VARIABLES[name].map((v) => ({ name: v.name, type: v.type, nullable: v.nullable ?? false }))
  if (name !== 'adsl' || shape === undefined) return fixed
  const arms: ColumnSpec[] = Array.from({ length: shape.laterPeriods }, (_, i) => ({
    name: `arm${i + 2}`,
    type: 'string',
    nullable: true,
    group: { field: 'later_arms', key: i },
  }))
  return [
    ...fixed.slice(0, 3),
    ...arms,
    ...shape.strata.map((k): ColumnSpec => ({
      name: `strat_${k}`,
      type: 'string',
      nullable: false,
      group: { field: 'strata', key: k },
    })),
    ...fixed.slice(3, 5),
    ...meta.characteristics.map((c): ColumnSpec => ({
      name: c.id,
      type: CHAR_TYPE[c.type],
      nullable: true,
      group: { field: 'chars', key: c.id },
    })),
    ...shape.base.map((k): ColumnSpec => ({
      name: `base_${k}`,
      type: 'number',
      nullable: true,
      group: { field: 'base', key: k },
    })),
    ...fixed.slice(5),
    ...shape.pop.map((k): ColumnSpec => ({
      name: `pop_${k}`,
      type: 'boolean',
      nullable: false,
      group: { field: 'pop', key: k },
    })),
  ]
}

/** ADSL's grouped columns as the protocol declares them. */
export function adslShapeOf(protocol: ProtocolFile): AdslShape {
  return {
    laterPeriods: protocol.periods.length - 1,
    strata: protocol.stratification.factors.map((f) => f.id),
    base: protocol.endpoints.scores.map((e) => e.id),
    pop: protocol.populations.map((p) => p.id),
  }
}

/** The full data dictionary for datasets extracted under `protocol`. */
export function dataDictionary(protocol: ProtocolFile, meta: AnalysisDatasetsMeta): DictionaryEntry[] {
  const armCodes = meta.blinded ? [BLINDED_ARM] : protocol.arms.map((a) => a.id)
  const lists: Readonly<Record<Exclude<CodeListRef, readonly string[]>, readonly string[]>> = {
    arms: armCodes,
    periods: protocol.periods.map((p) => p.id),
    scoreParams: protocol.endpoints.scores.map((e) => e.id),
    survivalParams: protocol.endpoints.survival.map((e) => e.id),
    sites: protocol.sites.map((s) => s.id),
    visits: protocol.visits.map((v) => v.id),
  }
  const resolve = (c: CodeListRef | undefined): readonly string[] =>
    c === undefined ? [] : typeof c === 'string' ? lists[c] : c
  const out: DictionaryEntry[] = []
  const entry = (dataset: DatasetName, v: FixedVariable): DictionaryEntry => ({
    dataset,
    variable: v.name,
    label: v.label,
    type: v.type,
    nullable: v.nullable ?? false,
    unit: v.unit ?? null,
    codelist: resolve(v.codelist),
    note: v.note ?? null,
  })
  const shape = adslShapeOf(protocol)
  for (const column of datasetColumns('adsl', meta, shape)) {
    const fixed = FIXED_VARIABLES.adsl.find((v) => v.name === column.name)
    if (fixed) {
      out.push(entry('adsl', fixed))
      continue
    }
    out.push(entry('adsl', groupedVariable(protocol, meta, column)))
  }
  for (const name of ['adqs', 'adtte', 'adae', 'adex', 'adfeas', 'adds', 'adscr'] as const) {
    for (const v of FIXED_VARIABLES[name]) out.push(entry(name, v))
  }
  return out
}

function groupedVariable(protocol: ProtocolFile, meta: AnalysisDatasetsMeta, column: ColumnSpec): FixedVariable {
  const group = column.group
  const base = { name: column.name, type: column.type, nullable: column.nullable }
  switch (group?.field) {
    case 'later_arms': {
      const period = protocol.periods[(group.key as number) + 1]
      return {
        ...base,
        label: `Arm in period ${(group.key as number) + 2}: ${period?.label ?? ''}`,
        codelist: 'arms',
        note: 'empty = period not entered',
      }
    }
    case 'strata': {
      const factor = protocol.stratification.factors.find((f) => f.id === group.key)
      const levels =
        factor?.source === 'site' ? protocol.sites.map((s) => s.id) : (factor?.levels ?? cutLevels(factor?.source))
      return { ...base, label: `Stratum: ${factor?.label ?? String(group.key)}`, codelist: levels }
    }
    case 'chars': {
      const c = meta.characteristics.find((d) => d.id === group.key)
      return {
        ...base,
        label: c?.label ?? String(group.key),
        ...(c?.unit === undefined ? {} : { unit: c.unit }),
        ...(c?.codelist === undefined ? {} : { codelist: c.codelist }),
      }
    }
    case 'base': {
      const e = protocol.endpoints.scores.find((s) => s.id === group.key)
      return {
        ...base,
        label: `Baseline ${e?.label ?? String(group.key)}`,
        ...(e?.unit === undefined ? {} : { unit: e.unit }),
        note: 'last non-missing value on or before randomization',
      }
    }
    case 'pop': {
      const p = protocol.populations.find((q) => q.id === group.key)
      return { ...base, label: `Population: ${p?.label ?? String(group.key)}`, note: '1 = member, 0 = not' }
    }
    default:
      return { ...base, label: column.name }
  }
}

function cutLevels(source: unknown): readonly string[] {
  if (source && typeof source === 'object' && 'cuts' in source) {
    const s = source as { cuts: readonly { level: string }[]; otherwise: string }
    return [...s.cuts.map((c) => c.level), s.otherwise]
  }
  return []
}
