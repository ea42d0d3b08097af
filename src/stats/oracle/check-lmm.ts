/**
 * Oracle checker for `lmm` cases: reads the lmer formulas of the case, fits the model with `fitLmm` and returns an
 * object with the keys and nesting of `expected` (see shared/oracle/README.md, section `lmm`). Optional keys
 * `marginal_slopes` and `slope_contrasts` (our extra cases: lmerTest::contest on emtrends-style contrasts) are
 * computed when the case has them.
 */
import { emmeansSlopes, fitLmm, lmmFTest, lrTest, slopeContrasts } from '../lmm/index.ts'
import type { LmmFit, LmmSpec } from '../lmm/index.ts'
import type { OracleCase, OracleChecker } from './oracle-case.ts'

interface Formula {
  readonly response: string
  readonly fixed: readonly string[]
  readonly intercept: boolean
  readonly random: LmmSpec['random'] | null
}

/** Reads `y ~ a * b + c + (t | g)`: enough R formula for the oracle's lmer calls. */
function readFormula(text: string): Formula {
  const [lhs, rhs] = text.split('~').map((s) => s.trim())
  if (!lhs || rhs === undefined) throw new Error(`cannot read formula "${text}"`)
  let random: Formula['random'] = null
  const fixedText = rhs.replace(/\(([^|()]+)\|([^()]+)\)/g, (_, slope: string, group: string) => {
    const s = slope.trim().replace(/^1\s*\+\s*/, '')
    random = s === '1' ? { group: group.trim() } : { group: group.trim(), slope: s }
    return ''
  })
  let intercept = true
  const fixed: string[] = []
  for (const raw of fixedText.replace(/-\s*1\b/g, '+ 0').split('+')) {
    const term = raw.trim()
    if (term === '' || term === '1') continue
    if (term === '0') intercept = false
    else fixed.push(term)
  }
  return { response: lhs, fixed, intercept, random }
}

/** The formula inside an `lmer(<formula>, data = d, ...)` call. */
function formulaOfCall(call: string): string {
  const m = /lmer\(\s*(.+?),\s*data\s*=/.exec(call)
  if (!m?.[1]) throw new Error(`cannot read lmer call "${call}"`)
  return m[1]
}

function fit(c: OracleCase, formula: Formula, random: LmmSpec['random']): LmmFit {
  const options = c.options as { reml?: boolean; factor_levels?: Record<string, string[]> }
  const spec: LmmSpec = {
    response: formula.response,
    fixed: formula.fixed,
    intercept: formula.intercept,
    random,
    reml: options.reml ?? true,
    ...(options.factor_levels ? { factorLevels: options.factor_levels } : {}),
  }
  const r = fitLmm(c.input as unknown as Parameters<typeof fitLmm>[0], spec)
  if (!r.ok) throw new Error(`${c.id}: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`)
  return r.value
}

function unwrap<T>(r: { ok: true; value: T } | { ok: false; problems: readonly { message: string }[] }): T {
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '))
  return r.value
}

interface SlopeExpectation {
  readonly time: string
  readonly by: string
  readonly reference?: string
}

export const lmmChecker: OracleChecker = {
  method: 'lmm',
  informational: ['theta_lme4'],
  compute(c: OracleCase): unknown {
    const options = c.options as { fixed_formula: string; random_formula: string }
    const expected = c.expected as {
      f_tests_satterthwaite?: { term: string }[]
      lr_test_vs_reduced?: { r_call_reduced: string }
      marginal_slopes?: SlopeExpectation
      slope_contrasts?: SlopeExpectation
    }
    const formula = readFormula(`${options.fixed_formula} + ${options.random_formula}`)
    if (formula.random === null) throw new Error(`${c.id}: no random term in "${options.random_formula}"`)
    const f = fit(c, formula, formula.random)
    const out: Record<string, unknown> = {
      reml: f.reml,
      n_obs: f.nObs,
      fixed: {
        terms: f.fixed.terms,
        estimate: f.fixed.estimate,
        se: f.fixed.se,
        t: f.fixed.t,
        df_satterthwaite: f.fixed.df,
        p_satterthwaite: f.fixed.p,
      },
      vcov_fixed: f.vcov,
      random: [
        {
          group: f.random.group,
          n_levels: f.random.nLevels,
          terms: f.random.terms,
          covariance: f.random.covariance,
          variance: f.random.variance,
          sd: f.random.sd,
          correlation: f.random.correlation,
        },
      ],
      residual_variance: f.residualVariance,
      residual_sd: f.residualSd,
      loglik: f.logLik,
      n_params: f.nParams,
      aic: f.aic,
      bic: f.bic,
      reml_criterion: f.remlCriterion,
      deviance_ml: f.devianceMl,
      theta_lme4: f.theta,
      f_tests_satterthwaite: (expected.f_tests_satterthwaite ?? []).map(({ term }) => {
        const t = unwrap(lmmFTest(f, term))
        return { term, num_df: t.numDf, den_df: t.denDf, F: t.F, p_value: t.p }
      }),
      ranef_conditional_modes: [
        {
          group: f.ranef.group,
          levels: f.ranef.levels,
          ...Object.fromEntries(f.random.terms.map((name, j) => [name, f.ranef.values[j]])),
        },
      ],
    }
    if (expected.lr_test_vs_reduced) {
      const call = expected.lr_test_vs_reduced.r_call_reduced
      const reducedFormula = readFormula(formulaOfCall(call))
      const reduced = fit(c, reducedFormula, reducedFormula.random ?? formula.random)
      const lr = unwrap(lrTest(f, reduced))
      out['lr_test_vs_reduced'] = {
        r_call_reduced: call,
        loglik_reduced: lr.logLikReduced,
        statistic: lr.statistic,
        df: lr.df,
        p_value: lr.p,
      }
    }
    if (expected.marginal_slopes) {
      const { time, by } = expected.marginal_slopes
      const slopes = unwrap(emmeansSlopes(f, { time, by }))
      out['marginal_slopes'] = {
        time,
        by,
        levels: slopes.map((s) => s.level),
        ...columnsOf(slopes),
      }
    }
    if (expected.slope_contrasts) {
      const { time, by, reference } = expected.slope_contrasts
      const contrasts = unwrap(slopeContrasts(f, { time, by, ...(reference === undefined ? {} : { reference }) }))
      out['slope_contrasts'] = {
        time,
        by,
        reference: contrasts[0]?.reference ?? reference,
        levels: contrasts.map((s) => s.level),
        ...columnsOf(contrasts),
      }
    }
    return out
  },
}

function columnsOf(
  rows: readonly { estimate: number; se: number; df: number; t: number; p: number; lower: number; upper: number }[],
) {
  return {
    estimate: rows.map((r) => r.estimate),
    se: rows.map((r) => r.se),
    df: rows.map((r) => r.df),
    t: rows.map((r) => r.t),
    p_value: rows.map((r) => r.p),
    lower: rows.map((r) => r.lower),
    upper: rows.map((r) => r.upper),
  }
}
