/**
 * Parameters of the natural-history model: one zod schema, every field documented with its unit and the
 * source of its default. Sources are cited by section of `shared/domain/ALS-NOTES.md` (which carries the
 * primary references); **[assumption]** marks a default chosen by us for plausibility, not taken from a
 * published figure. `docs/simulation-model.md` gives the equations and the same table of sources.
 *
 * Time inside the model is in months (= days / 30.4375) since randomization.
 */
import { z } from 'zod'
import { formatPath, ok, fail, problem, ProblemCode } from '../../domain/index.ts'
import type { Result } from '../../domain/index.ts'
import { DEFAULT_ADVERSE_EVENTS, AdverseEventCatalogue } from './adverse-event-catalogue.ts'

const Probability = z.number().min(0).max(1)
const Positive = z.number().positive()
const NonNegative = z.number().nonnegative()
const MeanSd = (mean: number, sd: number) =>
  z.strictObject({ mean: z.number().default(mean), sd: NonNegative.default(sd) }).prefault({})

/** Region offsets (in loss-order units, see `itemPattern`) of the four body regions for one onset type. */
const RegionOffsets = (bulbar: number, upperLimb: number, lowerLimb: number, respiratory: number) =>
  z
    .strictObject({
      bulbar: NonNegative.default(bulbar),
      upperLimb: NonNegative.default(upperLimb),
      lowerLimb: NonNegative.default(lowerLimb),
      respiratory: NonNegative.default(respiratory),
    })
    .prefault({})

export const NaturalHistoryParams = z.strictObject({
  demographics: z
    .strictObject({
      /** Age at randomization, years: N(mean, sd) truncated to [min, max]. [assumption] trial cohorts, mean mid-50s. */
      age: MeanSd(57, 11),
      ageMin: NonNegative.default(18),
      ageMax: NonNegative.default(80),
      /** [assumption] male:female ≈ 1.5:1 in sporadic ALS. */
      maleProportion: Probability.default(0.6),
      /** Height, cm, by sex. [assumption] adult Spanish population. */
      heightCmMale: MeanSd(174, 7),
      heightCmFemale: MeanSd(161, 6),
      /** Weight at randomization, kg, by sex. [assumption] BMI ≈ 25. Drives the cells/kg dose. */
      weightKgMale: MeanSd(77, 11),
      weightKgFemale: MeanSd(63, 10),
    })
    .prefault({}),

  onset: z
    .strictObject({
      /** [assumption] about 25 % bulbar onset in trial cohorts (population series ~30 %). */
      bulbarProportion: Probability.default(0.25),
      /** Share of spinal onsets that start in an upper limb (the rest: lower limb). [assumption] */
      upperLimbShareOfSpinal: Probability.default(0.55),
      /**
       * Months from first symptom to randomization: log-normal (median, log SD) truncated to the protocol's
       * 6–36 months (ALS-NOTES §1.2 eligibility). [assumption] median 16 months.
       */
      monthsMedian: Positive.default(16),
      monthsLogSd: Positive.default(0.5),
      monthsMin: NonNegative.default(6),
      monthsMax: Positive.default(36),
      /** Months from onset to diagnosis: log-normal, capped one month before randomization. [assumption] */
      diagnosticDelayMedian: Positive.default(11),
      diagnosticDelayLogSd: Positive.default(0.5),
      /** Revised El Escorial category at entry (eligibility: definite or probable, ALS-NOTES §1.2). [assumption] */
      elEscorial: z
        .strictObject({
          definite: NonNegative.default(0.45),
          probable: NonNegative.default(0.4),
          probableLab: NonNegative.default(0.15),
        })
        .prefault({}),
    })
    .prefault({}),

  alsfrs: z
    .strictObject({
      /** Latent ALSFRS-R total at randomization: N(38, 5) (ALS-NOTES §8.3) truncated to [min, max]. */
      baseline: MeanSd(38, 5),
      /** [assumption] lower bound: FVC ≥ 50 % and independent consent make totals below ~20 rare. */
      baselineMin: NonNegative.default(20),
      /** 47, not 48: 6+ months after onset a patient has lost at least one point (ΔFS > 0). */
      baselineMax: z.number().max(48).default(47),
      /** Individual slope, points/month: N(−0.95, 0.6²) (ALS-NOTES §8.3; PRO-ACT mean −1.02, §2). */
      slope: MeanSd(-0.95, 0.6),
      /** Latent slopes above this are clamped (ALS-NOTES §8.3 "truncated ≤ 0.1"); shifts the mean by ≈ −0.01. */
      slopeMax: z.number().default(0.1),
      /**
       * Correlation between the slope and the standardised log ΔFS (negative: a faster pre-baseline rate predicts
       * a faster decline; Kimura 2006, ALS-NOTES §2). [assumption] −0.4.
       */
      slopeDeltaFsCorrelation: z.number().min(-0.95).max(0.95).default(-0.4),
      /** Extra slope of bulbar-onset patients, points/month (centred so the cohort mean stays `slope.mean`). [assumption] */
      bulbarSlopeShift: z.number().default(-0.15),
      /** Quadratic term, points/month² (N(mean, sd)): "mild curvature". [assumption] 0 = linear decline. */
      curvature: MeanSd(0, 0),
      /** Visit-to-visit noise of the observed total around the latent path, points (ALS-NOTES §8.3: 1.5). */
      visitNoiseSd: NonNegative.default(1.5),
    })
    .prefault({}),

  /**
   * How the lost points are spread over the twelve items. Each patient gets a loss order of the 48 item
   * units: unit k of item j is lost at key `regionOffset + itemOffset + jitter + k·spacing` (spacing drawn per
   * unit), and a total of T means the 48 − T smallest keys are lost. Units of the onset region come first,
   * the respiratory ones last. All values are [assumption], tuned so that subscores at a total of ~38 look
   * like trial baselines: at a total of 38, bulbar onset has bulbar ≈ 7/12 with the limbs ≈ 9.5–10; upper-limb
   * onset fine motor ≈ 7 and lower-limb onset gross motor ≈ 7 with bulbar ≈ 11; respiratory ≈ 11.6 in all.
   */
  itemPattern: z
    .strictObject({
      offsetsBulbarOnset: RegionOffsets(0, 0.9, 1.1, 1.7),
      offsetsUpperLimbOnset: RegionOffsets(1.2, 0, 0.6, 1.7),
      offsetsLowerLimbOnset: RegionOffsets(1.3, 0.6, 0, 1.7),
      /** SD of each non-onset region's offset between patients. */
      regionJitterSd: NonNegative.default(0.4),
      /** Per-slot offsets within the region (Q1…Q12; Q7 sits between the upper and lower limb offsets). */
      itemOffsets: z.array(z.number()).length(12).default([0, 0.35, 0.15, 0, 0.1, 0.2, 0.3, 0.05, 0, 0, 0.25, 0.9]),
      itemJitterSd: NonNegative.default(0.2),
      /** Mean key distance between successive units of one item (Erlang-4 distributed). */
      unitSpacing: Positive.default(0.9),
      /** A gastrostomy is placed when the latent swallowing item (Q3) reaches this score. Item 3 = 1 means tube feeding. */
      gastrostomyAtSwallowing: z.number().int().min(0).max(3).default(1),
    })
    .prefault({}),

  fvc: z
    .strictObject({
      /** FVC % predicted at randomization: N(85, 15) (ALS-NOTES §8.3) truncated to [min, max]; min = eligibility 50 %. */
      baseline: MeanSd(85, 15),
      baselineMin: NonNegative.default(50),
      baselineMax: Positive.default(130),
      /** Slope, % predicted per month: mean −2.2 (ALS-NOTES §8.3; PRO-ACT VC −2.24, §2). SD [assumption]. */
      slope: MeanSd(-2.2, 1.8),
      /** Correlation of the FVC slope with the ALSFRS-R slope. [assumption] */
      slopeCorrelation: z.number().min(-0.95).max(0.95).default(0.5),
      /** Measurement noise, percentage points. [assumption] spirometry in ALS is effort-dependent. */
      visitNoiseSd: NonNegative.default(5),
      /** Lowest recordable value, %. */
      floor: NonNegative.default(10),
    })
    .prefault({}),

  neuro: z
    .strictObject({
      /**
       * Neurophysiology of the ADM (CMAP amplitude, distal motor latency, F-wave persistence → NI, ALS-NOTES
       * §4.1) and MUNIX of six muscles. All values [assumption]: normal limits are laboratory specific (§10).
       * Each index declines exponentially at `monthlyDecline × (patient slope / mean slope)`, with log-normal
       * patient variation, and is measured with multiplicative noise (coefficient of variation).
       */
      cmapAdmMv: MeanSd(7, 2.5),
      dmlAdmMs: MeanSd(3.2, 0.4),
      fWaveAdmPct: MeanSd(60, 20),
      /** MUNIX at baseline per muscle (count-like index): median of APB, ADM, biceps, TA, AH, trapezius. */
      munixMedians: z
        .strictObject({
          APB: Positive.default(60),
          ADM: Positive.default(90),
          BB: Positive.default(120),
          TA: Positive.default(80),
          AH: Positive.default(70),
          TRAP: Positive.default(100),
        })
        .prefault({}),
      munixLogSd: Positive.default(0.45),
      /** Mean relative loss per month at the mean ALSFRS-R slope: CMAP 1.5 %, NI 3 %, MUNIX 2.5 %. */
      cmapMonthlyDecline: NonNegative.default(0.015),
      niMonthlyDecline: NonNegative.default(0.03),
      munixMonthlyDecline: NonNegative.default(0.025),
      declineLogSd: NonNegative.default(0.3),
      /** Test–retest coefficients of variation. */
      cmapCv: NonNegative.default(0.1),
      dmlCv: NonNegative.default(0.05),
      fWaveCv: NonNegative.default(0.15),
      munixCv: NonNegative.default(0.12),
    })
    .prefault({}),

  mas: z
    .strictObject({
      /** Muscle groups rated per side (instruments.json MAS `suggestedMuscleGroups`). */
      muscleGroups: z
        .array(z.string().min(1))
        .min(1)
        .default([
          'elbowFlexors',
          'elbowExtensors',
          'wristFlexors',
          'kneeFlexors',
          'kneeExtensors',
          'hipAdductors',
          'anklePlantarFlexors',
        ]),
      /**
       * Latent tone per group and side = patient spasticity (N(mean, sd)) + group/side deviation + `growth` ×
       * the fraction of that limb's ALSFRS-R units lost; rounded down through the cut points into grades 0…4.
       * [assumption] about half the patients show some spasticity (upper motor neuron signs) at baseline, mostly
       * grades 1 and 1+, slowly increasing with limb involvement.
       */
      patientTone: MeanSd(-0.5, 0.9),
      groupSd: NonNegative.default(0.4),
      growth: NonNegative.default(0.8),
      /** Cut points on the latent scale between grades 0|1|1+|2|3|4. */
      cuts: z.array(z.number()).length(5).default([0.5, 1.1, 1.7, 2.5, 3.4]),
      visitNoiseSd: NonNegative.default(0.25),
    })
    .prefault({}),

  ecas: z
    .strictObject({
      /**
       * Cognitively impaired subgroup. [assumption] ~30 % of ALS patients have cognitive impairment and
       * 5–15 % FTD; about a quarter score ECAS-abnormal (total ≤ 105, Niven 2015, ALS-NOTES §4.2).
       */
      impairedProportion: Probability.default(0.25),
      /** Mean domain scores (executive, language, fluency, memory, visuospatial), unimpaired. [assumption] */
      unimpairedMeans: z.array(z.number()).length(5).default([41, 26, 20, 17, 11.5]),
      impairedMeans: z.array(z.number()).length(5).default([31, 22, 12, 14, 10.5]),
      /** Between-patient SD per domain. [assumption] */
      domainSds: z.array(NonNegative).length(5).default([3, 1.2, 2.5, 2.5, 0.7]),
      /** Correlation between domains within a patient (shared cognitive factor). [assumption] */
      domainCorrelation: z.number().min(0).max(0.95).default(0.3),
      /** Change per month of the impaired subgroup (the unimpaired are stable), points of the total. [assumption] */
      impairedMonthlyChange: z.number().default(-0.1),
      /** Retest noise per domain, points. [assumption] */
      visitNoiseSd: NonNegative.default(1),
    })
    .prefault({}),

  weight: z
    .strictObject({
      /**
       * Weight falls at kgPerMonth + kgPerMonthAtFullBulbarLoss × (fraction of bulbar points lost) per month of
       * disease time, the bulbar part stopping at gastrostomy: dysphagia drives the loss, tube feeding
       * stabilises it. [assumption] ~2.5 kg/year with intact bulbar function, ~6 kg/year with half of it lost.
       */
      kgPerMonth: NonNegative.default(0.1),
      kgPerMonthAtFullBulbarLoss: NonNegative.default(0.8),
      visitNoiseSd: NonNegative.default(0.7),
    })
    .prefault({}),

  survival: z
    .strictObject({
      /**
       * Cause-specific hazards of death and of tracheostomy/permanent assisted ventilation, per month, for a
       * patient at the reference state (latent ALSFRS-R `referenceAlsfrs`, FVC `referenceFvc`):
       *   h(t) = rate × exp(βA·(refA − A(t))/10 + βF·(refF − F(t))/10) × HR(t).
       * Calibrated to the placebo arms of 13 ALS trials (van Eijk RPA et al. Critical design considerations for
       * time-to-event endpoints in ALS clinical trials. JNNP 2019; individual data of 4,991 patients): observed
       * survival 74–81 % at 12 months and 54–70 % at 18 months, hazard rising over time (Weibull shape 2.03).
       * The defaults give ≈ 85 % and ≈ 67 % (shape ≈ 2). ALS-NOTES §8.3's "36-month survival 40–55 %" cannot hold
       * together with those figures and a decline of ~1 point/month; docs/simulation-model.md explains the choice.
       * A rate of 0 switches the event off.
       */
      deathRatePerMonth: NonNegative.default(0.0045),
      ventilationRatePerMonth: NonNegative.default(0.0011),
      /** Log hazard ratio per 10 points lower latent ALSFRS-R. [assumption] HR ≈ 2.5 per 10 points. */
      alsfrsLogHrPer10: z.number().default(0.9),
      /** Log hazard ratio per 10 % predicted lower FVC. [assumption] HR 1.2 (ALS-NOTES §5 quotes 0.988 per %, unverified). */
      fvcLogHrPer10: z.number().default(0.18),
      referenceAlsfrs: z.number().default(38),
      referenceFvc: z.number().default(85),
      /** Death hazard ratio once ventilated (tracheostomy/PAV prolongs survival, ALS-NOTES §5 NIV +7–12 months). [assumption] */
      postVentilationDeathHr: Positive.default(0.5),
      /** Share of ventilation events that are tracheostomies (the rest permanent assisted ventilation). [assumption] */
      tracheostomyShare: Probability.default(0.4),
    })
    .prefault({}),

  dropout: z
    .strictObject({
      /**
       * Withdrawal hazard between visits (per year), with a missing-at-random part (last observed total) and an
       * informative part (current latent total). Calibrated so that total attrition with deaths is about
       * 15–25 %/year (ALS-NOTES §8.2). Rates and log-HRs [assumption].
       */
      ratePerYear: NonNegative.default(0.035),
      referenceAlsfrs: z.number().default(38),
      /** Log HR per 10 points lower *last observed* total (MAR). */
      observedLogHrPer10: z.number().default(0.4),
      /** Log HR per 10 points lower *current latent* total (missing not at random). */
      latentLogHrPer10: z.number().default(0.4),
      /** Reasons given at withdrawal, relative weights. [assumption] */
      reasons: z
        .strictObject({
          withdrawalBySubject: NonNegative.default(0.55),
          adverseEvent: NonNegative.default(0.15),
          lostToFollowUp: NonNegative.default(0.1),
          physicianDecision: NonNegative.default(0.2),
        })
        .prefault({}),
    })
    .prefault({}),

  missedVisits: z
    .strictObject({
      /** Probability that a post-randomization visit is missed at the reference state. [assumption] */
      probability: Probability.default(0.04),
      referenceAlsfrs: z.number().default(38),
      /** Log odds ratio per 10 points lower latent total (informative missed visits). [assumption] */
      latentLogOrPer10: z.number().default(0.5),
    })
    .prefault({}),

  adverseEvents: AdverseEventCatalogue.default(DEFAULT_ADVERSE_EVENTS),
})
export type NaturalHistoryParams = z.infer<typeof NaturalHistoryParams>
export type NaturalHistoryInput = z.input<typeof NaturalHistoryParams>

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/** The published-figure defaults (frozen). */
export const defaultNaturalHistory: NaturalHistoryParams = deepFreeze(NaturalHistoryParams.parse({}))

/** Validates a (partial) parameter object; absent fields take their defaults. Reports every problem at once. */
export function parseNaturalHistory(input: unknown): Result<NaturalHistoryParams> {
  const parsed = NaturalHistoryParams.safeParse(input ?? {})
  if (!parsed.success) {
    return fail(parsed.error.issues.map((i) => problem(ProblemCode.Invalid, formatPath(i.path), i.message)))
  }
  return ok(deepFreeze(parsed.data))
}

// ---------------------------------------------------------------------------------------------------------
// Treatment effects

/**
 * The effect of one arm. Zero by default (placebo / natural history).
 * - `slopeSlowing`: fraction by which the disease clock runs slower while the effect applies (0.25 = ALSFRS-R,
 *   FVC, neurophysiology and item loss all progress 25 % slower; negative = faster).
 * - `hazardRatio`: direct multiplier of the death and ventilation hazards, on top of the benefit that comes
 *   through the slower decline of ALSFRS-R and FVC in the hazard.
 * - `extraAeRatePerYear`: extra events per patient-year of catalogue terms while the effect applies.
 * - `extraInfusionAeProbability`: extra probability per active infusion of catalogue terms.
 */
export const ArmEffect = z.strictObject({
  slopeSlowing: z.number().min(-1).max(1).default(0),
  hazardRatio: Positive.default(1),
  extraAeRatePerYear: z.record(z.string(), NonNegative).default({}),
  extraInfusionAeProbability: z.record(z.string(), Probability).default({}),
})
export type ArmEffect = z.infer<typeof ArmEffect>
export type ArmEffectInput = z.input<typeof ArmEffect>

export const noEffect: ArmEffect = deepFreeze(ArmEffect.parse({}))

/** An effect that applies from `fromDay` (days since randomization) until the next segment starts. */
export interface TreatmentSegment {
  readonly fromDay: number
  readonly effect: ArmEffect
}
/** Effects over time, e.g. placebo then, from the month-6 re-randomization, a dose arm's effect. */
export type TreatmentCourse = readonly TreatmentSegment[]

/** Validates an arm effect and checks that every extra-AE term exists in the catalogue. */
export function parseArmEffect(
  input: unknown,
  params: NaturalHistoryParams = defaultNaturalHistory,
): Result<ArmEffect> {
  const parsed = ArmEffect.safeParse(input ?? {})
  if (!parsed.success) {
    return fail(parsed.error.issues.map((i) => problem(ProblemCode.Invalid, formatPath(i.path), i.message)))
  }
  const known = new Set(catalogueTerms(params))
  const unknown = [
    ...Object.keys(parsed.data.extraAeRatePerYear).map((t) => ['extraAeRatePerYear', t] as const),
    ...Object.keys(parsed.data.extraInfusionAeProbability).map((t) => ['extraInfusionAeProbability', t] as const),
  ].filter(([, t]) => !known.has(t))
  if (unknown.length > 0) {
    return fail(
      unknown.map(([field, t]) =>
        problem(ProblemCode.NotFound, `${field}.${t}`, `"${t}" is not a term of the adverse-event catalogue`),
      ),
    )
  }
  return ok(deepFreeze(parsed.data))
}

function catalogueTerms(params: NaturalHistoryParams): string[] {
  const c = params.adverseEvents
  return [...c.background, ...c.extraction, ...c.infusion].map((t) => t.term)
}

/** Normalises one effect or a course into a course sorted by day, starting with no effect before the first segment. */
export function toCourse(treatment: ArmEffect | TreatmentCourse): TreatmentCourse {
  const segments: readonly TreatmentSegment[] = Array.isArray(treatment)
    ? (treatment as TreatmentCourse)
    : [{ fromDay: 0, effect: treatment as ArmEffect }]
  return [...segments].sort((a, b) => a.fromDay - b.fromDay)
}
