/**
 * The reference-case verifier: loads every `*.json` case of a directory (the oracle README's format), runs the
 * checker registered for its `method`, compares the result with `expected` (see `compare.ts`) and reports one
 * outcome per case. A case whose method has no checker, whose file does not parse, or whose checker fails is a
 * FAIL with the reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { statsFail, statsOk, type StatsResult } from '../data/index.ts'
import { compareToExpected, type LeafMismatch } from './compare.ts'
import type { OracleCase, OracleChecker, OracleTolerance } from './oracle-case.ts'

export interface CaseOutcome {
  readonly file: string
  readonly id: string
  readonly method: string
  readonly pass: boolean
  readonly worst: { readonly path: string; readonly relError: number } | null
  /** Why the case failed without a comparison (no checker, unreadable file, checker error), else null. */
  readonly reason: string | null
  readonly mismatches: readonly LeafMismatch[]
}

export interface VerifyReport {
  readonly outcomes: readonly CaseOutcome[]
  readonly passed: number
  readonly failed: number
}

const ToleranceSchema = z.object({
  rel: z.number().optional(),
  abs: z.number().optional(),
  per_key: z.record(z.string(), z.object({ rel: z.number().optional(), abs: z.number().optional() })).optional(),
})

const CaseSchema = z.object({
  schema_version: z.number(),
  id: z.string(),
  method: z.string(),
  dataset: z.string().optional(),
  description: z.string().optional(),
  r_call: z.string().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  input: z.record(z.string(), z.unknown()),
  expected: z.record(z.string(), z.unknown()),
  tolerance: ToleranceSchema.optional(),
})

/** Parses one case file's text (validated with zod); the message says what is wrong. */
export function parseCase(text: string): StatsResult<OracleCase> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return statsFail('invalid', 'case', `not valid JSON: ${(e as Error).message}`)
  }
  const parsed = CaseSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return statsFail(
      'invalid',
      'case',
      `not a reference case: ${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'}`,
    )
  }
  const c = parsed.data
  return statsOk({
    schema_version: c.schema_version,
    id: c.id,
    method: c.method,
    ...(c.dataset !== undefined ? { dataset: c.dataset } : {}),
    ...(c.description !== undefined ? { description: c.description } : {}),
    ...(c.r_call !== undefined ? { r_call: c.r_call } : {}),
    options: c.options ?? {},
    input: c.input,
    expected: c.expected,
    tolerance: toleranceOf(c.tolerance),
  })
}

function toleranceOf(t: z.infer<typeof ToleranceSchema> | undefined): OracleTolerance {
  if (!t) return {}
  const perKey: Record<string, { rel?: number; abs?: number }> = {}
  for (const [k, v] of Object.entries(t.per_key ?? {})) {
    perKey[k] = { ...(v.rel !== undefined ? { rel: v.rel } : {}), ...(v.abs !== undefined ? { abs: v.abs } : {}) }
  }
  return {
    ...(t.rel !== undefined ? { rel: t.rel } : {}),
    ...(t.abs !== undefined ? { abs: t.abs } : {}),
    ...(t.per_key ? { per_key: perKey } : {}),
  }
}

/**
 * Runs one case with the checker for its method.
 * @example runCase(parsedCase, checkersByMethod) // { pass: true, worst: { path: 'p_value', relError: 3e-15 }, ... }
 */
export function runCase(
  c: OracleCase,
  checkers: ReadonlyMap<string, OracleChecker>,
  file = `${c.id}.json`,
): CaseOutcome {
  const outcome = { file, id: c.id, method: c.method }
  const checker = checkers.get(c.method)
  if (!checker) {
    return { ...outcome, pass: false, worst: null, reason: `no checker for method "${c.method}"`, mismatches: [] }
  }
  let got: unknown
  try {
    got = checker.compute(c)
  } catch (e) {
    return {
      ...outcome,
      pass: false,
      worst: null,
      reason: `checker failed: ${e instanceof Error ? e.message : String(e)}`,
      mismatches: [],
    }
  }
  const cmp = compareToExpected(got, c.expected, c.tolerance, checker.informational ?? [])
  return { ...outcome, pass: cmp.pass, worst: cmp.worst, reason: null, mismatches: cmp.mismatches }
}

/**
 * Runs every `*.json` case in `dir` (sorted by file name). Fails only when the directory cannot be read or
 * holds no case file; a broken case file is a FAIL outcome.
 */
export function runCaseDirectory(dir: string, checkers: ReadonlyMap<string, OracleChecker>): StatsResult<VerifyReport> {
  let files: string[]
  try {
    if (!statSync(dir).isDirectory()) return statsFail('invalid', dir, `${dir} is not a directory`)
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return statsFail(
      code === 'ENOENT' ? 'not_found' : 'invalid',
      dir,
      code === 'ENOENT' ? `${dir}: no such directory` : `${dir}: cannot read the directory (${code ?? 'error'})`,
    )
  }
  if (files.length === 0) return statsFail('not_found', dir, `${dir}: no reference case files (*.json)`)
  const outcomes = files.map((file) => {
    const id = file.replace(/\.json$/, '')
    let text: string
    try {
      text = readFileSync(join(dir, file), 'utf8')
    } catch (e) {
      return {
        file,
        id,
        method: '?',
        pass: false,
        worst: null,
        reason: `cannot read the file: ${(e as Error).message}`,
        mismatches: [],
      }
    }
    const parsed = parseCase(text)
    if (!parsed.ok)
      return {
        file,
        id,
        method: '?',
        pass: false,
        worst: null,
        reason: parsed.problems[0]?.message ?? 'invalid case',
        mismatches: [],
      }
    return runCase(parsed.value, checkers, file)
  })
  const passed = outcomes.filter((o) => o.pass).length
  return statsOk({ outcomes, passed, failed: outcomes.length - passed })
}

/**
 * One report line: `PASS  id  max rel err 1.2e-15 at p_value`, or for a failure the first mismatch or the reason.
 */
export function formatOutcome(o: CaseOutcome): string {
  const status = o.pass ? 'PASS' : 'FAIL'
  const worst = o.worst
    ? `max rel err ${o.worst.relError.toExponential(2)} at ${o.worst.path}`
    : 'no numeric value compared'
  if (o.pass) return `${status}  ${o.id}  ${worst}`
  if (o.reason) return `${status}  ${o.id}  ${o.reason}`
  const first = o.mismatches[0]
  const more = o.mismatches.length > 1 ? ` (+${o.mismatches.length - 1} more)` : ''
  return `${status}  ${o.id}  ${worst}; ${first ? `${first.path}: ${first.message}` : ''}${more}`
}

/** The summary line: `N passed, M failed`. */
export function formatSummary(r: VerifyReport): string {
  return `${r.passed} passed, ${r.failed} failed`
}
