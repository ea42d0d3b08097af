/**
 * The blinded extraction: every arm replaced by one code (`BLINDED`), every dose removed, and the re-allocation
 * flags made identical for everyone entering an allocation period (in a blinded crossover, who was re-allocated
 * tells who was on the control arm). Nothing arm-specific survives, so no analysis of a blinded extraction can
 * split efficacy or safety by arm, whatever it does.
 */
import type { ProtocolFile } from '../domain/index.ts'
import type { AnalysisDatasets } from './analysis-datasets.ts'
import { BLINDED_ARM } from './analysis-datasets.ts'

/** The datasets as a blinded role may see them. Idempotent. */
export function blindDatasets(datasets: AnalysisDatasets, protocol: ProtocolFile): AnalysisDatasets {
  const allocationPeriods = new Set(protocol.periods.filter((p) => p.allocation !== undefined).map((p) => p.id))
  const code = (arm: string | null): string | null => (arm === null ? null : BLINDED_ARM)
  return {
    meta: { ...datasets.meta, blinded: true },
    adsl: datasets.adsl.map((r) => ({ ...r, arm: BLINDED_ARM, later_arms: r.later_arms.map(code) })),
    adqs: datasets.adqs.map((r) => ({ ...r, arm: BLINDED_ARM })),
    adtte: datasets.adtte.map((r) => ({ ...r, arm: BLINDED_ARM })),
    adae: datasets.adae.map((r) => ({
      ...r,
      arm: BLINDED_ARM,
      arm_at_onset: code(r.arm_at_onset),
      dose_at_onset: null,
    })),
    adex: datasets.adex.map((r) => ({
      ...r,
      arm_received: BLINDED_ARM,
      dose_per_kg: null,
      dose_unit: null,
      dose_prescribed: null,
      dose_given: null,
    })),
    adfeas: datasets.adfeas,
    adds: datasets.adds.map((r) => ({ ...r, arm: BLINDED_ARM, allocated: allocationPeriods.has(r.period) })),
    adscr: datasets.adscr,
  }
}
