/**
 * `trialdesk export odm|redcap|sdtm|r` and `trialdesk import odm --db` as a user runs them, on a SQLite study
 * seeded through the services: blinded by default (no arm, dose or allocation anywhere in the files), unblinded
 * only when asked and confirmed, every export valid and recorded in the audit trail, and the unblinded ODM loads
 * into a new database set up from the protocol.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { validateXmlFile } from '../../interop/index.ts'
import { openStore } from '../../store/index.ts'
import { createStudyFixture, TEST_SEAL_KEY } from '../../../test/support/index.ts'
import { ARM_IDS, SECRET_DOSE, seedStudy } from '../../../test/fixtures/interop/study-data.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'td-export-cli-'))
const DB = join(dir, 'study.sqlite')
const NEW_DB = join(dir, 'imported.sqlite')
const out = (name: string) => join(dir, name)

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

function trialdesk(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(ROOT, 'bin/trialdesk.js'), ...args],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TRIALDESK_SEAL_KEY: TEST_SEAL_KEY.toString('hex') } },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    )
  })
}

const runs = new Map<string, Run>()
const run = (k: string): Run => runs.get(k) ?? { code: -1, stdout: '', stderr: 'not run' }
let exportsAudited: { blinded: unknown; export: unknown; format: unknown }[] = []

beforeAll(async () => {
  const store = await openStore(DB)
  await store.migrate()
  await seedStudy(await createStudyFixture(store))
  await store.close()
  const exports: Record<string, string[]> = {
    odm: ['export', 'odm', '--db', DB, '--out', out('blinded.xml'), '--with-audit', '--validate'],
    redcap: ['export', 'redcap', '--db', DB, '--out', out('redcap'), '--blinded'],
    sdtm: ['export', 'sdtm', '--db', DB, '--out', out('sdtm')],
    unblinded: ['export', 'odm', '--db', DB, '--out', out('unblinded.xml'), '--unblinded', '--confirm-unblinded'],
    unconfirmed: ['export', 'odm', '--db', DB, '--out', out('refused.xml'), '--unblinded'],
    missingDb: ['export', 'odm', '--db', out('nope.sqlite'), '--out', out('nope.xml')],
  }
  exports['unblinded']?.push('--transactional')
  // Concurrent, as several users would run them: SQLite writers wait for each other (BEGIN IMMEDIATE).
  await Promise.all(Object.entries(exports).map(async ([k, args]) => runs.set(k, await trialdesk(...args))))
  const redcap = (f: string) => join(out('redcap'), f)
  const events = ['--events', redcap('events.csv'), redcap('instrument-event-mapping.csv')]
  const [odmImport, redcapProtocol] = await Promise.all([
    trialdesk('import', 'odm', out('unblinded.xml'), '--db', NEW_DB, '--protocol', 'protocols/admsc-als.yaml'),
    trialdesk('import', 'redcap', redcap('data-dictionary.csv'), ...events, '--protocol-out', out('redcap.yaml')),
  ])
  runs.set('import', odmImport)
  runs.set('redcapProtocol', redcapProtocol)
  runs.set(
    'redcapData',
    await trialdesk(
      ...['import', 'redcap-data', redcap('data.csv'), '--dictionary', redcap('data-dictionary.csv'), ...events],
      ...['--db', out('redcap.sqlite'), '--protocol', out('redcap.yaml'), '--site', 'SITE1', '--skip-invalid-forms'],
    ),
  )
  const check = await openStore(DB)
  const rows = await check.db
    .selectFrom('audit_log')
    .select(['changes', 'username', 'role'])
    .where('kind', '=', 'export.written')
    .orderBy('seq')
    .execute()
  await check.close()
  exportsAudited = rows.map((r) => {
    const changes = JSON.parse(r.changes) as { field: string; new: unknown }[]
    const field = (f: string) => changes.find((c) => c.field === f)?.new
    return { export: field('export'), format: field('format'), blinded: field('blinded') }
  })
}, 120_000)

function filesOf(path: string): string[] {
  return existsSync(path) ? readdirSync(path).map((f) => join(path, f)) : []
}

describe('trialdesk export', () => {
  it('writes each format, blinded by default, and records every export in the audit trail', () => {
    for (const k of ['odm', 'redcap', 'sdtm', 'unblinded']) expect(run(k), k).toMatchObject({ code: 0, stderr: '' })
    expect(run('odm').stdout).toMatch(/^ADMSC-ALS: blinded odm export of 2 subject\(s\), sha256 [0-9a-f]{64}/)
    expect(run('unblinded').stdout).toMatch(/UNBLINDED odm export/)
    expect(filesOf(out('redcap')).map((f) => f.slice(-8))).toHaveLength(4)
    expect(filesOf(out('sdtm')).map((f) => f.split('/').pop())).toEqual(
      expect.arrayContaining(['dm.csv', 'ex.csv', 'ae.csv', 'qs.csv', 'define.csv', 'read-data.R']),
    )
    // Each successful export: the extraction and the written files, both audited; refused ones record nothing.
    const written = exportsAudited.filter((e) => e.export !== 'study-extract')
    expect(written.map((e) => `${String(e.export)} ${e.blinded ? 'blinded' : 'unblinded'}`).sort()).toEqual([
      'odm blinded',
      'odm unblinded',
      'redcap blinded',
      'sdtm blinded',
    ])
    expect(exportsAudited.filter((e) => e.export === 'study-extract')).toHaveLength(4)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('every ODM written validates against the ODM 1.3.2 schema', () => {
    for (const f of ['blinded.xml', 'unblinded.xml']) expect(validateXmlFile(out(f)).errors, f).toEqual([])
  })

  it('blinded files carry no allocation: no arm id or label, no dose, no allocation form', () => {
    const blinded = [out('blinded.xml'), ...filesOf(out('redcap')), ...filesOf(out('sdtm'))]
    expect(blinded.length).toBe(14)
    const labels = ['AdMSC 1×10^6 cells/kg', 'AdMSC 2×10^6 cells/kg', 'AdMSC 4×10^6 cells/kg', 'Placebo']
    for (const file of blinded) {
      const text = readFileSync(file, 'utf8')
      for (const needle of [...labels, String(SECRET_DOSE), 'ALLOCATION', 'dose_prescribed', 'dose_given', 'ARMCD'])
        expect(text.includes(needle), `${file} contains ${needle}`).toBe(false)
      // Arm ids are short: look for them as whole CSV cells or XML attribute values.
      for (const arm of ARM_IDS)
        expect(new RegExp(`(^|[,"])${arm}([,"]|$)`, 'm').test(text), `${file}: ${arm}`).toBe(false)
    }
    // The unblinded file does carry them: the check above can fail.
    const unblinded = readFileSync(out('unblinded.xml'), 'utf8')
    expect(unblinded).toContain('SE.ALLOCATION')
    expect(unblinded).toContain(String(SECRET_DOSE))
  })

  it('refuses an unconfirmed unblinded export while the study is blinded, and a database that does not exist', () => {
    expect(run('unconfirmed')).toMatchObject({ code: 2, stdout: '' })
    expect(run('unconfirmed').stderr).toMatch(/the study is still blinded: .*--confirm-unblinded/)
    expect(run('missingDb').code).toBe(2)
    expect(run('missingDb').stderr).toMatch(/database file not found\n$/)
    for (const f of ['refused.xml', 'nope.xml', 'nope.sqlite']) expect(existsSync(out(f)), f).toBe(false)
  })
})

describe('trialdesk import odm --db', () => {
  it('sets up a new database from the protocol and loads the clinical data, with a report', () => {
    expect(run('import')).toMatchObject({ code: 0, stderr: '' })
    expect(run('import').stdout).toContain(
      `Loaded into ${NEW_DB}: 2 subject(s) screened, 0 matched, 6 form(s) with 7 version(s)`,
    )
    expect(run('import').stdout).toMatch(/treatment allocation: allocations are never imported/)
  })

  it('redcap-data: the blinded REDCap export loads into a study made from its dictionary', () => {
    expect(run('redcapProtocol').code).toBe(0)
    expect(run('redcapData')).toMatchObject({ code: 0, stderr: '' })
    // Blinded, the dictionary has no dose items: the infusion form loads without them.
    expect(run('redcapData').stdout).toContain(
      `Loaded into ${out('redcap.sqlite')}: 2 subject(s) screened, 0 matched, 7 form(s) with 7 version(s) and 51 value(s)`,
    )
    expect(run('redcapData').stdout).not.toMatch(/dose|left out/)
  })
})
