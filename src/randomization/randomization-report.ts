/**
 * What a trial statistician looks at before locking a scheme: the balance of a generated list per stratum
 * and per block, and how predictable the next assignment is.
 *
 * Predictability is the proportion of correct guesses under the convergence strategy (Blackwell & Hodges,
 * Ann Math Stat 1957;28:449–460): before each assignment the guesser, who knows every earlier assignment in
 * the stratum, guesses the arm furthest behind its target share (lowest count ÷ ratio weight), choosing at
 * random among ties; under minimisation, the guesser knows the algorithm and the marginal counts and guesses
 * among its preferred arms. Expected credit is counted exactly (1/|ties| when the true arm is among them),
 * so the only noise is the Monte-Carlo variation over simulated trials, reported as a standard error.
 */
import type { Allocation, ArmId, ProtocolFile, StratificationFactor } from '../domain/index.ts'
import { createStream, deriveKey, streamFor, weightedIndex, type RandomStream } from './drbg.ts'
import {
  addToCounts,
  marginalImbalance,
  minimisationPreference,
  minimise,
  type MarginalCounts,
} from './minimisation.ts'
import { nextBlock, type RandomizationList } from './randomization-list.ts'
import type { AllocationScheme } from './scheme.ts'
import { factorLevels, stratumKey, type FactorLevels, type StratumKey } from './strata.ts'

export interface BlockBalance {
  readonly block: number
  readonly size: number
  /** Arm id → slots of that arm in the block. */
  readonly counts: Readonly<Record<string, number>>
  /** The block holds every arm exactly `weight × size / total` times (false for a truncated block). */
  readonly exact: boolean
}

export interface StratumBalance {
  readonly stratum: StratumKey
  readonly slots: number
  readonly counts: Readonly<Record<string, number>>
  /** Empty for simple randomization. */
  readonly blocks: readonly BlockBalance[]
  /** Largest |count − expected| of any arm at any point in the stratum (expected = position × share). */
  readonly maxDeviation: number
  /** Convergence-strategy correct-guess proportion along this stratum's list. */
  readonly correctGuessRate: number
}

export interface ListBalance {
  readonly arms: readonly ArmId[]
  readonly strata: readonly StratumBalance[]
  readonly allBlocksExact: boolean
  readonly maxDeviation: number
  readonly correctGuessRate: number
}

/** Balance of a generated list per stratum and per block, and its predictability along the list. */
export function balanceReport(scheme: AllocationScheme, list: RandomizationList): ListBalance {
  const strata = scheme.strata.map((stratum) =>
    stratumBalance(
      scheme,
      stratum,
      list.slots.filter((s) => s.stratum === stratum),
    ),
  )
  const slots = strata.reduce((n, s) => n + s.slots, 0)
  return {
    arms: scheme.arms,
    strata,
    allBlocksExact: strata.every((s) => s.blocks.every((b) => b.exact)),
    maxDeviation: Math.max(0, ...strata.map((s) => s.maxDeviation)),
    correctGuessRate: slots === 0 ? 0 : strata.reduce((n, s) => n + s.correctGuessRate * s.slots, 0) / slots,
  }
}

function stratumBalance(
  scheme: AllocationScheme,
  stratum: StratumKey,
  slots: RandomizationList['slots'],
): StratumBalance {
  const index = new Map(scheme.arms.map((a, i) => [a as string, i]))
  const counts = scheme.arms.map(() => 0)
  let credit = 0
  let maxDeviation = 0
  slots.forEach((slot, i) => {
    const k = index.get(slot.arm) ?? 0
    credit += convergenceCredit(scheme.weights, counts, k)
    counts[k] = (counts[k] ?? 0) + 1
    scheme.weights.forEach((w, j) => {
      maxDeviation = Math.max(maxDeviation, Math.abs((counts[j] ?? 0) - ((i + 1) * w) / scheme.totalWeight))
    })
  })
  const blocks = new Map<number, number[]>()
  for (const slot of slots) {
    if (slot.block === null) continue
    const row = blocks.get(slot.block) ?? scheme.arms.map(() => 0)
    const k = index.get(slot.arm) ?? 0
    row[k] = (row[k] ?? 0) + 1
    blocks.set(slot.block, row)
  }
  const sizes = new Map(slots.map((s) => [s.block, s.blockSize]))
  return {
    stratum,
    slots: slots.length,
    counts: byArm(scheme, counts),
    blocks: [...blocks].map(([block, row]) => {
      const size = sizes.get(block) ?? 0
      const filled = row.reduce((a, b) => a + b, 0)
      const exact = filled === size && row.every((n, k) => n * scheme.totalWeight === (scheme.weights[k] ?? 0) * size)
      return { block, size, counts: byArm(scheme, row), exact }
    }),
    maxDeviation,
    correctGuessRate: slots.length === 0 ? 0 : credit / slots.length,
  }
}

/**
 * Expected credit of a convergence guess: the guesser picks uniformly among the arms lowest in
 * count ÷ weight; the credit is 1/|ties| if the arm actually assigned (`actual`) is one of them.
 */
export function convergenceCredit(weights: readonly number[], counts: readonly number[], actual: number): number {
  let best = Infinity
  let ties = 0
  let hit = false
  weights.forEach((w, k) => {
    const scaled = (counts[k] ?? 0) / w
    if (scaled < best - 1e-12) {
      best = scaled
      ties = 1
      hit = k === actual
    } else if (Math.abs(scaled - best) <= 1e-12) {
      ties++
      hit ||= k === actual
    }
  })
  return hit ? 1 / ties : 0
}

export interface SimulationOptions {
  /** Seed of the simulation (not of the study list); the same seed gives the same report. */
  readonly seed: string
  readonly sims: number
  /** Subjects per simulated trial; default `defaultSimulatedSubjects`. */
  readonly subjects?: number
}

export interface Spread {
  readonly mean: number
  readonly p95: number
  readonly max: number
}

export interface SchemeSimulation {
  readonly label: string
  readonly allocation: Allocation
  readonly sims: number
  readonly subjects: number
  /** Mean proportion of correct convergence guesses per trial, and its Monte-Carlo standard error. */
  readonly correctGuessRate: number
  readonly correctGuessSe: number
  /** The best guess without information: the largest arm share. */
  readonly chanceRate: number
  /** Range of ratio-scaled arm totals at the end of each trial. */
  readonly overallImbalance: Spread
  /** Largest range of ratio-scaled counts over every level of every protocol stratification factor. */
  readonly marginalImbalance: Spread
  /** Share of minimisation decisions that could not keep the protocol's bound (0 for list methods). */
  readonly boundExceededRate: number
}

/**
 * Subjects entering the stage in a typical trial: the target enrolment, or for a stage that re-allocates only
 * some arms (`allocateFrom`), the target enrolment times those arms' share of the first allocation.
 */
export function defaultSimulatedSubjects(protocol: ProtocolFile, scheme: AllocationScheme): number {
  const target = protocol.study.targetEnrolment
  const from = scheme.period.allocateFrom
  const first = protocol.periods.find((p) => p.allocation)?.allocation
  if (!from || !first) return target
  const weights = Object.entries(first.ratio)
  const total = weights.reduce((n, [, w]) => n + w, 0)
  const share = weights.filter(([a]) => from.includes(a)).reduce((n, [, w]) => n + w, 0) / total
  return Math.max(1, Math.round(target * share))
}

/**
 * Simulates `sims` trials of the scheme and measures predictability and balance. Subjects arrive with a site
 * drawn in proportion to the sites' target enrolment (uniform if not all are given) and every other factor
 * level uniform; trial `i` uses the same subjects for every scheme (common random numbers), so differences
 * between schemes are not masked by differences between subject streams.
 */
export function simulateScheme(
  protocol: ProtocolFile,
  scheme: AllocationScheme,
  options: SimulationOptions,
): SchemeSimulation {
  const subjects = options.subjects ?? defaultSimulatedSubjects(protocol, scheme)
  const factors = protocol.stratification.factors
  const rates: number[] = []
  const overall: number[] = []
  const marginal: number[] = []
  let exceeded = 0
  let decisions = 0
  for (let i = 0; i < options.sims; i++) {
    const people = streamFor([options.seed, 'simulated-subjects', String(i)])
    const trialSeed = `${options.seed}/trial/${i}`
    const run = createTrialRun(scheme, trialSeed)
    let credit = 0
    let totals = scheme.arms.map(() => 0)
    let allCounts: MarginalCounts = {}
    for (let s = 0; s < subjects; s++) {
      const levels = drawSubject(protocol, factors, people)
      const step = run.assign(levels)
      credit += step.credit
      if (step.exceeded !== undefined) {
        decisions++
        if (step.exceeded) exceeded++
      }
      totals = totals.map((n, k) => (k === step.arm ? n + 1 : n))
      allCounts = addToCounts(allCounts, levels, scheme.arms[step.arm] as ArmId)
    }
    rates.push(credit / subjects)
    overall.push(range(totals.map((n, k) => n / (scheme.weights[k] ?? 1))))
    marginal.push(marginalImbalance(scheme, allCounts))
  }
  const mean = average(rates)
  const sd = Math.sqrt(rates.reduce((n, r) => n + (r - mean) ** 2, 0) / Math.max(1, rates.length - 1))
  return {
    label: describeAllocation(scheme.allocation),
    allocation: scheme.allocation,
    sims: options.sims,
    subjects,
    correctGuessRate: mean,
    correctGuessSe: sd / Math.sqrt(Math.max(1, rates.length)),
    chanceRate: Math.max(...scheme.weights) / scheme.totalWeight,
    overallImbalance: spread(overall),
    marginalImbalance: spread(marginal),
    boundExceededRate: decisions === 0 ? 0 : exceeded / decisions,
  }
}

/**
 * Standard alternatives to compare with the protocol's own scheme for the same ratio and strata: simple
 * randomization, permuted blocks of fixed size (one and two times the ratio total, and each listed size),
 * randomly varying block sizes, and minimisation over every protocol factor (p = 0.8, bound 3). The
 * protocol's own allocation comes first; duplicates are dropped.
 */
export function alternativeAllocations(protocol: ProtocolFile, scheme: AllocationScheme): Allocation[] {
  const own = scheme.allocation
  const base = { ratio: own.ratio, stratifyBy: own.stratifyBy }
  const w = scheme.totalWeight
  const listed = own.method === 'permuted-blocks' ? own.blockSizes : []
  const sizes = [...new Set([w, 2 * w, ...listed])].sort((a, b) => a - b)
  const mixed = listed.length > 1 ? [...listed] : [w, 2 * w]
  const factors = protocol.stratification.factors.map((f) => f.id)
  const candidates: Allocation[] = [
    own,
    { method: 'simple', ...base },
    ...sizes.map((size): Allocation => ({ method: 'permuted-blocks', ...base, blockSizes: [size] })),
    { method: 'permuted-blocks', ...base, blockSizes: mixed },
    ...(factors.length > 0 ? [minimisationOver(own.ratio, factors)] : []),
  ]
  const seen = new Set<string>()
  return candidates.filter((a) => {
    const key = describeAllocation(a)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function minimisationOver(ratio: Allocation['ratio'], factors: string[]): Allocation {
  return { method: 'minimisation', ratio, stratifyBy: [], factors, probability: 0.8, maxImbalance: 3, burnIn: 0 }
}

/** A short human label, e.g. `permuted blocks {4, 8} by site`, `minimisation p=0.8 bound 3 (site, onset)`. */
export function describeAllocation(a: Allocation): string {
  const by = a.stratifyBy.length > 0 ? ` by ${a.stratifyBy.join(', ')}` : ''
  switch (a.method) {
    case 'simple':
      return `simple${by}`
    case 'permuted-blocks':
      return a.blockSizes.length === 1
        ? `permuted blocks of ${a.blockSizes[0]}${by}`
        : `permuted blocks {${a.blockSizes.join(', ')}}${by}`
    case 'minimisation':
      return `minimisation p=${a.probability} bound ${a.maxImbalance} (${a.factors.join(', ')})${by}${a.burnIn > 0 ? ` burn-in ${a.burnIn}` : ''}`
  }
}

interface TrialStep {
  readonly arm: number
  readonly credit: number
  /** Whether a minimisation decision exceeded the bound; undefined for list methods. */
  readonly exceeded?: boolean
}

/** One simulated trial's allocator: per-stratum list streams, or per-stratum minimisation state. */
function createTrialRun(scheme: AllocationScheme, seed: string): { assign(levels: FactorLevels): TrialStep } {
  const streams = new Map<StratumKey, { stream: RandomStream; queue: number[]; counts: number[] }>()
  const minimisationState = new Map<StratumKey, { allocated: number; counts: MarginalCounts }>()
  return {
    assign(levels) {
      const stratum = stratumKey(scheme.stratifyBy.map((f) => [f.id, levels[f.id] ?? ''] as const))
      if (scheme.allocation.method === 'minimisation') {
        const state = minimisationState.get(stratum) ?? { allocated: 0, counts: {} }
        const preference = minimisationPreference(scheme, state.counts, levels)
        const decision = minimise(scheme, seed, stratum, state, levels)
        if (!decision.ok) throw new Error(`simulated subject rejected: ${decision.problems[0]?.message ?? ''}`)
        const arm = scheme.arms.indexOf(decision.value.arm)
        minimisationState.set(stratum, {
          allocated: state.allocated + 1,
          counts: addToCounts(state.counts, levels, decision.value.arm),
        })
        const credit = preference.preferred.includes(arm) ? 1 / preference.preferred.length : 0
        return { arm, credit, exceeded: !decision.value.withinBound }
      }
      let entry = streams.get(stratum)
      if (!entry) {
        const stream = createStream(deriveKey([seed, scheme.schemeHash, scheme.periodId, stratum, 'arms']))
        entry = { stream, queue: [], counts: scheme.arms.map(() => 0) }
        streams.set(stratum, entry)
      }
      if (entry.queue.length === 0) entry.queue.push(...nextBlock(scheme, entry.stream))
      const arm = entry.queue.shift() ?? 0
      const credit = convergenceCredit(scheme.weights, entry.counts, arm)
      entry.counts[arm] = (entry.counts[arm] ?? 0) + 1
      return { arm, credit }
    },
  }
}

function drawSubject(
  protocol: ProtocolFile,
  factors: readonly StratificationFactor[],
  stream: RandomStream,
): FactorLevels {
  const levels: Record<string, string> = {}
  for (const factor of factors) {
    const options = factorLevels(protocol, factor)
    const targets = protocol.sites.map((s) => s.targetEnrolment ?? 0)
    const weighted = factor.source === 'site' && targets.every((t) => t > 0)
    const index = weighted ? weightedIndex(stream, targets) : stream.int(options.length)
    levels[factor.id] = options[index] ?? ''
  }
  return levels
}

function byArm(scheme: AllocationScheme, counts: readonly number[]): Record<string, number> {
  return Object.fromEntries(scheme.arms.map((a, k) => [a, counts[k] ?? 0]))
}

function range(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values)
}

function average(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? 0
  return { mean: average(values), p95, max: sorted[sorted.length - 1] ?? 0 }
}
