/**
 * Exports from the live study: after end-of-study unblinding every reader's extraction carries the arms, yet a
 * blinded export still carries none; an unblinded export needs a reader who sees allocations; a destination that
 * cannot be written leaves no file and no audit record of an export.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Role } from '../domain/index.ts'
import {
  check,
  createStudyFixture,
  DIALECTS,
  TEST_PASSWORD,
  type StudyFixture,
  type TestDatabase,
} from '../../test/support/index.ts'
import { SECRET_DOSE, seedStudy } from '../../test/fixtures/interop/study-data.ts'
import { buildExport, writeExport, type ExportFormat } from './index.ts'

const sqlite = DIALECTS.find((d) => d.name === 'sqlite')
const ARM_LABELS = ['AdMSC 1×10^6 cells/kg', 'AdMSC 2×10^6 cells/kg', 'AdMSC 4×10^6 cells/kg', 'Placebo']
const FORMATS: readonly ExportFormat[] = ['odm', 'redcap', 'sdtm', 'r']

describe('exports after end-of-study unblinding', () => {
  let db: TestDatabase
  let fx: StudyFixture
  const dir = mkdtempSync(join(tmpdir(), 'td-export-'))
  beforeAll(async () => {
    if (!sqlite) throw new Error('no SQLite')
    db = await sqlite.open()
    fx = await createStudyFixture(db.store)
    await seedStudy(fx)
    check(
      await fx.services.review.lockDatabase(fx.actors[Role.DataManager], {
        password: TEST_PASSWORD,
        reason: 'final analysis',
      }),
    )
    check(
      await fx.services.unblinding.endOfStudy(fx.actors[Role.Statistician], {
        password: TEST_PASSWORD,
        reason: 'SAP final',
      }),
    )
  }, 60_000)
  afterAll(async () => {
    await db.dispose()
  })

  const exportsRecorded = async () =>
    (await db.store.db.selectFrom('audit_log').select('changes').where('kind', '=', 'export.written').execute())
      .map((r) => JSON.parse(r.changes) as { field: string; new: unknown }[])
      .filter((c) => c.some((x) => x.field === 'format'))

  it('the data manager’s (default) export is still blinded: no arm, dose or allocation in any format', async () => {
    const dm = fx.actors[Role.DataManager]
    // The extraction itself is unblinded now, for every reader.
    expect(check(await fx.services.extractStudy(dm)).blinded).toBe(false)
    for (const format of FORMATS) {
      const built = check(await buildExport(fx.services, dm, fx.protocol, { format, softwareVersion: 't' }))
      expect(built.blinded, format).toBe(true)
      const text = Object.values(built.files).join('\n')
      for (const needle of [...ARM_LABELS, String(SECRET_DOSE), 'ALLOCATION', 'ARMCD', 'dose_given'])
        expect(text.includes(needle), `${format}: ${needle}`).toBe(false)
      const written = check(await writeExport(fx.services, dm, built, join(dir, `blinded-${format}`)))
      expect(written.every((f) => existsSync(f))).toBe(true)
    }
    const recorded = await exportsRecorded()
    expect(recorded.map((c) => c.find((x) => x.field === 'blinded')?.new)).toEqual([true, true, true, true])
  })

  it('the statistician’s unblinded export carries the allocation; the data manager may not ask for one', async () => {
    const built = check(
      await buildExport(fx.services, fx.actors[Role.Statistician], fx.protocol, {
        format: 'sdtm',
        blinded: false,
        softwareVersion: 't',
      }),
    )
    expect(built.files['dm.csv']).toMatch(/ARMCD/)
    // The adverse event's MedDRA system organ class, from the AE form through the extraction.
    expect(built.files['ae.csv']).toMatch(/^(?=.*Headache)(?=.*Nervous system disorders).*$/m)
    expect(ARM_LABELS.some((l) => built.files['dm.csv']?.includes(l))).toBe(true)
    const refused = check(
      await buildExport(fx.services, fx.actors[Role.DataManager], fx.protocol, {
        format: 'sdtm',
        blinded: false,
        softwareVersion: 't',
      }),
    )
    // Built (the study is unblinded) but not recordable: the role has no unblinded-export permission.
    const written = await writeExport(fx.services, fx.actors[Role.DataManager], refused, join(dir, 'refused'))
    expect(written.ok ? null : written.problems[0]?.code).toBe('forbidden')
    expect(readdirSync(join(dir, 'refused'))).toEqual([])
  })

  it('a destination that cannot be written leaves no file and records no export', async () => {
    const before = (await exportsRecorded()).length
    const blocker = join(dir, 'a-file')
    writeFileSync(blocker, 'not a folder')
    const dm = fx.actors[Role.DataManager]
    const built = check(await buildExport(fx.services, dm, fx.protocol, { format: 'r', softwareVersion: 't' }))
    const written = await writeExport(fx.services, dm, built, join(blocker, 'r'))
    expect(written.ok ? null : written.problems[0]).toMatchObject({ code: 'io' })
    expect(readFileSync(blocker, 'utf8')).toBe('not a folder')
    expect((await exportsRecorded()).length).toBe(before)
  })
})
