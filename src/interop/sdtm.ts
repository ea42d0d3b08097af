/**
 * SDTM-style datasets (SDTMIG 3.x variable names) as CSV with a define-style dictionary and an R reader:
 * DM, DS, EX, AE and the findings domains QS (ALSFRS-R items and totals, ECAS totals), VS (vital signs) and
 * RS (King's and MiToS stages derived from ALSFRS-R). Pure: built from plain records the analysis extraction
 * provides; `findingsFromExtract` derives the findings from captured forms.
 *
 * QSTESTCD: CDISC's ALSFRS-R terminology (QRS supplement) is licensed and not in our material, so TrialDesk uses
 * a documented sponsor-defined convention: `ALSFRS` + the item number (`ALSFRS01` … `ALSFRS12`, `ALSFRS5A`,
 * `ALSFRS5B`), totals `ALSFRSTO` (total), `ALSFRSBU` (bulbar), `ALSFRSFM` (fine motor), `ALSFRSGM` (gross motor),
 * `ALSFRSRS` (respiratory), derived rows flagged QSDRVFL = Y. Replace with the CDISC codes when licensed.
 *
 * Blinding: a blinded input carries no arm and no treatment name or dose; the writer refuses one that does,
 * and leaves ARM/ARMCD/ACTARM/ACTARMCD, EXTRT and EXDOSE out of blinded datasets.
 */
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'
import { computeAlsfrsR } from '../instruments/index.ts'
import { datasetCsv, defineCsv, fileNameOf, rScript, type Dataset, type Row, type Variable } from './dataset.ts'
import { UNSCHEDULED_VISIT } from './odm-oids.ts'
import type { StudyExtract } from './study-extract.ts'

export interface SdtmArm {
  readonly code: string
  readonly label: string
}

export interface SdtmSubject {
  readonly subjectId: string
  readonly siteId: string
  readonly country?: string | undefined
  readonly sex?: 'F' | 'M' | 'U' | undefined
  readonly age?: number | undefined
  /** ISO dates: informed consent, first and last exposure, end of participation, death. */
  readonly consentDate?: string | undefined
  readonly firstDose?: string | undefined
  readonly lastDose?: string | undefined
  readonly endDate?: string | undefined
  readonly deathDate?: string | undefined
  /** Unblinded only: planned and actual arm (for the re-randomized, the sequence, e.g. "Placebo then D2"). */
  readonly arm?: { readonly planned: SdtmArm; readonly actual: SdtmArm } | undefined
}

export interface SdtmDisposition {
  readonly subjectId: string
  readonly category: 'DISPOSITION EVENT' | 'PROTOCOL MILESTONE'
  readonly term: string
  /** Controlled term, e.g. COMPLETED, DEATH, ADVERSE EVENT, WITHDRAWAL BY SUBJECT, RANDOMIZED. */
  readonly decoded: string
  readonly date: string
  readonly epoch?: string | undefined
}

export interface SdtmExposure {
  readonly subjectId: string
  readonly start: string
  readonly end?: string | undefined
  readonly epoch?: string | undefined
  readonly lot?: string | undefined
  /** Unblinded only. */
  readonly treatment?: string | undefined
  readonly dose?: number | undefined
  readonly doseUnit?: string | undefined
}

export interface SdtmAdverseEvent {
  readonly subjectId: string
  readonly term: string
  readonly decoded?: string | undefined
  readonly bodySystem?: string | undefined
  /** CTCAE grade 1–5. */
  readonly grade?: number | undefined
  readonly serious: boolean
  /** ICH seriousness criteria codes (DEATH, LIFE_THREATENING, HOSPITALISATION, DISABILITY, CONGENITAL_ANOMALY, OTHER_IMPORTANT). */
  readonly seriousness?: readonly string[] | undefined
  /** WHO-UMC causality code. */
  readonly relationship?: string | undefined
  readonly action?: string | undefined
  readonly outcome?: string | undefined
  readonly start: string
  readonly end?: string | undefined
  readonly epoch?: string | undefined
}

export interface SdtmFinding {
  readonly subjectId: string
  readonly domain: 'QS' | 'VS' | 'RS'
  readonly category: string
  readonly testCode: string
  readonly test: string
  readonly result: number | string | null
  readonly unit?: string | undefined
  readonly visit: string
  readonly visitNum: number
  readonly date?: string | undefined
  readonly derived?: boolean | undefined
}

export interface SdtmInput {
  readonly studyId: string
  readonly blinded: boolean
  readonly subjects: readonly SdtmSubject[]
  readonly dispositions: readonly SdtmDisposition[]
  readonly exposures: readonly SdtmExposure[]
  readonly adverseEvents: readonly SdtmAdverseEvent[]
  readonly findings: readonly SdtmFinding[]
}

export interface TabularExport {
  readonly datasets: readonly Dataset[]
  /** File name → content: one CSV per dataset, `define.csv` and `read-data.R`. */
  readonly files: Readonly<Record<string, string>>
}

const SEVERITY = ['MILD', 'MODERATE', 'SEVERE', 'LIFE THREATENING', 'DEATH']
const SERIOUS_FLAGS: Readonly<Record<string, string>> = {
  DEATH: 'AESDTH',
  LIFE_THREATENING: 'AESLIFE',
  HOSPITALISATION: 'AESHOSP',
  DISABILITY: 'AESDISAB',
  CONGENITAL_ANOMALY: 'AESCONG',
  OTHER_IMPORTANT: 'AESMIE',
}

const v = (name: string, label: string, type: Variable['type'] = 'text', extra: Partial<Variable> = {}): Variable => ({
  name,
  label,
  type,
  ...extra,
})
const YN = { levels: ['Y', 'N'], codelist: 'NY' }

/** Builds the SDTM datasets, the define dictionary and the R reader. */
export function sdtmExport(input: SdtmInput): Result<TabularExport> {
  if (input.blinded) {
    const leak =
      input.subjects.some((s) => s.arm) ||
      input.exposures.some((e) => e.treatment !== undefined || e.dose !== undefined)
    if (leak)
      return fail({
        code: ProblemCode.Forbidden,
        path: 'subjects',
        message: 'a blinded SDTM export must not carry arms, treatment names or doses',
      })
  }
  const usubjid = (s: string) => `${input.studyId}-${s}`
  const common = (domain: string, subjectId: string): Row => ({
    STUDYID: input.studyId,
    DOMAIN: domain,
    USUBJID: usubjid(subjectId),
  })
  const id = [
    v('STUDYID', 'Study Identifier'),
    v('DOMAIN', 'Domain Abbreviation'),
    v('USUBJID', 'Unique Subject Identifier'),
  ]
  const arms = input.blinded
    ? []
    : [
        v('ARMCD', 'Planned Arm Code'),
        v('ARM', 'Description of Planned Arm'),
        v('ACTARMCD', 'Actual Arm Code'),
        v('ACTARM', 'Description of Actual Arm'),
      ]

  const dm: Dataset = {
    name: 'DM',
    label: 'Demographics',
    variables: [
      ...id,
      v('SUBJID', 'Subject Identifier for the Study'),
      v('SITEID', 'Study Site Identifier'),
      v('RFSTDTC', 'Subject Reference Start Date/Time', 'date'),
      v('RFENDTC', 'Subject Reference End Date/Time', 'date'),
      v('RFXSTDTC', 'Date/Time of First Study Treatment', 'date'),
      v('RFXENDTC', 'Date/Time of Last Study Treatment', 'date'),
      v('RFICDTC', 'Date/Time of Informed Consent', 'date'),
      v('DTHDTC', 'Date/Time of Death', 'date'),
      v('DTHFL', 'Subject Death Flag', 'text', { levels: ['Y'], codelist: 'NY' }),
      v('AGE', 'Age', 'integer'),
      v('AGEU', 'Age Units', 'text', { levels: ['YEARS'], codelist: 'AGEU' }),
      v('SEX', 'Sex', 'text', { levels: ['F', 'M', 'U'], labels: ['Female', 'Male', 'Unknown'], codelist: 'SEX' }),
      ...arms,
      v('COUNTRY', 'Country'),
    ],
    rows: input.subjects.map((s) => ({
      ...common('DM', s.subjectId),
      SUBJID: s.subjectId,
      SITEID: s.siteId,
      RFSTDTC: s.firstDose ?? s.consentDate,
      RFENDTC: s.endDate,
      RFXSTDTC: s.firstDose,
      RFXENDTC: s.lastDose,
      RFICDTC: s.consentDate,
      DTHDTC: s.deathDate,
      DTHFL: s.deathDate ? 'Y' : undefined,
      AGE: s.age,
      AGEU: s.age !== undefined ? 'YEARS' : undefined,
      SEX: s.sex,
      ...(s.arm
        ? {
            ARMCD: s.arm.planned.code,
            ARM: s.arm.planned.label,
            ACTARMCD: s.arm.actual.code,
            ACTARM: s.arm.actual.label,
          }
        : {}),
      COUNTRY: s.country,
    })),
  }

  const seq = (rows: Row[]): Row[] => {
    const counters = new Map<string, number>()
    return rows.map((r) => {
      const key = String(r['USUBJID'])
      const n = (counters.get(key) ?? 0) + 1
      counters.set(key, n)
      return { ...r, [`${String(r['DOMAIN'])}SEQ`]: n }
    })
  }

  const ds: Dataset = {
    name: 'DS',
    label: 'Disposition',
    variables: [
      ...id,
      v('DSSEQ', 'Sequence Number', 'integer'),
      v('DSTERM', 'Reported Term for the Disposition Event'),
      v('DSDECOD', 'Standardized Disposition Term'),
      v('DSCAT', 'Category for Disposition Event', 'text', {
        levels: ['DISPOSITION EVENT', 'PROTOCOL MILESTONE'],
        codelist: 'DSCAT',
      }),
      v('EPOCH', 'Epoch'),
      v('DSSTDTC', 'Start Date/Time of Disposition Event', 'date'),
    ],
    rows: seq(
      input.dispositions.map((d) => ({
        ...common('DS', d.subjectId),
        DSTERM: d.term,
        DSDECOD: d.decoded,
        DSCAT: d.category,
        EPOCH: d.epoch,
        DSSTDTC: d.date,
      })),
    ),
  }

  const ex: Dataset = {
    name: 'EX',
    label: 'Exposure',
    variables: [
      ...id,
      v('EXSEQ', 'Sequence Number', 'integer'),
      v('EXTRT', 'Name of Treatment'),
      ...(input.blinded ? [] : [v('EXDOSE', 'Dose', 'number'), v('EXDOSU', 'Dose Units')]),
      v('EXDOSFRM', 'Dose Form'),
      v('EXROUTE', 'Route of Administration'),
      v('EXLOT', 'Lot Number'),
      v('EPOCH', 'Epoch'),
      v('EXSTDTC', 'Start Date/Time of Treatment', 'datetime'),
      v('EXENDTC', 'End Date/Time of Treatment', 'datetime'),
    ],
    rows: seq(
      input.exposures.map((e) => ({
        ...common('EX', e.subjectId),
        EXTRT: input.blinded ? 'STUDY PRODUCT (BLINDED)' : e.treatment,
        ...(input.blinded ? {} : { EXDOSE: e.dose, EXDOSU: e.doseUnit }),
        EXDOSFRM: 'SUSPENSION',
        EXROUTE: 'INTRAVENOUS',
        EXLOT: input.blinded ? undefined : e.lot,
        EPOCH: e.epoch,
        EXSTDTC: e.start,
        EXENDTC: e.end,
      })),
    ),
  }

  const ae: Dataset = {
    name: 'AE',
    label: 'Adverse Events',
    variables: [
      ...id,
      v('AESEQ', 'Sequence Number', 'integer'),
      v('AETERM', 'Reported Term for the Adverse Event'),
      v('AEDECOD', 'Dictionary-Derived Term'),
      v('AEBODSYS', 'Body System or Organ Class'),
      v('AESEV', 'Severity/Intensity', 'text', { levels: SEVERITY, codelist: 'AESEV' }),
      v('AETOXGR', 'Standard Toxicity Grade', 'integer', { levels: [1, 2, 3, 4, 5], codelist: 'CTCAE_GRADE' }),
      v('AESER', 'Serious Event', 'text', YN),
      ...Object.values(SERIOUS_FLAGS).map((f) => v(f, `Serious criterion ${f.slice(3)}`, 'text', YN)),
      v('AEREL', 'Causality', 'text', { codelist: 'WHO_UMC_CAUSALITY' }),
      v('AEACN', 'Action Taken with Study Treatment'),
      v('AEOUT', 'Outcome of Adverse Event'),
      v('EPOCH', 'Epoch'),
      v('AESTDTC', 'Start Date/Time of Adverse Event', 'date'),
      v('AEENDTC', 'End Date/Time of Adverse Event', 'date'),
    ],
    rows: seq(
      input.adverseEvents.map((a) => ({
        ...common('AE', a.subjectId),
        AETERM: a.term,
        AEDECOD: a.decoded,
        AEBODSYS: a.bodySystem,
        AESEV: a.grade !== undefined ? SEVERITY[Math.min(a.grade, 3) - 1] : undefined,
        AETOXGR: a.grade,
        AESER: a.serious ? 'Y' : 'N',
        ...Object.fromEntries(
          Object.entries(SERIOUS_FLAGS).map(([code, flag]) => [
            flag,
            a.serious ? (a.seriousness?.includes(code) ? 'Y' : 'N') : undefined,
          ]),
        ),
        AEREL: a.relationship,
        AEACN: a.action,
        AEOUT: a.outcome,
        EPOCH: a.epoch,
        AESTDTC: a.start,
        AEENDTC: a.end,
      })),
    ),
  }

  const findings = (domain: 'QS' | 'VS' | 'RS', label: string): Dataset => {
    const p = domain
    const rows = input.findings.filter((f) => f.domain === domain)
    return {
      name: domain,
      label,
      variables: [
        ...id,
        v(`${p}SEQ`, 'Sequence Number', 'integer'),
        v(`${p}TESTCD`, 'Short Name of Test'),
        v(`${p}TEST`, 'Name of Test'),
        v(`${p}CAT`, 'Category'),
        v(`${p}ORRES`, 'Result or Finding in Original Units'),
        v(`${p}ORRESU`, 'Original Units'),
        v(`${p}STRESC`, 'Character Result/Finding in Std Format'),
        v(`${p}STRESN`, 'Numeric Result/Finding in Standard Units', 'number'),
        v(`${p}STRESU`, 'Standard Units'),
        ...(domain === 'QS' ? [v('QSDRVFL', 'Derived Flag', 'text', { levels: ['Y'], codelist: 'NY' })] : []),
        v('VISITNUM', 'Visit Number', 'number'),
        v('VISIT', 'Visit Name'),
        v(`${p}DTC`, 'Date/Time of Collection', 'date'),
      ],
      rows: seq(
        rows.map((f) => ({
          ...common(domain, f.subjectId),
          [`${p}TESTCD`]: f.testCode,
          [`${p}TEST`]: f.test.slice(0, 40),
          [`${p}CAT`]: f.category,
          [`${p}ORRES`]: f.result ?? undefined,
          [`${p}ORRESU`]: f.unit,
          [`${p}STRESC`]: f.result ?? undefined,
          [`${p}STRESN`]: typeof f.result === 'number' ? f.result : undefined,
          [`${p}STRESU`]: f.unit,
          ...(domain === 'QS' ? { QSDRVFL: f.derived ? 'Y' : undefined } : {}),
          VISITNUM: f.visitNum,
          VISIT: f.visit,
          [`${p}DTC`]: f.date,
        })),
      ),
    }
  }

  const datasets = [
    dm,
    ds,
    ex,
    ae,
    findings('QS', 'Questionnaires'),
    findings('VS', 'Vital Signs'),
    findings('RS', 'Disease Response and Clin Classification'),
  ]
  return ok(tabularFiles(datasets, `SDTM-style datasets of ${input.studyId}${input.blinded ? ' (blinded)' : ''}`))
}

/** CSV per dataset, the define dictionary and the R reader, as files. */
export function tabularFiles(datasets: readonly Dataset[], title: string): TabularExport {
  const files: Record<string, string> = {}
  for (const d of datasets) files[fileNameOf(d)] = datasetCsv(d)
  files['define.csv'] = defineCsv(datasets)
  files['read-data.R'] = rScript(datasets, title)
  return { datasets, files }
}

// ---------------------------------------------------------------------------------------------------------
// Findings from captured forms

const ALSFRS_TOTALS: Readonly<Record<string, [string, string]>> = {
  total: ['ALSFRSTO', 'ALSFRS-R Total Score'],
  bulbar: ['ALSFRSBU', 'ALSFRS-R Bulbar Subscore'],
  fineMotor: ['ALSFRSFM', 'ALSFRS-R Fine Motor Subscore'],
  grossMotor: ['ALSFRSGM', 'ALSFRS-R Gross Motor Subscore'],
  respiratory: ['ALSFRSRS', 'ALSFRS-R Respiratory Subscore'],
}

/** CDISC VS test codes (public CDISC CT) for the VITALS template items. */
const VS_CODES: Readonly<Record<string, [string, string]>> = {
  weight: ['WEIGHT', 'Weight'],
  height: ['HEIGHT', 'Height'],
  sbp: ['SYSBP', 'Systolic Blood Pressure'],
  dbp: ['DIABP', 'Diastolic Blood Pressure'],
  hr: ['PULSE', 'Pulse Rate'],
  temp: ['TEMP', 'Temperature'],
  bmi: ['BMI', 'Body Mass Index'],
}

/** `ALSFRS01` … `ALSFRS12`, `ALSFRS5A`, `ALSFRS5B` from item ids `Q1` … `Q12`, `Q5A`, `Q5B`. */
export function alsfrsTestCode(itemId: string): string {
  const m = /^Q(\d+)([AB]?)$/.exec(itemId)
  if (!m) return `ALSFRS${itemId.toUpperCase()}`.slice(0, 8)
  return m[2] ? `ALSFRS${m[1] ?? ''}${m[2]}` : `ALSFRS${(m[1] ?? '').padStart(2, '0')}`
}

/**
 * QS, VS and RS findings from the current version of the ALSFRS-R, ECAS and VITALS forms of an extract: item
 * answers, the ALSFRS-R total and subscores (QSDRVFL = Y) and King's/MiToS stages (RS), computed with the
 * instrument library so they match what TrialDesk shows.
 */
export function findingsFromExtract(extract: StudyExtract): SdtmFinding[] {
  const design = extract.design
  const visitNum = new Map(design.protocol.visits.map((v, i) => [v.id, i + 1]))
  const visitLabel = new Map(design.protocol.visits.map((v) => [v.id, v.label]))
  const forms = new Map(design.forms.map((f) => [f.id, f]))
  const out: SdtmFinding[] = []
  for (const s of extract.subjects) {
    for (const visit of s.visits) {
      const uns = visit.visitId === UNSCHEDULED_VISIT
      const where = {
        visit: uns ? `UNSCHEDULED ${visit.repeatKey ?? 1}` : (visitLabel.get(visit.visitId) ?? visit.visitId),
        visitNum: uns ? 900 + (visit.repeatKey ?? 1) : (visitNum.get(visit.visitId) ?? 0),
      }
      for (const form of visit.forms) {
        const def = forms.get(form.formId)
        const current = form.versions[form.versions.length - 1]
        if (!def || !current) continue
        const date = visit.date ?? current.at.slice(0, 10)
        const base = { subjectId: s.subjectKey, date, ...where }
        if (def.instrument === 'ALSFRS-R') {
          const values: Record<string, number | null> = {}
          for (const item of def.items) {
            const value = current.values[item.id]
            if (typeof value !== 'number') continue
            values[item.id] = value
            out.push({
              ...base,
              domain: 'QS',
              category: 'ALSFRS-R',
              testCode: alsfrsTestCode(item.id),
              test: item.label,
              result: value,
            })
          }
          const score = computeAlsfrsR(values)
          const totals: Record<string, number | null> = { total: score.total, ...score.subscores }
          for (const [key, [code, test]] of Object.entries(ALSFRS_TOTALS)) {
            const value = totals[key]
            if (value !== null && value !== undefined)
              out.push({
                ...base,
                domain: 'QS',
                category: 'ALSFRS-R',
                testCode: code,
                test,
                result: value,
                derived: true,
              })
          }
          if (score.kingsStage !== null)
            out.push({
              ...base,
              domain: 'RS',
              category: "KING'S CLINICAL STAGING",
              testCode: 'KINGSSTG',
              test: "King's Clinical Stage (from ALSFRS-R)",
              result: score.kingsStage,
            })
          if (score.mitosStage !== null)
            out.push({
              ...base,
              domain: 'RS',
              category: 'MITOS',
              testCode: 'MITOSSTG',
              test: 'MiToS Stage (from ALSFRS-R)',
              result: score.mitosStage,
            })
        } else if (def.instrument === 'ECAS') {
          for (const d of def.derived) {
            const value = current.derived?.[d.id]
            if (typeof value === 'number')
              out.push({
                ...base,
                domain: 'QS',
                category: 'ECAS',
                testCode: `ECAS${d.id.slice(0, 4).toUpperCase()}`,
                test: d.label,
                result: value,
                derived: true,
              })
          }
        } else if (def.instrument === 'VITALS') {
          const all: Record<string, unknown> = { ...current.values, ...current.derived }
          for (const [id, [code, test]] of Object.entries(VS_CODES)) {
            const value = all[id]
            const unit = def.items.find((i) => i.id === id)?.unit ?? def.derived.find((d) => d.id === id)?.unit
            if (typeof value === 'number')
              out.push({ ...base, domain: 'VS', category: 'VITAL SIGNS', testCode: code, test, result: value, unit })
          }
        }
      }
    }
  }
  return out
}
