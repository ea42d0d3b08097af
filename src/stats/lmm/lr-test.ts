/**
 * Likelihood-ratio test of nested mixed models fitted by ML, as `anova(reduced, full)` in lme4.
 */
import { chisqSf } from '../distributions.ts'
import type { LmmFit, LmmLrTestResult, LmmResult } from './lmm-types.ts'

const fail = (path: string, message: string): LmmResult<never> => ({
  ok: false,
  problems: [{ code: 'invalid', path, message }],
})

/**
 * LR test of `reduced` against `full`: statistic 2 (logLik full - logLik reduced) (clipped at 0, as lme4 does),
 * df = difference in parameter counts, upper chi-square tail. Both fits must be ML (`reml: false`): REML
 * likelihoods of models with different fixed effects are not comparable. Nesting itself cannot be checked from the
 * fits; the caller guarantees it.
 *
 * @example
 * ```ts
 * const spec = { response: 'y', random: { group: 'id', slope: 't' }, reml: false }
 * const full = fitLmm(data, { ...spec, fixed: ['t*arm'] })
 * const reduced = fitLmm(data, { ...spec, fixed: ['t', 'arm'] })
 * if (full.ok && reduced.ok) {
 *   const lr = lrTest(full.value, reduced.value)
 *   if (lr.ok) console.log(lr.value.statistic, lr.value.df, lr.value.p)
 * }
 * ```
 */
export function lrTest(full: LmmFit, reduced: LmmFit): LmmResult<LmmLrTestResult> {
  if (full.reml || reduced.reml)
    return fail(full.reml ? 'full' : 'reduced', 'LR tests of fixed effects need ML fits: refit with reml: false')
  if (full.nObs !== reduced.nObs || full.response !== reduced.response) {
    return fail(
      'reduced',
      `the models were fitted to different data (${full.response}, n = ${full.nObs} vs ${reduced.response}, n = ${reduced.nObs})`,
    )
  }
  const df = full.nParams - reduced.nParams
  if (df <= 0)
    return fail('reduced', `the reduced model must have fewer parameters (${reduced.nParams} vs ${full.nParams})`)
  const statistic = 2 * Math.max(0, full.logLik - reduced.logLik)
  return {
    ok: true,
    value: { logLikFull: full.logLik, logLikReduced: reduced.logLik, statistic, df, p: chisqSf(statistic, df) },
  }
}
