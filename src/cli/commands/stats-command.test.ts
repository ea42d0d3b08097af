/**
 * `trialdesk stats`, run as the real CLI on small CSV files: the formula-driven commands print R's numbers
 * (references: R 4.2.2, code in the comments), `--json` is machine-readable, bad input is one line on stderr with
 * exit 2, and `verify` reports PASS/FAIL per case with exit 1 on a failure.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')
const DIR = mkdtempSync(join(tmpdir(), 'trialdesk-stats-'))

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

function trialdesk(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(ROOT, 'bin/trialdesk.js'), 'stats', ...args],
      { cwd: DIR, encoding: 'utf8' },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
      },
    )
  })
}

// datasets::sleep as two independent groups; a small survival file (survival::aml); a bad file.
const SLEEP = [
  'extra,group',
  ...[0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0].map((v) => `${v},drug1`),
  ...[1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4].map((v) => `${v},drug2`),
]
const AML_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
const AML_STATUS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
const AML = [
  'time,status,x',
  ...AML_TIME.map((t, i) => `${t},${AML_STATUS[i]},${i < 11 ? 'Maintained' : 'Nonmaintained'}`),
]

const runs: Record<string, Run> = {}
beforeAll(async () => {
  writeFileSync(join(DIR, 'sleep.csv'), SLEEP.join('\n') + '\n')
  writeFileSync(join(DIR, 'aml.csv'), AML.join('\n') + '\n')
  writeFileSync(join(DIR, 'bad.csv'), 'extra,group\n0.7,drug1\nabc,drug1\n1.9,drug2\n')
  const entries = await Promise.all(
    Object.entries({
      ttest: ['test', 'ttest', '--data', 'sleep.csv', '--formula', 'extra ~ group'],
      ttestJson: ['test', 'ttest', '--data', 'sleep.csv', '--formula', 'extra ~ group', '--var-equal', '--json'],
      wilcoxon: ['test', 'wilcoxon', '--data', 'sleep.csv', '--formula', 'extra ~ group', '--json'],
      fisher: ['test', 'fisher', '--table', '3,1;1,3'],
      chisq: ['test', 'chisq', '--table', '12,3;5,9', '--no-correct', '--json'],
      km: ['km', '--data', 'aml.csv', '--formula', 'Surv(time, status) ~ x', '--conf-type', 'log-log'],
      logrank: ['logrank', '--data', 'aml.csv', '--formula', 'Surv(time, status) ~ x', '--json'],
      cox: [
        'cox',
        '--data',
        'aml.csv',
        '--formula',
        'Surv(time, status) ~ x',
        '--levels',
        'x=Maintained,Nonmaintained',
        '--json',
      ],
      missingFile: ['test', 'ttest', '--data', 'nowhere.csv', '--formula', 'extra ~ group'],
      unknownColumn: ['test', 'ttest', '--data', 'sleep.csv', '--formula', 'extra ~ arm'],
      badFormula: ['test', 'kruskal', '--data', 'sleep.csv', '--formula', 'extra ~ group +'],
      nonNumeric: ['test', 'anova', '--data', 'bad.csv', '--formula', 'extra ~ group'],
      badLevels: ['km', '--data', 'aml.csv', '--formula', 'Surv(time, status) ~ x', '--levels', 'x=Maintained'],
      verify: ['verify', resolve(ROOT, 'test/fixtures/oracle')],
      verifyMissing: ['verify', 'no-such-dir'],
    }).map(async ([name, args]) => [name, await trialdesk(...args)] as const),
  )
  Object.assign(runs, Object.fromEntries(entries))
}, 180_000)
afterAll(() => rmSync(DIR, { recursive: true, force: true }))

const run = (name: string): Run => runs[name] as Run
/** The --json output of a run (a plain JSON object). */
const json = <T>(name: string): T => JSON.parse(run(name).stdout) as T

describe('trialdesk stats (formula-driven)', () => {
  it('t test: readable table with R numbers (Welch t = -1.8608, df = 17.776, p = 0.07939)', () => {
    expect(run('ttest')).toMatchObject({ code: 0, stderr: '' })
    expect(run('ttest').stdout).toContain('Welch two sample t-test: extra by group (drug1 minus drug2)')
    expect(run('ttest').stdout).toMatch(/t\s+-1\.861\n/)
    expect(run('ttest').stdout).toMatch(/df\s+17\.78\n/)
    expect(run('ttest').stdout).toMatch(/p-value \(two\.sided\)\s+0\.07939\n/)
  })

  it('--json gives the full result (Student: t.test(extra ~ group, sleep, var.equal = TRUE)$p.value = 0.07918671)', () => {
    const r = json<{ pValue: number }>('ttestJson')
    expect(r).toMatchObject({ test: 'ttest', varEqual: true, df: 18, groups: ['drug1', 'drug2'] })
    expect(r.pValue).toBeCloseTo(0.07918671421, 9)
    const w = json<{ pValue: number }>('wilcoxon')
    expect(w).toMatchObject({ statistic: 25.5, exact: false, continuityCorrection: true })
    expect(w.pValue).toBeCloseTo(0.06932758, 7) // wilcox.test(extra ~ group, sleep)
  })

  it('fisher and chisq from --table', () => {
    expect(run('fisher').stdout).toMatch(/p-value \(two\.sided\)\s+0\.4857\n/)
    expect(run('fisher').stdout).toMatch(/odds ratio \(conditional MLE\)\s+6\.408\n/)
    const c = json<{ statistic: number; yatesApplied: boolean }>('chisq')
    expect(c.statistic).toBeCloseTo(5.85483193277311, 12)
    expect(c.yatesApplied).toBe(false)
  })

  it('km, logrank and cox on survival::aml', () => {
    // survfit(Surv(time, status) ~ x, aml, conf.type = "log-log"): medians 31 (13, NA) and 23 (5, 33)
    expect(run('km').stdout).toMatch(/x=Maintained\s+11\s+7\s+31\s+13\s+NA\n/)
    expect(run('km').stdout).toMatch(/x=Nonmaintained\s+12\s+11\s+23\s+5\s+33\n/)
    const lr = json<{ chisq: number; groups: string[] }>('logrank') // survdiff: chisq = 3.3962, p = 0.06533
    expect(lr.chisq).toBeCloseTo(3.396389, 5)
    expect(lr.groups).toEqual(['x=Maintained', 'x=Nonmaintained'])
    const cox = json<{ terms: string[]; coefficients: { coef: number }[] }>('cox') // coxph(Surv(time, status) ~ x, aml): coef 0.9155
    expect(cox.terms).toEqual(['xNonmaintained'])
    expect(cox.coefficients[0]?.coef).toBeCloseTo(0.9155326, 6)
  })
})

describe('trialdesk stats: bad input is one line on stderr, exit 2', () => {
  it.each([
    ['missingFile', 'trialdesk: nowhere.csv: no such file\n'],
    ['unknownColumn', 'trialdesk: sleep.csv: no column "arm" (columns: extra, group)\n'],
    [
      'badFormula',
      `trialdesk: formula: "extra ~ group +", column 16: expected a name, a number or '(' but found the end of the formula\n`,
    ],
    [
      'nonNumeric',
      'trialdesk: bad.csv: column "extra", line 3: "abc" is not a number (the column is used as numeric)\n',
    ],
    [
      'badLevels',
      'trialdesk: aml.csv: column "x" has value "Nonmaintained" that is not among the given levels (Maintained)\n',
    ],
    ['verifyMissing', 'trialdesk: no-such-dir: no-such-dir: no such directory\n'],
  ])('%s', (name, line) => {
    expect(run(name)).toMatchObject({ code: 2, stdout: '', stderr: line })
  })
})

describe('trialdesk stats verify', () => {
  it('prints one line per case and the summary', () => {
    const lines = run('verify').stdout.trim().split('\n')
    expect(lines.at(-1)).toMatch(/^\d+ passed, \d+ failed$/)
    expect(lines.filter((l) => /^(PASS|FAIL) {2}\S+ {2}/.test(l))).toHaveLength(lines.length - 1)
    expect(lines).toContain(lines.find((l) => l.startsWith('PASS  fisher_tea_tasting_2x2  max rel err ')))
    expect(run('verify').code).toBe(lines.at(-1)?.endsWith(' 0 failed') ? 0 : 1)
  })
})
