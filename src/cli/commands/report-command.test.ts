/**
 * `trialdesk report` and `trialdesk export analysis|results-schema`, run as the real CLI on the committed
 * analysis fixture (the PDF is printed by the report tests; here `--no-pdf` keeps the runs short).
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AnalysisResults, resultsJsonSchema } from '../../analysis/index.ts'
import { openStudy } from './study-session.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const FIXTURE = 'test/fixtures/analysis/admsc-40'
const OUT = mkdtempSync(join(tmpdir(), 'trialdesk-report-'))
const DB = join(OUT, 'study.sqlite')

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
      { cwd: ROOT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
      },
    )
  })
}

const runs: Record<string, Run> = {}
const STAMP = '2031-01-15T09:30:00.000Z'

beforeAll(async () => {
  // a study database as `trialdesk serve` sets one up: the study on the reference protocol, nobody screened yet
  const study = await openStudy({ db: DB, protocol: resolve(ROOT, 'protocols/admsc-als.yaml'), create: true })
  if (!study.ok) throw new Error(study.problems[0]?.message)
  await study.value.close()
  const [open, again, blinded, exported, schema, badFormat, noData, bothSources] = await Promise.all([
    trialdesk(
      'report',
      '--data',
      FIXTURE,
      '--out',
      join(OUT, 'open'),
      '--no-pdf',
      '--generated-at',
      STAMP,
      '--by',
      'QA',
    ),
    trialdesk(
      'report',
      '--data',
      FIXTURE,
      '--out',
      join(OUT, 'again'),
      '--no-pdf',
      '--generated-at',
      STAMP,
      '--by',
      'QA',
    ),
    trialdesk(
      'report',
      '--data',
      FIXTURE,
      '--out',
      join(OUT, 'blinded'),
      '--no-pdf',
      '--blinded',
      '--data-cut',
      '2027-06-30',
    ),
    trialdesk('export', 'analysis', '--data', FIXTURE, '--out', join(OUT, 'export'), '--format', 'json', '--blinded'),
    trialdesk('export', 'results-schema', '--out', join(OUT, 'schema.json')),
    trialdesk('export', 'analysis', '--data', FIXTURE, '--out', join(OUT, 'x'), '--format', 'xlsx'),
    trialdesk('report', '--data', join(OUT, 'nowhere'), '--out', join(OUT, 'y'), '--no-pdf'),
    trialdesk('report', '--data', FIXTURE, '--db', join(OUT, 'x.sqlite'), '--out', join(OUT, 'z'), '--no-pdf'),
  ])
  Object.assign(runs, { open, again, blinded, exported, schema, badFormat, noData, bothSources })
  const [fromDb, unconfirmed] = await Promise.all([
    trialdesk('report', '--db', DB, '--out', join(OUT, 'db'), '--no-pdf'),
    trialdesk('report', '--db', DB, '--out', join(OUT, 'db2'), '--no-pdf', '--unblinded'),
  ])
  Object.assign(runs, { fromDb, unconfirmed })
}, 180_000)
afterAll(() => rmSync(OUT, { recursive: true, force: true }))

describe('trialdesk report', () => {
  it('writes report.html and a results.json valid against the schema', () => {
    expect(runs['open']).toMatchObject({ code: 0, stderr: '' })
    expect(runs['open']?.stdout).toContain(
      'ADMSC-ALS: unblinded report, data cut 2030-10-15, 40 randomized, 30/30 efficacy models estimated',
    )
    const results = AnalysisResults.parse(JSON.parse(readFileSync(join(OUT, 'open', 'results.json'), 'utf8')))
    expect(results.provenance.generatedAt).toBe(STAMP)
    expect(readFileSync(join(OUT, 'open', 'report.html'), 'utf8')).toContain(`${STAMP} by QA`)
    expect(existsSync(join(OUT, 'open', 'report.pdf'))).toBe(false)
  })

  it('rebuilds the same report bit for bit from the same data and timestamp', () => {
    for (const f of ['report.html', 'results.json']) {
      expect(readFileSync(join(OUT, 'again', f), 'utf8')).toBe(readFileSync(join(OUT, 'open', f), 'utf8'))
    }
  })

  it('a blinded interim report pools the arms and applies the data cut', () => {
    expect(runs['blinded']?.code).toBe(0)
    const results = AnalysisResults.parse(JSON.parse(readFileSync(join(OUT, 'blinded', 'results.json'), 'utf8')))
    expect(results.provenance).toMatchObject({ blinded: true, dataCutDate: '2027-06-30' })
    expect(results.groups.map((g) => g.key)).toEqual(['BLINDED'])
  })

  it('--db: analyses the audited study extraction of the database, blinded by default', () => {
    expect(runs['fromDb']).toMatchObject({ code: 0, stderr: '' })
    expect(runs['fromDb']?.stdout).toMatch(
      /^ADMSC-ALS: blinded report, data cut \d{4}-\d{2}-\d{2}, 0 randomized, 0\/30 efficacy/,
    )
    const results = AnalysisResults.parse(JSON.parse(readFileSync(join(OUT, 'db', 'results.json'), 'utf8')))
    expect(results.provenance).toMatchObject({ blinded: true, studyId: 'ADMSC-ALS' })
    expect(results.provenance.dataSource).toMatch(/^study extraction [0-9a-f]{12} of /)
    expect(runs['unconfirmed']?.code).toBe(2)
    expect(runs['unconfirmed']?.stderr).toContain('the study is still blinded')
  })

  it('fails with the folder and the problem when the datasets are missing', () => {
    expect(runs['noData']?.code).toBe(2)
    expect(runs['noData']?.stderr).toMatch(/nowhere: .*folder not found/)
    expect(runs['bothSources']).toMatchObject({
      code: 2,
      stderr: 'trialdesk: give the analysis datasets with --data <dir> or the study database with --db <url>\n',
    })
  })
})

describe('trialdesk export', () => {
  it('analysis: blinded JSON datasets with the dictionary and the protocol', () => {
    expect(runs['exported']?.code).toBe(0)
    for (const f of [
      'meta.json',
      'adsl.json',
      'adqs.json',
      'adtte.json',
      'dictionary.json',
      'define.csv',
      'protocol.json',
    ]) {
      expect(existsSync(join(OUT, 'export', f)), f).toBe(true)
    }
    const adsl = JSON.parse(readFileSync(join(OUT, 'export', 'adsl.json'), 'utf8')) as { arm: string }[]
    expect(new Set(adsl.map((s) => s.arm))).toEqual(new Set(['BLINDED']))
    expect(JSON.parse(readFileSync(join(OUT, 'export', 'meta.json'), 'utf8'))).toMatchObject({ blinded: true })
  })

  it('results-schema writes the JSON Schema; an unknown format is a usage error', () => {
    expect(runs['schema']?.code).toBe(0)
    expect(JSON.parse(readFileSync(join(OUT, 'schema.json'), 'utf8'))).toEqual(resultsJsonSchema())
    expect(runs['badFormat']).toMatchObject({
      code: 2,
      stderr: 'trialdesk: --format must be csv or json, got "xlsx"\n',
    })
  })
})
