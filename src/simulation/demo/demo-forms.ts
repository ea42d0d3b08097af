/**
 * What the site staff type into each form: the simulated patient's measurements at the visit, written in the
 * items of the protocol's form (instrument forms by instrument, the protocol's own screening forms by item id).
 * Vital signs other than weight are not part of the natural-history model; they are drawn here around
 * normal adult values [assumption], so that a few fall outside the soft ranges and raise queries.
 */
import type { IsoDate } from '../../domain/index.ts'
import { addDays } from '../../instruments/index.ts'
import type { CompiledForm } from '../../protocol/index.ts'
import type { Baseline, MunixMuscle, Rng, VisitRecord } from '../model/index.ts'
import type { CandidatePlan } from './demo-plan.ts'

export type FormValues = Record<string, string | number | boolean | readonly string[]>
type Completed = Extract<VisitRecord, { status: 'completed' }>

/** Everything a form may need about the patient at one visit. */
export interface FormInput {
  readonly form: CompiledForm
  readonly record: Completed
  readonly baseline: Baseline
  readonly plan: CandidatePlan
  readonly visitId: string
  /** The visit's date, and the patient's day 0 (randomization) as a date. */
  readonly date: IsoDate
  readonly day0: IsoDate
  readonly rng: Rng
}

const MUNIX_ITEM: Readonly<Record<MunixMuscle, string>> = {
  APB: 'munix_apb',
  ADM: 'munix_adm',
  BB: 'munix_biceps',
  TA: 'munix_ta',
  AH: 'munix_ah',
  TRAP: 'munix_trap',
}

/**
 * The values for a form, or null when the demo does not fill this form (e.g. the infusion form, whose dose
 * fields only unblinded staff may know: the infusion is recorded through the supply chain instead).
 */
export function formValues(input: FormInput): FormValues | null {
  const { form, record, baseline, plan, rng } = input
  const keep = (values: FormValues): FormValues => fitToItems(form, values)
  switch (form.instrument?.id) {
    case 'VITALS': {
      const sbp = Math.round(126 + 13 * rng.normal())
      return keep({
        weight: record.weightKg,
        ...(input.visitId === input.plan.visits[0]?.visit.id ? { height: baseline.heightCm } : {}),
        sbp,
        dbp: Math.min(sbp - 25, Math.round(78 + 8 * rng.normal())),
        hr: Math.round(76 + 9 * rng.normal()),
        temp: Math.round((36.6 + 0.3 * rng.normal()) * 10) / 10,
      })
    }
    case 'ALSFRS-R':
      return keep({ ...(record.alsfrs.items as Record<string, number>) })
    case 'MAS':
      return keep(Object.fromEntries(record.mas.map((r) => [`${r.muscleGroup}_${r.side}`, r.grade])))
    case 'NEUROPHYS': {
      const n = record.neuro
      return keep({
        side: plan.rng.fork('neuro-side').next() < 0.5 ? 'left' : 'right',
        cmap_adm: round(n.cmapAdmMv, 1),
        dml_adm: round(n.dmlAdmMs, 2),
        fwave_adm: Math.round(n.fWaveAdmPct),
        ...Object.fromEntries(Object.entries(n.munix).map(([m, v]) => [MUNIX_ITEM[m as MunixMuscle], Math.round(v)])),
      })
    }
    case 'SPIROMETRY':
      return keep({ fvc_pct: record.fvcPct, fvc_l: round((predictedFvcLitres(baseline) * record.fvcPct) / 100, 2) })
    case 'ECAS':
      return keep({ ...record.ecas.domains })
    case 'EXTRACTION': {
      const x = plan.extraction
      return keep({
        extraction_date: input.date,
        lipoaspirate_ml: x.lipoaspirateMl,
        adipose_g: x.tissueGrams,
        site: x.site,
        complications: x.complication !== null,
        ...(x.complication ? { complication_details: x.complication } : {}),
      })
    }
    case undefined:
      return protocolForm(input, keep)
    default:
      return null
  }
}

/** The reference protocol's own screening forms (demographics, riluzole and concomitant treatment). */
function protocolForm(input: FormInput, keep: (values: FormValues) => FormValues): FormValues | null {
  const { baseline: b, day0, plan } = input
  const has = (id: string): boolean => input.form.items.some((i) => i.id === id)
  if (has('onset_date') || has('el_escorial')) {
    return keep({
      age: b.ageYears,
      sex: b.sex,
      onset_date: addDays(day0, b.onsetDay),
      diagnosis_date: addDays(day0, b.diagnosisDay),
      onset_region: b.onsetRegion === 'bulbar' ? 'bulbar' : 'spinal',
      el_escorial: b.elEscorial,
      familial: false,
      height: b.heightCm,
    })
  }
  if (has('riluzole')) {
    // Riluzole from a few weeks after diagnosis, at least a month before screening (inclusion criterion).
    const start = Math.min(
      b.diagnosisDay + 14 + plan.rng.fork('riluzole-start').int(45),
      plan.screeningDay - plan.randomizationDay - 35,
    )
    return keep({
      riluzole: true,
      riluzole_start: addDays(day0, start),
      riluzole_dose: plan.riluzoleDoseMg,
      niv: false,
      gastrostomy: false,
    })
  }
  return null
}

/** Only the form's items, numbers rounded to each item's precision (as the eCRF would accept them). */
function fitToItems(form: CompiledForm, values: FormValues): FormValues {
  const out: FormValues = {}
  for (const [id, value] of Object.entries(values)) {
    const item = form.items.find((i) => i.id === id)
    if (!item) continue
    if (typeof value === 'number' && (item.type === 'integer' || item.type === 'decimal')) {
      out[id] =
        item.type === 'integer' ? Math.round(value) : item.decimals !== undefined ? round(value, item.decimals) : value
    } else out[id] = value
  }
  return out
}

/**
 * The entry with a transcription error (as found at source data verification): one ALSFRS-R item one point
 * off, or FVC a few points off. Null when the form has no item the error applies to.
 */
export function withTranscriptionError(values: FormValues, rng: Rng): FormValues | null {
  const items = Object.keys(values).filter((k) => /^Q\d+[AB]?$/.test(k))
  if (items.length > 0) {
    const id = items[rng.int(items.length)] as string
    const v = values[id] as number
    return { ...values, [id]: v === 4 ? 3 : v + 1 }
  }
  const fvc = values['fvc_pct']
  if (typeof fvc === 'number') {
    const off = (4 + rng.int(6)) * (fvc > 60 && rng.next() < 0.5 ? -1 : 1)
    return { ...values, fvc_pct: fvc + off }
  }
  return null
}

/** FVC predicted (L) from height and age (ECSC/ERS 1993 reference equations), for the litre value. */
function predictedFvcLitres(b: Baseline): number {
  const h = b.heightCm / 100
  return b.sex === 'M' ? 5.76 * h - 0.026 * b.ageYears - 4.34 : 4.43 * h - 0.026 * b.ageYears - 2.89
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits
