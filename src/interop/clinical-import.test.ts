/**
 * Clinical data import through the services: the samples that carry data load into a study made from their own
 * metadata (counts asserted), the metadata-only samples load nothing without failing, and bad input (malformed
 * XML, wrong namespace, huge attribute, XML bomb, an invalid value anywhere) writes nothing at all: row counts
 * and the audit sequence stay as they were. An injected spreadsheet formula loads as text and leaves every
 * CSV export neutralised.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYSTEM_ACTOR, type Actor } from '../access/index.ts'
import { createServices, type CaptureDeps } from '../capture/index.ts'
import { Role, type UserId } from '../domain/index.ts'
import { fastTestHasher, ManualClock, uuidv7Factory } from '../platform/index.ts'
import { protocolFromData } from '../protocol/index.ts'
import { openStore, type Store } from '../store/index.ts'
import {
  check,
  createStudyFixture,
  DIALECTS,
  enrolSubject,
  TEST_SEAL_KEY,
  type StudyFixture,
  type TestDatabase,
} from '../../test/support/index.ts'
import { depsOf, seedStudy, tempFile } from '../../test/fixtures/interop/study-data.ts'
import { buildExport, importOdmFile, loadOdmFile, ODM_FILE } from './index.ts'

const SAMPLES = fileURLToPath(new URL('../../test/fixtures/interop-samples/odm/', import.meta.url))
const sample = (name: string) => join(SAMPLES, name)
/** Acts as the CLI's importer does: the coordinator's permissions at every site. */
const IMPORTER: Actor = { userId: 'cli' as UserId, username: 'cli:test', role: Role.Coordinator, sites: 'all' }

/** What an import may change: rows of the clinical tables and the audit sequence. */
async function footprint(store: Store): Promise<Record<string, number>> {
  const count = async (table: 'subject' | 'form_state' | 'form_version' | 'adverse_event' | 'data_query') =>
    Number(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  const head = await store.db.selectFrom('audit_head').select('seq').executeTakeFirst()
  return {
    subjects: await count('subject'),
    forms: await count('form_state'),
    versions: await count('form_version'),
    adverseEvents: await count('adverse_event'),
    queries: await count('data_query'),
    auditSeq: head?.seq ?? 0,
  }
}

/** A study set up from the protocol an ODM file's metadata translates to, in a fresh in-memory database. */
async function studyFromMetadata(metadataFile: string): Promise<{ deps: CaptureDeps; site: string }> {
  const imported = await importOdmFile(metadataFile)
  if (!imported.ok || !imported.value.protocol) throw new Error(`${metadataFile}: no protocol`)
  const version = check(protocolFromData(imported.value.protocol, metadataFile))
  const store = await openStore(':memory:')
  check(await store.migrate())
  const clock = new ManualClock('2026-02-01T09:00:00.000Z')
  const deps: CaptureDeps = {
    store,
    clock,
    newId: uuidv7Factory(clock),
    sealKey: TEST_SEAL_KEY,
    protocol: version,
    passwords: fastTestHasher,
  }
  check(await createServices(deps).study.setup(SYSTEM_ACTOR))
  return { deps, site: version.protocol.sites[0]?.id ?? '' }
}

describe('every ODM sample loads into a study made from its metadata, without a crash', () => {
  const opened: Store[] = []
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()))
  })

  // OpenEDC's example data is random: many forms hold values for questions their own skip logic hides (a
  // pregnancy for a man), which TrialDesk never stores. REDCap's has more decimals than its validation allows.
  const cases = [
    {
      data: 'openedc-example-clinicaldata.xml',
      metadata: 'openedc-example-metadata.xml',
      loaded: { subjectsCreated: 90, formVersions: 200, formVersionsSkipped: 166, values: 569 },
      firstProblem: 'must be empty: asked only when Gender == "Female"',
    },
    {
      data: 'redcapr-longitudinal-project.xml',
      loaded: { subjectsCreated: 3, formVersions: 32, formVersionsSkipped: 8, values: 239 },
      firstProblem: 'must have at most 1 decimal place',
    },
  ]
  for (const c of cases) {
    it(`${c.data}: strict by default (nothing written), form by form with --skip-invalid-forms`, async () => {
      const { deps, site } = await studyFromMetadata(sample(c.metadata ?? c.data))
      opened.push(deps.store)
      const before = await footprint(deps.store)
      const options = { actor: IMPORTER, site, ...(c.metadata ? { metadataFile: sample(c.metadata) } : {}) }
      const strict = await loadOdmFile(deps, sample(c.data), options)
      expect(strict.ok ? null : strict.problems[0]?.message).toBe(c.firstProblem)
      expect(await footprint(deps.store)).toEqual(before)

      const lenient = check(await loadOdmFile(deps, sample(c.data), { ...options, invalidForms: 'skip' }))
      expect(lenient.loaded).toMatchObject({ ...c.loaded, subjectsMatched: 0, adverseEvents: 0 })
      const formData = lenient.report.counts['formData'] ?? 0
      expect(lenient.loaded.formVersions + lenient.loaded.formVersionsSkipped).toBe(formData)
      const after = await footprint(deps.store)
      expect(after).toMatchObject({
        subjects: c.loaded.subjectsCreated,
        versions: c.loaded.formVersions,
        forms: lenient.loaded.forms,
      })
      // One audit record per subject screened and per form version saved, at least.
      expect((after.auditSeq ?? 0) - (before.auditSeq ?? 0)).toBeGreaterThanOrEqual(
        c.loaded.subjectsCreated + c.loaded.formVersions,
      )
    })
  }

  for (const name of [
    'openedc-example-metadata.xml',
    'openclinica-CHIN-Screening_StudyMetadata.xml',
    'viedoc-StudyDesign_Design_2022_NA.xml',
  ]) {
    it(`${name}: metadata only, loads no data`, async () => {
      const { deps, site } = await studyFromMetadata(sample(name))
      opened.push(deps.store)
      const r = check(await loadOdmFile(deps, sample(name), { actor: IMPORTER, site }))
      expect(r.loaded).toMatchObject({ subjectsCreated: 0, formVersions: 0 })
      expect(r.report.counts['subjects']).toBe(0)
    })
  }
})

const sqlite = DIALECTS.find((d) => d.name === 'sqlite')
if (!sqlite) throw new Error('no SQLite dialect')

describe('bad input writes nothing to the study', () => {
  const opened: TestDatabase[] = []
  let good = ''
  let target: StudyFixture
  let store: Store
  let deps: CaptureDeps
  beforeAll(async () => {
    const source = await sqlite.open()
    const into = await sqlite.open()
    opened.push(source, into)
    const fx = await createStudyFixture(source.store)
    await seedStudy(fx)
    good = check(
      await buildExport(fx.services, fx.actors[Role.Statistician], fx.protocol, {
        format: 'odm',
        blinded: false,
        fileType: 'Snapshot',
        withAudit: true,
        softwareVersion: 'test',
      }),
    ).files[ODM_FILE] as string
    store = into.store
    target = await createStudyFixture(store, { start: fx.clock.now() })
    // Subjects with consent, so that the adverse event of the file loads too.
    await enrolSubject(target, target.actors.coordinator, 'MAL')
    await enrolSubject(target, target.actors.coordinator, 'MAL')
    deps = depsOf(target, store)
  }, 60_000)
  afterAll(async () => {
    await Promise.all(opened.map((d) => d.dispose()))
  })

  const load = (xml: string, limits?: { maxTokenChars: number }) =>
    loadOdmFile(deps, tempFile('bad.xml', xml), { actor: IMPORTER, ...(limits ? { limits } : {}) })

  it('the unaltered file loads (the cases below differ from it by one defect)', async () => {
    // Into a throwaway copy of the situation: a separate database, so the cases below start from the same state.
    const other = await sqlite.open()
    opened.push(other)
    const fresh = await createStudyFixture(other.store, { start: target.clock.now() })
    const r = check(await loadOdmFile(depsOf(fresh, other.store), tempFile('good.xml', good), { actor: IMPORTER }))
    expect(r.loaded).toMatchObject({ subjectsCreated: 2, formVersions: 6 })
  })

  const cases: Record<
    string,
    { xml: () => string; problem: RegExp; path?: string; limits?: { maxTokenChars: number } }
  > = {
    'malformed XML (cut inside the second subject)': {
      xml: () => good.slice(0, good.indexOf('SubjectKey="MAL-002"') + 40),
      problem: /^not well-formed XML: unclosed tag: SubjectData$/,
    },
    'wrong namespace': {
      xml: () => good.replace('xmlns="http://www.cdisc.org/ns/odm/v1.3"', 'xmlns="http://www.cdisc.org/ns/odm/v2.0"'),
      problem: /only ODM 1.3/,
    },
    'huge attribute': {
      xml: () => good.replace('SubjectKey="MAL-002"', `SubjectKey="${'X'.repeat(2_000_000)}"`),
      problem: /longer than/,
      limits: { maxTokenChars: 1_000_000 },
    },
    'XML bomb': {
      xml: () =>
        good.replace(
          '<ODM ',
          '<!DOCTYPE ODM [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<ODM ',
        ),
      problem: /DOCTYPE/,
    },
    'an invalid value in the last subject': {
      xml: () => {
        const at = good.indexOf('SubjectKey="MAL-002"')
        return (
          good.slice(0, at) +
          good.slice(at).replace(/ItemOID="I.VITALS.weight" Value="[^"]*"/, 'ItemOID="I.VITALS.weight" Value="999"')
        )
      },
      problem: /must be between 20 and 250 kg/,
      path: 'SubjectData MAL-002 UNS-1/VITALS#1: items.weight',
    },
  }
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: a clear problem, the same rows and audit sequence`, async () => {
      const before = await footprint(store)
      const r = await load(c.xml(), c.limits)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.problems[0]?.message).toMatch(c.problem)
      if (!r.ok && c.path) expect(r.problems[0]?.path).toBe(c.path)
      expect(await footprint(store)).toEqual(before)
    })
  }

  it('data made for another protocol: refused as a whole, naming what the study lacks', async () => {
    const before = await footprint(store)
    const r = await loadOdmFile(deps, sample('openedc-example-clinicaldata.xml'), {
      actor: IMPORTER,
      site: 'MAL',
      metadataFile: sample('openedc-example-metadata.xml'),
    })
    expect(r.ok ? null : r.problems[0]).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(
        /^the study's protocol \(ADMSC-ALS .*\) has no form F_1, visit V_1, form F_2/,
      ) as string,
    })
    expect(await footprint(store)).toEqual(before)
  })

  it('an injected formula loads as text and is neutralised in every CSV export', async () => {
    const formula = '=HYPERLINK("http://evil.example/x","Headache")'
    const xml = good.replace(
      /ItemOID="I.AE.term" Value="Headache"/,
      `ItemOID="I.AE.term" Value="${formula.replace(/"/g, '&quot;')}"`,
    )
    expect(xml).not.toBe(good)
    const r = check(await load(xml))
    expect(r.loaded).toMatchObject({ subjectsMatched: 2, adverseEvents: 1 })
    const dm = target.actors[Role.DataManager]
    for (const format of ['redcap', 'r', 'sdtm'] as const) {
      const built = check(await buildExport(target.services, dm, target.protocol, { format, softwareVersion: 'test' }))
      const text = Object.values(built.files).join('\n')
      expect(text, format).toContain(`'=HYPERLINK(`)
      expect(/(^|,)"?=HYPERLINK/m.test(text), format).toBe(false)
    }
  })
})
