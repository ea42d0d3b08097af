/**
 * Restricted mean survival time: the area under the Kaplan-Meier curve from 0 to tau, with the variance R prints
 * for `print(fit, rmean = tau)` (survmean: a Greenwood-type sum over event times, without a small-sample factor).
 */
import type { KaplanMeierFit } from './kaplan-meier.ts'
import type { GroupValue, SurvivalResult } from './survival-types.ts'

export interface RmstEstimate {
  readonly label: string
  readonly group: GroupValue | null
  /** Truncation time, in the time unit of the data. */
  readonly tau: number
  /** Restricted mean survival time up to tau (R's `rmean`). */
  readonly rmst: number
  /** Its standard error (R's `se(rmean)`). */
  readonly se: number
}

/**
 * Restricted mean survival time of every curve of a Kaplan-Meier fit, up to `tau` (R: `print(fit, rmean = tau)`).
 * When tau is past a curve's last time the curve is extended flat. R refuses a tau below the smallest observed
 * time of the fit, and so does this function (an `out_of_range` problem).
 *
 * @example
 * const km = kaplanMeier(time, event, arm)
 * if (km.ok) {
 *   const r = rmst(km.value, 365)
 *   if (r.ok) r.value.map((s) => `${s.label}: ${s.rmst.toFixed(1)} (SE ${s.se.toFixed(1)}) days`)
 * }
 */
export function rmst(fit: KaplanMeierFit, tau: number): SurvivalResult<readonly RmstEstimate[]> {
  let minTime = Infinity
  for (const c of fit.strata) if (c.time.length > 0 && (c.time[0] as number) < minTime) minTime = c.time[0] as number
  if (!Number.isFinite(tau) || tau < minTime) {
    return {
      ok: false,
      problems: [
        { code: 'out_of_range', path: 'tau', message: `tau must be a finite time >= the smallest time (${minTime})` },
      ],
    }
  }
  // R's start.time: min(0, times); times are validated non-negative, so the area starts at 0
  const start = 0
  return {
    ok: true,
    value: fit.strata.map((c) => {
      let keep = 0
      while (keep < c.time.length && (c.time[keep] as number) <= tau) keep++
      // rectangles: (t_1 - start) * 1, then (t_{j+1} - t_j) * S(t_j), the last one ending at tau
      const rect: number[] = []
      let prevTime = start
      let prevSurv = 1
      for (let j = 0; j < keep; j++) {
        const tj = c.time[j] as number
        rect.push((tj - prevTime) * prevSurv)
        prevTime = tj
        prevSurv = c.surv[j] as number
      }
      rect.push((tau - prevTime) * prevSurv)
      let area = 0
      for (const r of rect) area += r
      // variance: sum over kept times j of (area from t_j to tau)^2 * d_j / (n_j (n_j - d_j)), 0 when n_j = d_j
      let variance = 0
      let tail = 0
      for (let j = keep - 1; j >= 0; j--) {
        tail += rect[j + 1] as number
        const nr = c.nRisk[j] as number
        const d = c.nEvent[j] as number
        const h = nr - d === 0 ? 0 : d / (nr * (nr - d))
        variance += tail * tail * h
      }
      return { label: c.label, group: c.group, tau, rmst: area + start, se: Math.sqrt(variance) }
    }),
  }
}
