/**
 * Pocock–Simon minimisation with a random element (Pocock & Simon, Biometrics 1975;31:103–115).
 *
 * For a new subject with level `l_f` of each marginal factor `f`, and each candidate arm `a`, the counts at
 * the subject's levels are updated as if the subject went to `a`; each count is divided by its arm's ratio
 * weight (so 2:1 targets compare as equals); the imbalance at a level is the range (max − min) of these
 * ratio-scaled counts; the score `G(a)` is the sum of the ranges over factors (equal factor weights).
 *
 * Rules, in order:
 * 1. The protocol's `maxImbalance` (B) is a hard bound, kept with a one-unit safety margin: the allowed arms
 *    are those that keep every range at the subject's levels within B − 1 if any does, else within B. If none
 *    keeps B (possible only when several factors pull in opposite directions), the arms with the smallest
 *    worst range remain and the decision records `withinBound: false` for the audit and the DSMB.
 *    With one marginal factor the bound always holds (adding to the arm lowest at the level never widens the
 *    range beyond max(range, 1/w) <= B). With several factors it is not guaranteed against every sequence of
 *    subjects: the margin made breaches vanish in simulation of the reference design at its default bound
 *    (3 factors, 4 arms, B = 3: 0 in 80 000 decisions; without the margin 10), while B = 1 or 2 with three
 *    factors does breach; `simulateScheme` reports the rate so a statistician can pick a feasible bound.
 * 2. The first `burnIn` subjects of the stratum are allocated at random (by ratio) among the allowed arms.
 * 3. Otherwise, if the allowed arms' scores are all equal, the arm is drawn by ratio among them; if not, with
 *    probability `probability` among the arms of lowest score, else among the other allowed arms (by ratio
 *    within either set).
 *
 * Each decision draws from its own stream, keyed by seed, scheme, stratum and the subject's sequence number,
 * so a decision can be replayed from the stored counts without replaying the whole stratum.
 */
import { fail, ok, ProblemCode, type ArmId, type Problem, type Result } from '../domain/index.ts'
import { createStream, deriveKey, weightedIndex, type RandomStream } from './drbg.ts'
import type { AllocationScheme } from './scheme.ts'
import type { FactorLevels, StratumKey } from './strata.ts'

/** Tolerance for comparing ratio-scaled counts (sums of fractions 1/w). */
const EPSILON = 1e-9

/** Per factor id, per level, per arm id: subjects of the stratum allocated so far (sparse; missing = 0). */
export type MarginalCounts = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, number>>>>>>

/** What the store reads under its lock before a minimisation decision. */
export interface MinimisationState {
  /** Subjects already allocated in the stratum: the new subject is number `allocated + 1`. */
  readonly allocated: number
  readonly counts: MarginalCounts
}

export type MinimisationRule = 'burn-in' | 'preferred' | 'random-element' | 'tie' | 'forced'

export interface MinimisationDecision {
  /** 1-based position of the subject within the stratum. */
  readonly sequence: number
  readonly arm: ArmId
  readonly rule: MinimisationRule
  /** Score `G` had the subject gone to each arm (arm id → score). */
  readonly scores: Readonly<Record<string, number>>
  /** Whether every marginal imbalance at the subject's levels is within `maxImbalance` after this allocation. */
  readonly withinBound: boolean
}

/** The sets a decision chooses from; also what a convergence guesser who knows the algorithm would compute. */
export interface MinimisationPreference {
  /** Indices (into `scheme.arms`) of arms that keep the bound (or the least-bad ones). */
  readonly allowed: readonly number[]
  /** The allowed arms of lowest score. */
  readonly preferred: readonly number[]
  readonly scores: readonly number[]
  readonly withinBound: boolean
}

/**
 * The counts after allocating a subject with `levels` to `arm` (a new object; the input is not changed).
 * Counts are sparse: a missing factor, level or arm counts as zero, so a store can fold them from `{}`.
 */
export function addToCounts(counts: MarginalCounts, levels: FactorLevels, arm: ArmId): MarginalCounts {
  const next: Record<string, Readonly<Record<string, Readonly<Record<string, number>>>>> = { ...counts }
  for (const [factor, level] of Object.entries(levels)) {
    const byLevel = counts[factor] ?? {}
    const byArm = byLevel[level] ?? {}
    next[factor] = { ...byLevel, [level]: { ...byArm, [arm]: (byArm[arm] ?? 0) + 1 } }
  }
  return next
}

/** The largest marginal imbalance (range of ratio-scaled counts) over every factor level. */
export function marginalImbalance(scheme: AllocationScheme, counts: MarginalCounts): number {
  let worst = 0
  for (const byLevel of Object.values(counts)) {
    for (const byArm of Object.values(byLevel)) {
      worst = Math.max(
        worst,
        scaledRange(
          scheme,
          scheme.arms.map((a) => byArm[a] ?? 0),
        ),
      )
    }
  }
  return worst
}

/** Computes the allowed and preferred arms for a subject with `levels` given the current counts. */
export function minimisationPreference(
  scheme: AllocationScheme,
  counts: MarginalCounts,
  levels: FactorLevels,
): MinimisationPreference {
  const allocation = scheme.allocation
  const bound = allocation.method === 'minimisation' ? allocation.maxImbalance : Infinity
  const atLevels = scheme.marginalFactors.map((f) => {
    const byArm = counts[f.id]?.[levels[f.id] ?? ''] ?? {}
    return scheme.arms.map((a) => byArm[a] ?? 0)
  })
  const scores: number[] = []
  const worst: number[] = []
  scheme.arms.forEach((_, a) => {
    let score = 0
    let max = 0
    for (const row of atLevels) {
      const range = scaledRange(
        scheme,
        row.map((n, k) => (k === a ? n + 1 : n)),
      )
      score += range
      max = Math.max(max, range)
    }
    scores.push(score)
    worst.push(max)
  })
  const indices = scheme.arms.map((_, i) => i)
  const margin = indices.filter((i) => (worst[i] ?? 0) <= bound - 1 + EPSILON)
  let allowed = margin.length > 0 ? margin : indices.filter((i) => (worst[i] ?? 0) <= bound + EPSILON)
  const withinBound = allowed.length > 0
  if (!withinBound) {
    const least = Math.min(...worst)
    allowed = indices.filter((i) => (worst[i] ?? 0) <= least + EPSILON)
  }
  const best = Math.min(...allowed.map((i) => scores[i] ?? 0))
  const preferred = allowed.filter((i) => (scores[i] ?? 0) <= best + EPSILON)
  return { allowed, preferred, scores, withinBound }
}

/**
 * Allocates the next subject of `stratum` by minimisation. `levels` must hold a level of every marginal
 * factor. Pure: the same scheme, seed, state and levels give the same decision.
 */
export function minimise(
  scheme: AllocationScheme,
  seed: string,
  stratum: StratumKey,
  state: MinimisationState,
  levels: FactorLevels,
): Result<MinimisationDecision> {
  const allocation = scheme.allocation
  if (allocation.method !== 'minimisation') {
    return fail({
      code: ProblemCode.Unsupported,
      path: 'stage',
      message: `stage "${scheme.periodId}" does not use minimisation`,
    })
  }
  const problems: Problem[] = scheme.marginalFactors.flatMap((f) =>
    (scheme.levels[f.id] ?? []).includes(levels[f.id] ?? '')
      ? []
      : [
          {
            code: ProblemCode.Invalid,
            path: f.id,
            message: `${f.label}: unknown or missing level "${levels[f.id] ?? ''}"`,
          },
        ],
  )
  if (problems.length > 0) return fail(problems)
  const sequence = state.allocated + 1
  const stream = createStream(
    deriveKey([seed, scheme.schemeHash, scheme.periodId, stratum, 'minimisation', String(sequence)]),
  )
  const preference = minimisationPreference(scheme, state.counts, levels)
  const { index, rule } = choose(scheme, stream, preference, sequence <= allocation.burnIn, allocation.probability)
  return ok({
    sequence,
    arm: scheme.arms[index] as ArmId,
    rule,
    scores: Object.fromEntries(scheme.arms.map((a, i) => [a, preference.scores[i] ?? 0])),
    withinBound: preference.withinBound,
  })
}

function choose(
  scheme: AllocationScheme,
  stream: RandomStream,
  { allowed, preferred }: MinimisationPreference,
  burnIn: boolean,
  probability: number,
): { index: number; rule: MinimisationRule } {
  const byRatio = (set: readonly number[]): number =>
    set[
      weightedIndex(
        stream,
        set.map((i) => scheme.weights[i] ?? 1),
      )
    ] ?? 0
  if (allowed.length === 1) return { index: allowed[0] ?? 0, rule: 'forced' }
  if (burnIn) return { index: byRatio(allowed), rule: 'burn-in' }
  if (preferred.length === allowed.length) return { index: byRatio(allowed), rule: 'tie' }
  if (stream.real() < probability) return { index: byRatio(preferred), rule: 'preferred' }
  return { index: byRatio(allowed.filter((i) => !preferred.includes(i))), rule: 'random-element' }
}

function scaledRange(scheme: AllocationScheme, counts: readonly number[]): number {
  let min = Infinity
  let max = -Infinity
  counts.forEach((n, k) => {
    const scaled = n / (scheme.weights[k] ?? 1)
    if (scaled < min) min = scaled
    if (scaled > max) max = scaled
  })
  return max - min
}
