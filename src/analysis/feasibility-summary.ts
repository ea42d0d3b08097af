/**
 * Feasibility of the procedure (pooled over arms, so it is the same blinded or not): tissue extraction success and
 * amount, manufacturing release and yield, infusions completed per protocol, dose deviations, infusion reactions,
 * and the time from extraction to the first infusion.
 */
import type { IsoDate } from '../domain/index.ts'
import { daysBetween } from '../instruments/index.ts'
import type { Feasibility } from './analysis-results.ts'
import { describeValues } from './describe.ts'
import type { PlanContext } from './plan-context.ts'
import { countReasons, percent } from './plan-context.ts'

/** A dose given more than this fraction away from the prescribed dose is a deviation. */
const DOSE_TOLERANCE = 0.1

export function feasibilitySummary(ctx: PlanContext): Feasibility {
  const feas = ctx.data.adfeas
  const started = feas.filter((r) => r.released !== null)
  const released = started.filter((r) => r.released === true)
  const failed = started.filter((r) => r.released === false)
  const sufficient = feas.filter((r) => r.extraction_ok).length
  const adex = ctx.data.adex
  const completed = adex.filter((r) => r.completed).length
  const dosed = adex.filter((r) => r.dose_given !== null && r.dose_prescribed !== null)
  const deviations = ctx.blinded
    ? null
    : dosed.filter((r) => {
        const prescribed = r.dose_prescribed as number
        const given = r.dose_given as number
        return prescribed > 0 ? Math.abs(given - prescribed) / prescribed > DOSE_TOLERANCE : given > 0
      }).length
  return {
    extraction: {
      attempted: feas.length,
      sufficient,
      pct: percent(sufficient, feas.length),
      adiposeG: describeValues(feas.map((r) => r.adipose_g)),
      lipoaspirateMl: describeValues(feas.map((r) => r.lipoaspirate_ml)),
    },
    manufacturing: {
      started: started.length,
      released: released.length,
      failed: failed.length,
      pctReleased: percent(released.length, started.length),
      failureReasons: countReasons(failed.map((r) => r.failure_reason)),
      cellCount: describeValues(started.map((r) => r.cell_count)),
      viability: describeValues(started.map((r) => r.viability)),
    },
    infusion: {
      given: adex.length,
      completedPerProtocol: completed,
      pctCompleted: percent(completed, adex.length),
      doseDeviations: {
        n: deviations,
        definition: `total dose given differs from the dose prescribed by more than ${DOSE_TOLERANCE * 100} %`,
      },
      reactions: adex.filter((r) => r.reaction).length,
      byPeriod: ctx.protocol.periods
        .filter((p) => adex.some((r) => r.period === p.id))
        .map((p) => ({
          period: p.id,
          given: adex.filter((r) => r.period === p.id).length,
          completedPerProtocol: adex.filter((r) => r.period === p.id && r.completed).length,
        })),
    },
    extractionToInfusionDays: describeValues(
      feas.map((r) =>
        r.extraction_date !== null && r.first_infusion_date !== null
          ? daysBetween(r.extraction_date as IsoDate, r.first_infusion_date as IsoDate)
          : null,
      ),
    ),
  }
}
