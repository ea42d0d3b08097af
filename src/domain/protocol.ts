/**
 * The study-protocol file format (`protocols/*.yaml`): the one place where arms, ratios, strata, periods,
 * visits, forms and endpoints are declared. Everything downstream (randomization, capture, analysis,
 * simulation, exports) reads a parsed `ProtocolFile`; nothing about a particular trial lives in code.
 *
 * This schema checks shape and local rules. Cross-references (a visit naming an unknown form, ratios that do
 * not match the arms, overlapping windows, ...) are checked by `protocol/validate-protocol.ts`, which reports
 * every problem with its path.
 */
import { z } from 'zod'

export const Code = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must start with a letter and contain only letters, digits, "-" and "_"')
  .max(40, 'must be at most 40 characters')

const Text = z.string().trim().min(1, 'must not be empty')
const PositiveInt = z.number().int('must be a positive integer').positive('must be a positive integer')
const NonNegInt = z.number().int('must be a non-negative integer').nonnegative('must be a non-negative integer')

// ---------------------------------------------------------------------------------------------------------
// Conditions: plain data, the same shape as the staging rules in instruments.json, so one evaluator serves
// display logic, conditional requirements, edit checks and derived staging.

export const ComparisonOp = z.enum(['<', '<=', '==', '!=', '>=', '>'])
export type ComparisonOp = z.infer<typeof ComparisonOp>

export type Condition =
  | { readonly item: string; readonly op: ComparisonOp; readonly value: number | string | boolean }
  | { readonly answered: string }
  | { readonly any: readonly Condition[] }
  | { readonly all: readonly Condition[] }
  | { readonly not: Condition }

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ item: Code, op: ComparisonOp, value: z.union([z.number(), z.string(), z.boolean()]) }),
    z.strictObject({ answered: Code }),
    z.strictObject({ any: z.array(Condition).min(1, 'must list at least one condition') }),
    z.strictObject({ all: z.array(Condition).min(1, 'must list at least one condition') }),
    z.strictObject({ not: Condition }),
  ]),
)

// ---------------------------------------------------------------------------------------------------------
// Forms and items

export const ItemType = z.enum(['integer', 'decimal', 'text', 'date', 'datetime', 'boolean', 'choice', 'multichoice'])
export type ItemType = z.infer<typeof ItemType>

export const Range = z
  .strictObject({ min: z.number().optional(), max: z.number().optional() })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: 'min must not exceed max' })
export type Range = z.infer<typeof Range>

export const ChoiceOption = z.strictObject({ code: z.union([z.string().min(1), z.number()]), label: Text })
export type ChoiceOption = z.infer<typeof ChoiceOption>

export const ItemDef = z.strictObject({
  id: Code,
  label: Text,
  type: ItemType,
  unit: z.string().min(1).optional(),
  /** Hard limits: a value outside is rejected at entry. */
  range: Range.optional(),
  /** Soft limits: a value outside is saved but raises an automatic data query (edit check). */
  softRange: Range.optional(),
  /** Decimal places kept for `decimal` items. */
  decimals: NonNegInt.max(10).optional(),
  maxLength: PositiveInt.optional(),
  /** Inline options for `choice`/`multichoice` items ... */
  options: z.array(ChoiceOption).min(1).optional(),
  /** ... or a code list from instruments.json (`CTCAE_GRADE`, `WHO_UMC_CAUSALITY`, ...). */
  codeList: Code.optional(),
  required: z.boolean().default(false),
  /** Item is shown (and may be answered) only when this holds. */
  showWhen: Condition.optional(),
  /** Item is required only when this holds. */
  requiredWhen: Condition.optional(),
  help: z.string().optional(),
  /** Personal data that must be masked in de-identified exports. */
  identifier: z.boolean().default(false),
  /**
   * The value reveals the allocation (e.g. the total dose of a per-kg product): only unblinded roles may
   * enter or see it while the study is blinded.
   */
  unblindedOnly: z.boolean().optional(),
})
export type ItemDef = z.infer<typeof ItemDef>

export const DerivedDef = z.strictObject({
  id: Code,
  label: Text,
  /** Arithmetic over item ids, e.g. `cmap_adm / dml_adm * fwave_adm`; `+ - * / ( )`, numbers, min/max/abs/round. */
  formula: z.string().min(1, 'must not be empty'),
  unit: z.string().min(1).optional(),
  decimals: NonNegInt.max(10).optional(),
})
export type DerivedDef = z.infer<typeof DerivedDef>

export const EditCheck = z.strictObject({
  id: Code,
  /** The data query raised when this condition holds (over the form's items and derived values). */
  when: Condition,
  message: Text,
  /** The item the query is raised on; defaults to the first item the condition names. */
  item: Code.optional(),
})
export type EditCheck = z.infer<typeof EditCheck>

export const FormDef = z.strictObject({
  id: Code,
  label: Text,
  /** An instrument from the library (`ALSFRS-R`, `MAS`, `ECAS`, `NEUROPHYS`, `VITALS`, ...). Its items and scoring come from there. */
  instrument: Code.optional(),
  /** For `MAS`: the muscle groups rated (each rated per side); defaults to the instrument's suggested list. */
  muscleGroups: z.array(Code).min(1).optional(),
  /**
   * For `ECAS`: abnormal-at-or-below cut-offs per total (`alsSpecific`, `alsNonSpecific`, `total`) replacing
   * the published screening cut-offs, e.g. age- and education-adjusted national norms.
   */
  cutoffs: z.record(Code, z.number()).optional(),
  /** Items of a protocol-defined form, or extra items appended to an instrument's. */
  items: z.array(ItemDef).default([]),
  derived: z.array(DerivedDef).default([]),
  checks: z.array(EditCheck).default([]),
  /** Site-specific label overrides for licensed wording or translations, keyed by item id. */
  labels: z.record(z.string(), z.string()).optional(),
  repeating: z.boolean().default(false),
})
export type FormDef = z.infer<typeof FormDef>

// ---------------------------------------------------------------------------------------------------------
// Study identity, sites, strata

export const Site = z.strictObject({
  id: Code,
  name: Text,
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as ES'),
  city: z.string().optional(),
  targetEnrolment: NonNegInt.optional(),
})
export type Site = z.infer<typeof Site>

/** Where a stratification factor's level comes from for a given subject. */
export const FactorSource = z.union([
  z.literal('site'),
  /** Recorded at enrolment (e.g. onset region), from the listed levels. */
  z.literal('enrolment'),
  /** A numeric value at enrolment cut into levels, e.g. ΔFS < 0.5 → slow. */
  z.strictObject({
    value: Code,
    cuts: z.array(z.strictObject({ below: z.number(), level: Code })).min(1, 'must list at least one cut'),
    otherwise: Code,
  }),
])
export type FactorSource = z.infer<typeof FactorSource>

export const StratificationFactor = z.strictObject({
  id: Code,
  label: Text,
  source: FactorSource,
  /** Levels for `enrolment` factors (site factors take the site ids; cut factors their cut levels). */
  levels: z.array(Code).min(2, 'must list at least two levels').optional(),
})
export type StratificationFactor = z.infer<typeof StratificationFactor>

// ---------------------------------------------------------------------------------------------------------
// Arms and dosing

export const Dose = z.strictObject({
  /** Amount per kg of body weight, e.g. 1e6 (cells/kg). */
  perKg: z.number().positive('must be positive'),
  /** Unit of the total amount, e.g. `cells`. The per-kg unit is `${unit}/kg`. */
  unit: Text,
})
export type Dose = z.infer<typeof Dose>

export const Arm = z.strictObject({
  id: Code,
  label: Text,
  /** What blinded users see while the study is blinded; identical for every arm of a blinded period. */
  blindedLabel: Text,
  type: z.enum(['active', 'placebo']),
  dose: Dose.optional(),
  description: z.string().optional(),
})
export type Arm = z.infer<typeof Arm>

export const Dosing = z.strictObject({
  /** Where the weight that drives the dose is read: the latest value on or before the infusion visit. */
  weight: z.strictObject({ form: Code, item: Code }),
  /** Weight validity: a dose is not computed from a weight older than this. */
  weightMaxAgeDays: PositiveInt.default(14),
  /** Weight used is capped at this many kg (common for cell products). */
  maxWeightKg: z.number().positive().optional(),
  /** The total is rounded to a multiple of `step` (in the dose unit) by `mode`. */
  rounding: z.strictObject({ step: z.number().positive(), mode: z.enum(['nearest', 'down', 'up']).default('nearest') }),
  /** Upper bound of the total amount, in the dose unit. */
  maxTotal: z.number().positive().optional(),
  /** The preparation every patient receives, whatever the arm: same volume, container and label. */
  preparation: z.strictObject({
    volumeMl: z.number().positive(),
    vehicle: Text,
    container: Text,
    label: Text,
    /** Infusion duration in minutes (same for every arm). */
    infusionMinutes: PositiveInt,
  }),
  /** What a placebo preparation contains (visible only to unblinded roles). */
  placeboContent: Text,
})
export type Dosing = z.infer<typeof Dosing>

/** Product supply. `autologous`: each patient's product is made from their own tissue. */
export const Product = z.strictObject({
  name: Text,
  kind: z.enum(['autologous', 'allogeneic', 'drug']),
  /** Minimum tissue obtained at extraction for manufacturing to start (e.g. 50 g of adipose tissue). */
  minimumTissueGrams: z.number().positive().optional(),
  /** Release criteria, each checked by the manufacturing unit; one failure fails the lot. */
  releaseCriteria: z.array(z.strictObject({ id: Code, label: Text, range: Range.optional() })).default([]),
  /** Days a released lot stays usable. */
  shelfLifeDays: PositiveInt.optional(),
})
export type Product = z.infer<typeof Product>

// ---------------------------------------------------------------------------------------------------------
// Allocation and periods

export const Ratio = z.record(Code, PositiveInt)

const AllocationBase = {
  /** Arm id → integer weight, e.g. `{ D1: 1, D2: 1, D3: 1, P: 1 }`. */
  ratio: Ratio,
  /** Factors (ids from `stratification.factors`) the list is stratified by; empty = one stratum. */
  stratifyBy: z.array(Code).default([]),
}

export const Allocation = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('simple'), ...AllocationBase }),
  z.strictObject({
    method: z.literal('permuted-blocks'),
    ...AllocationBase,
    /** Block sizes; when several, each block's size is drawn at random among them. */
    blockSizes: z.array(PositiveInt).min(1, 'must list at least one block size'),
  }),
  z.strictObject({
    method: z.literal('minimisation'),
    ...AllocationBase,
    /** Factors balanced at the margins (Pocock-Simon). */
    factors: z.array(Code).min(1, 'must list at least one factor'),
    /** Probability of taking the arm that minimises imbalance (the random element). */
    probability: z.number().gt(0.5, 'must be above 0.5').max(1, 'must be at most 1').default(0.8),
    /** The protocol's bound on marginal imbalance (max − min of ratio-scaled counts) within any factor level. */
    maxImbalance: PositiveInt.default(3),
    /** Number of first subjects allocated at random before minimising. */
    burnIn: NonNegInt.default(0),
  }),
])
export type Allocation = z.infer<typeof Allocation>

export const PeriodEntry = z.discriminatedUnion('who', [
  /** Every subject who is randomized enters (the first, randomized period). */
  z.strictObject({ who: z.literal('randomized') }),
  /** Every subject still on study at the end of the named period enters. */
  z.strictObject({ who: z.literal('continuing'), from: Code }),
])
export type PeriodEntry = z.infer<typeof PeriodEntry>

export const Period = z.strictObject({
  id: Code,
  label: Text,
  entry: PeriodEntry,
  /** Nominal length in days; the next period starts at its end. */
  durationDays: PositiveInt,
  blinding: z.enum(['double-blind', 'single-blind', 'open-label']),
  /** Allocation at the start of the period. Omitted: subjects continue on their arm. */
  allocation: Allocation.optional(),
  /**
   * Arms whose subjects are (re-)allocated at the start of the period, e.g. `[P]` for the month-6
   * re-randomization of placebo patients. Omitted: every entering subject is allocated.
   */
  allocateFrom: z.array(Code).optional(),
  /**
   * To keep the blind, subjects not re-allocated receive this arm's preparation in the period (e.g. the
   * matched placebo infusion at month 6), and every subject goes through the same allocation step.
   */
  othersReceive: Code.optional(),
  /** Whether an infusion (or dose) is given at the start of the period. */
  dosing: z.boolean().default(false),
})
export type Period = z.infer<typeof Period>

// ---------------------------------------------------------------------------------------------------------
// Visits

export const Anchor = z.union([
  z.enum(['screening', 'randomization', 'infusion']),
  z.string().regex(/^period:[A-Za-z][A-Za-z0-9_-]*$/, 'must be screening, randomization, infusion or period:<id>'),
])
export type Anchor = z.infer<typeof Anchor>

export const Visit = z.strictObject({
  id: Code,
  label: Text,
  anchor: Anchor,
  /** Target day relative to the anchor (0 = the anchor day). */
  day: z.number().int('must be a whole number of days'),
  window: z.strictObject({ before: NonNegInt, after: NonNegInt }).default({ before: 0, after: 0 }),
  forms: z.array(Code).default([]),
  /** The period the visit belongs to; defaults to the period its day falls in. */
  period: Code.optional(),
  /** What happens at this visit besides forms. */
  procedures: z
    .array(
      z.enum(['consent', 'eligibility', 'extraction', 'manufacturing', 'randomization', 'infusion', 'rerandomization']),
    )
    .default([]),
})
export type Visit = z.infer<typeof Visit>

// ---------------------------------------------------------------------------------------------------------
// Endpoints and populations

export const Population = z.strictObject({
  id: Code,
  label: Text,
  /** `enrolled`: consented and eligible; `randomized`: allocated (ITT); `treated`: received any dose (safety);
   *  `per-protocol`: treated as allocated with all primary assessments in window and no major deviation;
   *  `completers`: completed the period with the primary endpoint at its last visit. */
  rule: z.enum(['enrolled', 'randomized', 'treated', 'per-protocol', 'completers']),
})
export type Population = z.infer<typeof Population>

export const ScoreEndpoint = z.strictObject({
  id: Code,
  label: Text,
  /** Form and value (item id or derived/score id, e.g. `total`, `bulbar`). */
  form: Code,
  value: Code,
  /** Whether higher values are better (ALSFRS-R) or worse (Ashworth). */
  direction: z.enum(['higher-better', 'lower-better']),
  role: z.enum(['primary', 'secondary', 'exploratory']),
  analysis: z.literal('slope').default('slope'),
  /** Adjust the slope model for the baseline value of the endpoint. */
  adjustForBaseline: z.boolean().default(false),
  unit: z.string().optional(),
})
export type ScoreEndpoint = z.infer<typeof ScoreEndpoint>

export const SurvivalEvent = z.enum(['death', 'tracheostomy', 'permanent-ventilation'])
export type SurvivalEvent = z.infer<typeof SurvivalEvent>

export const Endpoints = z.strictObject({
  scores: z.array(ScoreEndpoint).min(1, 'must list at least one endpoint'),
  survival: z.array(z.strictObject({ id: Code, label: Text, events: z.array(SurvivalEvent).min(1) })).default([]),
  /** Two-sided significance level and the multiplicity adjustment across active-vs-control contrasts. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  multiplicity: z.enum(['none', 'holm', 'bonferroni', 'benjamini-hochberg']).default('holm'),
  /** The control arm contrasts are taken against. */
  controlArm: Code,
})
export type Endpoints = z.infer<typeof Endpoints>

// ---------------------------------------------------------------------------------------------------------
// Eligibility, safety, disposition

export const Criterion = z.strictObject({ id: Code, text: Text })
export type Criterion = z.infer<typeof Criterion>

export const Eligibility = z.strictObject({
  minAge: NonNegInt.optional(),
  maxAge: NonNegInt.optional(),
  inclusion: z.array(Criterion).min(1, 'must list at least one inclusion criterion'),
  exclusion: z.array(Criterion).default([]),
})
export type Eligibility = z.infer<typeof Eligibility>

export const Safety = z.strictObject({
  /** Hours within which a serious AE must be reported to the sponsor (ICH E2A practice: 24). */
  saeReportingHours: PositiveInt.default(24),
  /** Hours after an infusion in which AEs are tabulated as peri-infusional. */
  postInfusionWindowHours: PositiveInt.default(48),
  /** WHO-UMC categories with an undecided relationship count as related (conservative). */
  undecidedCausalityCountsAsRelated: z.boolean().default(true),
  /** Reference safety information: preferred terms expected for the product (for SUSAR assessment). */
  expectedTerms: z.array(Text).default([]),
  /** Whether AEs are collected from consent or from first dose. */
  collectFrom: z.enum(['consent', 'first-dose']).default('consent'),
})
export type Safety = z.infer<typeof Safety>

export const Disposition = z.strictObject({
  screenFailureReasons: z.array(Text).min(1),
  withdrawalReasons: z.array(Text).min(1),
})
export type Disposition = z.infer<typeof Disposition>

// ---------------------------------------------------------------------------------------------------------
// The file

export const ProtocolFile = z.strictObject({
  formatVersion: z.literal(1, 'must be 1'),
  study: z.strictObject({
    id: Code,
    title: Text,
    shortTitle: z.string().optional(),
    phase: z.enum(['I', 'I/II', 'II', 'II/III', 'III', 'IV']),
    sponsor: Text,
    registry: z.partialRecord(z.enum(['eudract', 'nct', 'isrctn', 'ctis', 'other']), z.string().min(1)).default({}),
    /** Version label of this protocol text, e.g. `3.0`; amendments bump it. */
    version: Text,
    targetEnrolment: PositiveInt,
    /** ISO date the study starts recruiting (first possible screening). */
    startDate: z.iso.date('must be an ISO date such as 2026-01-31').optional(),
    description: z.string().optional(),
  }),
  sites: z.array(Site).min(1, 'must list at least one site'),
  stratification: z.strictObject({ factors: z.array(StratificationFactor).default([]) }).default({ factors: [] }),
  arms: z.array(Arm).min(2, 'must list at least two arms'),
  dosing: Dosing.optional(),
  product: Product.optional(),
  periods: z.array(Period).min(1, 'must list at least one period'),
  visits: z.array(Visit).min(1, 'must list at least one visit'),
  /** Forms available at unscheduled visits. */
  unscheduledForms: z.array(Code).default([]),
  forms: z.array(FormDef).min(1, 'must list at least one form'),
  eligibility: Eligibility,
  endpoints: Endpoints,
  populations: z.array(Population).min(1),
  safety: Safety.default({
    saeReportingHours: 24,
    postInfusionWindowHours: 48,
    undecidedCausalityCountsAsRelated: true,
    expectedTerms: [],
    collectFrom: 'consent',
  }),
  disposition: Disposition,
})
export type ProtocolFile = z.infer<typeof ProtocolFile>
