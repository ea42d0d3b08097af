/**
 * The results of the statistical analysis plan: every number the report shows, as one typed object that is also
 * written as `results.json`. Declared as zod schemas so the same declaration gives the TypeScript types, the
 * documented JSON Schema (`docs/results-schema.json`, via `z.toJSONSchema`) and the validation of a results file
 * read back (the web app, an auditor's script).
 *
 * Conventions: estimates are per month of time since randomization; a confidence interval is `[lower, upper]` at
 * `1 - alpha`; `null` means "not computable" (never NaN); a group key is an arm id, `total`, or `BLINDED` (the
 * pooled group of a blinded run).
 */
import { z } from 'zod'

const Num = z.number()
const NumOrNull = z.number().nullable()
const Int = z.number().int().nonnegative()
const Ci = z.tuple([z.number(), z.number()]).describe('confidence interval [lower, upper] at 1 - alpha')

/** Distribution summary of a continuous variable (`null` when there are too few values). */
export const Summary = z.strictObject({
  n: Int,
  mean: NumOrNull,
  sd: NumOrNull,
  median: NumOrNull,
  q1: NumOrNull.describe('first quartile (R quantile type 7)'),
  q3: NumOrNull.describe('third quartile (R quantile type 7)'),
  min: NumOrNull,
  max: NumOrNull,
})
export type Summary = z.infer<typeof Summary>

export const ReasonCount = z.strictObject({ reason: z.string(), n: Int })
export type ReasonCount = z.infer<typeof ReasonCount>

export const Provenance = z.strictObject({
  studyId: z.string(),
  studyTitle: z.string(),
  protocolVersion: z.string(),
  protocolHash: z.string().describe('SHA-256 of the canonical protocol content'),
  snapshotHash: z.string().nullable().describe('hash of the locked data snapshot; null for live or simulated data'),
  datasetsHash: z.string().describe('SHA-256 of the canonical JSON of the analysis datasets used'),
  dataSource: z.string(),
  dataCutDate: z.iso.date(),
  generatedAt: z.string(),
  software: z.strictObject({ name: z.string(), version: z.string() }),
  seed: z.union([z.number(), z.string()]).nullable().describe('seed of any random step (none in the plan itself)'),
  blinded: z.boolean().describe('true: arms pooled, no arm-level split of efficacy or safety'),
})
export type Provenance = z.infer<typeof Provenance>

export const GroupInfo = z.strictObject({
  key: z.string().describe('arm id, or BLINDED for the pooled group of a blinded run'),
  label: z.string(),
  type: z.enum(['active', 'placebo', 'pooled']),
  control: z.boolean(),
})
export type GroupInfo = z.infer<typeof GroupInfo>

export const PeriodInfo = z.strictObject({
  id: z.string(),
  label: z.string(),
  blinding: z.string(),
  startMonth: Num.describe('nominal start, months since randomization'),
  endMonth: Num,
})
export type PeriodInfo = z.infer<typeof PeriodInfo>

export const GroupCount = z.strictObject({ key: z.string(), n: Int })
export type GroupCount = z.infer<typeof GroupCount>

export const PopulationInfo = z.strictObject({
  id: z.string(),
  label: z.string(),
  rule: z.string(),
  n: Int,
  byGroup: z.array(GroupCount),
})
export type PopulationInfo = z.infer<typeof PopulationInfo>

// ---------------------------------------------------------------------------------------------------------
// CONSORT

export const ConsortPeriod = z.strictObject({
  period: z.string(),
  entered: Int,
  /** Subjects of this group re-allocated at the start of the period, by new arm (empty in a blinded run). */
  reallocated: z.array(z.strictObject({ to: z.string(), n: Int })),
  completed: Int,
  discontinued: Int,
  discontinuedReasons: z.array(ReasonCount),
  died: Int,
  ongoing: Int,
})
export type ConsortPeriod = z.infer<typeof ConsortPeriod>

export const ConsortGroup = z.strictObject({
  key: z.string(),
  allocated: Int,
  productReleased: Int,
  productFailed: Int,
  infused: Int,
  notInfused: Int,
  notInfusedReasons: z.array(ReasonCount),
  periods: z.array(ConsortPeriod),
  analysedEfficacy: Int.describe(
    'in the efficacy population with at least one value of the primary endpoint in its primary model',
  ),
  excludedEfficacy: Int,
  analysedSafety: Int,
  analysedSurvival: Int,
})
export type ConsortGroup = z.infer<typeof ConsortGroup>

export const Consort = z.strictObject({
  assessed: Int,
  excluded: Int,
  excludedReasons: z.array(ReasonCount),
  extraction: z
    .strictObject({ attempted: Int, sufficient: Int, insufficient: Int })
    .nullable()
    .describe('tissue extraction before randomization (autologous products); null when the protocol has none'),
  randomized: Int,
  groups: z.array(ConsortGroup),
})
export type Consort = z.infer<typeof Consort>

// ---------------------------------------------------------------------------------------------------------
// Baseline table

export const BaselineRow = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('continuous'),
    id: z.string(),
    label: z.string(),
    unit: z.string().nullable(),
    cells: z.array(z.strictObject({ key: z.string(), summary: Summary })),
  }),
  z.strictObject({
    kind: z.literal('categorical'),
    id: z.string(),
    label: z.string(),
    unit: z.null(),
    levels: z.array(
      z.strictObject({
        level: z.string(),
        cells: z.array(z.strictObject({ key: z.string(), n: Int, pct: NumOrNull })),
      }),
    ),
    missing: z.array(GroupCount),
  }),
])
export type BaselineRow = z.infer<typeof BaselineRow>

export const BaselineTable = z.strictObject({
  population: z.string(),
  columns: z.array(z.strictObject({ key: z.string(), label: z.string(), n: Int })),
  rows: z.array(BaselineRow),
})
export type BaselineTable = z.infer<typeof BaselineTable>

// ---------------------------------------------------------------------------------------------------------
// Safety

export const AeCount = z.strictObject({
  key: z.string(),
  subjects: Int.describe('subjects with at least one event'),
  pct: NumOrNull.describe('subjects / subjects at risk × 100'),
  events: Int,
})
export type AeCount = z.infer<typeof AeCount>

export const FisherComparison = z.strictObject({
  p: NumOrNull.describe("Fisher's exact test across all groups (r × 2 table); null when not computable"),
  vsControl: z
    .array(z.strictObject({ key: z.string(), p: NumOrNull }))
    .describe('2 × 2 tests of each active arm against the control'),
})
export type FisherComparison = z.infer<typeof FisherComparison>

export const SafetyCategory = z.strictObject({
  id: z.string(),
  label: z.string(),
  counts: z.array(AeCount),
  test: FisherComparison.nullable(),
})
export type SafetyCategory = z.infer<typeof SafetyCategory>

export const SafetyWindow = z.strictObject({
  id: z.string().describe('`overall` (by randomized arm, all follow-up) or a period id (by arm in that period)'),
  label: z.string(),
  columns: z.array(
    z.strictObject({
      key: z.string(),
      label: z.string(),
      atRisk: Int,
      exposureMonths: Num.describe('patient-months at risk'),
    }),
  ),
  summary: z.array(SafetyCategory),
  bySoc: z.array(
    z.strictObject({
      soc: z.string(),
      counts: z.array(AeCount),
      test: FisherComparison.nullable(),
      terms: z.array(z.strictObject({ pt: z.string(), counts: z.array(AeCount) })),
    }),
  ),
  rates: z.array(z.strictObject({ key: z.string(), events: Int, exposureMonths: Num, perPatientMonth: NumOrNull })),
})
export type SafetyWindow = z.infer<typeof SafetyWindow>

export const PostInfusionSafety = z.strictObject({
  period: z.string(),
  windowHours: Num,
  columns: z.array(z.strictObject({ key: z.string(), label: z.string(), infusions: Int })),
  summary: z.array(
    z.strictObject({
      id: z.string(),
      label: z.string(),
      counts: z.array(
        z.strictObject({
          key: z.string(),
          infusions: Int.describe('infusions followed by at least one event'),
          pct: NumOrNull,
          events: Int,
        }),
      ),
    }),
  ),
  terms: z.array(z.strictObject({ pt: z.string(), counts: z.array(z.strictObject({ key: z.string(), events: Int })) })),
})
export type PostInfusionSafety = z.infer<typeof PostInfusionSafety>

export const Safety = z.strictObject({
  population: z.string(),
  windows: z.array(SafetyWindow),
  postInfusion: z.array(PostInfusionSafety),
})
export type Safety = z.infer<typeof Safety>

// ---------------------------------------------------------------------------------------------------------
// Efficacy

export const FixedEffect = z.strictObject({ term: z.string(), estimate: Num, se: Num, df: Num, t: Num, p: Num })
export type FixedEffect = z.infer<typeof FixedEffect>

export const ModelInfo = z.strictObject({
  formula: z.string().describe('the model fitted, in lme4 notation'),
  method: z.string(),
  nObs: Int,
  nSubjects: Int,
  converged: z.boolean(),
  singular: z.boolean(),
  warnings: z.array(z.string()),
  residualSd: Num,
  randomSd: z.array(z.strictObject({ term: z.string(), sd: Num })),
  fixed: z.array(FixedEffect),
})
export type ModelInfo = z.infer<typeof ModelInfo>

export const Slope = z.strictObject({ key: z.string(), estimate: Num, se: Num, df: Num, ci: Ci })
export type Slope = z.infer<typeof Slope>

export const Contrast = z.strictObject({
  key: z.string().describe('active arm'),
  reference: z.string().describe('control arm'),
  estimate: Num.describe('slope of the arm minus slope of the control, per month'),
  se: Num,
  df: Num.describe('Satterthwaite degrees of freedom'),
  t: Num,
  p: Num.describe('two-sided, unadjusted'),
  pAdjusted: Num.describe('adjusted for multiplicity across the contrasts of this endpoint, period and analysis set'),
  ci: Ci,
})
export type Contrast = z.infer<typeof Contrast>

export const EfficacyAnalysis = z.strictObject({
  endpoint: z.string(),
  label: z.string(),
  unit: z.string().nullable(),
  direction: z.enum(['higher-better', 'lower-better']),
  role: z.enum(['primary', 'secondary', 'exploratory']),
  period: z.string(),
  population: z.string(),
  set: z.enum(['primary', 'per-protocol', 'completers']).describe('primary analysis set, or a sensitivity analysis'),
  status: z.enum(['estimated', 'not-estimable']),
  reason: z.string().nullable(),
  model: ModelInfo.nullable(),
  slopes: z.array(Slope),
  contrasts: z.array(Contrast),
})
export type EfficacyAnalysis = z.infer<typeof EfficacyAnalysis>

export const SlopeEstimate = z.strictObject({ estimate: Num, se: Num, df: Num, ci: Ci })
export type SlopeEstimate = z.infer<typeof SlopeEstimate>

export const CrossoverAnalysis = z.strictObject({
  endpoint: z.string(),
  label: z.string(),
  unit: z.string().nullable(),
  fromArm: z.string().describe('the control arm whose subjects were re-allocated'),
  periods: z.tuple([z.string(), z.string()]).describe('the period before and the period after the switch'),
  status: z.enum(['estimated', 'not-estimable']),
  reason: z.string().nullable(),
  models: z.array(ModelInfo).describe('the pooled piecewise model, then the model by arm after the switch'),
  groups: z.array(
    z.strictObject({
      key: z.string().describe('arm after the switch, or `all` for all switchers'),
      nSubjects: Int,
      pre: SlopeEstimate,
      post: SlopeEstimate,
      change: SlopeEstimate.extend({ t: Num, p: Num }).describe('post minus pre slope'),
    }),
  ),
})
export type CrossoverAnalysis = z.infer<typeof CrossoverAnalysis>

export const TrajectoryPoint = z.strictObject({
  key: z.string(),
  visit: z.string(),
  month: Num.describe('mean months since randomization of the assessments at this visit'),
  n: Int,
  mean: Num,
  sd: NumOrNull,
  ci: Ci.nullable(),
})
export type TrajectoryPoint = z.infer<typeof TrajectoryPoint>

export const Efficacy = z.strictObject({
  alpha: Num,
  multiplicity: z.enum(['none', 'holm', 'bonferroni', 'benjamini-hochberg']),
  analyses: z.array(EfficacyAnalysis),
  crossover: z.array(CrossoverAnalysis),
  trajectories: z.array(
    z.strictObject({ endpoint: z.string(), population: z.string(), points: z.array(TrajectoryPoint) }),
  ),
})
export type Efficacy = z.infer<typeof Efficacy>

// ---------------------------------------------------------------------------------------------------------
// Survival

export const KmCurve = z.strictObject({
  key: z.string(),
  n: Int,
  events: Int,
  median: z
    .strictObject({ estimate: NumOrNull, lower: NumOrNull, upper: NumOrNull })
    .describe('months; null = not reached'),
  time: z.array(Num),
  surv: z.array(Num),
  lower: z.array(NumOrNull),
  upper: z.array(NumOrNull),
  nRisk: z.array(Int),
  nEvent: z.array(Int),
  nCensor: z.array(Int),
})
export type KmCurve = z.infer<typeof KmCurve>

export const LogRankTest = z.strictObject({ chisq: Num, df: Int, p: Num })
export type LogRankTest = z.infer<typeof LogRankTest>

export const CoxTerm = z.strictObject({
  key: z.string(),
  reference: z.string(),
  coef: Num,
  se: Num,
  hr: Num,
  ci: Ci,
  z: Num,
  p: Num,
  pAdjusted: Num,
})
export type CoxTerm = z.infer<typeof CoxTerm>

export const SurvivalAnalysis = z.strictObject({
  endpoint: z.string(),
  label: z.string(),
  events: z.array(z.string()),
  population: z.string(),
  status: z.enum(['estimated', 'not-estimable']),
  reason: z.string().nullable(),
  curves: z.array(KmCurve),
  atRisk: z.strictObject({
    times: z.array(Num),
    counts: z.array(z.strictObject({ key: z.string(), n: z.array(Int) })),
  }),
  logRank: LogRankTest.nullable().describe(
    'k-sample log-rank test across all arms; null when blinded or not computable',
  ),
  pairwise: z.array(LogRankTest.extend({ key: z.string(), reference: z.string() })),
  cox: z
    .strictObject({
      formula: z.string(),
      status: z.enum(['estimated', 'not-estimable']),
      reason: z.string().nullable(),
      n: Int,
      events: Int,
      converged: z.boolean(),
      terms: z.array(CoxTerm),
    })
    .nullable(),
})
export type SurvivalAnalysis = z.infer<typeof SurvivalAnalysis>

// ---------------------------------------------------------------------------------------------------------
// Feasibility and recruitment

export const Feasibility = z.strictObject({
  extraction: z.strictObject({
    attempted: Int,
    sufficient: Int,
    pct: NumOrNull,
    adiposeG: Summary,
    lipoaspirateMl: Summary,
  }),
  manufacturing: z.strictObject({
    started: Int,
    released: Int,
    failed: Int,
    pctReleased: NumOrNull,
    failureReasons: z.array(ReasonCount),
    cellCount: Summary.describe('×10^6 viable cells per lot'),
    viability: Summary,
  }),
  infusion: z.strictObject({
    given: Int,
    completedPerProtocol: Int,
    pctCompleted: NumOrNull,
    doseDeviations: z.strictObject({
      n: NumOrNull.describe('null in a blinded run (doses are not in the data)'),
      definition: z.string(),
    }),
    reactions: Int,
    byPeriod: z.array(z.strictObject({ period: z.string(), given: Int, completedPerProtocol: Int })),
  }),
  extractionToInfusionDays: Summary,
})
export type Feasibility = z.infer<typeof Feasibility>

export const Recruitment = z.strictObject({
  target: Int,
  first: z.iso.date().nullable(),
  last: z.iso.date().nullable(),
  byMonth: z.array(z.strictObject({ month: z.string(), randomized: Int, cumulative: Int })),
  bySite: z.array(z.strictObject({ site: z.string(), label: z.string(), screened: Int, randomized: Int })),
})
export type Recruitment = z.infer<typeof Recruitment>

// ---------------------------------------------------------------------------------------------------------

export const AnalysisResults = z.strictObject({
  schema: z.literal('trialdesk-analysis-results'),
  schemaVersion: z.literal(1),
  provenance: Provenance,
  groups: z.array(GroupInfo).describe('the groups every by-arm table uses, in protocol order'),
  periods: z.array(PeriodInfo),
  populations: z.array(PopulationInfo),
  recruitment: Recruitment,
  consort: Consort,
  baseline: BaselineTable,
  safety: Safety,
  efficacy: Efficacy,
  survival: z.array(SurvivalAnalysis),
  feasibility: Feasibility,
  notes: z.array(z.string()),
})
export type AnalysisResults = z.infer<typeof AnalysisResults>

/** The JSON Schema (draft 2020-12) of `results.json`, generated from the zod declaration (`docs/results-schema.json`). */
export function resultsJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(AnalysisResults, { target: 'draft-2020-12', reused: 'ref' })
  return {
    $schema,
    $id: 'https://trialdesk.org/schemas/results-1.json',
    title: 'TrialDesk analysis results (results.json)',
    description:
      'Every number of a TrialDesk analysis report. Estimates are per month since randomization; intervals are [lower, upper] at 1 - alpha; null = not computable; a group key is an arm id, total, or BLINDED (the pooled group of a blinded run).',
    ...rest,
  }
}
