import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseProtocolText } from '../../protocol/index.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const ODM = 'test/fixtures/interop-samples/odm'
const RC = 'test/fixtures/interop-samples/redcap'
const out = mkdtempSync(join(tmpdir(), 'td-import-cli-'))
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

const bomb = join(out, 'bomb.xml')
const wrongNs = join(out, 'wrong-ns.xml')
writeFileSync(
  bomb,
  '<?xml version="1.0"?><!DOCTYPE ODM [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><ODM xmlns="http://www.cdisc.org/ns/odm/v1.3">&b;</ODM>',
)
writeFileSync(wrongNs, '<ODM xmlns="http://www.cdisc.org/ns/odm/v2.0" FileOID="x"/>')

const runs = new Map<string, Run>()
const cases: Record<string, string[]> = {
  odm: [
    'import',
    'odm',
    `${ODM}/redcapr-longitudinal-project.xml`,
    '--protocol-out',
    join(out, 'odm.yaml'),
    '--report-json',
    join(out, 'odm-report.json'),
  ],
  redcap: [
    'import',
    'redcap',
    `${RC}/redcapr-longitudinal-dictionary.csv`,
    '--events',
    `${RC}/redcapr-longitudinal-event.csv`,
    `${RC}/redcapr-longitudinal-arm.csv`,
    '--protocol-out',
    join(out, 'redcap.yaml'),
  ],
  clinicalOnly: [
    'import',
    'odm',
    `${ODM}/openedc-example-clinicaldata.xml`,
    '--protocol-out',
    join(out, 'clinical.yaml'),
  ],
  bomb: ['import', 'odm', bomb, '--protocol-out', join(out, 'bomb.yaml')],
  wrongNs: ['import', 'odm', wrongNs, '--protocol-out', join(out, 'ns.yaml')],
  missing: ['import', 'redcap', join(out, 'nope.csv'), '--protocol-out', join(out, 'nope.yaml')],
}
beforeAll(async () => {
  await Promise.all(Object.entries(cases).map(async ([k, args]) => runs.set(k, await trialdesk(...args))))
}, 60_000)
const run = (k: string): Run => runs.get(k) ?? { code: -1, stdout: '', stderr: 'not run' }

describe('trialdesk import', () => {
  it('odm: writes a protocol that validates, prints the report, writes the JSON report', () => {
    expect(run('odm')).toMatchObject({ code: 0, stderr: '' })
    expect(run('odm').stdout).toContain('itemData: 406')
    const yaml = readFileSync(join(out, 'odm.yaml'), 'utf8')
    expect(yaml).toMatch(/^# Imported from .*redcapr-longitudinal-project.xml/)
    expect(yaml).toContain('# Review before use:'.slice(2))
    const parsed = parseProtocolText(yaml)
    expect(parsed.ok).toBe(true)
    if (parsed.ok) expect(parsed.value.protocol.forms.map((f) => f.id)).toContain('demographics')
    const report = JSON.parse(readFileSync(join(out, 'odm-report.json'), 'utf8')) as { counts: Record<string, number> }
    expect(report.counts['subjects']).toBe(3)
  })

  it('redcap: dictionary with events and arms', () => {
    expect(run('redcap')).toMatchObject({ code: 0, stderr: '' })
    expect(run('redcap').stdout).toContain('fields: 95')
    const parsed = parseProtocolText(readFileSync(join(out, 'redcap.yaml'), 'utf8'))
    expect(parsed.ok && parsed.value.protocol.visits.length).toBe(12)
  })

  it('bad input: one clear stderr line, exit 2, no output file', () => {
    expect(run('clinicalOnly')).toMatchObject({ code: 2, stdout: '' })
    expect(run('clinicalOnly').stderr).toMatch(
      /^trialdesk: .*openedc-example-clinicaldata.xml: the file holds no study metadata .*--metadata\n$/,
    )
    expect(run('bomb')).toMatchObject({ code: 2, stdout: '' })
    expect(run('bomb').stderr).toMatch(/^trialdesk: .*bomb.xml: line 1: DOCTYPE declarations are refused .*\n$/)
    expect(run('wrongNs').stderr).toMatch(/only ODM 1.3/)
    expect(run('wrongNs').code).toBe(2)
    expect(run('missing')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/nope.csv: file not found\n$/) as string,
    })
    for (const f of ['clinical.yaml', 'bomb.yaml', 'ns.yaml', 'nope.yaml']) expect(existsSync(join(out, f))).toBe(false)
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
