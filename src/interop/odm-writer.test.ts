import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileProtocol, loadProtocolFile } from '../protocol/index.ts'
import { admscExtract } from '../../test/fixtures/interop/admsc-extract.ts'
import { miniExtract } from '../../test/fixtures/interop/mini-extract.ts'
import {
  designFromCompiled,
  findXmllint,
  odmToString,
  validateXmlFile,
  type OdmWriteOptions,
  type StudyExtract,
} from './index.ts'

const xmllint = findXmllint()
if (!xmllint) {
  if (process.env['TRIALDESK_CI'] === '1') throw new Error('xmllint is required in CI (apt-get install libxml2-utils)')
  console.warn('\n*** xmllint not found: ODM schema validation tests are SKIPPED (apt-get install libxml2-utils) ***\n')
}

const dir = mkdtempSync(join(tmpdir(), 'td-odm-'))
let n = 0
function validate(xml: string) {
  const file = join(dir, `out-${n++}.xml`)
  writeFileSync(file, xml)
  return validateXmlFile(file)
}

const base: OdmWriteOptions = {
  fileType: 'Snapshot',
  withAudit: false,
  fileOid: 'TD.test.1',
  createdAt: '2026-05-01T12:00:00.000Z',
  sourceSystemVersion: '0.1.0',
}

function write(extract: StudyExtract, opts: Partial<OdmWriteOptions> = {}): string {
  const r = odmToString(extract, { ...base, ...opts })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

describe.skipIf(!xmllint)('ODM export validates against the ODM 1.3.2 schema', () => {
  it('metadata only, for the reference ALS protocol', async () => {
    const loaded = await loadProtocolFile(new URL('../../protocols/admsc-als.yaml', import.meta.url).pathname)
    if (!loaded.ok) throw new Error('reference protocol invalid')
    const design = designFromCompiled(compileProtocol(loaded.value))
    const xml = write(
      { design, subjects: [], users: [], signatureMeanings: [], blinded: true, extractedAt: base.createdAt },
      { clinical: false },
    )
    expect(validate(xml)).toEqual({ valid: true, errors: [] })
    expect(xml).toContain('<StudyEventDef OID="SE.M48"')
    expect(xml).toContain('<FormDef OID="F.ALSFRS"')
    // Instrument items come from the compiled protocol, with their code lists and the instrument's scores.
    expect(xml).toContain('<ItemDef OID="I.ALSFRS.Q5A"')
    expect(xml).toMatch(/<ItemDef OID="I.ALSFRS.total" Name="total" DataType="integer">/)
    expect(xml).toContain('<MethodDef OID="M.ALSFRS.total"')
    expect(xml).toContain('<ItemDef OID="I.CONMED.riluzole_dose" Name="riluzole_dose" DataType="integer">')
  })

  it('the reference trial with clinical data (instrument items, scores), Transactional with audit', async () => {
    for (const blinded of [false, true]) {
      const xml = write(await admscExtract(blinded), { fileType: 'Transactional', withAudit: true })
      expect(validate(xml)).toEqual({ valid: true, errors: [] })
    }
  })

  for (const fileType of ['Snapshot', 'Transactional'] as const) {
    for (const withAudit of [false, true]) {
      it(`${fileType} with${withAudit ? '' : 'out'} audit, metadata and clinical data`, async () => {
        const xml = write(await miniExtract(), { fileType, withAudit })
        expect(validate(xml)).toEqual({ valid: true, errors: [] })
      })
    }
  }
})

describe('ODM export content', () => {
  it('writes units, hard and soft ranges, code lists, conditions, methods and OIDs by the convention', async () => {
    const xml = write(await miniExtract())
    expect(xml).toContain('<MeasurementUnit OID="MU.kg" Name="kg">')
    expect(xml).toContain('<MeasurementUnit OID="MU.kg_m2" Name="kg/m2">')
    expect(xml).toMatch(
      /<ItemDef OID="I.VITALS.weight" Name="weight" DataType="float" SignificantDigits="1">[\s\S]*?<RangeCheck Comparator="GE" SoftHard="Hard">\s*<CheckValue>30<\/CheckValue>[\s\S]*?<RangeCheck Comparator="GE" SoftHard="Soft">\s*<CheckValue>40</,
    )
    expect(xml).toContain(
      '<ItemRef ItemOID="I.DEMOG.pregnant" OrderNumber="4" Mandatory="No" CollectionExceptionConditionOID="C.DEMOG.pregnant"/>',
    )
    expect(xml).toContain('<FormalExpression Context="TrialDesk">not (sex == "F")</FormalExpression>')
    expect(xml).toContain('<ConditionDef OID="C.DEMOG.pregnant.REQUIRED"')
    expect(xml).toContain('<ConditionDef OID="C.DEMOG.CHECK.old"')
    expect(xml).toContain('<MethodDef OID="M.VITALS.bmi" Name="VITALS.bmi" Type="Computation">')
    expect(xml).toContain('<CodeList OID="CL.DEMOG.ethnic" Name="DEMOG.ethnic" DataType="integer">')
    expect(xml).toContain('<Alias Context="TrialDesk" Name="multichoice CL.DEMOG.symptoms"/>')
    expect(xml).toContain('<StudyEventDef OID="SE.UNS" Name="Unscheduled visit" Repeating="Yes" Type="Unscheduled">')
  })

  it('escapes markup in names, values and reasons', async () => {
    const xml = write(await miniExtract(), { fileType: 'Transactional', withAudit: true })
    expect(xml).toContain('Name="Hospital &quot;Uno&quot; &amp; Co &lt;north&gt;"')
    expect(xml).toContain('Value="A&lt;B"')
    expect(xml).toContain('<ReasonForChange>Typo in "age" &amp; initials &lt;corrected&gt;</ReasonForChange>')
  })

  it('Snapshot keeps the current version with its audit record and signature; Transactional keeps every version', async () => {
    const extract = await miniExtract()
    const snap = write(extract, { withAudit: true })
    expect(snap).toContain('Value="A&amp;B"')
    expect(snap).not.toContain('Value="A&lt;B"')
    expect(snap).toMatch(
      /<FormData FormOID="F.DEMOG">\s*<AuditRecord[^>]*>\s*<UserRef UserOID="USR.inv1"\/>\s*<LocationRef LocationOID="LOC.S01"\/>\s*<DateTimeStamp>2026-03-04T09:00:00.000Z<\/DateTimeStamp>\s*<ReasonForChange>/,
    )
    expect(snap).toContain('<SignatureRef SignatureOID="SD.investigator"/>')
    expect(snap).not.toContain('TransactionType')
    const tx = write(extract, { fileType: 'Transactional', withAudit: true })
    expect(tx.match(/<FormData FormOID="F.DEMOG" TransactionType="Insert">/g)).toHaveLength(2)
    expect(tx.match(/<FormData FormOID="F.DEMOG" TransactionType="Update">/g)).toHaveLength(1)
    expect(tx).toContain('<ItemData ItemOID="I.DEMOG.pregnant" TransactionType="Remove" IsNull="Yes"/>')
  })

  it('refuses a blinded extract that carries allocations', async () => {
    const leaky = { ...(await miniExtract()), blinded: true }
    const r = odmToString(leaky, base)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems[0]?.code).toBe('forbidden')
  })

  it('a blinded export carries no arm id, label or dose; the unblinded one does', async () => {
    const unblinded = write(await miniExtract(false), { withAudit: true })
    const blinded = write(await miniExtract(true), { withAudit: true })
    const secrets = ['ZETAHI', 'QUOPLA', 'Zetacel', 'Quorbo', '3.5e6', '3500000', 'ALLOCATION']
    for (const s of secrets.slice(0, 4)) expect(unblinded).toContain(s)
    for (const s of secrets) expect(blinded).not.toContain(s)
  })
})
