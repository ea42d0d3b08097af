/**
 * Oracle checkers for the classical tests (`fisher`, `chisq`, `kruskal`, `wilcoxon`, `anova1`, `ttest`,
 * `binom_exact`, `wilson`): each reads a case's input and options, calls the engine as the case's `r_call` calls
 * R, and lays the result out as the README's `expected` keys. Data-frame cases use `options.formula`
 * (`y ~ g`; else the first two columns), `options.factor_levels` for the level order, and drop rows with a
 * missing value in y or g (R's na.omit). A failed engine call throws: for a reference case it is a defect.
 */
import { asFactor, frameFromArrays, getColumn, numericValues, splitByFactor, type StatsResult } from '../data/index.ts'
import { parseModel } from '../formula/index.ts'
import {
  binomTest,
  chisqTest,
  fisherExact,
  kruskalWallis,
  oneWayAnova,
  propTest,
  tTest,
  wilcoxonRankSum,
  type Alternative,
} from '../tests/index.ts'
import type { OracleCase, OracleChecker } from './oracle-case.ts'

function unwrap<T>(r: StatsResult<T>, id: string): T {
  if (!r.ok) throw new Error(`${id}: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`)
  return r.value
}

function tableOf(c: OracleCase): number[][] {
  const t = c.input['table']
  if (!Array.isArray(t)) throw new Error(`${c.id}: input has no table`)
  return t as number[][]
}

/** A logical option from `options`, else from the named argument of `r_call` (e.g. `correct = FALSE`), else undefined. */
function optionalFlag(c: OracleCase, option: string, rArgument: string): boolean | undefined {
  const v = c.options[option]
  if (typeof v === 'boolean') return v
  const m = new RegExp(`\\b${rArgument.replace('.', '\\.')}\\s*=\\s*(TRUE|FALSE|T|F)\\b`).exec(c.r_call ?? '')
  return m ? m[1] === 'TRUE' || m[1] === 'T' : undefined
}

function flag(c: OracleCase, option: string, rArgument: string, fallback: boolean): boolean {
  return optionalFlag(c, option, rArgument) ?? fallback
}

/** A number from `options`, else from the named argument of `r_call` (e.g. `conf.level = 0.9`). */
function numberOption(c: OracleCase, option: string, rArgument: string, fallback: number): number {
  const v = c.options[option]
  if (typeof v === 'number') return v
  const m = new RegExp(`\\b${rArgument.replace('.', '\\.')}\\s*=\\s*(-?[0-9.eE+-]+)`).exec(c.r_call ?? '')
  return m && Number.isFinite(Number(m[1])) ? Number(m[1]) : fallback
}

/** `options.alternative`, else the `alternative = "..."` argument of `r_call`, else two-sided. */
function alternativeOf(c: OracleCase): Alternative {
  const v = c.options['alternative'] ?? /\balternative\s*=\s*"(\w+)"/.exec(c.r_call ?? '')?.[1]
  return v === 'less' || v === 'greater' ? v : 'two.sided'
}

/** y and g of a `y ~ g` case, with the groups in factor-level order (rows missing y or g left out). */
function groupedSamples(c: OracleCase): { name: string; values: Float64Array }[] {
  const columns = c.input['columns'] as Record<string, readonly unknown[]> | undefined
  if (!columns) throw new Error(`${c.id}: input has no columns`)
  const frame = unwrap(frameFromArrays(columns, c.id), c.id)
  let yName = frame.names[0] as string
  let gName = frame.names[1] as string
  const formula = c.options['formula']
  if (typeof formula === 'string') {
    const spec = unwrap(parseModel(formula), c.id)
    if (spec.response?.kind !== 'variable' || spec.terms.length !== 1)
      throw new Error(`${c.id}: expected a formula y ~ g, got ${formula}`)
    yName = spec.response.column
    gName = spec.terms[0]?.variables[0]?.column as string
  }
  const y = unwrap(numericValues(frame, unwrap(getColumn(frame, yName), c.id)), c.id)
  const levels = (c.options['factor_levels'] as Record<string, string[]> | undefined)?.[gName]
  const g = unwrap(asFactor(frame, unwrap(getColumn(frame, gName), c.id), levels), c.id)
  return splitByFactor(y, g)
}

/** The two groups of a two-sample case (levels without data dropped first, as R's factor() does). */
function twoGroups(c: OracleCase): [{ name: string; values: Float64Array }, { name: string; values: Float64Array }] {
  const groups = groupedSamples(c).filter((g) => g.values.length > 0)
  if (groups.length !== 2)
    throw new Error(`${c.id}: the grouping factor must have exactly 2 levels with data, found ${groups.length}`)
  return groups as [{ name: string; values: Float64Array }, { name: string; values: Float64Array }]
}

const fisherChecker: OracleChecker = {
  method: 'fisher',
  compute(c) {
    const r = unwrap(
      fisherExact(tableOf(c), {
        alternative: alternativeOf(c),
        confLevel: numberOption(c, 'conf_level', 'conf.level', 0.95),
      }),
      c.id,
    )
    if (r.kind === 'rxc') return { p_value: r.pValue }
    return {
      p_value: r.pValue,
      odds_ratio_cond_mle: r.oddsRatio,
      or_conf_int: r.confInt,
      conf_level: r.confLevel,
      p_value_less: r.pValueLess,
      p_value_greater: r.pValueGreater,
    }
  },
}

const chisqChecker: OracleChecker = {
  method: 'chisq',
  compute(c) {
    const r = unwrap(chisqTest(tableOf(c), { correct: flag(c, 'correct', 'correct', true) }), c.id)
    return {
      statistic: r.statistic,
      df: r.df,
      p_value: r.pValue,
      yates_applied: r.yatesApplied,
      expected: r.expected,
      residuals_pearson: r.residualsPearson,
      residuals_std: r.residualsStd,
    }
  },
}

const kruskalChecker: OracleChecker = {
  method: 'kruskal',
  compute(c) {
    const r = unwrap(kruskalWallis(groupedSamples(c)), c.id)
    return {
      statistic: r.statistic,
      df: r.df,
      p_value: r.pValue,
      groups: r.groups,
      n: r.n,
      rank_sum: r.rankSum,
      n_used: r.nUsed,
    }
  },
}

const wilcoxonChecker: OracleChecker = {
  method: 'wilcoxon',
  compute(c) {
    const [g1, g2] = twoGroups(c)
    const r = unwrap(
      wilcoxonRankSum(g1.values, g2.values, {
        alternative: alternativeOf(c),
        mu: numberOption(c, 'mu', 'mu', 0),
        correct: flag(c, 'correct', 'correct', true),
        exact: optionalFlag(c, 'exact', 'exact') ?? 'auto',
        confInt: flag(c, 'conf_int', 'conf.int', false),
        confLevel: numberOption(c, 'conf_level', 'conf.level', 0.95),
      }),
      c.id,
    )
    return {
      statistic_W: r.statistic,
      p_value: r.pValue,
      exact: r.exact,
      continuity_correction: r.continuityCorrection,
      groups: [g1.name, g2.name],
      n: [r.nX, r.nY],
      method: r.method,
      ...(r.z !== null ? { z: r.z, sigma_tie_corrected: r.sigma } : {}),
      ...(r.shift
        ? { hodges_lehmann_estimate: r.shift.estimate, conf_int: r.shift.confInt, conf_level: r.shift.confLevel }
        : {}),
    }
  },
}

const anovaChecker: OracleChecker = {
  method: 'anova1',
  compute(c) {
    const r = unwrap(oneWayAnova(groupedSamples(c)), c.id)
    return {
      df_between: r.dfBetween,
      df_within: r.dfWithin,
      ss_between: r.ssBetween,
      ss_within: r.ssWithin,
      ms_between: r.msBetween,
      ms_within: r.msWithin,
      F: r.F,
      p_value: r.pValue,
      groups: r.groups,
      n: r.n,
      means: r.means,
      sds: r.sds,
      welch: r.welch ? { F: r.welch.F, num_df: r.welch.numDf, den_df: r.welch.denDf, p_value: r.welch.pValue } : null,
    }
  },
}

const tTestChecker: OracleChecker = {
  method: 'ttest',
  compute(c) {
    const [g1, g2] = twoGroups(c)
    const r = unwrap(
      tTest(g1.values, g2.values, {
        varEqual: flag(c, 'var_equal', 'var.equal', false),
        alternative: alternativeOf(c),
        confLevel: numberOption(c, 'conf_level', 'conf.level', 0.95),
        mu: numberOption(c, 'mu', 'mu', 0),
      }),
      c.id,
    )
    return {
      statistic_t: r.statistic,
      df: r.df,
      p_value: r.pValue,
      conf_int: r.confInt,
      conf_level: r.confLevel,
      mean_group1: r.meanX,
      mean_group2: r.meanY,
      mean_difference: r.meanDifference,
      std_err: r.stdErr,
      var_equal: r.varEqual,
      alternative: r.alternative,
    }
  },
}

/** The per-position arrays of a proportion case. */
function proportionCases(c: OracleCase): { x: number; n: number; p0: number; confLevel: number }[] {
  const arr = (k: string): number[] => {
    const v = c.input[k]
    if (!Array.isArray(v)) throw new Error(`${c.id}: input has no ${k} array`)
    return v as number[]
  }
  const x = arr('x')
  const n = arr('n')
  const p0 = arr('p0')
  const cl = arr('conf_level')
  return x.map((xi, i) => ({ x: xi, n: n[i] as number, p0: p0[i] as number, confLevel: cl[i] as number }))
}

const binomChecker: OracleChecker = {
  method: 'binom_exact',
  compute(c) {
    const rs = proportionCases(c).map((k) =>
      unwrap(binomTest(k.x, k.n, { p: k.p0, confLevel: k.confLevel, alternative: alternativeOf(c) }), c.id),
    )
    return {
      estimate: rs.map((r) => r.estimate),
      lower: rs.map((r) => r.confInt[0]),
      upper: rs.map((r) => r.confInt[1]),
      p_value: rs.map((r) => r.pValue),
    }
  },
}

const wilsonChecker: OracleChecker = {
  method: 'wilson',
  compute(c) {
    const correct = flag(c, 'correct', 'correct', true)
    const rs = proportionCases(c).map((k) =>
      unwrap(propTest(k.x, k.n, { p: k.p0, confLevel: k.confLevel, correct, alternative: alternativeOf(c) }), c.id),
    )
    return {
      estimate: rs.map((r) => r.estimate),
      lower: rs.map((r) => r.confInt[0]),
      upper: rs.map((r) => r.confInt[1]),
      statistic_chisq: rs.map((r) => r.statistic),
      p_value: rs.map((r) => r.pValue),
    }
  },
}

/** The checkers of the classical tests, one per oracle method. */
export const testCheckers: readonly OracleChecker[] = [
  fisherChecker,
  chisqChecker,
  kruskalChecker,
  wilcoxonChecker,
  anovaChecker,
  tTestChecker,
  binomChecker,
  wilsonChecker,
]
