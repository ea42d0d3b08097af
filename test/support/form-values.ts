/** Plausible values for the reference protocol's forms, for service tests and the demo. */

export const demographics = (onsetDate = '2025-03-01') => ({
  age: 56,
  sex: 'M',
  onset_date: onsetDate,
  diagnosis_date: '2025-09-15',
  onset_region: 'spinal',
  el_escorial: 'probable',
  familial: false,
  height: 176,
})

export const conmed = () => ({
  riluzole: true,
  riluzole_start: '2025-10-01',
  riluzole_dose: 100,
  niv: false,
  gastrostomy: false,
})

export const vitals = (weight = 72.4) => ({ weight, sbp: 124, dbp: 78, hr: 72, temp: 36.6 })

export const spirometry = (fvcPct = 84) => ({ fvc_pct: fvcPct, fvc_l: 3.6 })

/** ALSFRS-R without gastrostomy (item 5a), every item `score` except the last `drop` items one lower. */
export function alsfrs(score = 3, drop = 0): Record<string, number> {
  const ids = ['Q1', 'Q2', 'Q3', 'Q4', 'Q5A', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12']
  return Object.fromEntries(ids.map((id, i) => [id, i >= ids.length - drop ? score - 1 : score]))
}

export const extraction = (date: string) => ({
  extraction_date: date,
  lipoaspirate_ml: 220,
  adipose_g: 64,
  site: 'abdomen',
  complications: false,
})

/** Release results that pass every criterion of the reference product. */
export const passingRelease = () => ({
  viability: 92,
  cd_markers: 97,
  sterility: true,
  mycoplasma: true,
  endotoxin: 0.1,
  karyotype: true,
})

/** An adverse event form (protocol AE form, instrument AE). */
export const adverseEvent = (over: Record<string, unknown> = {}) => ({
  term: 'Headache',
  soc: 'Nervous system disorders',
  onset_date: '2026-04-10',
  ongoing: true,
  grade: 1,
  serious: false,
  causality: 'UNLIKELY',
  action: 'not-applicable',
  outcome: 'recovering',
  ...over,
})
