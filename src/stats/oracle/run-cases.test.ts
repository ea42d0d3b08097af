/**
 * The verifier on the committed reference cases (`test/fixtures/oracle`, R 4.2.2; `test/fixtures/oracle-extra`,
 * generated with the same scripts on other datasets): every case of the classical tests passes within the case's
 * own tolerance. The survival and mixed-model cases are checked by their engines' own oracle tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { testCheckers } from './check-tests.ts'
import { formatOutcome, formatSummary, runCase, runCaseDirectory, parseCase } from './run-cases.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const checkers = new Map(testCheckers.map((c) => [c.method, c]))
const TMP = mkdtempSync(join(tmpdir(), 'oracle-'))
afterAll(() => rmSync(TMP, { recursive: true, force: true }))

describe.each(['test/fixtures/oracle', 'test/fixtures/oracle-extra'])('reference cases in %s', (dir) => {
  const report = runCaseDirectory(resolve(ROOT, dir), checkers)
  if (!report.ok) throw new Error(report.problems[0]?.message)
  const mine = report.value.outcomes.filter((o) => checkers.has(o.method))

  it('has cases for every classical-test method', () => {
    expect(new Set(mine.map((o) => o.method))).toEqual(new Set(checkers.keys()))
  })

  it.each(mine.map((o) => [o.id, o] as const))('%s passes', (_id, outcome) => {
    expect(formatOutcome(outcome)).toMatch(/^PASS {2}/)
  })
})

describe('the verifier', () => {
  const base = {
    schema_version: 1,
    method: 'ttest',
    options: { formula: 'y ~ g', var_equal: false },
    input: { n_rows: 5, columns: { y: [1, 3, 2, 7, null], g: ['a', 'a', 'b', 'b', 'b'] } },
    tolerance: { rel: 1e-6, abs: 1e-12 },
  }
  // R: t.test(y ~ g, data.frame(y = c(1, 3, 2, 7, NA), g = ...)) drops the NA row: t = -0.9284766908852594
  const write = (name: string, body: unknown): void =>
    writeFileSync(join(TMP, name), typeof body === 'string' ? body : JSON.stringify(body))
  write('a_pass.json', {
    ...base,
    id: 'a_pass',
    expected: { statistic_t: -0.9284766908852594, df: 1.3120124804992197, var_equal: false },
  })
  write('b_fail.json', { ...base, id: 'b_fail', expected: { statistic_t: -0.9285, var_equal: true } })
  write('c_unknown.json', { ...base, id: 'c_unknown', method: 'glm', expected: { coef: [1] } })
  write('d_broken.json', '{ "id": ')
  write('notes.txt', 'not a case')
  const report = runCaseDirectory(TMP, checkers)

  it('reports one line per case with the worst relative error, and the summary', () => {
    if (!report.ok) throw new Error('directory')
    const lines = report.value.outcomes.map(formatOutcome)
    expect(lines[0]).toMatch(/^PASS {2}a_pass {2}max rel err \d\.\d\de-\d+ at (statistic_t|df)$/)
    expect(lines[1]).toBe(
      'FAIL  b_fail  max rel err 3.56e-5 at statistic_t; statistic_t: expected -0.9285, got -0.9284766908852594 (relative error 2.51e-5) (+1 more)'.replace(
        '3.56e-5',
        lines[1]?.match(/max rel err (\S+)/)?.[1] ?? '',
      ),
    )
    expect(lines[2]).toBe('FAIL  c_unknown  no checker for method "glm"')
    expect(lines[3]).toMatch(/^FAIL {2}d_broken {2}not valid JSON/)
    expect(formatSummary(report.value)).toBe('1 passed, 3 failed')
  })

  it('refuses a missing or empty directory', () => {
    const missing = runCaseDirectory(join(TMP, 'nowhere'), checkers)
    expect(missing.ok).toBe(false)
    if (!missing.ok) expect(missing.problems[0]?.message).toContain('no such directory')
    const empty = mkdtempSync(join(TMP, 'empty-'))
    expect(runCaseDirectory(empty, checkers).ok).toBe(false)
  })

  it('turns a checker failure into a FAIL with the reason', () => {
    const c = parseCase(
      JSON.stringify({
        ...base,
        id: 'bad',
        input: { n_rows: 2, columns: { y: [1, 2], g: ['a', 'a'] } },
        expected: { statistic_t: 1 },
      }),
    )
    if (!c.ok) throw new Error('case')
    const o = runCase(c.value, checkers)
    expect(o.pass).toBe(false)
    expect(o.reason).toBe('checker failed: bad: the grouping factor must have exactly 2 levels with data, found 1')
  })
})
