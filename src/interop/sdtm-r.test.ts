import { describe, expect, it } from 'vitest'
import { admscExtract } from '../../test/fixtures/interop/admsc-extract.ts'
import { miniExtract } from '../../test/fixtures/interop/mini-extract.ts'
import {
  alsfrsTestCode,
  findingsFromExtract,
  odmToString,
  parseCsv,
  rExport,
  sdtmExport,
  type SdtmInput,
} from './index.ts'

const sdtmInput = (blinded: boolean): SdtmInput => ({
  studyId: 'ADMSC-ALS',
  blinded,
  subjects: [
    {
      subjectId: 'MAL-001',
      siteId: 'MAL',
      country: 'ESP',
      sex: 'F',
      age: 54,
      consentDate: '2026-01-12',
      firstDose: '2026-03-05',
      lastDose: '2026-09-04',
      ...(blinded
        ? {}
        : {
            arm: {
              planned: { code: 'D2', label: 'AdMSC 2×10^6 cells/kg' },
              actual: { code: 'D2', label: 'AdMSC 2×10^6 cells/kg' },
            },
          }),
    },
    {
      subjectId: 'COR-002',
      siteId: 'COR',
      country: 'ESP',
      sex: 'M',
      age: 61,
      consentDate: '2026-01-20',
      deathDate: '2026-08-01',
      ...(blinded
        ? {}
        : { arm: { planned: { code: 'P', label: 'Placebo' }, actual: { code: 'P', label: 'Placebo' } } }),
    },
  ],
  dispositions: [
    {
      subjectId: 'MAL-001',
      category: 'PROTOCOL MILESTONE',
      term: 'Randomized',
      decoded: 'RANDOMIZED',
      date: '2026-03-02',
      epoch: 'SCREENING',
    },
    {
      subjectId: 'COR-002',
      category: 'DISPOSITION EVENT',
      term: 'Death',
      decoded: 'DEATH',
      date: '2026-08-01',
      epoch: 'TREATMENT',
    },
  ],
  exposures: [
    {
      subjectId: 'MAL-001',
      start: '2026-03-05T09:00:00Z',
      end: '2026-03-05T09:30:00Z',
      epoch: 'TREATMENT',
      ...(blinded ? {} : { treatment: 'AdMSC', dose: 2000000, doseUnit: 'cells/kg', lot: 'LOT-7' }),
    },
  ],
  adverseEvents: [
    {
      subjectId: 'MAL-001',
      term: 'Bruising at liposuction site',
      decoded: 'Contusion',
      bodySystem: 'Injury, poisoning and procedural complications',
      grade: 1,
      serious: false,
      relationship: 'PROBABLE',
      start: '2026-02-01',
    },
    {
      subjectId: 'COR-002',
      term: 'Respiratory failure',
      grade: 5,
      serious: true,
      seriousness: ['DEATH', 'HOSPITALISATION'],
      relationship: 'UNLIKELY',
      outcome: 'FATAL',
      start: '2026-07-28',
      end: '2026-08-01',
    },
  ],
  findings: [],
})

const rows = (csv: string | undefined) => {
  const t = parseCsv(csv ?? '')
  if (!t.ok) throw new Error('not CSV')
  return t.value.rows.map((r) => r.cells)
}

describe('SDTM-style export', () => {
  it('DM, DS, EX and AE with SDTM variables, sequence numbers and seriousness flags', () => {
    const r = sdtmExport(sdtmInput(false))
    if (!r.ok) throw new Error('export failed')
    expect(Object.keys(r.value.files).sort()).toEqual([
      'ae.csv',
      'define.csv',
      'dm.csv',
      'ds.csv',
      'ex.csv',
      'qs.csv',
      'read-data.R',
      'rs.csv',
      'vs.csv',
    ])
    expect(rows(r.value.files['dm.csv'])[1]).toMatchObject({
      USUBJID: 'ADMSC-ALS-COR-002',
      DTHFL: 'Y',
      DTHDTC: '2026-08-01',
      ARMCD: 'P',
      SEX: 'M',
      AGE: '61',
      AGEU: 'YEARS',
    })
    expect(rows(r.value.files['ae.csv'])[1]).toMatchObject({
      AESEQ: '1',
      AESER: 'Y',
      AESDTH: 'Y',
      AESHOSP: 'Y',
      AESLIFE: 'N',
      AETOXGR: '5',
      AESEV: 'SEVERE',
      AEOUT: 'FATAL',
    })
    expect(rows(r.value.files['ae.csv'])[0]).toMatchObject({ AESER: 'N', AESDTH: '', AESEV: 'MILD' })
    expect(rows(r.value.files['ex.csv'])[0]).toMatchObject({
      EXTRT: 'AdMSC',
      EXDOSE: '2000000',
      EXDOSU: 'cells/kg',
      EXROUTE: 'INTRAVENOUS',
    })
    const define = rows(r.value.files['define.csv'])
    expect(define.find((d) => d['Dataset'] === 'DM' && d['Variable'] === 'SEX')).toMatchObject({
      'SAS type': 'Char',
      Codelist: 'SEX',
      Values: 'F=Female; M=Male; U=Unknown',
    })
    expect(define.find((d) => d['Dataset'] === 'AE' && d['Variable'] === 'AETOXGR')).toMatchObject({
      'SAS type': 'Num',
    })
  })

  it('a blinded SDTM export carries no arm, treatment name, dose or lot; one that would is refused', () => {
    const r = sdtmExport(sdtmInput(true))
    if (!r.ok) throw new Error('export failed')
    const all = Object.values(r.value.files).join('\n')
    for (const secret of ['ARMCD', 'ACTARM', 'D2', 'Placebo', 'AdMSC', '2000000', 'cells/kg', 'LOT-7', 'EXDOSE'])
      expect(all).not.toContain(secret)
    expect(rows(r.value.files['ex.csv'])[0]?.['EXTRT']).toBe('STUDY PRODUCT (BLINDED)')
    expect(sdtmExport({ ...sdtmInput(false), blinded: true })).toMatchObject({
      ok: false,
      problems: [{ code: 'forbidden' }],
    })
  })

  it('QS, VS and RS findings from captured forms: ALSFRS-R items, totals, staging and vital signs', async () => {
    const findings = findingsFromExtract(await admscExtract(true))
    const qs = findings.filter((f) => f.domain === 'QS')
    expect(qs.filter((f) => !f.derived).map((f) => f.testCode)).toEqual([
      'ALSFRS01',
      'ALSFRS02',
      'ALSFRS03',
      'ALSFRS04',
      'ALSFRS5A',
      'ALSFRS06',
      'ALSFRS07',
      'ALSFRS08',
      'ALSFRS09',
      'ALSFRS10',
      'ALSFRS11',
      'ALSFRS12',
    ])
    expect(Object.fromEntries(qs.filter((f) => f.derived).map((f) => [f.testCode, f.result]))).toEqual({
      ALSFRSTO: 37,
      ALSFRSBU: 11,
      ALSFRSFM: 9,
      ALSFRSGM: 5,
      ALSFRSRS: 12,
    })
    // King's: bulbar (Q3 < 4), upper limb (Q4 < 4), lower limb (Q8 < 4) involved → 3; MiToS: no domain lost → 0.
    expect(findings.filter((f) => f.domain === 'RS').map((f) => [f.testCode, f.result])).toEqual([
      ['KINGSSTG', '3'],
      ['MITOSSTG', 0],
    ])
    expect(findings.filter((f) => f.domain === 'VS').map((f) => [f.testCode, f.result, f.unit])).toEqual([
      ['WEIGHT', 70.5, 'kg'],
      ['HEIGHT', 175, 'cm'],
      ['SYSBP', 120, 'mmHg'],
      ['DIABP', 80, 'mmHg'],
      ['PULSE', 64, 'beats/min'],
      ['TEMP', 36.6, '°C'],
      ['BMI', 23, 'kg/m2'],
    ])
    expect(qs[0]).toMatchObject({ visit: 'Baseline and randomization', visitNum: 3, date: '2026-03-01' })
    expect(alsfrsTestCode('Q5B')).toBe('ALSFRS5B')
    const r = sdtmExport({ ...sdtmInput(true), findings })
    expect(r.ok && rows(r.value.files['qs.csv']).length).toBe(17)
  })
})

describe('R-ready export', () => {
  it('one CSV per form with typed columns, factor levels, a dictionary and an R reader; identifiers left out', async () => {
    const r = rExport(await miniExtract(false))
    if (!r.ok) throw new Error('export failed')
    const demog = rows(r.value.files['demog.csv'])
    expect(Object.keys(demog[0] ?? {})).not.toContain('initials')
    expect(demog.map((d) => [d['subject'], d['visit'], d['age'], d['pregnant'], d['symptoms']])).toEqual([
      ['S01-001', 'SCR', '46', '', 'fasc'],
      ['S02-001', 'SCR', '60', '', ''],
    ])
    expect(rows(r.value.files['score.csv']).map((s) => [s['form_repeat'], s['total']])).toEqual([
      ['1', '7'],
      ['2', '6'],
    ])
    expect(rows(r.value.files['allocation.csv'])).toEqual([
      { subject: 'S01-001', period: 'main', arm: 'ZETAHI', allocated_at: '2026-03-03T09:00:00.000Z' },
      { subject: 'S02-001', period: 'main', arm: 'QUOPLA', allocated_at: '2026-03-06T09:00:00.000Z' },
    ])
    const script = r.value.files['read-data.R'] ?? ''
    expect(script).toContain('demog <- read.csv("demog.csv", colClasses = c("subject" = "character"')
    expect(script).toContain(
      'demog[["ethnic"]] <- factor(demog[["ethnic"]], levels = c("1", "2"), labels = c("One", "Two"))',
    )
    expect(script).toContain('demog[["onset"]] <- as.Date(demog[["onset"]])')
    expect(script).toContain(
      'demog[["visit"]] <- factor(demog[["visit"]], levels = c("SCR", "M1", "UNS"), labels = c("Screening", "Month 1", "Unscheduled"))',
    )
    expect(rExport(await miniExtract(false), { includeIdentifiers: true }).ok && true).toBe(true)
  })

  it('blinded exports (R, ODM) drop the allocation and the items that reveal it', async () => {
    const blinded = await admscExtract(true)
    const r = rExport(blinded)
    if (!r.ok) throw new Error('export failed')
    expect(r.value.files['allocation.csv']).toBeUndefined()
    const infusion = r.value.files['infusion.csv'] ?? ''
    expect(infusion).toContain('volume_given_ml')
    const columns = infusion.split('\r\n')[0]?.split(',') ?? []
    expect(columns).not.toContain('dose_prescribed')
    expect(columns).not.toContain('dose_given')
    expect(infusion).not.toContain('141000000')
    const odm = odmToString(blinded, {
      fileType: 'Snapshot',
      withAudit: true,
      fileOid: 'x',
      createdAt: '2026-06-01T00:00:00Z',
      sourceSystemVersion: '0',
    })
    expect(odm.ok && !/I\.INFUSION\.dose_given"|141000000/.test(odm.value)).toBe(true)
    const unblinded = rExport(await admscExtract(false))
    expect(unblinded.ok && unblinded.value.files['infusion.csv']).toContain('141000000')
  })
})
