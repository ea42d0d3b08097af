/**
 * Round trip at the database level, on SQLite and PostgreSQL: a study's data exported as ODM through the
 * services, imported through the services into a fresh database set up from the same protocol, and exported
 * again gives the same clinical data. Every ODM written validates against the ODM 1.3.2 XSD.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Role } from '../domain/index.ts'
import {
  check,
  createStudyFixture,
  DIALECTS,
  enrolSubject,
  type StudyFixture,
  type TestDatabase,
} from '../../test/support/index.ts'
import {
  clinicalContent,
  depsOf,
  seedStudy,
  tempFile,
  type ClinicalContent,
} from '../../test/fixtures/interop/study-data.ts'
import { buildExport, importOdmFile, loadOdmFile, ODM_FILE, validateXmlFile, type ExportRequest } from './index.ts'

const VERSION = '0.0.0-test'

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.runs)(`${dialect.name}: ODM export → import into a fresh database → export`, () => {
    let source: TestDatabase
    let fx: StudyFixture
    const opened: TestDatabase[] = []
    beforeAll(async () => {
      source = await dialect.open()
      opened.push(source)
      fx = await createStudyFixture(source.store)
      await seedStudy(fx)
    }, 60_000)
    afterAll(async () => {
      await Promise.all(opened.map((d) => d.dispose()))
    })

    /** Exports from `services` as the statistician, validates the XML, imports it into a fresh study. */
    async function roundTrip(
      request: Omit<ExportRequest, 'format' | 'softwareVersion'>,
      prepare: (target: StudyFixture) => Promise<unknown> = () => Promise.resolve(),
    ) {
      const statistician = fx.actors[Role.Statistician]
      const built = check(
        await buildExport(fx.services, statistician, fx.protocol, {
          blinded: false,
          format: 'odm',
          softwareVersion: VERSION,
          ...request,
        }),
      )
      const file = tempFile('export.xml', built.files[ODM_FILE] ?? '')
      const xsd = validateXmlFile(file)
      expect(xsd.errors).toEqual([])
      const target = await dialect.open()
      opened.push(target)
      const fresh = await createStudyFixture(target.store, { start: fx.clock.now() })
      await prepare(fresh)
      const loaded = check(
        await loadOdmFile(depsOf(fresh, target.store), file, { actor: fresh.actors[Role.Coordinator] }),
      )
      return { built, fresh, store: target.store, loaded: loaded.loaded, report: loaded.report }
    }

    it('Snapshot into new subjects: the same subjects, current values and derived values', async () => {
      const { fresh, loaded } = await roundTrip({ fileType: 'Snapshot', withAudit: true })
      expect(loaded).toMatchObject({
        subjectsCreated: 2,
        subjectsMatched: 0,
        forms: 6,
        formVersions: 6,
        adverseEvents: 0,
      })
      // Screened by the import, the subjects have no consent: their adverse events wait for it, allocations never load.
      expect(loaded.skipped.map((s) => [s.construct, s.count])).toEqual([
        ['adverse event', 1],
        ['treatment allocation', 1],
      ])
      const dm = Role.DataManager
      // Adverse-event forms aside (the AEs wait for consent), the content is the same.
      const withoutAes = (c: ClinicalContent) => ({
        ...c,
        adverseEvents: [],
        forms: c.forms.filter((f) => f.visit !== 'AE'),
      })
      expect(withoutAes(await clinicalContent(fresh.services, fresh.actors[dm]))).toEqual(
        withoutAes(await clinicalContent(fx.services, fx.actors[dm])),
      )
      // The second export of the imported study carries the same clinical data (and validates).
      const again = check(
        await buildExport(fresh.services, fresh.actors[Role.Statistician], fresh.protocol, {
          blinded: false,
          format: 'odm',
          fileType: 'Snapshot',
          withAudit: false,
          softwareVersion: VERSION,
        }),
      )
      const first = check(
        await buildExport(fx.services, fx.actors[Role.Statistician], fx.protocol, {
          blinded: false,
          format: 'odm',
          fileType: 'Snapshot',
          withAudit: false,
          softwareVersion: VERSION,
        }),
      )
      expect(await odmClinical(again.files[ODM_FILE])).toEqual(await odmClinical(first.files[ODM_FILE]))
    })

    it('Transactional into enrolled subjects: every form version and adverse event, with the original who/when/why', async () => {
      const {
        fresh,
        loaded,
        store: targetStore,
      } = await roundTrip({ fileType: 'Transactional' }, async (target) => {
        await enrolSubject(target, target.actors.coordinator, 'MAL')
        await enrolSubject(target, target.actors.coordinator, 'MAL')
      })
      expect(loaded).toMatchObject({
        subjectsCreated: 0,
        subjectsMatched: 2,
        forms: 7,
        formVersions: 9,
        adverseEvents: 1,
      })
      const dm = fresh.actors[Role.DataManager]
      expect(await clinicalContent(fresh.services, dm)).toEqual(
        await clinicalContent(fx.services, fx.actors[Role.DataManager]),
      )
      const subjects = check(await fresh.services.reads.subjects(dm)).items
      const a = subjects.find((s) => s.screeningNumber === 'MAL-001')
      const vitals = check(await fresh.services.forms.listForSubject(dm, a?.id ?? '')).find(
        (f) => f.formId === 'VITALS',
      )
      const history = check(await fresh.services.forms.history(dm, vitals?.id ?? ''))
      expect(history.map((h) => h.values['weight'])).toEqual([71.5, 72.1])
      // Every audit record names the file through the importer; every version, the first too, keeps the original
      // who/when/why in its reason.
      const saved = await targetStore.db
        .selectFrom('audit_log')
        .select('username')
        .where('kind', '=', 'form.saved')
        .execute()
      expect(new Set(saved.map((a) => a.username))).toEqual(new Set(['coordinator (import of export.xml)']))
      expect(history[0]?.reason).toMatch(/^Imported from export.xml; originally saved by .* at 2026-[^;]*$/)
      expect(history[1]?.reason).toMatch(
        /^Imported from export.xml; originally saved by .* at 2026-.*; reason: scale recalibrated$/,
      )
      const ae = check(await fresh.services.safety.list(dm, {}))[0]
      const aeVersions = check(await fresh.services.safety.get(dm, ae?.id ?? '')).versions
      expect(aeVersions.map((v) => v.reason?.startsWith('Imported from export.xml;'))).toEqual([true, true])
      const imports = check(await fresh.services.reads.auditTrail(fresh.actors[Role.Admin], { kind: 'import.loaded' }))
      expect(imports.items.map((i) => i.changes.find((c) => c.field === 'counts.formVersions')?.new)).toEqual([9])
    })
  })
}

/** The form data an ODM file carries (adverse events and allocations aside), read back through the importer. */
async function odmClinical(xml: string | undefined): Promise<string[]> {
  const saves: string[] = []
  const read = await importOdmFile(tempFile('again.xml', xml ?? ''), {
    onSubject: (s) => {
      for (const { visitId, formId, formRepeatKey, values, derived } of s.saves)
        if (visitId !== 'AE' && formId !== 'ALLOCATION')
          saves.push(JSON.stringify({ subject: s.subjectKey, visitId, formId, formRepeatKey, values, derived }))
    },
  })
  expect(read.ok).toBe(true)
  expect(saves.length).toBeGreaterThan(5)
  return saves.sort()
}
