/**
 * ECAS (Abrahams S et al. ALS FTD 2014;15:9; cut-offs Niven E et al. ALS FTD 2015;16:172): domain scores are
 * entered from the licensed paper form; the ALS-specific, ALS non-specific and total scores are sums of their
 * domains from instruments.json, each flagged abnormal at or below its cut-off. Protocols may replace the
 * published screening cut-offs with age- and education-adjusted norms.
 */
import { ProblemCode, type Problem } from '../domain/index.ts'
import { InstrumentId, instrumentSpec, type CognitiveScreen } from './instrument-data.ts'

export interface EcasScore {
  /** Sum of each total's domains (`alsSpecific`, `alsNonSpecific`, `total`); null unless all are entered. */
  readonly totals: Readonly<Record<string, number | null>>
  /** Whether each total is at or below its cut-off; null when the total is. */
  readonly abnormal: Readonly<Record<string, boolean | null>>
  /** The cut-offs applied (published, or the protocol's overrides). */
  readonly cutoffs: Readonly<Record<string, number>>
}

/** The ECAS definition from instruments.json. */
export function ecasSpec(): CognitiveScreen {
  return instrumentSpec(InstrumentId.Ecas, 'cognitiveScreen')
}

/** Problems with cut-off overrides: each key must name an ECAS total and lie within its range. */
export function ecasCutoffProblems(cutoffs: Readonly<Record<string, number>>, path: string): Problem[] {
  const totals = ecasSpec().totals
  return Object.entries(cutoffs).flatMap(([id, value]): Problem[] => {
    const total = totals.find((t) => t.id === id)
    if (!total) {
      return [
        {
          code: ProblemCode.Invalid,
          path: `${path}.${id}`,
          message: `unknown ECAS total "${id}" (expected ${totals.map((t) => t.id).join(', ')})`,
        },
      ]
    }
    if (value < total.min || value > total.max) {
      return [
        {
          code: ProblemCode.OutOfRange,
          path: `${path}.${id}`,
          message: `must be between ${total.min} and ${total.max}`,
        },
      ]
    }
    return []
  })
}

/** Scores domain values (keyed by domain id, already range-checked) with optional cut-off overrides. */
export function scoreEcas(
  domains: Readonly<Record<string, unknown>>,
  cutoffOverrides: Readonly<Record<string, number>> = {},
): EcasScore {
  const spec = ecasSpec()
  const totals: Record<string, number | null> = {}
  const abnormal: Record<string, boolean | null> = {}
  const cutoffs: Record<string, number> = {}
  for (const t of spec.totals) {
    const parts = t.domains.map((d) => domains[d])
    const sum = parts.every((v) => typeof v === 'number') ? parts.reduce((a, b) => a + b, 0) : null
    const cutoff = cutoffOverrides[t.id] ?? t.abnormalAtOrBelow
    totals[t.id] = sum
    cutoffs[t.id] = cutoff
    abnormal[t.id] = sum === null ? null : sum <= cutoff
  }
  return { totals, abnormal, cutoffs }
}
