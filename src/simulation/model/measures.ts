/**
 * The secondary measurements of the rich path: FVC, neurophysiology (CMAP, DML, F waves, NI, MUNIX), Modified
 * Ashworth grades, ECAS domain scores and weight. Each is a patient-level trait drawn once, a decline driven
 * by the disease clock (or by the item loss order), and measurement noise drawn per visit.
 */
import type { LatentCourse } from './course.ts'
import { latentAlsfrs, latentFvc } from './course.ts'
import { regionLossFraction } from './items.ts'
import type { LossOrder, Region } from './items.ts'
import type { NaturalHistoryParams } from './params.ts'
import type { Rng } from './rng.ts'
import { clamp, truncatedNormal } from './sampling.ts'
import { ECAS_DOMAINS, MAS_GRADES, MAS_SIDES } from './vocabulary.ts'
import type { EcasDomain, MasGrade, MasSide } from './vocabulary.ts'

export const MUNIX_MUSCLES = ['APB', 'ADM', 'BB', 'TA', 'AH', 'TRAP'] as const
export type MunixMuscle = (typeof MUNIX_MUSCLES)[number]
const ECAS_DOMAIN_IDS = Object.keys(ECAS_DOMAINS) as EcasDomain[]

/** Patient-level traits behind the secondary measurements (drawn once per patient). */
export interface MeasurementTraits {
  readonly cmapAdmMv: number
  readonly dmlAdmMs: number
  readonly fWaveAdmPct: number
  readonly munix: Readonly<Record<MunixMuscle, number>>
  /** Relative loss per month of disease time. */
  readonly cmapRate: number
  readonly niRate: number
  readonly munixRate: number
  /** MAS: patient tone and one deviation per muscle group × side (groups in parameter order, left then right). */
  readonly masTone: number
  readonly masDeviations: readonly number[]
  /** ECAS true domain scores at randomization, in ECAS_DOMAINS order. */
  readonly ecasDomains: readonly number[]
}

export function sampleMeasurementTraits(
  params: NaturalHistoryParams,
  latent: LatentCourse,
  rng: Rng,
): MeasurementTraits {
  const n = params.neuro
  const slopeMean = params.alsfrs.slope.mean
  // A patient's neurophysiology declines in proportion to their ALSFRS-R slope (faster progressors lose faster).
  const speed = slopeMean < 0 ? Math.max(0.05, latent.progression.slope / slopeMean) : 1
  const rate = (mean: number): number => mean * speed * Math.exp(n.declineLogSd * rng.normal())
  const cmapRate = rate(n.cmapMonthlyDecline)
  const niRate = rate(n.niMonthlyDecline)
  const munixRate = rate(n.munixMonthlyDecline)
  const cmapAdmMv = truncatedNormal(rng, n.cmapAdmMv.mean, n.cmapAdmMv.sd, 0.3, 20)
  const dmlAdmMs = truncatedNormal(rng, n.dmlAdmMs.mean, n.dmlAdmMs.sd, 2, 8)
  const fWaveAdmPct = truncatedNormal(rng, n.fWaveAdmPct.mean, n.fWaveAdmPct.sd, 5, 100)
  // MUNIX muscles share a patient factor (overall lower motor neuron loss).
  const shared = rng.normal()
  const munix = {} as Record<MunixMuscle, number>
  for (const m of MUNIX_MUSCLES)
    munix[m] = n.munixMedians[m] * Math.exp(n.munixLogSd * (0.6 * shared + 0.8 * rng.normal()))

  const mas = params.mas
  const masTone = mas.patientTone.mean + mas.patientTone.sd * rng.normal()
  const masDeviations = mas.muscleGroups.flatMap(() => MAS_SIDES.map(() => mas.groupSd * rng.normal()))

  const e = params.ecas
  const impaired = latent.baseline.cognitivelyImpaired
  const factor = rng.normal()
  const ecasDomains = ECAS_DOMAIN_IDS.map((_, i) => {
    const mean = (impaired ? e.impairedMeans : e.unimpairedMeans)[i] ?? 0
    const sd = e.domainSds[i] ?? 0
    return mean + sd * (Math.sqrt(e.domainCorrelation) * factor + Math.sqrt(1 - e.domainCorrelation) * rng.normal())
  })
  return { cmapAdmMv, dmlAdmMs, fWaveAdmPct, munix, cmapRate, niRate, munixRate, masTone, masDeviations, ecasDomains }
}

export interface NeuroAssessment {
  readonly cmapAdmMv: number
  readonly dmlAdmMs: number
  readonly fWaveAdmPct: number
  /**
   * Neurophysiological index (de Carvalho & Swash) = CMAP (mV) / DML (ms) × F-wave persistence as a fraction
   * (0–1), from the values above: about 2–3 in healthy ADM, lower in ALS.
   */
  readonly niAdm: number
  readonly munix: Readonly<Record<MunixMuscle, number>>
  readonly munixSum: number
}

export interface MasRating {
  readonly muscleGroup: string
  readonly side: MasSide
  readonly grade: MasGrade
  /** Rank 0–5 (`1+` = 2), for analysis. */
  readonly ordinal: number
}

export interface EcasAssessment {
  readonly domains: Readonly<Record<EcasDomain, number>>
  readonly alsSpecific: number
  readonly alsNonSpecific: number
  readonly total: number
}

/** Multiplicative measurement noise with coefficient of variation `cv`, mean-preserving. */
const noisy = (rng: Rng, value: number, cv: number): number => value * Math.exp(cv * rng.normal() - (cv * cv) / 2)
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits

export function measureFvc(params: NaturalHistoryParams, latent: LatentCourse, t: number, rng: Rng): number {
  const f = params.fvc
  return clamp(Math.round(latentFvc(latent, t) + f.visitNoiseSd * rng.normal()), f.floor, 150)
}

export function measureNeuro(
  params: NaturalHistoryParams,
  latent: LatentCourse,
  traits: MeasurementTraits,
  t: number,
  rng: Rng,
): NeuroAssessment {
  const n = params.neuro
  const tau = Math.max(0, latent.clock.tau(t))
  const cmap = round(Math.max(0.1, noisy(rng, traits.cmapAdmMv * Math.exp(-traits.cmapRate * tau), n.cmapCv)), 1)
  const dml = round(noisy(rng, traits.dmlAdmMs, n.dmlCv), 2)
  // F-wave persistence carries the part of the NI decline not explained by the CMAP.
  const fWaveRate = Math.max(0, traits.niRate - traits.cmapRate)
  const fWave = Math.round(clamp(noisy(rng, traits.fWaveAdmPct * Math.exp(-fWaveRate * tau), n.fWaveCv), 0, 100))
  const munix = {} as Record<MunixMuscle, number>
  let munixSum = 0
  for (const m of MUNIX_MUSCLES) {
    munix[m] = Math.max(1, Math.round(noisy(rng, traits.munix[m] * Math.exp(-traits.munixRate * tau), n.munixCv)))
    munixSum += munix[m]
  }
  return {
    cmapAdmMv: cmap,
    dmlAdmMs: dml,
    fWaveAdmPct: fWave,
    niAdm: round((cmap / dml) * (fWave / 100), 2),
    munix,
    munixSum,
  }
}

/** The limb a MAS muscle group belongs to: elbow/wrist/shoulder/finger groups are upper limb, the rest lower. */
function masRegion(group: string): Region {
  return /elbow|wrist|shoulder|finger|arm/i.test(group) ? 'upperLimb' : 'lowerLimb'
}

export function rateMas(
  params: NaturalHistoryParams,
  latent: LatentCourse,
  order: LossOrder,
  traits: MeasurementTraits,
  t: number,
  rng: Rng,
): MasRating[] {
  const m = params.mas
  const deficit = 48 - latentAlsfrs(latent, t)
  const ratings: MasRating[] = []
  m.muscleGroups.forEach((group, g) => {
    const loss = regionLossFraction(order, masRegion(group), deficit)
    MAS_SIDES.forEach((side, s) => {
      const tone =
        traits.masTone +
        (traits.masDeviations[g * MAS_SIDES.length + s] ?? 0) +
        m.growth * loss +
        m.visitNoiseSd * rng.normal()
      const ordinal = m.cuts.filter((c) => tone >= c).length
      ratings.push({ muscleGroup: group, side, grade: MAS_GRADES[ordinal] as MasGrade, ordinal })
    })
  })
  return ratings
}

export function assessEcas(
  params: NaturalHistoryParams,
  latent: LatentCourse,
  traits: MeasurementTraits,
  t: number,
  rng: Rng,
): EcasAssessment {
  const e = params.ecas
  const months = Math.max(0, t)
  const drift = latent.baseline.cognitivelyImpaired ? e.impairedMonthlyChange * months : 0
  const domains = {} as Record<EcasDomain, number>
  ECAS_DOMAIN_IDS.forEach((d, i) => {
    const max = ECAS_DOMAINS[d]
    // The impaired subgroup's change is spread over the domains in proportion to their ranges (total 136).
    const value = (traits.ecasDomains[i] ?? 0) + (drift * max) / 136 + e.visitNoiseSd * rng.normal()
    domains[d] = clamp(Math.round(value), 0, max)
  })
  const alsSpecific = domains.executive + domains.language + domains.fluency
  const alsNonSpecific = domains.memory + domains.visuospatial
  return { domains, alsSpecific, alsNonSpecific, total: alsSpecific + alsNonSpecific }
}

/**
 * Weight: w₀ − ∫ (kgPerMonth + kgPerMonthAtFullBulbarLoss × bulbar loss fraction) dτ, integrated monthly in
 * disease time, with the bulbar part stopping at the gastrostomy.
 */
export function measureWeight(
  params: NaturalHistoryParams,
  latent: LatentCourse,
  order: LossOrder,
  gastrostomyMonths: number,
  t: number,
  rng: Rng,
): number {
  const w = params.weight
  const bulbar = (at: number): number => regionLossFraction(order, 'bulbar', 48 - latentAlsfrs(latent, at))
  // Trapezoid rule on a grid of at most a month, from randomization to t (backwards for t < 0).
  const steps = Math.max(1, Math.ceil(Math.abs(t)))
  let lost = 0
  for (let i = 0; i < steps; i++) {
    const a = (t * i) / steps
    const b = (t * (i + 1)) / steps
    const dTau = latent.clock.tau(b) - latent.clock.tau(a)
    const rate = (at: number): number =>
      w.kgPerMonth + (at < gastrostomyMonths ? w.kgPerMonthAtFullBulbarLoss * bulbar(at) : 0)
    lost += (dTau * (rate(a) + rate(b))) / 2
  }
  return round(Math.max(30, latent.baseline.weightKg - lost + w.visitNoiseSd * rng.normal()), 1)
}
