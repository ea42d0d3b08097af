/**
 * `trialdesk stats`: the statistics engine on CSV files, driven by R-style formulas, and the reference-case verifier.
 *
 *     trialdesk stats test fisher|chisq|kruskal|wilcoxon|anova|ttest|binom|prop ...
 *     trialdesk stats km|logrank --data F.csv --formula "Surv(time, status) ~ g"
 *     trialdesk stats cox --data F.csv --formula "Surv(time, status) ~ x1 + x2 + strata(site)" [--ties breslow]
 *     trialdesk stats lmm --data F.csv --formula "y ~ t * arm + (t | id)" [--ml]
 *     trialdesk stats verify <dir>
 *
 * Output is an aligned table, or JSON with `--json`. Bad input (missing file, unknown column, malformed formula,
 * a non-number in a numeric column, a degenerate sample) is one line on stderr naming the file, column or formula
 * position and the rule, with exit code 2.
 */
import type { Command } from 'commander'
import { readFileSync } from 'node:fs'
import {
  asFactor,
  binomTest,
  buildDesignMatrix,
  chisqTest,
  completeRows,
  coxph,
  fisherExact,
  fitLmm,
  formatOutcome,
  formatSummary,
  kaplanMeier,
  kruskalWallis,
  lmmFTest,
  logRank,
  numericValues,
  oneWayAnova,
  oracleCheckers,
  parseCsv,
  parseModel,
  pickFactorRows,
  pickRows,
  propTest,
  runCaseDirectory,
  splitByFactor,
  tTest,
  wilcoxonRankSum,
  type Alternative,
  type Column,
  type ConfType,
  type CoxTies,
  type DataFrame,
  type Factor,
  type LmmCell,
  type ModelSpec,
} from '../../stats/index.ts'
import { CliExit, ExitCode } from '../exit.ts'

// ---------------------------------------------------------------------------------------------------------------
// Failures: one line on stderr, exit 2 (bad input) unless stated.

interface AnyProblem {
  readonly path: string
  readonly message: string
}

function fail(problems: readonly AnyProblem[], code: ExitCode = ExitCode.Usage): never {
  for (const p of problems) process.stderr.write(`trialdesk: ${p.path ? `${p.path}: ` : ''}${p.message}\n`)
  throw new CliExit(code)
}

function failWith(path: string, message: string): never {
  return fail([{ path, message }])
}

/** The value of an engine result, or exit 2 with its problems. */
function valueOf<T>(
  r: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly AnyProblem[] },
): T {
  if (!r.ok) fail(r.problems)
  return r.value
}

// ---------------------------------------------------------------------------------------------------------------
// Options shared by the commands

interface CommonOptions {
  readonly data?: string
  readonly formula?: string
  readonly json?: boolean
  readonly levels?: readonly string[]
  readonly confLevel?: string
}

/** `--levels arm=P,D1,D2 --levels site=A,B` (or `arm=P,D1;site=A,B`) → { arm: [...], site: [...] }. */
function parseLevels(specs: readonly string[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const spec of specs ?? []) {
    for (const part of spec.split(';')) {
      const m = /^\s*([^=]+?)\s*=\s*(.+)$/.exec(part)
      if (!m) failWith('--levels', `"${part}" is not column=level1,level2,... (the first level is the reference)`)
      const levels = (m[2] as string).split(',').map((s) => s.trim())
      if (levels.some((l) => l === '')) failWith('--levels', `"${part}" has an empty level`)
      out[m[1] as string] = levels
    }
  }
  return out
}

function confLevelOf(opts: CommonOptions): number {
  if (opts.confLevel === undefined) return 0.95
  const v = Number(opts.confLevel)
  if (!(v > 0 && v < 1)) failWith('--conf-level', `"${opts.confLevel}" must be a number strictly between 0 and 1`)
  return v
}

function alternativeOf(value: string | undefined): Alternative {
  if (value === undefined || value === 'two.sided' || value === 'less' || value === 'greater')
    return value ?? 'two.sided'
  return failWith('--alternative', `"${value}" must be two.sided, less or greater`)
}

function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const v = Number(value)
  if (!Number.isFinite(v)) failWith(name, `"${value}" is not a number`)
  return v
}

function requireOption(value: string | undefined, name: string, example: string): string {
  if (value === undefined) failWith(name, `is required (e.g. ${name} ${example})`)
  return value
}

/** The model formula of --formula, with the columns it reads read from --data. */
function loadModel(opts: CommonOptions, example: string): { spec: ModelSpec; frame: DataFrame } {
  const formula = requireOption(opts.formula, '--formula', `"${example}"`)
  const spec = valueOf(parseModel(formula))
  const file = requireOption(opts.data, '--data', 'visits.csv')
  return { spec, frame: readCsv(file, spec.columns) }
}

function readCsv(file: string, columns: readonly string[]): DataFrame {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a CSV file'
          : `cannot be read (${code ?? 'error'})`
    return failWith(file, why)
  }
  return valueOf(parseCsv(bytes, { columns, source: file }))
}

function column(frame: DataFrame, name: string): Column {
  return frame.columns.get(name) as Column
}

function numericColumn(frame: DataFrame, name: string): Float64Array {
  return valueOf(numericValues(frame, column(frame, name)))
}

function factorColumn(frame: DataFrame, name: string, levels: Record<string, string[]>): Factor {
  return valueOf(asFactor(frame, column(frame, name), levels[name]))
}

/** Fails with the formula and the 1-based column of a part that this command cannot use. */
function formulaFail(spec: ModelSpec, pos: number, message: string): never {
  return failWith('formula', `"${spec.source}", column ${pos + 1}: ${message}`)
}

// ---------------------------------------------------------------------------------------------------------------
// Output: aligned tables or JSON

type Cell = string | number | null

/**
 * Numbers as R prints them: `digits` significant digits but never fewer than the integer part has, exponent
 * notation when very small or very large.
 */
function fmt(x: Cell, digits = 4): string {
  if (x === null) return 'NA'
  if (typeof x === 'string') return x
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf'
  const a = Math.abs(x)
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) return x.toExponential(digits - 1)
  if (a >= 10 ** digits) return x.toFixed(0)
  return String(Number(x.toPrecision(digits)))
}

/** p-values: 4 significant digits, `< 2.2e-16` below machine precision as R prints. */
function fmtP(p: number): string {
  if (p < 2.220446049250313e-16) return '< 2.2e-16'
  return p < 1e-4 ? p.toExponential(2) : String(Number(p.toPrecision(4)))
}

/** `p = 0.0312` or `p < 2.2e-16`. */
function pIs(p: number): string {
  const text = fmtP(p)
  return text.startsWith('<') ? `p ${text}` : `p = ${text}`
}

/** A table with a header row; numbers right-aligned, text left-aligned, two spaces between columns. */
function table(header: readonly string[], rows: readonly (readonly Cell[])[], digits = 4): string {
  const text = rows.map((r) => r.map((c) => fmt(c, digits)))
  const width = header.map((h, j) => Math.max(h.length, ...text.map((r) => (r[j] ?? '').length)))
  // A column is right-aligned when its cells are numbers (blank '' and NA cells allowed).
  const numeric = header.map((_, j) => rows.every((r) => typeof r[j] === 'number' || r[j] === null || r[j] === ''))
  const line = (cells: readonly string[], isHeader: boolean): string =>
    cells
      .map((c, j) =>
        numeric[j] && !(isHeader && j === 0) ? c.padStart(width[j] as number) : c.padEnd(width[j] as number),
      )
      .join('  ')
      .trimEnd()
  return [line(header, true), ...text.map((r) => line(r, false))].join('\n') + '\n'
}

/** Label: value lines, aligned. */
function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const w = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n') + '\n'
}

/**
 * JSON with typed arrays as arrays and NaN/±Infinity as null (R's NA); indented for reading unless it is large
 * (a million-row survival curve), where one element per line would only bloat it.
 */
function toJson(value: unknown): string {
  const replacer = (_k: string, v: unknown): unknown => {
    if (typeof v === 'number' && !Number.isFinite(v)) return null
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>)
    return v
  }
  const compact = JSON.stringify(value, replacer)
  return (compact.length < 200_000 ? JSON.stringify(value, replacer, 2) : compact) + '\n'
}

function emit(opts: CommonOptions, json: unknown, text: () => string): void {
  process.stdout.write(opts.json ? toJson(json) : text())
}

function warningLines(warnings: readonly (string | { readonly message: string })[]): string {
  return warnings.map((w) => `warning: ${typeof w === 'string' ? w : w.message}\n`).join('')
}

// ---------------------------------------------------------------------------------------------------------------
// trialdesk stats test ...

interface TestOptions extends CommonOptions {
  readonly table?: string
  readonly varEqual?: boolean
  readonly correct?: boolean
  readonly exact?: boolean
  readonly confInt?: boolean
  readonly alternative?: string
  readonly mu?: string
  readonly x?: string
  readonly n?: string
  readonly p?: string
}

const TEST_KINDS = ['fisher', 'chisq', 'kruskal', 'wilcoxon', 'anova', 'ttest', 'binom', 'prop'] as const
type TestKind = (typeof TEST_KINDS)[number]

/** `--table "12,5;3,9"`: rows separated by `;`, counts by `,`. */
function parseTable(text: string): number[][] {
  const rows = text.split(';').map((r) => r.split(',').map((c) => c.trim()))
  rows.forEach((r, i) =>
    r.forEach((c, j) => {
      if (!/^\d+$/.test(c))
        failWith(
          '--table',
          `row ${i + 1}, column ${j + 1}: "${c}" is not a count (rows are separated by ";", counts by ",")`,
        )
    }),
  )
  return rows.map((r) => r.map(Number))
}

/** A contingency table from --table, or from --data with --formula "rowvar ~ colvar" (cross-tabulated). */
function contingencyTable(opts: TestOptions): { table: number[][]; rowNames: string[]; colNames: string[] } {
  if (opts.table !== undefined) {
    const t = parseTable(opts.table)
    return { table: t, rowNames: t.map((_, i) => String(i + 1)), colNames: (t[0] ?? []).map((_, j) => String(j + 1)) }
  }
  if (opts.data === undefined)
    failWith('--table', 'give the counts (e.g. --table "12,5;3,9") or --data with --formula "row ~ column"')
  const { spec, frame } = loadModel(opts, 'arm ~ response')
  if (spec.response?.kind !== 'variable' || spec.terms.length !== 1 || spec.terms[0]?.variables.length !== 1) {
    return formulaFail(spec, 0, 'cross-tabulation needs the form row ~ column (two columns)')
  }
  const levels = parseLevels(opts.levels)
  const rowVar = spec.response.column
  const colVar = spec.terms[0].variables[0]?.column as string
  const rows = completeRows([column(frame, rowVar), column(frame, colVar)], frame.nRows)
  const a = pickFactorRows(factorColumn(frame, rowVar, levels), rows)
  const b = pickFactorRows(factorColumn(frame, colVar, levels), rows)
  const counts = a.levels.map(() => b.levels.map(() => 0))
  for (let i = 0; i < rows.length; i++) {
    const row = counts[a.codes[i] as number] as number[]
    const j = b.codes[i] as number
    row[j] = (row[j] as number) + 1
  }
  return { table: counts, rowNames: [...a.levels], colNames: [...b.levels] }
}

/** y and the groups of a `y ~ g` formula, in level order (rows missing y or g dropped). */
function groupsOf(opts: TestOptions): { y: string; g: string; groups: { name: string; values: Float64Array }[] } {
  const { spec, frame } = loadModel(opts, 'score ~ arm')
  if (spec.response?.kind !== 'variable') return formulaFail(spec, 0, 'this test needs a numeric response: y ~ group')
  if (
    spec.terms.length !== 1 ||
    spec.terms[0]?.variables.length !== 1 ||
    spec.random.length > 0 ||
    spec.strata.length > 0
  ) {
    return formulaFail(spec, spec.terms[1]?.pos ?? 0, 'this test needs exactly one grouping column: y ~ group')
  }
  const y = spec.response.column
  const g = spec.terms[0].variables[0]?.column as string
  const values = numericColumn(frame, y)
  const factor = factorColumn(frame, g, parseLevels(opts.levels))
  return { y, g, groups: splitByFactor(values, factor) }
}

function twoGroupsOf(opts: TestOptions): {
  y: string
  g: string
  groups: [{ name: string; values: Float64Array }, { name: string; values: Float64Array }]
} {
  const { y, g, groups } = groupsOf(opts)
  const present = groups.filter((s) => s.values.length > 0)
  if (present.length !== 2) {
    failWith(
      `column ${g}`,
      `the grouping column must have exactly 2 levels with data for this test, found ${present.length} (${present.map((s) => s.name).join(', ')})`,
    )
  }
  return { y, g, groups: present as [{ name: string; values: Float64Array }, { name: string; values: Float64Array }] }
}

function groupTable(groups: readonly { name: string; values: Float64Array }[]): string {
  return table(
    ['group', 'n', 'mean', 'sd', 'median'],
    groups.map((s) => {
      const v = Array.from(s.values).sort((a, b) => a - b)
      const n = v.length
      const mean = v.reduce((a, b) => a + b, 0) / n
      const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN
      const median = n % 2 ? (v[(n - 1) / 2] as number) : ((v[n / 2 - 1] as number) + (v[n / 2] as number)) / 2
      return [s.name, n, mean, sd, median]
    }),
  )
}

function runTest(kind: string, opts: TestOptions): void {
  if (!(TEST_KINDS as readonly string[]).includes(kind))
    failWith('stats test', `unknown test "${kind}" (one of ${TEST_KINDS.join(', ')})`)
  const confLevel = confLevelOf(opts)
  const alternative = alternativeOf(opts.alternative)
  switch (kind as TestKind) {
    case 'fisher': {
      const t = contingencyTable(opts)
      const r = valueOf(fisherExact(t.table, { alternative, confLevel }))
      return emit(opts, { test: 'fisher', ...t, ...r }, () =>
        r.kind === '2x2'
          ? `Fisher's exact test (2 x 2)\n` +
            keyValues([
              [`p-value (${r.alternative})`, fmtP(r.pValue)],
              ['p-value (less, greater)', `${fmtP(r.pValueLess)}, ${fmtP(r.pValueGreater)}`],
              ['odds ratio (conditional MLE)', fmt(r.oddsRatio)],
              [`${Math.round(r.confLevel * 1000) / 10}% CI`, `${fmt(r.confInt[0])} to ${fmt(r.confInt[1])}`],
            ]) +
            warningLines(r.warnings)
          : `Fisher's exact test (${r.rows} x ${r.cols}, network algorithm)\n` +
            keyValues([['p-value', fmtP(r.pValue)]]) +
            warningLines(r.warnings),
      )
    }
    case 'chisq': {
      const t = contingencyTable(opts)
      const r = valueOf(chisqTest(t.table, { correct: opts.correct !== false }))
      return emit(
        opts,
        { test: 'chisq', ...t, ...r },
        () =>
          `Pearson's chi-squared test${r.yatesApplied ? " with Yates' continuity correction" : ''}\n` +
          keyValues([
            ['X-squared', fmt(r.statistic)],
            ['df', String(r.df)],
            ['p-value', fmtP(r.pValue)],
          ]) +
          '\nexpected counts\n' +
          table(
            ['', ...t.colNames],
            r.expected.map((row, i) => [t.rowNames[i] as string, ...row]),
          ) +
          '\nadjusted standardized residuals\n' +
          table(
            ['', ...t.colNames],
            r.residualsStd.map((row, i) => [t.rowNames[i] as string, ...row]),
          ) +
          warningLines(r.warnings),
      )
    }
    case 'kruskal': {
      const { y, g, groups } = groupsOf(opts)
      const r = valueOf(kruskalWallis(groups))
      return emit(
        opts,
        { test: 'kruskal', response: y, group: g, ...r },
        () =>
          `Kruskal-Wallis rank sum test: ${y} by ${g}\n` +
          table(
            ['group', 'n', 'rank sum', 'mean rank'],
            r.groups.map((name, i) => [
              name,
              r.n[i] as number,
              r.rankSum[i] as number,
              (r.rankSum[i] as number) / (r.n[i] as number),
            ]),
          ) +
          keyValues([
            ['chi-squared', fmt(r.statistic)],
            ['df', String(r.df)],
            ['p-value', fmtP(r.pValue)],
          ]) +
          warningLines(r.warnings),
      )
    }
    case 'anova': {
      const { y, g, groups } = groupsOf(opts)
      const r = valueOf(oneWayAnova(groups))
      return emit(
        opts,
        { test: 'anova', response: y, group: g, ...r },
        () =>
          `One-way analysis of variance: ${y} by ${g}\n` +
          table(
            ['group', 'n', 'mean', 'sd'],
            r.groups.map((name, i) => [name, r.n[i] as number, r.means[i] as number, r.sds[i] as number]),
          ) +
          '\n' +
          table(
            ['', 'Df', 'Sum Sq', 'Mean Sq', 'F value', 'Pr(>F)'],
            [
              [g, r.dfBetween, r.ssBetween, r.msBetween, r.F, fmtP(r.pValue)],
              ['Residuals', r.dfWithin, r.ssWithin, r.msWithin, '', ''],
            ],
          ) +
          (r.welch
            ? `\nWelch's test (unequal variances): F = ${fmt(r.welch.F)}, num df = ${fmt(r.welch.numDf)}, denom df = ${fmt(r.welch.denDf)}, p-value = ${fmtP(r.welch.pValue)}\n`
            : '') +
          warningLines(r.warnings),
      )
    }
    case 'ttest': {
      const { y, g, groups } = twoGroupsOf(opts)
      const r = valueOf(
        tTest(groups[0].values, groups[1].values, {
          varEqual: opts.varEqual === true,
          alternative,
          confLevel,
          mu: numberOption('--mu', opts.mu, 0),
        }),
      )
      return emit(
        opts,
        { test: 'ttest', response: y, group: g, groups: groups.map((s) => s.name), ...r },
        () =>
          `${r.varEqual ? 'Two sample' : 'Welch two sample'} t-test: ${y} by ${g} (${groups[0].name} minus ${groups[1].name})\n` +
          groupTable(groups) +
          keyValues([
            ['t', fmt(r.statistic)],
            ['df', fmt(r.df)],
            [`p-value (${r.alternative})`, fmtP(r.pValue)],
            ['difference in means', fmt(r.meanDifference)],
            ['standard error', fmt(r.stdErr)],
            [`${Math.round(r.confLevel * 1000) / 10}% CI`, `${fmt(r.confInt[0])} to ${fmt(r.confInt[1])}`],
          ]),
      )
    }
    case 'wilcoxon': {
      const { y, g, groups } = twoGroupsOf(opts)
      const r = valueOf(
        wilcoxonRankSum(groups[0].values, groups[1].values, {
          alternative,
          confLevel,
          mu: numberOption('--mu', opts.mu, 0),
          correct: opts.correct !== false,
          exact: opts.exact === undefined ? 'auto' : opts.exact,
          confInt: opts.confInt === true,
        }),
      )
      return emit(
        opts,
        { test: 'wilcoxon', response: y, group: g, groups: groups.map((s) => s.name), ...r },
        () =>
          `${r.method}: ${y} by ${g} (${groups[0].name} vs ${groups[1].name})\n` +
          groupTable(groups) +
          keyValues([
            ['W', fmt(r.statistic)],
            [`p-value (${r.alternative})`, fmtP(r.pValue)],
            ...(r.z !== null
              ? ([
                  ['z', fmt(r.z)],
                  ['sigma (tie-corrected)', fmt(r.sigma)],
                ] as [string, string][])
              : []),
            ...(r.shift
              ? ([
                  [r.exact ? 'Hodges-Lehmann shift' : 'location shift', fmt(r.shift.estimate)],
                  [
                    `${Math.round(r.shift.confLevel * 1000) / 10}% CI`,
                    `${fmt(r.shift.confInt[0])} to ${fmt(r.shift.confInt[1])}`,
                  ],
                ] as [string, string][])
              : []),
          ]) +
          warningLines(r.warnings),
      )
    }
    case 'binom':
    case 'prop': {
      const x = numberOption('--x', requireOption(opts.x, '--x', '12'), 0)
      const n = numberOption('--n', requireOption(opts.n, '--n', '40'), 0)
      const p = numberOption('--p', opts.p, 0.5)
      if (kind === 'binom') {
        const r = valueOf(binomTest(x, n, { p, confLevel, alternative }))
        return emit(
          opts,
          { test: 'binom', x, n, p, ...r },
          () =>
            `Exact binomial test: ${x} of ${n}, null proportion ${p}\n` +
            keyValues([
              ['estimate', fmt(r.estimate)],
              [
                `${Math.round(r.confLevel * 1000) / 10}% CI (Clopper-Pearson)`,
                `${fmt(r.confInt[0])} to ${fmt(r.confInt[1])}`,
              ],
              [`p-value (${r.alternative})`, fmtP(r.pValue)],
            ]),
        )
      }
      const r = valueOf(propTest(x, n, { p, confLevel, alternative, correct: opts.correct !== false }))
      return emit(
        opts,
        { test: 'prop', x, n, p, ...r },
        () =>
          `One-sample proportion test${r.correct ? ' with continuity correction' : ''}: ${x} of ${n}, null proportion ${p}\n` +
          keyValues([
            ['estimate', fmt(r.estimate)],
            [`${Math.round(r.confLevel * 1000) / 10}% CI (Wilson)`, `${fmt(r.confInt[0])} to ${fmt(r.confInt[1])}`],
            ['X-squared (1 df)', fmt(r.statistic)],
            [`p-value (${r.alternative})`, fmtP(r.pValue)],
          ]),
      )
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Survival: km, logrank, cox

/**
 * The event indicator as 0/1: accepted codings are 0/1, 1/2 (2 = event, as R's Surv) and TRUE/FALSE.
 */
function eventValues(frame: DataFrame, name: string): Float64Array {
  const col = column(frame, name)
  if (col.kind === 'text') {
    const truth = new Map([
      ['TRUE', 1],
      ['T', 1],
      ['true', 1],
      ['FALSE', 0],
      ['F', 0],
      ['false', 0],
    ])
    const codes = col.labels.map((l) => truth.get(l))
    if (codes.every((c) => c !== undefined)) {
      const out = new Float64Array(col.codes.length)
      col.codes.forEach((c, i) => (out[i] = c < 0 ? NaN : (codes[c] as number)))
      return out
    }
  }
  const v = numericColumn(frame, name)
  let zeroOne = true
  let oneTwo = true
  let bad = NaN
  for (const x of v) {
    if (Number.isNaN(x)) continue
    if (x !== 0 && x !== 1) zeroOne = false
    if (x !== 1 && x !== 2) oneTwo = false
    if (!zeroOne && !oneTwo) {
      bad = x
      break
    }
  }
  if (zeroOne) return v
  if (oneTwo) return v.map((x) => x - 1)
  return failWith(
    frame.source,
    `column "${name}": the event indicator must be 0/1 (1 = event), 1/2 (2 = event) or TRUE/FALSE, found ${bad}`,
  )
}

interface SurvivalInput {
  readonly spec: ModelSpec
  readonly time: Float64Array
  readonly event: Float64Array
  /** Rows kept (complete in every model column). */
  readonly rows: Int32Array
  readonly frame: DataFrame
}

function survivalInput(opts: CommonOptions, example: string): SurvivalInput {
  const { spec, frame } = loadModel(opts, example)
  if (spec.response?.kind !== 'surv')
    return formulaFail(spec, spec.response?.pos ?? 0, 'the response must be Surv(time, event)')
  if (spec.random.length > 0)
    return formulaFail(spec, spec.random[0]?.pos ?? 0, 'random-effects terms are not used by survival models')
  const time = numericColumn(frame, spec.response.time)
  const event = eventValues(frame, spec.response.event)
  const rows = completeRows(
    spec.columns.map((c) => column(frame, c)),
    frame.nRows,
  )
  if (rows.length === 0)
    failWith(frame.source, `no row has a value in every column of the model (${spec.columns.join(', ')})`)
  const all = rows.length === frame.nRows
  return { spec, frame, rows, time: all ? time : pickRows(time, rows), event: all ? event : pickRows(event, rows) }
}

/** The single grouping column of km/logrank (a factor; `factor(x)` allowed), codes on the kept rows. */
function survivalGroup(input: SurvivalInput, levels: Record<string, string[]>, required: boolean): Factor | null {
  const { spec } = input
  if (spec.terms.length === 0) {
    if (required)
      formulaFail(spec, spec.source.length - 1, 'the log-rank test needs a grouping column: Surv(time, event) ~ group')
    return null
  }
  if (spec.terms.length > 1 || spec.terms[0]?.variables.length !== 1) {
    return formulaFail(
      spec,
      spec.terms[1]?.pos ?? spec.terms[0]?.pos ?? 0,
      'use one grouping column (Surv(time, event) ~ group)',
    )
  }
  const name = spec.terms[0].variables[0]?.column as string
  const f = factorColumn(input.frame, name, levels)
  return input.rows.length === input.frame.nRows ? f : pickFactorRows(f, input.rows)
}

function runKm(opts: CommonOptions & { readonly confType?: string }): void {
  const confType = (opts.confType ?? 'log') as ConfType
  if (!['log', 'log-log', 'plain'].includes(confType))
    failWith('--conf-type', `"${opts.confType}" must be log, log-log or plain`)
  const input = survivalInput(opts, 'Surv(time, status) ~ arm')
  if (input.spec.strata.length > 0)
    formulaFail(
      input.spec,
      input.spec.source.indexOf('strata'),
      'strata() is for logrank and cox; for curves by group use Surv(time, event) ~ group',
    )
  const group = survivalGroup(input, parseLevels(opts.levels), false)
  const fit = valueOf(
    kaplanMeier(input.time, input.event, group?.codes, {
      confLevel: confLevelOf(opts),
      confType,
      ...(group ? { levels: group.levels.map((_, i) => i) } : {}),
    }),
  )
  const label = (g: number | string | null): string =>
    g === null || !group ? 'all' : `${group.name}=${group.levels[Number(g)]}`
  const strata = fit.strata.map((s) => ({
    ...s,
    label: label(s.group),
    group: s.group === null || !group ? null : group.levels[Number(s.group)],
  }))
  emit(
    opts,
    { method: 'km', confType: fit.confType, confLevel: fit.confLevel, strata, warnings: fit.warnings },
    () =>
      `Kaplan-Meier estimate (${fit.confType} confidence limits, ${Math.round(fit.confLevel * 1000) / 10}%)\n` +
      table(
        ['', 'n', 'events', 'median', `${fit.confLevel}LCL`, `${fit.confLevel}UCL`],
        strata.map((s) => [s.label, s.n, s.events, s.median.estimate, s.median.lower, s.median.upper]),
      ) +
      warningLines(fit.warnings),
  )
}

function runLogrank(opts: CommonOptions): void {
  const input = survivalInput(opts, 'Surv(time, status) ~ arm')
  const levels = parseLevels(opts.levels)
  const group = survivalGroup(input, levels, true) as Factor
  const strata = input.spec.strata
  if (strata.length > 1) formulaFail(input.spec, input.spec.source.lastIndexOf('strata'), 'use one strata() column')
  const stratum =
    strata[0] !== undefined ? pickFactorRows(factorColumn(input.frame, strata[0], levels), input.rows).codes : undefined
  const r = valueOf(
    logRank(input.time, input.event, group.codes, {
      levels: group.levels.map((_, i) => i),
      ...(stratum ? { strata: stratum } : {}),
    }),
  )
  const names = r.groups.map((gv) => `${group.name}=${group.levels[Number(gv)]}`)
  emit(
    opts,
    { method: 'logrank', ...r, groups: names },
    () =>
      `Log-rank test${stratum ? ` stratified by ${strata[0]}` : ''}\n` +
      table(
        ['', 'N', 'Observed', 'Expected', '(O-E)^2/E', '(O-E)^2/V'],
        names.map((name, i) => {
          const o = r.observed[i] as number
          const e = r.expected[i] as number
          const v = r.variance[i]?.[i] as number
          return [name, r.n[i] as number, o, e, (o - e) ** 2 / e, (o - e) ** 2 / v]
        }),
      ) +
      `\n Chisq = ${fmt(r.chisq)} on ${r.df} degrees of freedom, ${pIs(r.pValue)}\n` +
      warningLines(r.warnings),
  )
}

function runCox(opts: CommonOptions & { readonly ties?: string }): void {
  const ties = (opts.ties ?? 'efron') as CoxTies
  if (ties !== 'efron' && ties !== 'breslow') failWith('--ties', `"${opts.ties}" must be efron or breslow`)
  const input = survivalInput(opts, 'Surv(time, status) ~ age + arm + strata(site)')
  if (input.spec.terms.length === 0)
    formulaFail(input.spec, input.spec.source.length - 1, 'the Cox model needs at least one covariate')
  const levels = parseLevels(opts.levels)
  // Covariates as R's coxph codes them: the model matrix without its intercept (treatment contrasts).
  const design = valueOf(buildDesignMatrix(input.frame, input.spec, { levels, dropIntercept: true }))
  const covariates: Record<string, Float64Array> = {}
  design.columns.forEach((c, j) => (covariates[c.name] = design.values[j] as Float64Array))
  const strata = input.spec.strata
  const stratum = strata.length
    ? strata.map((s) => pickFactorRows(factorColumn(input.frame, s, levels), input.rows).codes)
    : []
  const combined = stratum.length ? combineCodes(stratum, input.rows.length) : undefined
  const fit = valueOf(
    coxph(
      {
        time: input.time,
        event: input.event,
        covariates,
        covariateNames: design.columns.map((c) => c.name),
        ...(combined ? { strata: combined } : {}),
      },
      { ties, confLevel: confLevelOf(opts) },
    ),
  )
  emit(
    opts,
    { method: 'cox', ...fit },
    () =>
      `Cox proportional hazards model (${fit.ties} ties${strata.length ? `, stratified by ${strata.join(', ')}` : ''}): n = ${fit.n}, events = ${fit.nEvent}\n` +
      table(
        ['', 'coef', 'exp(coef)', 'se(coef)', 'z', 'Pr(>|z|)', `lower ${fit.confLevel}`, `upper ${fit.confLevel}`],
        fit.coefficients.map((c) => [c.term, c.coef, c.hazardRatio, c.se, c.z, fmtP(c.pValue), c.lower, c.upper]),
      ) +
      (fit.concordance
        ? `\nConcordance = ${fmt(fit.concordance.estimate, 3)} (se = ${fmt(fit.concordance.stdErr, 3)})\n`
        : '\n') +
      keyValues([
        ['Likelihood ratio test', `${fmt(fit.lrTest.statistic)} on ${fit.lrTest.df} df, ${pIs(fit.lrTest.pValue)}`],
        ['Wald test', `${fmt(fit.waldTest.statistic)} on ${fit.waldTest.df} df, ${pIs(fit.waldTest.pValue)}`],
        [
          'Score (logrank) test',
          `${fmt(fit.scoreTest.statistic)} on ${fit.scoreTest.df} df, ${pIs(fit.scoreTest.pValue)}`,
        ],
      ]) +
      warningLines(fit.warnings),
  )
}

/** One stratum code per row from several stratum columns (their combinations). */
function combineCodes(codes: readonly Int32Array[], n: number): Int32Array {
  const out = new Int32Array(n)
  const index = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const key = codes.map((c) => c[i]).join(',')
    let k = index.get(key)
    if (k === undefined) {
      k = index.size
      index.set(key, k)
    }
    out[i] = k
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Linear mixed model

function runLmm(opts: CommonOptions & { readonly ml?: boolean }): void {
  const { spec, frame } = loadModel(opts, 'score ~ time * arm + (time | subject)')
  if (spec.response?.kind !== 'variable')
    return formulaFail(spec, spec.response?.pos ?? 0, 'the response must be a numeric column')
  if (spec.strata.length > 0) formulaFail(spec, spec.source.indexOf('strata'), 'strata() is for survival models')
  if (spec.random.length !== 1) {
    return formulaFail(
      spec,
      spec.random[1]?.pos ?? spec.source.length - 1,
      'the model needs exactly one random-effects term, (1 | group) or (slope | group)',
    )
  }
  const random = spec.random[0]!
  if (
    !random.intercept ||
    !random.correlated ||
    random.terms.length > 1 ||
    (random.terms[0]?.variables.length !== undefined && random.terms[0]?.variables.length !== 1)
  ) {
    return formulaFail(
      spec,
      random.pos,
      'supported random effects: (1 | group) or (slope | group) with one numeric slope column',
    )
  }
  const levels = parseLevels(opts.levels)
  // factor(x) in a fixed term: the column is listed as a factor and the term uses the plain column name.
  for (const t of spec.terms)
    for (const v of t.variables)
      if (v.asFactor && !levels[v.column])
        levels[v.column] = valueOf(asFactor(frame, column(frame, v.column))).levels.slice()
  const columns: Record<string, ArrayLike<LmmCell>> = {}
  for (const name of spec.columns) {
    const c = column(frame, name)
    columns[name] =
      c.kind === 'numeric' ? c.values : Array.from(c.codes, (k) => (k < 0 ? null : (c.labels[k] as string)))
  }
  const slope = random.terms[0]?.variables[0]?.column
  const fit = valueOf(
    fitLmm(
      { columns },
      {
        response: spec.response.column,
        fixed: spec.terms.map((t) => t.variables.map((v) => v.column).join(':')),
        intercept: spec.intercept,
        random: { group: random.group, ...(slope !== undefined ? { slope } : {}) },
        reml: opts.ml !== true,
        factorLevels: levels,
      },
    ),
  )
  // F tests for the terms not contained in an interaction (a marginal term's type-3 test depends on the
  // coding of the factors it interacts with, so it is not reported).
  const varsOf = (t: string): string[] => t.split(':')
  const topTerms = fit.design.terms.filter(
    (t) => !fit.design.terms.some((u) => u !== t && varsOf(t).every((v) => varsOf(u).includes(v))),
  )
  const fTests = topTerms.map((term) => valueOf(lmmFTest(fit, term)))
  const f = fit.fixed
  const re = fit.random
  emit(
    opts,
    { method: 'lmm', formula: spec.source, ...fit, fTests },
    () =>
      `Linear mixed model fit by ${fit.reml ? 'REML' : 'maximum likelihood'} (Satterthwaite df): ${spec.source}\n` +
      keyValues([
        [fit.reml ? 'REML criterion' : 'deviance', fmt(fit.reml ? fit.remlCriterion : fit.devianceMl, 6)],
        ['logLik', fmt(fit.logLik, 6)],
        ['AIC, BIC', `${fmt(fit.aic, 6)}, ${fmt(fit.bic, 6)}`],
        ['observations', `${fit.nObs} (${re.nLevels} levels of ${re.group})`],
      ]) +
      '\nRandom effects\n' +
      table(
        ['group', 'name', 'variance', 'sd', ...(re.terms.length > 1 ? ['corr'] : [])],
        [
          ...re.terms.map((name, i) => [
            i === 0 ? re.group : '',
            name,
            re.variance[i] as number,
            re.sd[i] as number,
            ...(re.terms.length > 1 ? [i === 0 ? '' : (re.correlation[i]?.[0] as number)] : []),
          ]),
          ['Residual', '', fit.residualVariance, fit.residualSd, ...(re.terms.length > 1 ? [''] : [])],
        ],
      ) +
      '\nFixed effects\n' +
      table(
        ['', 'Estimate', 'Std. Error', 'df', 't value', 'Pr(>|t|)'],
        f.terms.map((name, i) => [
          name,
          f.estimate[i] as number,
          f.se[i] as number,
          f.df[i] as number,
          f.t[i] as number,
          fmtP(f.p[i] as number),
        ]),
      ) +
      '\nF tests of the highest-order terms (Satterthwaite)\n' +
      table(
        ['', 'NumDF', 'DenDF', 'F value', 'Pr(>F)'],
        fTests.map((t) => [t.term, t.numDf, t.denDf, t.F, fmtP(t.p)]),
      ) +
      warningLines(fit.warnings),
  )
}

// ---------------------------------------------------------------------------------------------------------------
// trialdesk stats verify <dir>

function runVerify(dir: string): void {
  const report = runCaseDirectory(dir, oracleCheckers)
  if (!report.ok) fail(report.problems)
  for (const o of report.value.outcomes) process.stdout.write(`${formatOutcome(o)}\n`)
  process.stdout.write(`${formatSummary(report.value)}\n`)
  if (report.value.failed > 0) throw new CliExit(ExitCode.Failure)
}

// ---------------------------------------------------------------------------------------------------------------

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

function withCommonOptions(cmd: Command, formulaExample: string): Command {
  return cmd
    .option('--data <file>', 'CSV file (header line; empty or NA = missing)')
    .option('--formula <formula>', `model formula, e.g. "${formulaExample}"`)
    .option('--levels <column=levels>', 'factor levels, first = reference, e.g. arm=P,D1,D2,D4 (repeatable)', collect)
    .option('--conf-level <level>', 'confidence level (default 0.95)')
    .option('--json', 'machine-readable JSON output')
}

export function registerStatsCommands(program: Command): void {
  const stats = program
    .command('stats')
    .description('statistics on CSV data with R-style formulas (results as R computes them)')

  withCommonOptions(
    stats
      .command('test')
      .description('classical tests: fisher, chisq, kruskal, wilcoxon, anova, ttest, binom, prop')
      .argument('<test>', TEST_KINDS.join('|')),
    'score ~ arm',
  )
    .option('--table <counts>', 'contingency table for fisher/chisq, rows separated by ";", e.g. "12,5;3,9"')
    .option('--alternative <h1>', 'two.sided (default), less or greater')
    .option('--var-equal', 'ttest: pooled variance (Student) instead of Welch')
    .option('--no-correct', 'chisq/wilcoxon/prop: no continuity correction')
    .option('--exact', 'wilcoxon: exact p-value (no ties)')
    .option('--no-exact', 'wilcoxon: normal approximation')
    .option('--conf-int', 'wilcoxon: location shift estimate and confidence interval')
    .option('--mu <value>', 'ttest/wilcoxon: difference under the null hypothesis (default 0)')
    .option('--x <successes>', 'binom/prop: number of successes')
    .option('--n <trials>', 'binom/prop: number of trials')
    .option('--p <p0>', 'binom/prop: null proportion (default 0.5)')
    .action((test: string, opts: TestOptions) => runTest(test, opts))

  withCommonOptions(
    stats.command('km').description('Kaplan-Meier curves with median survival'),
    'Surv(time, status) ~ arm',
  )
    .option('--conf-type <type>', 'log (default, as R), log-log or plain')
    .action((opts: CommonOptions & { confType?: string }) => runKm(opts))

  withCommonOptions(
    stats.command('logrank').description('log-rank test (optionally + strata(x))'),
    'Surv(time, status) ~ arm',
  ).action((opts: CommonOptions) => runLogrank(opts))

  withCommonOptions(
    stats.command('cox').description('Cox proportional hazards model'),
    'Surv(time, status) ~ age + arm + strata(site)',
  )
    .option('--ties <method>', 'efron (default) or breslow')
    .action((opts: CommonOptions & { ties?: string }) => runCox(opts))

  withCommonOptions(
    stats.command('lmm').description('linear mixed model (REML; Satterthwaite df)'),
    'score ~ time * arm + (time | subject)',
  )
    .option('--ml', 'maximum likelihood instead of REML')
    .action((opts: CommonOptions & { ml?: boolean }) => runLmm(opts))

  stats
    .command('verify')
    .description('run every reference case (*.json) in a directory against the engine; exit 1 if any fails')
    .argument('<dir>', 'directory of reference cases')
    .action((dir: string) => runVerify(dir))
}
