/**
 * Baseline characteristics of one patient at randomization.
 *
 * The latent ALSFRS-R total B and the months since onset M are drawn independently; ΔFS follows from its
 * definition, ΔFS = (48 − B) / M (Kimura 2006, ALS-NOTES §2). With B ~ N(38, 5) and M log-normal (median 16,
 * 6–36 months) this gives a ΔFS median ≈ 0.6 with an IQR of ≈ 0.35–1.0, the figures of ALS-NOTES §8.3, and it
 * reproduces the negative correlation of ΔFS with disease duration and with the baseline total.
 */
import type { NaturalHistoryParams } from './params.ts'
import type { Rng } from './rng.ts'
import { DAYS_PER_MONTH, clamp, pickKey, truncatedNormal, truncatedNormalMoments } from './sampling.ts'

export type OnsetRegion = 'bulbar' | 'spinal'
/** Where the first weakness appeared: the bulbar region or one of the limbs. */
export type OnsetSite = 'bulbar' | 'upperLimb' | 'lowerLimb'
export type Sex = 'M' | 'F'
export type ElEscorial = 'definite' | 'probable' | 'probable-lab'

export interface Baseline {
  readonly ageYears: number
  readonly sex: Sex
  /** cm, one decimal. */
  readonly heightCm: number
  /** kg at randomization (latent; visits add measurement noise), one decimal. */
  readonly weightKg: number
  readonly onsetRegion: OnsetRegion
  readonly onsetSite: OnsetSite
  /** Months from first symptom to randomization. */
  readonly monthsSinceOnset: number
  /** Days since randomization of the first symptom (negative). */
  readonly onsetDay: number
  /** Days since randomization of the diagnosis (negative, after onset). */
  readonly diagnosisDay: number
  readonly elEscorial: ElEscorial
  /** Latent ALSFRS-R total at randomization (continuous; observed totals add visit noise and rounding). */
  readonly alsfrsTotal: number
  /** Pre-baseline progression rate (48 − alsfrsTotal) / monthsSinceOnset, points/month. */
  readonly deltaFs: number
  /** Latent FVC % predicted at randomization. */
  readonly fvcPct: number
  /** Member of the cognitively impaired subgroup (drives ECAS). */
  readonly cognitivelyImpaired: boolean
}

/**
 * Draws a patient's baseline from `rng` (the caller passes the patient's own substream).
 * The draws are made in a fixed order, so a given stream always yields the same patient.
 */
export function sampleBaseline(params: NaturalHistoryParams, rng: Rng): Baseline {
  const d = params.demographics
  const o = params.onset
  const sex: Sex = rng.next() < d.maleProportion ? 'M' : 'F'
  const ageYears = Math.floor(truncatedNormal(rng, d.age.mean, d.age.sd, d.ageMin, d.ageMax + 0.999))
  const height = sex === 'M' ? d.heightCmMale : d.heightCmFemale
  const weight = sex === 'M' ? d.weightKgMale : d.weightKgFemale
  const heightCm = round1(truncatedNormal(rng, height.mean, height.sd, 130, 215))
  const weightKg = round1(truncatedNormal(rng, weight.mean, weight.sd, 38, 160))

  const onsetSite: OnsetSite =
    rng.next() < o.bulbarProportion ? 'bulbar' : rng.next() < o.upperLimbShareOfSpinal ? 'upperLimb' : 'lowerLimb'
  const monthsSinceOnset = Math.exp(
    truncatedNormal(rng, Math.log(o.monthsMedian), o.monthsLogSd, Math.log(o.monthsMin), Math.log(o.monthsMax)),
  )
  // Diagnosis at least a month before randomization (onset is at least `monthsMin` ≥ 0 months back).
  const delay = Math.min(
    o.diagnosticDelayMedian * Math.exp(o.diagnosticDelayLogSd * rng.normal()),
    Math.max(0, monthsSinceOnset - 1),
  )
  const onsetDay = -Math.round(monthsSinceOnset * DAYS_PER_MONTH)
  const elEscorial = pickKey(rng, {
    definite: o.elEscorial.definite,
    probable: o.elEscorial.probable,
    'probable-lab': o.elEscorial.probableLab,
  })

  const a = params.alsfrs
  const alsfrsTotal = truncatedNormal(rng, a.baseline.mean, a.baseline.sd, a.baselineMin, a.baselineMax)
  const f = params.fvc
  const fvcPct = truncatedNormal(rng, f.baseline.mean, f.baseline.sd, f.baselineMin, f.baselineMax)
  const cognitivelyImpaired = rng.next() < params.ecas.impairedProportion

  return {
    ageYears,
    sex,
    heightCm,
    weightKg,
    onsetRegion: onsetSite === 'bulbar' ? 'bulbar' : 'spinal',
    onsetSite,
    monthsSinceOnset,
    onsetDay,
    diagnosisDay: onsetDay + Math.round(delay * DAYS_PER_MONTH),
    elEscorial,
    alsfrsTotal,
    deltaFs: (48 - alsfrsTotal) / monthsSinceOnset,
    fvcPct,
    cognitivelyImpaired,
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10

const logDeltaFsCache = new WeakMap<NaturalHistoryParams, { mean: number; sd: number }>()

/**
 * Mean and SD of log ΔFS implied by the baseline distributions (exact up to quadrature), used to standardise
 * log ΔFS so that the slope keeps its stated mean and SD whatever its correlation with ΔFS.
 */
export function logDeltaFsMoments(params: NaturalHistoryParams): { mean: number; sd: number } {
  const cached = logDeltaFsCache.get(params)
  if (cached) return cached
  const a = params.alsfrs
  const o = params.onset
  const loss = truncatedNormalMoments(
    (b) => Math.log(48 - b),
    a.baseline.mean,
    a.baseline.sd,
    a.baselineMin,
    a.baselineMax,
  )
  const months = truncatedNormalMoments(
    (x) => x,
    Math.log(o.monthsMedian),
    o.monthsLogSd,
    Math.log(o.monthsMin),
    Math.log(o.monthsMax),
  )
  const value = { mean: loss.mean - months.mean, sd: Math.sqrt(loss.variance + months.variance) }
  logDeltaFsCache.set(params, value)
  return value
}

/** Standardised log ΔFS of a baseline, ~ mean 0 and SD 1 over the cohort. */
export function deltaFsZ(params: NaturalHistoryParams, baseline: Baseline): number {
  const m = logDeltaFsMoments(params)
  return m.sd > 0 ? clamp((Math.log(baseline.deltaFs) - m.mean) / m.sd, -8, 8) : 0
}
