/**
 * A lot's manufacturing and release reach the exports, on SQLite and PostgreSQL: the supply service writes the
 * protocol's RELEASE form at the lot event, the ODM file carries it (with who saved it, valid against the XSD)
 * and so does the REDCap data; loading that file into another study of the same protocol leaves the lot to
 * that study's own supply chain, reports it, and records the import with the file's SHA-256.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Role } from '../domain/index.ts'
import {
  check,
  createStudyFixture,
  DIALECTS,
  enrolSubject,
  passingRelease,
  type StudyFixture,
  type TestDatabase,
} from '../../test/support/index.ts'
import { depsOf, tempFile } from '../../test/fixtures/interop/study-data.ts'
import { buildExport, loadOdmFile, ODM_FILE, validateXmlFile } from './index.ts'

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.runs)(`${dialect.name}: product lots in exports and imports`, () => {
    const opened: TestDatabase[] = []
    let fx: StudyFixture
    let lotId: string
    beforeAll(async () => {
      const db = await dialect.open()
      opened.push(db)
      fx = await createStudyFixture(db.store)
      const coordinator = fx.actors.coordinator
      const subjectId = await enrolSubject(fx, coordinator, 'MAL')
      check(
        await fx.services.forms.save(coordinator, {
          subjectId,
          visitId: 'SCR',
          formId: 'CONMED',
          values: {
            riluzole: false,
            niv: false,
            gastrostomy: false,
          },
        }),
      )
      const supply = check(
        await fx.services.supply.recordExtraction(coordinator, subjectId, { date: '2026-01-12', tissueGrams: 70 }),
      )
      lotId = `LOT-${subjectId.slice(-6)}`
      const pharmacist = fx.actors['unblinded-pharmacist']
      check(
        await fx.services.supply.recordManufacture(pharmacist, subjectId, {
          lotId,
          extractionId: supply.extractions[0]?.id ?? '',
          date: '2026-01-12',
        }),
      )
      check(
        await fx.services.supply.recordRelease(pharmacist, lotId, {
          date: '2026-01-12',
          values: { ...passingRelease(), cell_count: 512.5 },
        }),
      )
    }, 60_000)
    afterAll(async () => {
      await Promise.all(opened.map((d) => d.dispose()))
    })

    it('the ODM file holds the lot event with the RELEASE form, who saved it and why, and validates', async () => {
      const built = check(
        await buildExport(fx.services, fx.actors[Role.DataManager], fx.protocol, {
          format: 'odm',
          fileType: 'Transactional',
          softwareVersion: 't',
        }),
      )
      const xml = built.files[ODM_FILE] ?? ''
      expect(xml).toContain('<StudyEventDef OID="SE.LOT" Name="Product lots"')
      const lot = /<StudyEventData StudyEventOID="SE.LOT"[\s\S]*?<\/StudyEventData>/.exec(xml)?.[0] ?? ''
      expect(lot).toContain('<FormData FormOID="F.RELEASE" FormRepeatKey="1"')
      for (const [item, value] of [
        ['lot_id', lotId],
        ['cell_count', '512.5'],
        ['viability', '92'],
        ['sterility', 'pass'],
        ['release', 'passed'],
      ])
        expect(lot).toContain(`<ItemData ItemOID="I.RELEASE.${item}" Value="${value}"`)
      expect(lot).toContain(`<UserRef UserOID="USR.${fx.actors['unblinded-pharmacist'].userId}"`)
      expect(lot).toContain(`<ReasonForChange>release of lot ${lotId}</ReasonForChange>`)
      expect(validateXmlFile(tempFile('lots.xml', xml)).errors).toEqual([])
    })

    it('the REDCap export has a product-lot event with one repeat of the release form per lot', async () => {
      const built = check(
        await buildExport(fx.services, fx.actors[Role.DataManager], fx.protocol, {
          format: 'redcap',
          softwareVersion: 't',
        }),
      )
      expect(built.files['events.csv']).toContain('Product lots,1,lot_arm_1')
      const row = built.files['data.csv']?.split('\n').find((l) => l.includes(',lot_arm_1,'))
      expect(row).toMatch(/,lot_arm_1,release,1,/)
      expect(row).toContain(lotId)
    })

    it('an import of the file leaves the lot to the supply chain, reports it, and records the import', async () => {
      const built = check(
        await buildExport(fx.services, fx.actors[Role.DataManager], fx.protocol, {
          format: 'odm',
          fileType: 'Snapshot',
          softwareVersion: 't',
        }),
      )
      const file = tempFile('lots.xml', built.files[ODM_FILE] ?? '')
      const target = await dialect.open()
      opened.push(target)
      const fresh = await createStudyFixture(target.store, { start: fx.clock.now() })
      const coordinator = fresh.actors[Role.Coordinator]
      const loaded = check(await loadOdmFile(depsOf(fresh, target.store), file, { actor: coordinator }))
      expect(loaded.loaded).toMatchObject({ subjectsCreated: 1, formVersions: 1 })
      expect(loaded.loaded.skipped.map((s) => [s.construct, s.count])).toContainEqual(['product lot release', 1])
      const record = check(await fresh.services.reads.auditTrail(fresh.actors.admin, { kind: 'import.loaded' }))
      expect(record.items).toHaveLength(1)
      expect(record.items[0]?.changes).toEqual([
        { field: 'source', old: null, new: 'lots.xml' },
        { field: 'format', old: null, new: 'CDISC ODM 1.3.2' },
        { field: 'sha256', old: null, new: createHash('sha256').update(readFileSync(file)).digest('hex') },
        { field: 'counts.subjectsCreated', old: null, new: 1 },
        { field: 'counts.subjectsMatched', old: null, new: 0 },
        { field: 'counts.formVersions', old: null, new: 1 },
        { field: 'counts.formVersionsSkipped', old: null, new: 0 },
        { field: 'counts.adverseEvents', old: null, new: 0 },
        { field: 'counts.values', old: null, new: 3 },
      ])
    })
  })
}
