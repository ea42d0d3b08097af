/** The protocol's multiplicity adjustment of active-vs-control p-values, applied by the stats engine (R's p.adjust). */
import type { Endpoints } from '../domain/index.ts'
import { pAdjust } from '../stats/index.ts'

const R_METHOD = { holm: 'holm', bonferroni: 'bonferroni', 'benjamini-hochberg': 'BH' } as const

/** Adjusted p-values in input order, per `endpoints.multiplicity` (`none`: the p-values themselves). */
export function adjustForMultiplicity(p: readonly number[], method: Endpoints['multiplicity']): number[] {
  return method === 'none' ? [...p] : pAdjust(p, R_METHOD[method])
}
