/**
 * An allocation scheme compiled from one period (stage) of a protocol: the arms and weights in a canonical
 * order, the strata, and a scheme hash that keys the generator. Everything downstream (lists, minimisation,
 * reports, slot stores) works on this compiled form.
 */
import { createHash } from 'node:crypto'
import {
  fail,
  ok,
  ProblemCode,
  type Allocation,
  type Arm,
  type ArmId,
  type Period,
  type PeriodId,
  type Problem,
  type ProtocolFile,
  type Result,
  type StratificationFactor,
} from '../domain/index.ts'
import type { ProtocolVersion } from '../protocol/index.ts'
import {
  enumerateStrata,
  factorLevels,
  stratumKey,
  subjectLevels,
  type StratumKey,
  type SubjectFactors,
} from './strata.ts'

export interface AllocationScheme {
  readonly studyId: string
  /** Hash of the whole protocol version the scheme was compiled from (stamped on lists, not used as a key). */
  readonly protocolHash: string
  readonly period: Period
  readonly periodId: PeriodId
  readonly allocation: Allocation
  /** Arms of the ratio, sorted by id: the canonical order of every block's multiset. */
  readonly arms: readonly ArmId[]
  /** Integer ratio weights aligned with `arms`. */
  readonly weights: readonly number[]
  readonly totalWeight: number
  /** Factors the list is stratified by, in `stratifyBy` order, and every stratum they make. */
  readonly stratifyBy: readonly StratificationFactor[]
  readonly strata: readonly StratumKey[]
  /** Factors balanced at the margins (minimisation only). */
  readonly marginalFactors: readonly StratificationFactor[]
  /** The levels of each stratification and marginal factor. */
  readonly levels: Readonly<Record<string, readonly string[]>>
  /**
   * SHA-256 of the scheme's canonical description (study id, period id, method, ratio, block sizes, factor ids,
   * minimisation parameters). The generator is keyed by it rather than by the protocol hash, so an amendment
   * that leaves the allocation alone (a new visit, a reworded criterion, a new site, hence a new stratum) does
   * not change any existing stratum's list, while any change to the allocation rule does.
   */
  readonly schemeHash: string
}

/** The first period with an allocation: the default stage. */
export function defaultStage(protocol: ProtocolFile): Period | undefined {
  return protocol.periods.find((p) => p.allocation !== undefined)
}

/**
 * Compiles the allocation of `stage` (a period id; default: the first period with an allocation). Reports
 * every problem a list generator would trip over: unknown stage, a stage without allocation, block sizes that
 * are not multiples of the ratio total, unknown factors or arms, factors without enumerable levels, arms of a
 * blinded period whose blinded labels differ.
 */
export function compileScheme(version: ProtocolVersion, stage?: string): Result<AllocationScheme> {
  const { protocol } = version
  const period = stage === undefined ? defaultStage(protocol) : protocol.periods.find((p) => p.id === stage)
  if (!period) {
    const known = protocol.periods.filter((p) => p.allocation).map((p) => p.id)
    const message =
      stage === undefined
        ? 'the protocol has no period with an allocation'
        : `unknown stage "${stage}"; stages with an allocation: ${known.join(', ') || 'none'}`
    return fail({ code: ProblemCode.NotFound, path: 'stage', message })
  }
  if (!period.allocation) {
    return fail({ code: ProblemCode.Invalid, path: 'stage', message: `period "${period.id}" has no allocation` })
  }
  return schemeWithAllocation(version, period, period.allocation)
}

/**
 * Compiles `allocation` as if it were the period's own: used to compare alternative schemes (fixed blocks,
 * random block sizes, minimisation) for the same stage in reports.
 */
export function schemeWithAllocation(
  version: ProtocolVersion,
  period: Period,
  allocation: Allocation,
): Result<AllocationScheme> {
  const { protocol } = version
  const index = protocol.periods.findIndex((p) => p.id === period.id)
  const at = `periods[${index}]`
  const problems: Problem[] = []
  const armsById = new Map(protocol.arms.map((a) => [a.id, a]))
  const factorsById = new Map(protocol.stratification.factors.map((f) => [f.id, f]))

  const arms = Object.keys(allocation.ratio).sort() as ArmId[]
  const weights = arms.map((a) => allocation.ratio[a] ?? 0)
  const totalWeight = weights.reduce((a, b) => a + b, 0)
  for (const arm of arms) {
    if (!armsById.has(arm)) problems.push(invalid(`${at}.allocation.ratio.${arm}`, `unknown arm "${arm}"`))
  }
  if (arms.length < 2) problems.push(invalid(`${at}.allocation.ratio`, 'must allocate between at least two arms'))
  if (allocation.method === 'permuted-blocks') {
    allocation.blockSizes.forEach((size, i) => {
      if (size % totalWeight !== 0) {
        const message = `block size ${size} is not a multiple of the ratio total ${totalWeight}`
        problems.push(invalid(`${at}.allocation.blockSizes[${i}]`, message))
      }
    })
  }

  const resolve = (ids: readonly string[], path: string): StratificationFactor[] =>
    ids.flatMap((id, i) => {
      const factor = factorsById.get(id)
      if (!factor) {
        problems.push(invalid(`${path}[${i}]`, `unknown stratification factor "${id}"`))
        return []
      }
      if (factorLevels(protocol, factor).length < 2) {
        problems.push(invalid(`${path}[${i}]`, `factor "${id}" needs at least two levels`))
      }
      const source = factor.source
      if (
        typeof source === 'object' &&
        source.cuts.some((c, j) => j > 0 && c.below <= (source.cuts[j - 1]?.below ?? 0))
      ) {
        problems.push(invalid(`${path}[${i}]`, `factor "${id}" must list its cuts in increasing order`))
      }
      return [factor]
    })
  const stratifyBy = resolve(allocation.stratifyBy, `${at}.allocation.stratifyBy`)
  const marginalFactors =
    allocation.method === 'minimisation' ? resolve(allocation.factors, `${at}.allocation.factors`) : []

  for (const key of ['allocateFrom', 'othersReceive'] as const) {
    const value = period[key]
    const ids = value === undefined ? [] : typeof value === 'string' ? [value] : value
    ids.forEach((id) => {
      if (!armsById.has(id)) problems.push(invalid(`${at}.${key}`, `unknown arm "${id}"`))
    })
  }
  if (period.blinding !== 'open-label') problems.push(...blindedLabelProblems(protocol.arms, at))
  if (problems.length > 0) return fail(problems)

  const levels: Record<string, readonly string[]> = {}
  for (const f of [...stratifyBy, ...marginalFactors]) levels[f.id] = factorLevels(protocol, f)
  const schemeHash = createHash('sha256')
    .update(
      JSON.stringify([
        'trialdesk-scheme/1',
        protocol.study.id,
        period.id,
        describeAllocation(allocation),
        arms,
        weights,
      ]),
    )
    .digest('hex')

  return ok({
    studyId: protocol.study.id,
    protocolHash: version.hash,
    period,
    periodId: period.id as PeriodId,
    allocation,
    arms,
    weights,
    totalWeight,
    stratifyBy,
    strata: enumerateStrata(protocol, stratifyBy),
    marginalFactors,
    levels,
    schemeHash,
  })
}

/** The blinded label every arm shows in a blinded period; a problem when the protocol's labels differ. */
export function commonBlindedLabel(arms: readonly Arm[]): Result<string> {
  const problems = blindedLabelProblems(arms, '')
  return problems.length > 0 ? fail(problems) : ok(arms[0]?.blindedLabel ?? '')
}

/** The stratum of a subject under `scheme`, read from the protocol's factor sources. */
export function subjectStratum(
  protocol: ProtocolFile,
  scheme: AllocationScheme,
  subject: SubjectFactors,
): Result<StratumKey> {
  const levels = subjectLevels(protocol, scheme.stratifyBy, subject)
  if (!levels.ok) return levels
  return ok(stratumKey(scheme.stratifyBy.map((f) => [f.id, levels.value[f.id] ?? ''] as const)))
}

/** The allocation fields that shape the list, in a fixed order (new optional schema fields do not shift it). */
function describeAllocation(a: Allocation): unknown[] {
  switch (a.method) {
    case 'simple':
      return ['simple', a.stratifyBy]
    case 'permuted-blocks':
      return ['permuted-blocks', a.stratifyBy, a.blockSizes]
    case 'minimisation':
      return ['minimisation', a.stratifyBy, a.factors, a.probability, a.maxImbalance, a.burnIn]
  }
}

function blindedLabelProblems(arms: readonly Arm[], at: string): Problem[] {
  const first = arms[0]?.blindedLabel
  return arms.flatMap((arm, i) =>
    arm.blindedLabel === first
      ? []
      : [
          invalid(
            `arms[${i}].blindedLabel`,
            `must equal "${first}" (every arm looks the same in a blinded period${at ? ` at ${at}` : ''})`,
          ),
        ],
  )
}

function invalid(path: string, message: string): Problem {
  return { code: ProblemCode.Invalid, path, message }
}
