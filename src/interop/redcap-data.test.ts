/**
 * REDCap records into a study made from the project's data dictionary, through the services: checkbox columns,
 * calculated fields (recomputed, compared), repeat instances, bookkeeping columns, an injected formula (loaded
 * as text, reported), and an invalid value (nothing written). Also TrialDesk's own REDCap export loaded back.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { SYSTEM_ACTOR, type Actor } from '../access/index.ts'
import { createServices, type CaptureDeps } from '../capture/index.ts'
import { Role, type UserId } from '../domain/index.ts'
import { fastTestHasher, ManualClock, uuidv7Factory } from '../platform/index.ts'
import { protocolFromData } from '../protocol/index.ts'
import { openStore, type Store } from '../store/index.ts'
import { check, createStudyFixture, DIALECTS, TEST_SEAL_KEY, type TestDatabase } from '../../test/support/index.ts'
import { seedStudy } from '../../test/fixtures/interop/study-data.ts'
import { buildExport, importRedcapDictionary, loadRedcapData, type RedcapImportInput } from './index.ts'

const RC = fileURLToPath(new URL('../../test/fixtures/interop-samples/redcap/', import.meta.url))
const file = (name: string) => ({ name, text: readFileSync(`${RC}${name}`, 'utf8') })
const IMPORTER: Actor = { userId: 'cli' as UserId, username: 'cli:test', role: Role.Coordinator, sites: 'all' }
const LONGITUDINAL: RedcapImportInput = {
  dictionary: file('redcapr-longitudinal-dictionary.csv'),
  extras: [file('redcapr-longitudinal-event.csv'), file('redcapr-longitudinal-arm.csv')],
}

const opened: Store[] = []
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()))
})

/** A fresh in-memory study on the protocol the dictionary translates to. */
async function studyFrom(input: RedcapImportInput): Promise<CaptureDeps> {
  const dictionary = check(importRedcapDictionary(input))
  const store = await openStore(':memory:')
  opened.push(store)
  check(await store.migrate())
  const clock = new ManualClock('2026-02-01T09:00:00.000Z')
  const deps: CaptureDeps = {
    store,
    clock,
    newId: uuidv7Factory(clock),
    sealKey: TEST_SEAL_KEY,
    protocol: check(protocolFromData(dictionary.protocol, input.dictionary.name)),
    passwords: fastTestHasher,
  }
  check(await createServices(deps).study.setup(SYSTEM_ACTOR))
  return deps
}

const HEADER =
  'study_id,redcap_event_name,first_name,dob,age,sex,given_birth,num_children,gym___0,gym___1,gym___2,gym___3,gym___4,height,weight,bmi,comments,demographics_complete'
const ANN = '101,enrollment_arm_1,Ann,1980-02-03,45,0,1,2,1,0,1,0,0,170,65,22.5,"=HYPERLINK(""http://x"")",2'
const BOB = '102,enrollment_arm_2,Bob,1975-07-30,50,1,,,0,0,0,0,0,181,90,27.5,,1'
const data = (...rows: string[]) => ({ name: 'records.csv', text: [HEADER, ...rows].join('\r\n') })

async function versions(store: Store): Promise<number> {
  const r = await store.db
    .selectFrom('form_version')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

describe('REDCap data CSV → the study', () => {
  it('loads records: checkboxes, recomputed calculations, formulas as reported text', async () => {
    const deps = await studyFrom(LONGITUDINAL)
    const site = deps.protocol.protocol.sites[0]?.id
    const r = check(await loadRedcapData(deps, { ...LONGITUDINAL, data: data(ANN, BOB) }, { actor: IMPORTER, site }))
    expect(r.records.counts).toEqual({ rows: 2, records: 2, formSavesMapped: 2, valuesMapped: 18 })
    expect(r.loaded).toMatchObject({ subjectsCreated: 2, formVersions: 2, values: 18 })
    expect(r.records.skipped).toEqual([
      expect.objectContaining({ construct: 'column "comments"', reason: expect.stringMatching(/formula/) as string }),
    ])
    // BMI is recomputed by TrialDesk and agrees with the file: no mismatch reported.
    expect(r.loaded.skipped).toEqual([])
    const services = createServices(deps)
    const dm: Actor = { ...IMPORTER, role: Role.DataManager }
    const ann = check(await services.reads.subjects(dm)).items.find((s) => s.screeningNumber === '101')
    const [form] = check(await services.forms.listForSubject(dm, ann?.id ?? ''))
    expect(form?.values).toMatchObject({ sex: 0, given_birth: true, num_children: 2, gym: [0, 2], weight: 65 })
    expect(form?.values['comments']).toBe('=HYPERLINK("http://x")')
    expect(form?.derived['bmi']).toBe(22.5)
  })

  it('an invalid value in any record writes nothing', async () => {
    const deps = await studyFrom(LONGITUDINAL)
    const site = deps.protocol.protocol.sites[0]?.id
    const r = await loadRedcapData(
      deps,
      { ...LONGITUDINAL, data: data(ANN, BOB.replace(',181,90,', ',181,500,')) },
      { actor: IMPORTER, site },
    )
    expect(r.ok ? null : r.problems[0]).toMatchObject({
      path: 'SubjectData 102 enrollment_arm_2/demographics#1: items.weight',
      code: 'out_of_range',
    })
    expect(await versions(deps.store)).toBe(0)
    const none = await deps.store.db.selectFrom('subject').select('id').execute()
    expect(none).toEqual([])
  })

  it('TrialDesk’s own REDCap export loads back into a study made from its dictionary', async () => {
    const sqlite = DIALECTS.find((d) => d.name === 'sqlite')
    const db: TestDatabase | undefined = await sqlite?.open()
    if (!db) throw new Error('no SQLite')
    try {
      const fx = await createStudyFixture(db.store)
      await seedStudy(fx)
      const built = check(
        await buildExport(fx.services, fx.actors[Role.Statistician], fx.protocol, {
          blinded: false,
          format: 'redcap',
          softwareVersion: 't',
        }),
      )
      const text = (name: string) => ({ name, text: built.files[name] ?? '' })
      const input = {
        dictionary: text('data-dictionary.csv'),
        extras: [text('events.csv'), text('instrument-event-mapping.csv')],
      }
      const deps = await studyFrom(input)
      const r = check(
        await loadRedcapData(
          deps,
          { ...input, data: text('data.csv') },
          { actor: IMPORTER, site: deps.protocol.protocol.sites[0]?.id },
        ),
      )
      // Screening forms, infusion and the unscheduled vitals of the two subjects, and the adverse event.
      expect(r.loaded).toMatchObject({ subjectsCreated: 2, forms: 7, formVersions: 7, formVersionsSkipped: 0 })
      const services = createServices(deps)
      const dm: Actor = { ...IMPORTER, role: Role.DataManager }
      const subject = check(await services.reads.subjects(dm)).items.find((s) => s.screeningNumber === 'MAL-001')
      const forms = check(await services.forms.listForSubject(dm, subject?.id ?? ''))
      expect(forms.find((f) => f.formId === 'demog')?.values).toMatchObject({ age: 61, sex: 'F', familial: false })
    } finally {
      await db.dispose()
    }
  })
})
