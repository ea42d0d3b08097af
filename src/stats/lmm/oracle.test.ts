/**
 * Every `lmm_*` reference case (R 4.2.2, lme4 1.1-31, lmerTest 3.1-3; see test/fixtures/oracle/README.md and the R
 * scripts beside the cases) must match within the case's own tolerance: `abs(got - exp) <= abs + rel * abs(exp)`,
 * with `per_key` overrides for a key and everything under it. Strings, booleans and nulls must be equal.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lmmChecker } from '../oracle/check-lmm.ts'
import type { OracleCase, OracleTolerance } from '../oracle/oracle-case.ts'

const ROOT = resolve(import.meta.dirname, '../../../test/fixtures')
const DIRS = ['oracle', 'oracle-extra']

function loadCases(): { dir: string; c: OracleCase }[] {
  return DIRS.flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.startsWith('lmm_') && f.endsWith('.json'))
      .sort()
      .map((f) => ({ dir, c: JSON.parse(readFileSync(join(ROOT, dir, f), 'utf8')) as OracleCase })),
  )
}

interface Tol {
  readonly rel: number
  readonly abs: number
}

/** Every mismatch between `expected` and `got`, as `path: got vs expected`. */
function compare(
  expected: unknown,
  got: unknown,
  path: string,
  tol: Tol,
  tolerance: OracleTolerance,
  out: string[],
): void {
  if (typeof expected === 'number') {
    if (typeof got !== 'number' || !(Math.abs(got - expected) <= tol.abs + tol.rel * Math.abs(expected))) {
      const rel = typeof got === 'number' ? Math.abs(got - expected) / Math.abs(expected) : NaN
      out.push(
        `${path}: got ${String(got)}, expected ${expected} (rel diff ${rel.toExponential(2)}, tol rel ${tol.rel} abs ${tol.abs})`,
      )
    }
    return
  }
  if (expected === null || typeof expected === 'string' || typeof expected === 'boolean') {
    if (got !== expected) out.push(`${path}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`)
    return
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(got) || got.length !== expected.length) {
      out.push(
        `${path}: got ${Array.isArray(got) ? `array of ${got.length}` : typeof got}, expected array of ${expected.length}`,
      )
      return
    }
    expected.forEach((e, i) => compare(e, got[i], `${path}[${i}]`, tol, tolerance, out))
    return
  }
  if (typeof got !== 'object' || got === null) {
    out.push(`${path}: missing object`)
    return
  }
  for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
    const override = tolerance.per_key?.[key]
    const keyTol = override ? { rel: override.rel ?? tol.rel, abs: override.abs ?? tol.abs } : tol
    if (!(key in got)) {
      out.push(`${path}.${key}: missing`)
      continue
    }
    compare(value, (got as Record<string, unknown>)[key], `${path}.${key}`, keyTol, tolerance, out)
  }
}

describe('lmm oracle cases (lme4 + lmerTest reference values)', () => {
  const cases = loadCases()
  it('finds the visible and the extra cases', () => {
    expect(cases.filter((x) => x.dir === 'oracle').length).toBeGreaterThanOrEqual(6)
    expect(cases.filter((x) => x.dir === 'oracle-extra').length).toBeGreaterThanOrEqual(6)
  })
  for (const { dir, c } of cases) {
    it(`${dir}/${c.id}: ${c.description ?? ''}`, () => {
      const got = lmmChecker.compute(c)
      const mismatches: string[] = []
      compare(
        c.expected,
        got,
        'expected',
        { rel: c.tolerance.rel ?? 0, abs: c.tolerance.abs ?? 0 },
        c.tolerance,
        mismatches,
      )
      expect(mismatches).toEqual([])
    })
  }
})
