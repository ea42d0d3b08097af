import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, writeFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { importOdmFile, readOdm, readOdmFile, type ImportedSubject } from './index.ts'

const SAMPLES = fileURLToPath(new URL('../../test/fixtures/interop-samples/odm/', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'td-odm-read-'))
const sample = (name: string) => join(SAMPLES, name)

const chunks = (text: string) => [Buffer.from(text, 'utf8')]
const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileType="Snapshot" FileOID="x" CreationDateTime="2026-01-01T00:00:00Z">'

describe('every ODM sample reads, with the counts its source documents', () => {
  // Counts from each file's SOURCES.md row (openedc clinical data: SOURCES counts 180 "AuditRecord" strings,
  // i.e. 90 elements with their closing tags; the REDCap file's 406 ItemData include one ItemDataBase64Binary).
  const cases = [
    {
      file: 'openedc-example-metadata.xml',
      counts: {
        studyEventDefs: 3,
        formDefs: 5,
        itemGroupDefs: 9,
        itemDefs: 28,
        codeLists: 4,
        conditionDefs: 7,
        methodDefs: 2,
        subjects: 0,
      },
    },
    {
      file: 'openedc-example-clinicaldata.xml',
      counts: {
        studyEventDefs: 0,
        subjects: 90,
        studyEventData: 249,
        formData: 366,
        itemGroupData: 595,
        itemData: 1684,
        auditRecords: 90,
      },
    },
    {
      file: 'redcapr-longitudinal-project.xml',
      counts: {
        studyEventDefs: 12,
        formDefs: 9,
        itemGroupDefs: 30,
        itemDefs: 124,
        codeLists: 70,
        subjects: 3,
        studyEventData: 18,
        formData: 40,
        itemData: 406,
      },
    },
    {
      file: 'openclinica-CHIN-Screening_StudyMetadata.xml',
      counts: { studyEventDefs: 1, formDefs: 2, itemGroupDefs: 12, itemDefs: 98, codeLists: 47, subjects: 0 },
    },
    {
      file: 'viedoc-StudyDesign_Design_2022_NA.xml',
      counts: {
        studyEventDefs: 14,
        formDefs: 25,
        itemGroupDefs: 69,
        itemDefs: 239,
        codeLists: 37,
        conditionDefs: 146,
        methodDefs: 42,
        subjects: 0,
      },
    },
  ]
  for (const c of cases) {
    it(c.file, async () => {
      const r = await readOdmFile(sample(c.file))
      if (!r.ok) throw new Error(JSON.stringify(r.problems))
      expect(r.value.counts).toMatchObject(c.counts)
    })
  }

  it('reports vendor extensions without failing (OpenClinica, REDCap, Viedoc)', async () => {
    const oc = await readOdmFile(sample('openclinica-CHIN-Screening_StudyMetadata.xml'))
    const rc = await readOdmFile(sample('redcapr-longitudinal-project.xml'))
    const vd = await readOdmFile(sample('viedoc-StudyDesign_Design_2022_NA.xml'))
    if (!oc.ok || !rc.ok || !vd.ok) throw new Error('sample failed')
    expect(oc.value.extensions.find((e) => e.construct === 'OpenClinicaRules:RuleDef')?.count).toBe(25)
    expect(oc.value.extensions.find((e) => e.construct === 'OpenClinica:ItemDetails')?.count).toBe(98)
    expect(
      rc.value.extensions.find((e) => e.construct === 'redcap:BranchingLogic (attribute of ItemDef)')?.count,
    ).toBeGreaterThan(0)
    expect(rc.value.skipped).toContainEqual(expect.objectContaining({ construct: 'ItemDataBase64Binary', count: 1 }))
    expect(vd.value.extensions.find((e) => e.construct === 'sdm:ActivityDef')?.count).toBe(51)
  })
})

describe('ODM import into a protocol', () => {
  const cases = [
    { file: 'openedc-example-metadata.xml', visits: 3, forms: 5, items: 26, derived: 2, shown: 9 },
    { file: 'redcapr-longitudinal-project.xml', visits: 12, forms: 9, items: 92, derived: 2, shown: 2, formSaves: 40 },
    { file: 'openclinica-CHIN-Screening_StudyMetadata.xml', visits: 1, forms: 2, items: 98, derived: 0, shown: 0 },
    { file: 'viedoc-StudyDesign_Design_2022_NA.xml', visits: 11, forms: 25, items: 235, derived: 0, shown: 87 },
  ]
  for (const c of cases) {
    it(`${c.file}: forms, items, derived values and display conditions`, async () => {
      const r = await importOdmFile(sample(c.file))
      if (!r.ok) throw new Error(JSON.stringify(r.problems))
      const p = r.value.protocol
      if (!p) throw new Error('no protocol')
      const forms = p.forms.filter((f) => f.id !== 'ENDPOINT_PLACEHOLDER')
      expect(p.visits.filter((v) => !v.id.endsWith('_PLACEHOLDER')).length).toBe(c.visits)
      expect(forms.length).toBe(c.forms)
      expect(forms.reduce((n, f) => n + f.items.length, 0)).toBe(c.items)
      expect(forms.reduce((n, f) => n + f.derived.length, 0)).toBe(c.derived)
      expect(forms.reduce((n, f) => n + f.items.filter((i) => i.showWhen).length, 0)).toBe(c.shown)
      if (c.formSaves !== undefined) expect(r.value.report.counts['formSavesMapped']).toBe(c.formSaves)
      expect(r.value.report.placeholders.map((x) => x.path)).toEqual(
        expect.arrayContaining(['arms', 'periods', 'eligibility', 'endpoints', 'disposition']),
      )
    })
  }

  it('translates OpenEDC metadata faithfully: types, units, ranges, options, exception conditions, BMI method', async () => {
    const r = await importOdmFile(sample('openedc-example-metadata.xml'))
    if (!r.ok || !r.value.protocol) throw new Error('import failed')
    const basis = r.value.protocol.forms.find((f) => f.label === 'Basis data')
    const item = (id: string) => basis?.items.find((i) => i.id === id)
    expect(item('Age')).toMatchObject({
      type: 'integer',
      unit: 'years',
      range: { min: 18, max: 119 },
      label: 'What is your age?',
    })
    expect(item('Height')).toMatchObject({ type: 'decimal', unit: 'm', range: { min: 1, max: 3 } })
    expect(item('Gender')?.options?.map((o) => o.label)).toContain('Female')
    // ConditionDef C.2 "!(Gender == \"Female\")" is when Pregnant is NOT collected: shown when Gender is Female.
    expect(item('Pregnant')?.showWhen).toEqual({ item: 'Gender', op: '==', value: 'Female' })
    expect(item('CountryOfBirthOther')?.showWhen).toEqual({ item: 'CountryOfBirth', op: '==', value: 'Other' })
    expect(basis?.derived).toEqual([
      {
        id: 'BMI',
        label: expect.any(String) as string,
        formula: '(Weight / (Height * Height))',
        unit: expect.any(String) as string,
      },
    ])
  })

  it('maps REDCap XML: checkboxes into multiple choice, branching logic, calculated BMI, arms, identifiers', async () => {
    const subjects: ImportedSubject[] = []
    const r = await importOdmFile(sample('redcapr-longitudinal-project.xml'), {
      onSubject: (s) => void subjects.push(s),
    })
    if (!r.ok || !r.value.protocol) throw new Error('import failed')
    const demo = r.value.protocol.forms.find((f) => f.id === 'demographics')
    expect(demo?.items.find((i) => i.id === 'gym')).toMatchObject({
      type: 'multichoice',
      options: [
        { code: 0, label: 'Monday' },
        { code: 1, label: 'Tuesday' },
        { code: 2, label: 'Wednesday' },
        { code: 3, label: 'Thursday' },
        { code: 4, label: 'Friday' },
      ],
    })
    expect(demo?.items.find((i) => i.id === 'num_children')?.showWhen).toEqual({
      all: [
        { item: 'sex', op: '==', value: '0' },
        { item: 'given_birth', op: '==', value: true },
      ],
    })
    expect(demo?.items.find((i) => i.id === 'first_name')?.identifier).toBe(true)
    expect(demo?.derived.find((d) => d.id === 'bmi')?.formula).toBe('round(((weight * 10000) / (height * height)), 1)')
    expect(r.value.protocol.arms.map((a) => a.label)).toEqual(['Drug A', 'Drug B'])
    expect(subjects).toHaveLength(3)
    const demoSave = subjects[0]?.saves.find((s) => s.formId === 'demographics')
    expect(demoSave?.values['gym']).toEqual([0])
    expect(r.value.report.skipped).toContainEqual(
      expect.objectContaining({ construct: 'ItemDataBase64Binary', count: 1 }),
    )
    expect(r.value.report.skipped).toContainEqual(
      expect.objectContaining({
        construct: 'item patient_document of form Form.demographics',
        reason: 'REDCap file upload: files are not imported',
      }),
    )
  })

  it('loads ClinicalData-only files against their metadata file, typing every value', async () => {
    const alone = await importOdmFile(sample('openedc-example-clinicaldata.xml'))
    if (!alone.ok) throw new Error('read failed')
    expect(alone.value.protocol).toBeUndefined()
    expect(alone.value.report.skipped.map((s) => s.construct)).toContain('ClinicalData')
    const subjects: ImportedSubject[] = []
    const r = await importOdmFile(sample('openedc-example-clinicaldata.xml'), {
      metadataFile: sample('openedc-example-metadata.xml'),
      onSubject: (s) => void subjects.push(s),
    })
    if (!r.ok) throw new Error(JSON.stringify(r.problems))
    expect(subjects).toHaveLength(90)
    expect(r.value.report.counts['formSavesMapped']).toBe(366)
    const first = subjects[0]?.saves[0]
    expect(first).toMatchObject({
      visitId: 'V_1',
      formId: 'F_1',
      values: { Age: 72, Gender: 'Male', Weight: 49.20059 },
    })
  })
})

describe('vendor extensions never stop the import', () => {
  it('an undeclared prefix and unknown vendor elements and attributes are reported, the rest read', async () => {
    const xml = `${HEAD}<Study OID="S" acme:Flavour="x"><GlobalVariables><StudyName>N</StudyName><StudyDescription>D</StudyDescription><ProtocolName>P</ProtocolName><acme:Secret><deep a="1"/></acme:Secret></GlobalVariables></Study></ODM>`
    const r = await readOdm(chunks(xml))
    if (!r.ok) throw new Error(JSON.stringify(r.problems))
    expect(r.value.studies[0]).toMatchObject({ oid: 'S', name: 'N', protocolName: 'P' })
    expect(r.value.extensions.map((e) => e.construct)).toEqual(['acme:Flavour (attribute of Study)', 'acme:Secret'])
    expect(r.value.skipped).toContainEqual(expect.objectContaining({ construct: 'prefix "acme:"' }))
  })
})

describe('bad ODM input gives a clear problem and hands nothing on', () => {
  const bad = async (xml: string, limits = {}) => {
    const seen: unknown[] = []
    const r = await readOdm(chunks(xml), { limits, onSubject: (s) => void seen.push(s) })
    if (r.ok) throw new Error('expected a failure')
    return { problem: r.problems[0], seen: seen.length }
  }

  it('malformed XML names the line', async () => {
    const { problem } = await bad(`${HEAD}\n<Study OID="S">\n<GlobalVariables>\n</Study></ODM>`)
    expect(problem).toMatchObject({
      code: 'invalid',
      path: 'line 5',
      message: 'not well-formed XML: unexpected close tag.',
    })
  })

  it('a wrong namespace or root is refused', async () => {
    expect((await bad('<ODM xmlns="http://www.cdisc.org/ns/odm/v1.2" FileOID="x"/>')).problem).toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/only ODM 1.3/) as string,
    })
    expect((await bad('<ODM FileOID="x"/>')).problem?.code).toBe('unsupported')
    expect((await bad('<html xmlns="http://www.cdisc.org/ns/odm/v1.3"/>')).problem?.message).toMatch(
      /root element is html/,
    )
  })

  it('an XML bomb (entity expansion in a DTD) is refused before any expansion', async () => {
    const lol = [
      '<!DOCTYPE ODM [',
      '<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`),
      ']>',
    ].join('\n')
    const { problem, seen } = await bad(
      `<?xml version="1.0"?>\n${lol}\n${HEAD.split('\n')[1]}<ClinicalData StudyOID="S" MetaDataVersionOID="M"><SubjectData SubjectKey="&lol9;"/></ClinicalData></ODM>`,
    )
    expect(problem).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/DOCTYPE/) as string })
    expect(seen).toBe(0)
    // Without a DTD an entity reference is simply undefined.
    expect((await bad(`${HEAD}<Study OID="&xxe;"/></ODM>`)).problem?.message).toMatch(/undefined entity/)
  })

  it('a huge attribute or text node is bounded', async () => {
    const huge = 'A'.repeat(2_000_000)
    expect((await bad(`${HEAD}<Study OID="${huge}"/></ODM>`, { maxTokenChars: 1_000_000 })).problem).toMatchObject({
      code: 'too_large',
    })
    expect(
      (
        await bad(
          `${HEAD}<Study OID="S"><GlobalVariables><StudyName>${huge}</StudyName></GlobalVariables></Study></ODM>`,
          { maxTokenChars: 1_000_000 },
        )
      ).problem?.code,
    ).toBe('too_large')
    const defaultLimit = 'B'.repeat(17 * 1024 * 1024)
    expect((await bad(`${HEAD}<Study OID="${defaultLimit}"/></ODM>`)).problem?.code).toBe('too_large')
  })

  it('deep nesting, invalid bytes and empty input are refused', async () => {
    expect((await bad(`${HEAD}${'<Annotation>'.repeat(100)}`)).problem?.code).toBe('too_large')
    const bytes = Buffer.concat([
      Buffer.from(`${HEAD}<Study OID="`),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"/></ODM>'),
    ])
    const r = await readOdm([bytes])
    expect(r.ok ? null : r.problems[0]?.message).toMatch(/not valid utf-8/)
    expect((await bad('')).problem?.message).toMatch(/root element|empty document/)
  })

  it('a file broken after valid subjects loads none of them', async () => {
    const subject = (k: number) =>
      `<SubjectData SubjectKey="${k}"><StudyEventData StudyEventOID="SE.1"><FormData FormOID="F.1"><ItemGroupData ItemGroupOID="IG.1"><ItemData ItemOID="I.1" Value="${k}"/></ItemGroupData></FormData></StudyEventData></SubjectData>`
    const file = join(dir, 'broken.xml')
    writeFileSync(
      file,
      `${HEAD}<ClinicalData StudyOID="S" MetaDataVersionOID="M">${subject(1)}${subject(2)}<SubjectData SubjectKey="3"><oops></ClinicalData></ODM>`,
    )
    const seen: unknown[] = []
    const r = await importOdmFile(file, {
      metadataFile: sample('openedc-example-metadata.xml'),
      onSubject: (s) => void seen.push(s),
    })
    expect(r.ok).toBe(false)
    expect(seen).toEqual([])
  })
})

describe('streaming: memory stays flat on a large file', () => {
  it('reads a ~53 MB ODM file under a 64 MB heap in a child process', async () => {
    const file = join(dir, 'large.xml')
    const out = createWriteStream(file)
    const write = (s: string) => new Promise<void>((res) => (out.write(s) ? res() : out.once('drain', () => res())))
    await write(`${HEAD}\n<ClinicalData StudyOID="S.1" MetaDataVersionOID="MDV.1">\n`)
    const items = Array.from(
      { length: 40 },
      (_, i) => `<ItemData ItemOID="I.F.item${i}" Value="${'v'.repeat(20)}${i}"/>`,
    ).join('')
    const subjects = 10_000
    for (let s = 0; s < subjects; s++) {
      await write(
        `<SubjectData SubjectKey="S${s}"><StudyEventData StudyEventOID="SE.V1"><FormData FormOID="F.F"><ItemGroupData ItemGroupOID="IG.F.ITEMS">${items}</ItemGroupData></FormData><FormData FormOID="F.G"><ItemGroupData ItemGroupOID="IG.G.ITEMS">${items}</ItemGroupData></FormData></StudyEventData></SubjectData>\n`,
      )
    }
    await write('</ClinicalData></ODM>\n')
    await new Promise<void>((res) => out.end(() => res()))
    const size = statSync(file).size
    expect(size).toBeGreaterThan(50_000_000)
    const probe = fileURLToPath(new URL('../../test/fixtures/interop/read-large-odm.ts', import.meta.url))
    const run = spawnSync(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', probe, file], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    })
    expect(run.stderr).toBe('')
    const result = JSON.parse(run.stdout) as {
      ok: boolean
      subjects: number
      items: number
      counted: number
      peakHeapMB: number
    }
    expect(result).toMatchObject({ ok: true, subjects, items: subjects * 80, counted: subjects * 80 })
    expect(result.peakHeapMB).toBeLessThan(64)
  }, 120_000)
})
