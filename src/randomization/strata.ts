/**
 * Strata: one list per combination of levels of the factors an allocation is stratified by. A stratum is
 * keyed by `factor=level` pairs in the order the allocation's `stratifyBy` lists them, joined by `;`
 * (`site=MAL;onset=bulbar`); an unstratified allocation has the single stratum `all`. Factor ids and levels
 * are protocol codes (letters, digits, `-`, `_`), so the key needs no escaping and is CSV-safe.
 */
import {
  fail,
  ok,
  ProblemCode,
  type Brand,
  type Problem,
  type ProtocolFile,
  type Result,
  type StratificationFactor,
} from '../domain/index.ts'

export type StratumKey = Brand<string, 'StratumKey'>

/** The stratum of an unstratified allocation. */
export const SINGLE_STRATUM = 'all' as StratumKey

/** A subject's factor levels, keyed by factor id. */
export type FactorLevels = Readonly<Record<string, string>>

/**
 * What is known about a subject at randomization, from which every factor level is read: the site, and the
 * values recorded at enrolment (an `enrolment` factor is read under its factor id, e.g. `onset: bulbar`; a cut
 * factor under its source value id, e.g. `deltaFS: 0.72`).
 */
export interface SubjectFactors {
  readonly siteId: string
  readonly values: Readonly<Record<string, string | number>>
}

/** The levels a factor can take, in protocol order: site ids, listed levels, or the cut levels then `otherwise`. */
export function factorLevels(protocol: ProtocolFile, factor: StratificationFactor): readonly string[] {
  const source = factor.source
  if (source === 'site') return protocol.sites.map((s) => s.id)
  if (source === 'enrolment') return factor.levels ?? []
  return [...new Set([...source.cuts.map((c) => c.level), source.otherwise])]
}

/** Builds the key from levels listed in stratification order. */
export function stratumKey(pairs: readonly (readonly [factorId: string, level: string])[]): StratumKey {
  if (pairs.length === 0) return SINGLE_STRATUM
  return pairs.map(([f, l]) => `${f}=${l}`).join(';') as StratumKey
}

/** Splits a key back into its `[factor, level]` pairs (empty for `all`). */
export function stratumLevels(key: StratumKey): readonly (readonly [string, string])[] {
  if (key === SINGLE_STRATUM) return []
  return key.split(';').map((pair) => {
    const [f = '', l = ''] = pair.split('=')
    return [f, l] as const
  })
}

/** Every stratum of the factors, in lexicographic order of the factors' level lists (first factor slowest). */
export function enumerateStrata(protocol: ProtocolFile, factors: readonly StratificationFactor[]): StratumKey[] {
  let combos: (readonly [string, string])[][] = [[]]
  for (const factor of factors) {
    const levels = factorLevels(protocol, factor)
    combos = combos.flatMap((prefix) => levels.map((level) => [...prefix, [factor.id, level] as const]))
  }
  return combos.map(stratumKey)
}

/**
 * Reads a subject's level for each factor from the factor's source: the site, the value recorded at
 * enrolment, or a numeric value cut at the protocol's thresholds (first cut whose `below` exceeds the value,
 * else `otherwise`). Every missing or unknown value is reported, with the factor id as path.
 */
export function subjectLevels(
  protocol: ProtocolFile,
  factors: readonly StratificationFactor[],
  subject: SubjectFactors,
): Result<FactorLevels> {
  const problems: Problem[] = []
  const levels: Record<string, string> = {}
  for (const factor of factors) {
    const source = factor.source
    if (source === 'site') {
      if (protocol.sites.some((s) => s.id === subject.siteId)) levels[factor.id] = subject.siteId
      else problems.push({ code: ProblemCode.Invalid, path: factor.id, message: `unknown site "${subject.siteId}"` })
    } else if (source === 'enrolment') {
      const value = subject.values[factor.id]
      const allowed = factorLevels(protocol, factor)
      if (value === undefined) {
        problems.push({ code: ProblemCode.Required, path: factor.id, message: `${factor.label} is required` })
      } else if (!allowed.includes(String(value))) {
        const message = `${factor.label} must be one of ${allowed.join(', ')}, got "${String(value)}"`
        problems.push({ code: ProblemCode.Invalid, path: factor.id, message })
      } else levels[factor.id] = String(value)
    } else {
      const value = subject.values[source.value]
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        const message = `${factor.label} needs a numeric ${source.value}`
        problems.push({
          code: value === undefined ? ProblemCode.Required : ProblemCode.Invalid,
          path: source.value,
          message,
        })
      } else levels[factor.id] = source.cuts.find((c) => value < c.below)?.level ?? source.otherwise
    }
  }
  return problems.length > 0 ? fail(problems) : ok(levels)
}
