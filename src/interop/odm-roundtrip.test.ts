import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { admscExtract } from '../../test/fixtures/interop/admsc-extract.ts'
import { miniExtract } from '../../test/fixtures/interop/mini-extract.ts'
import {
  importOdmFile,
  odmToString,
  toSubjectRecords,
  type ImportedSubject,
  type OdmWriteOptions,
  type StudyExtract,
} from './index.ts'

const dir = mkdtempSync(join(tmpdir(), 'td-odm-rt-'))

function write(extract: StudyExtract, opts: OdmWriteOptions): string {
  const r = odmToString(extract, opts)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

/** export → import (through the same reader and mapping the CLI uses) → export. */
async function roundTrip(extract: StudyExtract, opts: OdmWriteOptions) {
  const first = write(extract, opts)
  const file = join(dir, `${opts.fileType}-${String(opts.withAudit)}-${String(extract.blinded)}.xml`)
  writeFileSync(file, first)
  const subjects: ImportedSubject[] = []
  const imported = await importOdmFile(file, { onSubject: (s) => void subjects.push(s) })
  if (!imported.ok) throw new Error(JSON.stringify(imported.problems))
  const { mapping, admin } = imported.value
  const rebuilt = toSubjectRecords(subjects, {
    user: (oid) => admin.users.find((u) => u.oid === oid)?.loginName ?? '',
    site: (oid) => (oid ? (mapping?.sites[oid] ?? '') : ''),
    meaning: (oid) => (oid ?? '').replace(/^SD\./, ''),
  })
  const second = write({ ...extract, subjects: rebuilt }, opts)
  return { first, second, rebuilt, report: imported.value.report }
}

const opts = (fileType: OdmWriteOptions['fileType'], withAudit: boolean): OdmWriteOptions => ({
  fileType,
  withAudit,
  fileOid: 'TD.rt',
  createdAt: '2026-05-01T12:00:00.000Z',
  sourceSystemVersion: '0.1.0',
})

describe('ODM round trip: export → import → export gives the same clinical data', () => {
  for (const [fileType, withAudit] of [
    ['Snapshot', false],
    ['Snapshot', true],
    ['Transactional', true],
  ] as const) {
    for (const blinded of [false, true]) {
      it(`${fileType}${withAudit ? ' with audit' : ''}, ${blinded ? 'blinded' : 'unblinded'}`, async () => {
        const { first, second, report } = await roundTrip(await miniExtract(blinded), opts(fileType, withAudit))
        expect(second).toBe(first)
        expect(report.counts['subjects']).toBeGreaterThan(1)
      })
    }
  }

  it('the rebuilt history carries every version with who, where, when and why', async () => {
    const extract = await miniExtract()
    const { rebuilt } = await roundTrip(extract, opts('Transactional', true))
    const demog = rebuilt
      .find((s) => s.subjectKey === 'S01-001')
      ?.visits.find((v) => v.visitId === 'SCR')
      ?.forms.find((f) => f.formId === 'DEMOG')
    expect(demog?.versions.map((v) => [v.version, v.userId, v.siteId, v.at, v.reason])).toEqual([
      [1, 'inv1', 'S01', '2026-03-02T09:00:00.000Z', undefined],
      [2, 'inv1', 'S01', '2026-03-04T09:00:00.000Z', 'Typo in "age" & initials <corrected>'],
    ])
    expect(demog?.versions[1]?.values).toEqual({
      initials: 'A&B',
      age: 46,
      sex: 'F',
      ethnic: 2,
      symptoms: ['fasc'],
      onset: '2025-06-01',
      seen_at: '2026-03-02T08:30:00Z',
    })
    expect(demog?.signatures).toEqual([
      { userId: 'inv1', siteId: 'S01', at: '2026-03-05T09:00:00.000Z', meaning: 'investigator' },
    ])
    expect(rebuilt.find((s) => s.subjectKey === 'S02-001')?.allocations?.map((a) => a.armId)).toEqual(['QUOPLA'])
  })

  for (const blinded of [false, true]) {
    it(`the reference ALS trial (compiled instrument forms), Transactional with audit, ${blinded ? 'blinded' : 'unblinded'}`, async () => {
      const { first, second, report } = await roundTrip(await admscExtract(blinded), opts('Transactional', true))
      expect(second).toBe(first)
      expect(first).toContain('ItemOID="I.ALSFRS.Q5A" Value="3"')
      expect(report.counts['formSavesMapped']).toBe(blinded ? 3 : 4)
    })
  }

  it('the reference protocol exported as ODM imports back to the same forms, items, types and options', async () => {
    const extract = await admscExtract(false)
    const { report } = await roundTrip(extract, opts('Snapshot', false))
    expect(report.counts['formDefs']).toBe(extract.design.forms.length + 1)
    const file = join(dir, 'admsc-metadata.xml')
    writeFileSync(file, write({ ...extract, subjects: [] }, { ...opts('Snapshot', false), clinical: false }))
    const back = await importOdmFile(file)
    if (!back.ok || !back.value.protocol) throw new Error('import failed')
    for (const form of extract.design.forms) {
      const again = back.value.protocol.forms.find((f) => f.id === form.id)
      // Instrument scores have no formula in ODM: they come back as entered values (and are reported).
      const entered = again?.items.filter((i) => form.items.some((x) => x.id === i.id))
      expect(
        entered?.map((i) => [i.id, i.type, i.unit, i.options?.map((o) => o.code)]),
        form.id,
      ).toEqual(form.items.map((i) => [i.id, i.type, i.unit, i.options?.map((o) => o.code)]))
    }
    expect(back.value.report.skipped.map((e) => e.reason)).toContainEqual(
      expect.stringMatching(/^method M.ALSFRS.total has no formal expression/),
    )
  })
})
