/**
 * The analysis datasets: plain, ADaM-like tables extracted from a study (or simulated), the only input of the
 * statistical analysis plan. Field names are the column names of the exported files, so a statistician reading
 * `adsl.csv` in R or SAS sees the same names as the code; grouped columns (strata, populations, baseline values,
 * characteristics, arms of later periods) are records here and prefixed columns in CSV (see `data-dictionary.ts`).
 *
 * Time is measured from randomization: `day` 0 is the randomization date, `month` = day / 30.4375.
 * A blinded extraction carries `BLINDED_ARM` wherever an arm would be, and no dose.
 */
import { z } from 'zod'

/** The single code that replaces every arm in a blinded extraction (pooled: no arm-level split survives). */
export const BLINDED_ARM = 'BLINDED'

const IsoDate = z.iso.date()
const IsoDateTime = z.union([z.iso.datetime({ offset: true }), z.iso.datetime({ local: true }), z.iso.date()])
const Id = z.string().min(1)
const Scalar = z.union([z.number(), z.string(), z.boolean(), z.null()])

/** How a subject's participation in a period (or in the study) ended. */
export const DispositionStatus = z.enum(['ongoing', 'completed', 'discontinued', 'died'])
export type DispositionStatus = z.infer<typeof DispositionStatus>

/** ADSL: one row per randomized subject. */
export const AdslRow = z.strictObject({
  subject: Id,
  site: Id,
  /** Arm allocated at randomization (first period); `BLINDED` in a blinded extraction. */
  arm: Id,
  /** Arm in each later period (protocol order, from the second period): CSV columns `arm2`, `arm3`, …; null = not entered. */
  later_arms: z.array(Id.nullable()),
  /** Stratification factor levels at randomization, by factor id (CSV `strat_<factor>`). */
  strata: z.record(z.string(), z.string()),
  age: z.number().nullable(),
  sex: z.string().nullable(),
  /** Other baseline characteristics declared in `meta.characteristics` (CSV: one column each). */
  chars: z.record(z.string(), Scalar),
  /** Baseline value of each score parameter (CSV `base_<param>`): the last value on or before randomization. */
  base: z.record(z.string(), z.number().nullable()),
  consent_date: IsoDate.nullable(),
  rand_date: IsoDate,
  first_dose_date: IsoDate.nullable(),
  /** Last date the subject is known to be in follow-up (death, withdrawal, last contact, or the data cut). */
  last_date: IsoDate,
  death_date: IsoDate.nullable(),
  eos_status: DispositionStatus,
  eos_reason: z.string().nullable(),
  /** Period in which the subject's participation ended (null while ongoing). */
  eos_period: z.string().nullable(),
  /** Population membership by population id (CSV `pop_<id>`, 1/0). */
  pop: z.record(z.string(), z.boolean()),
})
export type AdslRow = z.infer<typeof AdslRow>

/** ADQS: one row per subject, visit and score parameter. */
export const AdqsRow = z.strictObject({
  subject: Id,
  /** Randomized arm (intention to treat). */
  arm: Id,
  /** Period of the visit; null before randomization (screening). */
  period: z.string().nullable(),
  visit: Id,
  date: IsoDate,
  /** Days since randomization (negative before). */
  day: z.number().int(),
  /** Months since randomization (day / 30.4375). */
  month: z.number(),
  /** Score endpoint id from the protocol (`ALSFRSR`, `FVC`, …). */
  param: Id,
  value: z.number(),
  /** The baseline record of this parameter (last non-missing value on or before randomization). */
  ablfl: z.boolean(),
})
export type AdqsRow = z.infer<typeof AdqsRow>

/** ADTTE: one row per subject and survival endpoint. */
export const AdtteRow = z.strictObject({
  subject: Id,
  arm: Id,
  param: Id,
  /** Randomization date (time origin). */
  start_date: IsoDate,
  time_months: z.number().nonnegative(),
  event: z.union([z.literal(0), z.literal(1)]),
  /** The event that ended follow-up (`death`, `tracheostomy`, …) or the censoring reason. */
  evnt_desc: z.string(),
})
export type AdtteRow = z.infer<typeof AdtteRow>

/** ADAE: one row per adverse event. */
export const AdaeRow = z.strictObject({
  subject: Id,
  arm: Id,
  seq: z.number().int().positive(),
  term: z.string().min(1),
  /** MedDRA preferred term (the verbatim term when not yet coded). */
  pt: z.string().min(1),
  /** MedDRA primary System Organ Class. */
  soc: z.string().min(1),
  onset_date: IsoDate,
  /** Days since randomization (negative: before randomization, e.g. at lipoaspiration). */
  onset_day: z.number().int(),
  end_date: IsoDate.nullable(),
  /** Period at onset; null before randomization. */
  period: z.string().nullable(),
  /** Arm the subject was on in that period; null before randomization. */
  arm_at_onset: z.string().nullable(),
  /** Nominal dose per kg of the last preparation received before onset (0 = placebo); null before any, or blinded. */
  dose_at_onset: z.number().nullable(),
  /** Hours from the start of the last infusion to onset; null when no infusion preceded the event. */
  hours_after_infusion: z.number().nullable(),
  /** CTCAE grade 1-5; null while not graded. */
  grade: z.number().int().min(1).max(5).nullable(),
  serious: z.boolean(),
  /** ICH E2A criteria ticked, `;`-separated codes. */
  seriousness: z.string(),
  /** Investigator's WHO-UMC causality code. */
  causality: z.string(),
  /** Related per the protocol's rule (certain/probable/possible, and undecided when the protocol says so). */
  related: z.boolean(),
  expected: z.boolean(),
  outcome: z.string().nullable(),
  /** Treatment-emergent: onset on or after the first infusion. */
  teae: z.boolean(),
})
export type AdaeRow = z.infer<typeof AdaeRow>

/** ADEX: one row per infusion (or dose) given. */
export const AdexRow = z.strictObject({
  subject: Id,
  period: Id,
  visit: Id,
  /** Start of the infusion (ISO date-time). */
  start: IsoDateTime,
  /** Arm whose preparation was given (a matched placebo is the control arm); `BLINDED` when blinded. */
  arm_received: Id,
  /** Nominal dose per kg of the preparation given (0 for placebo); null when blinded. */
  dose_per_kg: z.number().nullable(),
  dose_unit: z.string().nullable(),
  /** Total dose prescribed and given, in the dose unit; null when blinded. */
  dose_prescribed: z.number().nullable(),
  dose_given: z.number().nullable(),
  volume_ml: z.number().nullable(),
  /** Infusion completed as per protocol. */
  completed: z.boolean(),
  incomplete_reason: z.string().nullable(),
  reaction: z.boolean(),
})
export type AdexRow = z.infer<typeof AdexRow>

/** ADFEAS: one row per subject who underwent tissue extraction (product kind `autologous`). */
export const AdfeasRow = z.strictObject({
  subject: Id,
  site: Id,
  extraction_date: IsoDate.nullable(),
  adipose_g: z.number().nullable(),
  lipoaspirate_ml: z.number().nullable(),
  /** Enough tissue for manufacturing (protocol `product.minimumTissueGrams`). */
  extraction_ok: z.boolean(),
  lot: z.string().nullable(),
  manufacture_date: IsoDate.nullable(),
  /** Total viable cells, ×10^6. */
  cell_count: z.number().nullable(),
  viability: z.number().nullable(),
  /** Release decision; null when manufacturing did not start. */
  released: z.boolean().nullable(),
  release_date: IsoDate.nullable(),
  failure_reason: z.string().nullable(),
  first_infusion_date: IsoDate.nullable(),
})
export type AdfeasRow = z.infer<typeof AdfeasRow>

/** ADDS: one row per subject and period entered (disposition within the period). */
export const AddsRow = z.strictObject({
  subject: Id,
  period: Id,
  /** Arm during the period. */
  arm: Id,
  /** (Re-)allocated at the start of the period; in a blinded extraction true for everyone entering an allocation period. */
  allocated: z.boolean(),
  start_date: IsoDate,
  end_date: IsoDate.nullable(),
  status: DispositionStatus,
  reason: z.string().nullable(),
})
export type AddsRow = z.infer<typeof AddsRow>

/** ADSCR: one row per person screened (the top of the CONSORT flow). */
export const AdscrRow = z.strictObject({
  subject: Id,
  site: Id,
  screen_date: IsoDate,
  outcome: z.enum(['randomized', 'screen-failed', 'not-randomized']),
  /** Screen-failure or non-randomization reason (one of the protocol's `disposition.screenFailureReasons`). */
  reason: z.string().nullable(),
})
export type AdscrRow = z.infer<typeof AdscrRow>

/** A baseline characteristic carried in `AdslRow.chars`. */
export const CharacteristicDef = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a lower-case column name'),
  label: z.string().min(1),
  type: z.enum(['number', 'string', 'boolean']),
  unit: z.string().optional(),
  /** Allowed values of a string characteristic, in display order. */
  codelist: z.array(z.string()).optional(),
})
export type CharacteristicDef = z.infer<typeof CharacteristicDef>

/** Where the datasets come from and what they describe; written as `meta.json`. */
export const AnalysisDatasetsMeta = z.strictObject({
  format: z.literal('trialdesk-analysis-datasets'),
  formatVersion: z.literal(1),
  studyId: Id,
  protocolVersion: z.string().min(1),
  /** SHA-256 of the protocol version the data were captured under. */
  protocolHash: z.string().min(1),
  /** Hash of the locked data snapshot; null for an extraction of live data or a simulation. */
  snapshotHash: z.string().nullable(),
  dataCutDate: IsoDate,
  extractedAt: z.string().min(1),
  blinded: z.boolean(),
  /** Free text: `store snapshot …`, `simulated (seed …)`. */
  source: z.string().min(1),
  characteristics: z.array(CharacteristicDef),
})
export type AnalysisDatasetsMeta = z.infer<typeof AnalysisDatasetsMeta>

export const AnalysisDatasets = z.strictObject({
  meta: AnalysisDatasetsMeta,
  adsl: z.array(AdslRow),
  adqs: z.array(AdqsRow),
  adtte: z.array(AdtteRow),
  adae: z.array(AdaeRow),
  adex: z.array(AdexRow),
  adfeas: z.array(AdfeasRow),
  adds: z.array(AddsRow),
  adscr: z.array(AdscrRow),
})
export type AnalysisDatasets = z.infer<typeof AnalysisDatasets>

/** The dataset names, in file order. */
export const DATASET_NAMES = ['adsl', 'adqs', 'adtte', 'adae', 'adex', 'adfeas', 'adds', 'adscr'] as const
export type DatasetName = (typeof DATASET_NAMES)[number]
