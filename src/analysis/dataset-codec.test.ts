import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseCsv } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProtocolFile } from '../domain/index.ts'
import type { AnalysisDatasets } from './analysis-datasets.ts'
import { DATASET_NAMES } from './analysis-datasets.ts'
import { csvField, parseAnalysisDatasets, serializeAnalysisDatasets } from './dataset-codec.ts'
import { readAnalysisDatasets, writeAnalysisDatasets } from './dataset-files.ts'
import { dataDictionary } from './data-dictionary.ts'
import { FIXTURE_DIR, loadFixture } from './test-fixture.test-support.ts'

let protocol: ProtocolFile
let data: AnalysisDatasets
const dir = mkdtempSync(join(tmpdir(), 'trialdesk-datasets-'))

beforeAll(async () => {
  ;({ protocol, data } = await loadFixture())
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const asMap = (files: readonly { name: string; content: string }[]) => new Map(files.map((f) => [f.name, f.content]))

describe('analysis dataset files', () => {
  it('the committed fixture is what the writer writes for the data it holds', () => {
    for (const f of serializeAnalysisDatasets(data, { format: 'csv', protocol })) {
      expect(readFileSync(join(FIXTURE_DIR, f.name), 'utf8'), f.name).toBe(f.content)
    }
  })

  it('CSV and JSON both read back to the same datasets', async () => {
    for (const format of ['csv', 'json'] as const) {
      const files = serializeAnalysisDatasets(data, { format, protocol })
      const back = parseAnalysisDatasets(asMap(files))
      expect(back.ok).toBe(true)
      if (back.ok) expect(back.value).toEqual(data)
    }
    const written = await writeAnalysisDatasets(data, join(dir, 'json'), { format: 'json', protocol })
    expect(written.ok && written.value).toContain('adsl.json')
    const read = await readAnalysisDatasets(join(dir, 'json'))
    expect(read.ok && read.value).toEqual(data)
  })

  it('adsl, adqs and adtte have the columns a statistician expects', () => {
    const header = (name: string) => parseCsv(readFileSync(join(FIXTURE_DIR, `${name}.csv`), 'utf8'), { to: 1 })[0]
    expect(header('adsl')).toEqual(
      expect.arrayContaining([
        'subject',
        'site',
        'arm',
        'arm2',
        'arm3',
        'strat_site',
        'base_ALSFRSR',
        'pop_ITT',
        'pop_SAF',
      ]),
    )
    expect(header('adqs')).toEqual([
      'subject',
      'arm',
      'period',
      'visit',
      'date',
      'day',
      'month',
      'param',
      'value',
      'ablfl',
    ])
    expect(header('adtte')).toEqual(['subject', 'arm', 'param', 'start_date', 'time_months', 'event', 'evnt_desc'])
    const adtte = parseCsv<Record<string, string>>(readFileSync(join(FIXTURE_DIR, 'adtte.csv'), 'utf8'), {
      columns: true,
    })
    expect(new Set(adtte.map((r) => r['event']))).toEqual(new Set(['0', '1']))
  })

  it('the dictionary documents every column of every file, with types and code lists', () => {
    const dictionary = dataDictionary(protocol, data.meta)
    for (const name of DATASET_NAMES) {
      const [header] = parseCsv(readFileSync(join(FIXTURE_DIR, `${name}.csv`), 'utf8'), { to: 1 })
      const documented = dictionary.filter((e) => e.dataset === name).map((e) => e.variable)
      expect(documented, name).toEqual(header)
    }
    const arm = dictionary.find((e) => e.dataset === 'adsl' && e.variable === 'arm')
    expect(arm?.codelist).toEqual(['D1', 'D2', 'D3', 'P'])
    expect(dictionary.find((e) => e.variable === 'base_FVC')?.unit).toBe('%')
    expect(dictionary.find((e) => e.variable === 'strat_progression')?.codelist).toEqual([
      'slow',
      'intermediate',
      'fast',
    ])
    expect(dictionary.every((e) => e.label.length > 0)).toBe(true)
  })

  it('reports bad cells and missing files with the file, row and column', () => {
    const files = asMap(serializeAnalysisDatasets(data, { format: 'csv', protocol }))
    const adqs = files.get('adqs.csv')!.split('\n')
    adqs[3] = adqs[3]!.replace(/,(-?[\d.]+),(0|1)$/, ',abc,$2')
    files.set('adqs.csv', adqs.join('\n'))
    files.delete('adex.csv')
    const back = parseAnalysisDatasets(files)
    expect(back.ok).toBe(false)
    if (!back.ok) {
      expect(back.problems).toContainEqual({
        code: 'invalid',
        path: 'adqs.csv:4:value',
        message: 'not a number: "abc"',
      })
      expect(back.problems).toContainEqual({ code: 'not_found', path: 'adex.csv', message: 'file not found' })
    }
  })

  it('validates rows with the schemas (an event code other than 0/1 is refused)', () => {
    const files = asMap(serializeAnalysisDatasets(data, { format: 'json', protocol }))
    const rows = JSON.parse(files.get('adtte.json')!) as Record<string, unknown>[]
    rows[0]!['event'] = 2
    files.set('adtte.json', JSON.stringify(rows))
    const back = parseAnalysisDatasets(files)
    expect(back.ok).toBe(false)
    if (!back.ok) expect(back.problems[0]?.path).toBe('adtte[0].event')
  })

  it('quotes CSV fields only when needed', () => {
    expect(csvField('Injury, poisoning and procedural complications')).toBe(
      '"Injury, poisoning and procedural complications"',
    )
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('plain')).toBe('plain')
    expect(csvField(true)).toBe('1')
    expect(csvField(null)).toBe('')
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004')
  })

  it('reads a folder without meta.json as a problem, not a crash', async () => {
    const empty = join(dir, 'empty')
    await writeAnalysisDatasets(data, empty, { format: 'csv', protocol })
    rmSync(join(empty, 'meta.json'))
    writeFileSync(join(empty, 'README.txt'), 'x')
    const read = await readAnalysisDatasets(empty)
    expect(read.ok).toBe(false)
    if (!read.ok) expect(read.problems[0]?.path).toBe('meta.json')
    const missing = await readAnalysisDatasets(join(dir, 'nowhere'))
    expect(!missing.ok && missing.problems[0]?.code).toBe('io')
  })
})
