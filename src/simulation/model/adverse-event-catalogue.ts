/**
 * The adverse events the model generates: background and disease-related events by MedDRA SOC, events of the
 * adipose-tissue extraction and of the infusion, and the events that accompany ventilation and death.
 *
 * Terms are English preferred-term style names, not MedDRA codes (MedDRA is licensed: users code them with
 * their own release). SOC names, WHO-UMC causality codes and seriousness criteria are those of
 * `data/instruments.json` (checked by `vocabulary.test.ts`).
 *
 * Rates are **[assumption]**: ALS-NOTES has no table of placebo-arm AE rates (§1.3, §10). They are set so that,
 * over 6 months on placebo, most patients report at least one AE and falls are the commonest (as in ALS trial
 * placebo arms), and the expected AdMSC profile of ALS-NOTES §8.3 (lipoaspiration pain, haematoma and bruising;
 * infusion fever, headache and reactions; pulmonary embolism as a rare important risk) is present.
 * `docs/simulation-model.md` lists the incidences this produces.
 */
import { z } from 'zod'

/** WHO-UMC causality categories (instruments.json `WHO_UMC_CAUSALITY`). */
export const WHO_UMC = ['CERTAIN', 'PROBABLE', 'POSSIBLE', 'UNLIKELY', 'CONDITIONAL', 'UNASSESSABLE'] as const
export type Causality = (typeof WHO_UMC)[number]

/** ICH E2A seriousness criteria the model can set (instruments.json `ICH_SERIOUSNESS_CRITERIA`). */
export type SeriousnessCriterion = 'DEATH' | 'LIFE_THREATENING' | 'HOSPITALISATION' | 'OTHER_IMPORTANT'

const NonNegative = z.number().nonnegative()
const Weights = z.partialRecord(z.enum(WHO_UMC), NonNegative)

/** Which ALSFRS-R region's loss makes a disease-related event more frequent. */
export const AeDriver = z.enum(['none', 'bulbar', 'upperLimb', 'lowerLimb', 'respiratory', 'overall'])
export type AeDriver = z.infer<typeof AeDriver>

const TermBase = {
  term: z.string().min(1),
  soc: z.string().min(1),
  /** Relative weights of CTCAE grades 1–4 (grade 5 is only ever given to the event that accompanies death). */
  grades: z.array(NonNegative).length(4),
  /** Probability that a grade-3 event is serious (hospitalisation). Grade 4 is always serious; 1–2 never. */
  seriousIfGrade3: z.number().min(0).max(1).default(0.5),
  /** Median duration in days (log-normal, log SD 0.8); null = does not resolve (chronic, disease-related). */
  durationDaysMedian: z.number().positive().nullable(),
  /** Relative weights of the investigator's WHO-UMC causality assessment. */
  causality: Weights,
}

export const BackgroundTerm = z.strictObject({
  ...TermBase,
  /** Events per patient-year with the driving region intact. */
  ratePerYear: NonNegative,
  drivenBy: AeDriver.default('none'),
  /** The rate is multiplied by exp(growth × fraction of the driving region's ALSFRS-R units lost). */
  growth: NonNegative.default(0),
})
export type BackgroundTerm = z.infer<typeof BackgroundTerm>

export const ProcedureTerm = z.strictObject({
  ...TermBase,
  /** Probability per procedure (extraction, or infusion of any preparation). */
  probability: z.number().min(0).max(1),
  /** Onset within this many days of the procedure (uniform). */
  onsetWithinDays: NonNegative.default(1),
})
export type ProcedureTerm = z.infer<typeof ProcedureTerm>

export const TerminalTerm = z.strictObject({
  term: z.string().min(1),
  soc: z.string().min(1),
  weight: NonNegative,
  causality: Weights.default({ UNLIKELY: 0.9, POSSIBLE: 0.07, UNASSESSABLE: 0.03 }),
})
export type TerminalTerm = z.infer<typeof TerminalTerm>

export const AdverseEventCatalogue = z.strictObject({
  background: z.array(BackgroundTerm),
  extraction: z.array(ProcedureTerm),
  infusion: z.array(ProcedureTerm),
  /** The fatal (grade 5) event recorded at death, one drawn by weight. */
  death: z.array(TerminalTerm).min(1),
  /** The life-threatening (grade 4) event recorded at tracheostomy / permanent ventilation. */
  ventilation: TerminalTerm,
  durationLogSd: NonNegative.default(0.8),
})
export type AdverseEventCatalogue = z.infer<typeof AdverseEventCatalogue>

const SOC = {
  infections: 'Infections and infestations',
  psychiatric: 'Psychiatric disorders',
  nervous: 'Nervous system disorders',
  cardiac: 'Cardiac disorders',
  vascular: 'Vascular disorders',
  respiratory: 'Respiratory, thoracic and mediastinal disorders',
  gastrointestinal: 'Gastrointestinal disorders',
  skin: 'Skin and subcutaneous tissue disorders',
  musculoskeletal: 'Musculoskeletal and connective tissue disorders',
  general: 'General disorders and administration site conditions',
  investigations: 'Investigations',
  injury: 'Injury, poisoning and procedural complications',
} as const

/** The blinded investigator's view of an event the disease explains. */
const NOT_RELATED = { UNLIKELY: 0.9, POSSIBLE: 0.07, UNASSESSABLE: 0.03 }
/** Common intercurrent events: mostly unrelated, sometimes "possible" under blinding. */
const BACKGROUND = { UNLIKELY: 0.75, POSSIBLE: 0.2, UNASSESSABLE: 0.05 }
/** Events of the extraction procedure: related to the procedure. */
const PROCEDURAL = { CERTAIN: 0.3, PROBABLE: 0.6, POSSIBLE: 0.1 }
/** Events in the 48 h after an infusion. */
const PERI_INFUSION = { PROBABLE: 0.3, POSSIBLE: 0.5, UNLIKELY: 0.2 }

const bg = (
  term: string,
  soc: string,
  ratePerYear: number,
  grades: number[],
  durationDaysMedian: number | null,
  more: Partial<Pick<BackgroundTerm, 'drivenBy' | 'growth' | 'seriousIfGrade3' | 'causality'>> = {},
): BackgroundTerm => ({
  term,
  soc,
  ratePerYear,
  grades,
  durationDaysMedian,
  drivenBy: 'none',
  growth: 0,
  seriousIfGrade3: 0.5,
  causality: BACKGROUND,
  ...more,
})

const proc = (
  term: string,
  soc: string,
  probability: number,
  grades: number[],
  durationDaysMedian: number | null,
  causality: Record<string, number>,
  more: Partial<Pick<ProcedureTerm, 'seriousIfGrade3' | 'onsetWithinDays'>> = {},
): ProcedureTerm => ({
  term,
  soc,
  probability,
  grades,
  durationDaysMedian,
  causality,
  seriousIfGrade3: 0.5,
  onsetWithinDays: 1,
  ...more,
})

export const DEFAULT_ADVERSE_EVENTS: AdverseEventCatalogue = {
  background: [
    // ALS-related: frequency rises with loss in the driving region (falls with leg weakness, aspiration with dysphagia).
    bg('Fall', SOC.injury, 0.25, [0.6, 0.3, 0.09, 0.01], 3, {
      drivenBy: 'lowerLimb',
      growth: 1.5,
      seriousIfGrade3: 0.6,
      causality: NOT_RELATED,
    }),
    bg('Contusion', SOC.injury, 0.1, [0.8, 0.2, 0, 0], 10, { drivenBy: 'lowerLimb', growth: 1 }),
    bg('Dysphagia', SOC.gastrointestinal, 0.05, [0.3, 0.5, 0.2, 0], null, {
      drivenBy: 'bulbar',
      growth: 2.5,
      seriousIfGrade3: 0.3,
      causality: NOT_RELATED,
    }),
    bg('Salivary hypersecretion', SOC.gastrointestinal, 0.03, [0.5, 0.45, 0.05, 0], null, {
      drivenBy: 'bulbar',
      growth: 2.5,
      causality: NOT_RELATED,
    }),
    bg('Pneumonia aspiration', SOC.respiratory, 0.01, [0, 0.1, 0.6, 0.3], 14, {
      drivenBy: 'bulbar',
      growth: 3,
      seriousIfGrade3: 1,
      causality: NOT_RELATED,
    }),
    bg('Dyspnoea', SOC.respiratory, 0.04, [0.4, 0.45, 0.15, 0], null, {
      drivenBy: 'respiratory',
      growth: 3,
      seriousIfGrade3: 0.3,
      causality: NOT_RELATED,
    }),
    bg('Muscle spasms', SOC.musculoskeletal, 0.12, [0.7, 0.28, 0.02, 0], 30, {
      drivenBy: 'overall',
      growth: 0.8,
      causality: NOT_RELATED,
    }),
    bg('Constipation', SOC.gastrointestinal, 0.18, [0.6, 0.38, 0.02, 0], 21, { drivenBy: 'overall', growth: 1 }),
    bg('Fatigue', SOC.general, 0.08, [0.6, 0.35, 0.05, 0], 30, { drivenBy: 'overall', growth: 1 }),
    bg('Weight decreased', SOC.investigations, 0.03, [0.6, 0.35, 0.05, 0], null, {
      drivenBy: 'bulbar',
      growth: 2,
      causality: NOT_RELATED,
    }),
    bg('Insomnia', SOC.psychiatric, 0.08, [0.6, 0.38, 0.02, 0], 30, { drivenBy: 'respiratory', growth: 1 }),
    bg('Deep vein thrombosis', SOC.vascular, 0.01, [0, 0.4, 0.5, 0.1], 60, {
      drivenBy: 'lowerLimb',
      growth: 1.5,
      seriousIfGrade3: 0.8,
    }),
    // Intercurrent events and riluzole's known effects (nausea, raised ALT).
    bg('Nasopharyngitis', SOC.infections, 0.3, [0.8, 0.2, 0, 0], 7),
    bg('Urinary tract infection', SOC.infections, 0.08, [0.4, 0.5, 0.1, 0], 10),
    bg('Headache', SOC.nervous, 0.18, [0.75, 0.23, 0.02, 0], 2),
    bg('Dizziness', SOC.nervous, 0.06, [0.8, 0.2, 0, 0], 3),
    bg('Nausea', SOC.gastrointestinal, 0.1, [0.7, 0.28, 0.02, 0], 5),
    bg('Diarrhoea', SOC.gastrointestinal, 0.08, [0.7, 0.28, 0.02, 0], 4),
    bg('Back pain', SOC.musculoskeletal, 0.12, [0.6, 0.35, 0.05, 0], 14),
    bg('Pain in extremity', SOC.musculoskeletal, 0.1, [0.6, 0.35, 0.05, 0], 14),
    bg('Depression', SOC.psychiatric, 0.07, [0.5, 0.45, 0.05, 0], 90),
    bg('Anxiety', SOC.psychiatric, 0.05, [0.6, 0.38, 0.02, 0], 60),
    bg('Alanine aminotransferase increased', SOC.investigations, 0.05, [0.85, 0.12, 0.03, 0], 45),
    bg('Rash', SOC.skin, 0.04, [0.8, 0.2, 0, 0], 10),
  ],
  // Lipoaspiration (ALS-NOTES §8.3: site pain, haematoma, bruising).
  extraction: [
    proc('Procedural pain', SOC.injury, 0.4, [0.7, 0.3, 0, 0], 5, PROCEDURAL),
    proc('Haematoma', SOC.vascular, 0.2, [0.85, 0.15, 0, 0], 14, PROCEDURAL),
    proc('Contusion', SOC.injury, 0.25, [0.9, 0.1, 0, 0], 10, PROCEDURAL),
    proc('Wound infection', SOC.infections, 0.02, [0, 0.8, 0.2, 0], 10, PROCEDURAL, {
      onsetWithinDays: 7,
      seriousIfGrade3: 0.2,
    }),
  ],
  // Any infusion, placebo included (vehicle, cannulation); active arms add `extraInfusionAeProbability`.
  infusion: [
    proc('Pyrexia', SOC.general, 0.08, [0.8, 0.2, 0, 0], 1, PERI_INFUSION, { onsetWithinDays: 2 }),
    proc('Headache', SOC.nervous, 0.1, [0.8, 0.2, 0, 0], 1, PERI_INFUSION, { onsetWithinDays: 2 }),
    proc('Infusion related reaction', SOC.injury, 0.03, [0.6, 0.35, 0.05, 0], 1, PERI_INFUSION, { onsetWithinDays: 0 }),
    proc('Nausea', SOC.gastrointestinal, 0.04, [0.85, 0.15, 0, 0], 1, PERI_INFUSION, { onsetWithinDays: 1 }),
    // ALS-NOTES §8.1 (Royan): two pulmonary emboli after IV AdMSC; an important potential risk of IV MSC.
    proc(
      'Pulmonary embolism',
      SOC.respiratory,
      0.002,
      [0, 0.2, 0.6, 0.2],
      30,
      { POSSIBLE: 0.6, PROBABLE: 0.3, UNASSESSABLE: 0.1 },
      { onsetWithinDays: 2, seriousIfGrade3: 1 },
    ),
  ],
  death: [
    { term: 'Respiratory failure', soc: SOC.respiratory, weight: 0.8, causality: NOT_RELATED },
    { term: 'Pneumonia aspiration', soc: SOC.respiratory, weight: 0.15, causality: NOT_RELATED },
    { term: 'Cardio-respiratory arrest', soc: SOC.cardiac, weight: 0.05, causality: NOT_RELATED },
  ],
  ventilation: { term: 'Respiratory failure', soc: SOC.respiratory, weight: 1, causality: NOT_RELATED },
  durationLogSd: 0.8,
}
