/**
 * TrialDesk's built-in instrument templates: item lists in the protocol schema's own format (`ItemDef`,
 * `DerivedDef`, `EditCheck`), validated by the same zod schemas as a protocol file, so a form written in a
 * protocol and a template cannot drift apart. A protocol uses one with `instrument: <ID>` and may append items
 * and override labels. Hard `range`s reject a value; `softRange`s save it and raise a data query.
 */
import { z } from 'zod'
import { Code, DerivedDef, EditCheck, ItemDef } from '../domain/index.ts'

export const InstrumentTemplate = z.strictObject({
  id: Code,
  name: z.string().min(1),
  description: z.string().min(1),
  reference: z.string().optional(),
  items: z.array(ItemDef).min(1),
  derived: z.array(DerivedDef).default([]),
  checks: z.array(EditCheck).default([]),
})
export type InstrumentTemplate = z.infer<typeof InstrumentTemplate>

const yes = (item: string) => ({ item, op: '==' as const, value: true })
const no = (item: string) => ({ item, op: '==' as const, value: false })
const is = (item: string, value: string | number) => ({ item, op: '==' as const, value })

const TEMPLATES: ReadonlyArray<z.input<typeof InstrumentTemplate>> = [
  {
    id: 'VITALS',
    name: 'Vital signs and weight',
    description: 'Weight (drives the per-kg dose), optional height, blood pressure, heart rate and temperature.',
    items: [
      {
        id: 'weight',
        label: 'Body weight',
        type: 'decimal',
        unit: 'kg',
        decimals: 1,
        range: { min: 20, max: 250 },
        softRange: { min: 35, max: 150 },
        required: true,
        help: 'Weigh without shoes; the latest weight on or before the infusion drives the per-kg dose.',
      },
      { id: 'height', label: 'Height', type: 'decimal', unit: 'cm', decimals: 1, range: { min: 100, max: 230 } },
      {
        id: 'sbp',
        label: 'Systolic blood pressure',
        type: 'integer',
        unit: 'mmHg',
        range: { min: 50, max: 260 },
        softRange: { min: 90, max: 160 },
        required: true,
      },
      {
        id: 'dbp',
        label: 'Diastolic blood pressure',
        type: 'integer',
        unit: 'mmHg',
        range: { min: 30, max: 160 },
        softRange: { min: 50, max: 100 },
        required: true,
      },
      {
        id: 'hr',
        label: 'Heart rate',
        type: 'integer',
        unit: 'beats/min',
        range: { min: 20, max: 250 },
        softRange: { min: 50, max: 110 },
        required: true,
      },
      {
        id: 'temp',
        label: 'Body temperature',
        type: 'decimal',
        unit: '°C',
        decimals: 1,
        range: { min: 32, max: 43 },
        softRange: { min: 35.5, max: 37.9 },
        required: true,
      },
    ],
    derived: [
      {
        id: 'bmi',
        label: 'Body-mass index',
        formula: 'weight / ((height / 100) * (height / 100))',
        unit: 'kg/m2',
        decimals: 1,
      },
      { id: 'pulse_pressure', label: 'Pulse pressure', formula: 'sbp - dbp', unit: 'mmHg' },
    ],
    checks: [
      {
        id: 'dbp-below-sbp',
        when: { item: 'pulse_pressure', op: '<=', value: 0 },
        item: 'dbp',
        message: 'Diastolic pressure is not below systolic: please check both readings.',
      },
    ],
  },
  {
    id: 'NEUROPHYS',
    name: 'Neurophysiology (CMAP, F-waves, MUNIX, neurophysiological index)',
    description:
      'CMAP amplitude of APB and ADM, distal motor latency and F-wave persistence of ADM, MUNIX of six muscles on the side studied; derived NI, MUNIX sum and MUSIX.',
    reference:
      'NI: de Carvalho M, Swash M. ALS Other Motor Neuron Disord 2004;5 Suppl 1:108. MUNIX/MUSIX: Nandedkar SD et al. Muscle Nerve 2004;30:149; Neuwirth C et al. PLoS One 2016;11:e0153948',
    items: [
      {
        id: 'side',
        label: 'Side studied',
        type: 'choice',
        required: true,
        options: [
          { code: 'left', label: 'Left' },
          { code: 'right', label: 'Right' },
        ],
      },
      {
        id: 'cmap_apb',
        label: 'CMAP amplitude, abductor pollicis brevis',
        type: 'decimal',
        unit: 'mV',
        decimals: 1,
        range: { min: 0, max: 40 },
        softRange: { max: 20 },
      },
      {
        id: 'cmap_adm',
        label: 'CMAP amplitude, abductor digiti minimi',
        type: 'decimal',
        unit: 'mV',
        decimals: 1,
        range: { min: 0, max: 40 },
        softRange: { max: 20 },
      },
      {
        id: 'dml_adm',
        label: 'Distal motor latency, ADM',
        type: 'decimal',
        unit: 'ms',
        decimals: 2,
        range: { min: 0.5, max: 20 },
        softRange: { min: 1.5, max: 8 },
      },
      {
        id: 'fwave_adm',
        label: 'F-wave persistence, ADM (of 20 stimuli)',
        type: 'integer',
        unit: '%',
        range: { min: 0, max: 100 },
      },
      { id: 'munix_apb', label: 'MUNIX, abductor pollicis brevis', type: 'integer', range: { min: 0, max: 1000 } },
      { id: 'munix_adm', label: 'MUNIX, abductor digiti minimi', type: 'integer', range: { min: 0, max: 1000 } },
      { id: 'munix_biceps', label: 'MUNIX, biceps brachii', type: 'integer', range: { min: 0, max: 1000 } },
      { id: 'munix_ta', label: 'MUNIX, tibialis anterior', type: 'integer', range: { min: 0, max: 1000 } },
      { id: 'munix_ah', label: 'MUNIX, abductor hallucis (or EDB)', type: 'integer', range: { min: 0, max: 1000 } },
      { id: 'munix_trap', label: 'MUNIX, trapezius', type: 'integer', range: { min: 0, max: 1000 } },
    ],
    derived: [
      // NI = CMAP amplitude (mV) / DML (ms) × F-wave persistence (%), of ADM.
      { id: 'ni_adm', label: 'Neurophysiological index, ADM', formula: 'cmap_adm / dml_adm * fwave_adm', decimals: 2 },
      {
        id: 'munix_sum',
        label: 'MUNIX sum (6 muscles)',
        formula: 'munix_apb + munix_adm + munix_biceps + munix_ta + munix_ah + munix_trap',
      },
      // MUSIX = CMAP amplitude / MUNIX, in µV (CMAP is recorded in mV).
      { id: 'musix_apb', label: 'MUSIX, APB', formula: 'cmap_apb * 1000 / munix_apb', unit: 'µV', decimals: 0 },
      { id: 'musix_adm', label: 'MUSIX, ADM', formula: 'cmap_adm * 1000 / munix_adm', unit: 'µV', decimals: 0 },
    ],
  },
  {
    id: 'SPIROMETRY',
    name: 'Spirometry (forced vital capacity)',
    description: 'Seated FVC in % of predicted and in litres; optional supine FVC (diaphragmatic weakness).',
    items: [
      {
        id: 'fvc_pct',
        label: 'FVC, seated',
        type: 'decimal',
        unit: '% predicted',
        decimals: 1,
        range: { min: 0, max: 200 },
        softRange: { min: 20, max: 140 },
        required: true,
      },
      {
        id: 'fvc_l',
        label: 'FVC, seated',
        type: 'decimal',
        unit: 'L',
        decimals: 2,
        range: { min: 0, max: 10 },
        softRange: { min: 0.5, max: 7 },
        required: true,
      },
      {
        id: 'fvc_supine_pct',
        label: 'FVC, supine',
        type: 'decimal',
        unit: '% predicted',
        decimals: 1,
        range: { min: 0, max: 200 },
      },
    ],
    derived: [
      {
        id: 'fvc_supine_fall',
        label: 'Supine fall in FVC (% of seated)',
        formula: '(fvc_pct - fvc_supine_pct) / fvc_pct * 100',
        unit: '%',
        decimals: 1,
      },
    ],
    checks: [
      {
        id: 'supine-above-seated',
        when: { item: 'fvc_supine_fall', op: '<', value: -10 },
        item: 'fvc_supine_pct',
        message: 'Supine FVC is more than 10 % above seated FVC: please check the positions were not swapped.',
      },
    ],
  },
  {
    id: 'EXTRACTION',
    name: 'Adipose tissue extraction (lipoaspiration)',
    description: 'Date, lipoaspirate volume, adipose tissue obtained, harvest site and complications.',
    items: [
      { id: 'extraction_date', label: 'Date of extraction', type: 'date', required: true },
      {
        id: 'lipoaspirate_ml',
        label: 'Lipoaspirate volume',
        type: 'decimal',
        unit: 'mL',
        decimals: 0,
        range: { min: 0, max: 3000 },
        required: true,
      },
      {
        id: 'adipose_g',
        label: 'Adipose tissue obtained',
        type: 'decimal',
        unit: 'g',
        decimals: 1,
        range: { min: 0, max: 3000 },
        required: true,
      },
      {
        id: 'site',
        label: 'Harvest site',
        type: 'choice',
        required: true,
        options: [
          { code: 'abdomen', label: 'Abdomen' },
          { code: 'flank', label: 'Flank' },
          { code: 'thigh', label: 'Thigh' },
          { code: 'other', label: 'Other' },
        ],
      },
      {
        id: 'site_other',
        label: 'Other harvest site',
        type: 'text',
        maxLength: 200,
        showWhen: is('site', 'other'),
        requiredWhen: is('site', 'other'),
      },
      { id: 'complications', label: 'Procedure complications', type: 'boolean', required: true },
      {
        id: 'complication_details',
        label: 'Complications (also report each as an adverse event)',
        type: 'text',
        maxLength: 2000,
        showWhen: yes('complications'),
        requiredWhen: yes('complications'),
      },
    ],
  },
  {
    id: 'MANUFACTURING',
    name: 'Cell product manufacturing and release',
    description:
      'Lot, cell count, viability and the release criteria results, with the release decision. Numeric criteria named like a protocol release criterion take its acceptance range as a soft range.',
    items: [
      { id: 'lot_id', label: 'Lot number', type: 'text', maxLength: 40, required: true },
      { id: 'manufacture_date', label: 'Date of manufacture', type: 'date', required: true },
      {
        id: 'cell_count',
        label: 'Total viable cells',
        type: 'decimal',
        unit: '×10^6 cells',
        decimals: 1,
        range: { min: 0, max: 100000 },
        required: true,
      },
      {
        id: 'viability',
        label: 'Cell viability',
        type: 'decimal',
        unit: '%',
        decimals: 1,
        range: { min: 0, max: 100 },
        required: true,
      },
      {
        id: 'cd_markers',
        label: 'CD73/CD90/CD105 positive',
        type: 'decimal',
        unit: '%',
        decimals: 1,
        range: { min: 0, max: 100 },
      },
      {
        id: 'endotoxin',
        label: 'Endotoxin',
        type: 'decimal',
        unit: 'EU/mL',
        decimals: 2,
        range: { min: 0, max: 1000 },
      },
      {
        id: 'sterility',
        label: 'Sterility',
        type: 'choice',
        options: [
          { code: 'pass', label: 'No growth' },
          { code: 'fail', label: 'Growth' },
        ],
      },
      {
        id: 'mycoplasma',
        label: 'Mycoplasma',
        type: 'choice',
        options: [
          { code: 'negative', label: 'Negative' },
          { code: 'positive', label: 'Positive' },
        ],
      },
      {
        id: 'karyotype',
        label: 'Karyotype',
        type: 'choice',
        options: [
          { code: 'normal', label: 'Normal' },
          { code: 'abnormal', label: 'Abnormal' },
        ],
      },
      {
        id: 'release',
        label: 'Release decision',
        type: 'choice',
        required: true,
        options: [
          { code: 'passed', label: 'Released' },
          { code: 'failed', label: 'Failed release' },
        ],
      },
      {
        id: 'release_date',
        label: 'Date of release',
        type: 'date',
        showWhen: is('release', 'passed'),
        requiredWhen: is('release', 'passed'),
      },
      {
        id: 'failure_reason',
        label: 'Reason the lot failed release',
        type: 'text',
        maxLength: 2000,
        showWhen: is('release', 'failed'),
        requiredWhen: is('release', 'failed'),
      },
    ],
    checks: [
      {
        id: 'released-despite-failure',
        when: {
          all: [
            is('release', 'passed'),
            { any: [is('sterility', 'fail'), is('mycoplasma', 'positive'), is('karyotype', 'abnormal')] },
          ],
        },
        item: 'release',
        message: 'The lot is marked released although a qualitative release test failed.',
      },
    ],
  },
  {
    id: 'INFUSION',
    name: 'Infusion of the study product',
    description:
      'Start and end, prescribed and given dose, volume given, completion per protocol and infusion reactions.',
    items: [
      { id: 'start', label: 'Infusion start', type: 'datetime', required: true },
      { id: 'end', label: 'Infusion end', type: 'datetime', required: true },
      {
        id: 'dose_prescribed',
        label: 'Prescribed dose (total, in the dose unit of the arm)',
        type: 'decimal',
        range: { min: 0 },
        required: true,
        unblindedOnly: true,
      },
      {
        id: 'dose_given',
        label: 'Dose given (total)',
        type: 'decimal',
        range: { min: 0 },
        required: true,
        unblindedOnly: true,
      },
      {
        id: 'volume_given_ml',
        label: 'Volume infused',
        type: 'decimal',
        unit: 'mL',
        decimals: 1,
        range: { min: 0, max: 1000 },
        required: true,
      },
      { id: 'completed', label: 'Infusion completed as per protocol', type: 'boolean', required: true },
      {
        id: 'incomplete_reason',
        label: 'Why the infusion was not completed as per protocol',
        type: 'text',
        maxLength: 2000,
        showWhen: no('completed'),
        requiredWhen: no('completed'),
      },
      { id: 'reaction', label: 'Infusion reaction', type: 'boolean', required: true },
      {
        id: 'reaction_details',
        label: 'Infusion reaction (also report it as an adverse event)',
        type: 'text',
        maxLength: 2000,
        showWhen: yes('reaction'),
        requiredWhen: yes('reaction'),
      },
    ],
    derived: [
      {
        id: 'pct_dose_given',
        label: 'Share of the prescribed dose given',
        formula: 'dose_given / dose_prescribed * 100',
        unit: '%',
        decimals: 1,
      },
    ],
    checks: [
      {
        id: 'partial-dose-completed',
        when: { all: [{ item: 'pct_dose_given', op: '<', value: 90 }, yes('completed')] },
        item: 'completed',
        message:
          'Less than 90 % of the prescribed dose was given, yet the infusion is marked completed as per protocol.',
      },
    ],
  },
  {
    id: 'CONMED',
    name: 'Riluzole and supportive treatment',
    description: 'Riluzole use, start and dose; non-invasive ventilation and gastrostomy in place.',
    items: [
      { id: 'riluzole', label: 'Taking riluzole', type: 'boolean', required: true },
      {
        id: 'riluzole_start',
        label: 'Riluzole start date',
        type: 'date',
        showWhen: yes('riluzole'),
        requiredWhen: yes('riluzole'),
      },
      {
        id: 'riluzole_dose',
        label: 'Riluzole daily dose',
        type: 'integer',
        unit: 'mg/day',
        range: { min: 25, max: 200 },
        // The licensed dose is 50 mg twice daily; anything else is saved with a query.
        softRange: { min: 100, max: 100 },
        showWhen: yes('riluzole'),
        requiredWhen: yes('riluzole'),
      },
      { id: 'niv', label: 'Non-invasive ventilation in use', type: 'boolean', required: true },
      { id: 'gastrostomy', label: 'Gastrostomy in place', type: 'boolean', required: true },
      { id: 'other_medication', label: 'Other concomitant medication', type: 'text', maxLength: 4000 },
    ],
  },
  {
    id: 'AE',
    name: 'Adverse event',
    description:
      'Verbatim term, MedDRA SOC, onset and resolution, CTCAE grade, ICH E2A seriousness criteria, WHO-UMC causality, expectedness, action taken and outcome.',
    reference: 'ICH E2A (1994); CTCAE v5.0; WHO-UMC causality system; CDISC SDTM AE (AEACN, AEOUT)',
    items: [
      { id: 'term', label: 'Adverse event (verbatim term)', type: 'text', maxLength: 200, required: true },
      { id: 'pt', label: 'MedDRA preferred term (coded)', type: 'text', maxLength: 200 },
      {
        id: 'meddra_version',
        label: 'MedDRA version used for coding',
        type: 'text',
        maxLength: 10,
        requiredWhen: { answered: 'pt' },
      },
      { id: 'soc', label: 'MedDRA system organ class', type: 'choice', codeList: 'MEDDRA_SOC', required: true },
      { id: 'onset_date', label: 'Onset date', type: 'date', required: true },
      { id: 'ongoing', label: 'Ongoing', type: 'boolean', required: true },
      {
        id: 'resolution_date',
        label: 'Resolution date',
        type: 'date',
        showWhen: no('ongoing'),
        requiredWhen: no('ongoing'),
      },
      { id: 'grade', label: 'Severity (CTCAE grade)', type: 'choice', codeList: 'CTCAE_GRADE', required: true },
      { id: 'serious', label: 'Serious adverse event', type: 'boolean', required: true },
      {
        id: 'seriousness',
        label: 'Seriousness criteria (ICH E2A)',
        type: 'multichoice',
        codeList: 'ICH_SERIOUSNESS_CRITERIA',
        showWhen: yes('serious'),
        requiredWhen: yes('serious'),
      },
      {
        id: 'causality',
        label: 'Relationship to the study product (investigator, WHO-UMC)',
        type: 'choice',
        codeList: 'WHO_UMC_CAUSALITY',
        required: true,
      },
      {
        id: 'sponsor_causality',
        label: 'Relationship to the study product (sponsor, WHO-UMC)',
        type: 'choice',
        codeList: 'WHO_UMC_CAUSALITY',
      },
      {
        id: 'expectedness',
        label: 'Expectedness against the reference safety information (sponsor)',
        type: 'choice',
        options: [
          { code: 'expected', label: 'Expected' },
          { code: 'unexpected', label: 'Unexpected' },
        ],
      },
      {
        id: 'action',
        label: 'Action taken with the study treatment',
        type: 'choice',
        required: true,
        options: [
          { code: 'dose-not-changed', label: 'Dose not changed' },
          { code: 'interrupted', label: 'Interrupted' },
          { code: 'reduced', label: 'Dose reduced' },
          { code: 'withdrawn', label: 'Withdrawn' },
          { code: 'not-applicable', label: 'Not applicable (e.g. single infusion already given)' },
          { code: 'unknown', label: 'Unknown' },
        ],
      },
      {
        id: 'outcome',
        label: 'Outcome',
        type: 'choice',
        required: true,
        options: [
          { code: 'recovered', label: 'Recovered / resolved' },
          { code: 'recovering', label: 'Recovering / resolving' },
          { code: 'not-recovered', label: 'Not recovered / not resolved' },
          { code: 'sequelae', label: 'Recovered / resolved with sequelae' },
          { code: 'fatal', label: 'Fatal' },
          { code: 'unknown', label: 'Unknown' },
        ],
      },
    ],
    checks: [
      {
        id: 'fatal-not-grade-5',
        when: { all: [is('outcome', 'fatal'), { item: 'grade', op: '!=', value: 5 }] },
        item: 'grade',
        message: 'The outcome is fatal but the CTCAE grade is not 5 (death).',
      },
      {
        id: 'grade-5-not-fatal',
        when: { all: [is('grade', 5), { item: 'outcome', op: '!=', value: 'fatal' }] },
        item: 'outcome',
        message: 'CTCAE grade 5 means death, but the outcome is not fatal.',
      },
      {
        id: 'fatal-without-death-criterion',
        when: { all: [is('outcome', 'fatal'), { not: is('seriousness', 'DEATH') }] },
        item: 'seriousness',
        message: 'A fatal event is serious: tick the criterion "Results in death".',
      },
      {
        id: 'ongoing-but-recovered',
        when: { all: [yes('ongoing'), { any: [is('outcome', 'recovered'), is('outcome', 'sequelae')] }] },
        item: 'outcome',
        message: 'The event is marked ongoing, but its outcome says recovered.',
      },
    ],
  },
]

let parsed: readonly InstrumentTemplate[] | undefined

/** The built-in templates, validated with the protocol schema on first use (a failure is a build defect). */
export function instrumentTemplates(): readonly InstrumentTemplate[] {
  parsed ??= Object.freeze(z.array(InstrumentTemplate).parse(TEMPLATES))
  return parsed
}

/** The built-in template with that id, if any. */
export function instrumentTemplate(id: string): InstrumentTemplate | undefined {
  return instrumentTemplates().find((t) => t.id === id)
}
