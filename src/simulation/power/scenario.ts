/**
 * Scenarios of a design study: every design × sample size × effect, the null effect always included (its rejection
 * rate is the type-I error). Plain data, so a scenario travels to a worker thread by structured clone.
 */
import { fail, ok, problem, ProblemCode, type Problem, type Result } from '../../domain/index.ts'
import type { PowerDesign } from './design.ts'
import { NULL_EFFECT, resolveEffect, type EffectSpec, type ResolvedEffect } from './effect-spec.ts'

export interface PowerScenario {
  /** Position in the study (0-based); also names the scenario in reports. */
  readonly index: number
  readonly designIndex: number
  readonly design: PowerDesign
  /**
   * Subjects per arm of the smallest ratio weight: with 1:1 (or 1:1:1:1) every arm has `n`; with 2:1 the larger arm
   * has 2n. Sample sizes are fixed, as in a sample-size calculation, not left to the randomization's imbalance.
   */
  readonly n: number
  readonly nPerArm: Readonly<Record<string, number>>
  readonly nTotal: number
  readonly effect: ResolvedEffect
}

/** Arm sizes for `n` per smallest-weight arm. */
export function armSizes(design: PowerDesign, n: number): Record<string, number> {
  const min = Math.min(...design.weights)
  return Object.fromEntries(design.arms.map((arm, i) => [arm, Math.round((n * design.weights[i]!) / min)]))
}

/**
 * The arm (index into `design.arms`) of each subject: blocks of the ratio in arm order (1:1 → A B A B …, 2:1 →
 * A A B A A B …), skipping arms already full. Subject j keeps its arm when n grows, so scenarios that differ only
 * in n share their first subjects (common random numbers, smoother power curves).
 */
export function armSequence(design: PowerDesign, nPerArm: Readonly<Record<string, number>>): Uint16Array {
  const sizes = design.arms.map((a) => nPerArm[a] ?? 0)
  const total = sizes.reduce((a, b) => a + b, 0)
  const block = design.arms.flatMap((_, i) => Array.from({ length: design.weights[i]! }, () => i))
  const left = [...sizes]
  const out = new Uint16Array(total)
  for (let j = 0, k = 0; j < total; k++) {
    const arm = block[k % block.length]!
    if (left[arm]! > 0) {
      left[arm]!--
      out[j++] = arm
    }
  }
  return out
}

/**
 * Every design × n × effect, designs slowest, then n, then effects with the null effect first. `ns` are subjects
 * per smallest-weight arm (see `PowerScenario.n`).
 */
export function powerScenarios(
  designs: readonly PowerDesign[],
  ns: readonly number[],
  effects: readonly EffectSpec[],
): Result<PowerScenario[]> {
  const problems: Problem[] = []
  ns.forEach((n, i) => {
    if (!(Number.isInteger(n) && n >= 2 && n <= 100_000))
      problems.push(problem(ProblemCode.OutOfRange, `n[${i}]`, `n per arm must be an integer in 2…100000, not ${n}`))
  })
  if (ns.length === 0) problems.push(problem(ProblemCode.Required, 'n', 'give at least one sample size'))
  const out: PowerScenario[] = []
  const all = [NULL_EFFECT, ...effects.filter((e) => e.label !== NULL_EFFECT.label)]
  designs.forEach((design, designIndex) => {
    const resolved = all.map((e) => resolveEffect(e, design.arms, design.active, design.control))
    for (const r of resolved)
      if (!r.ok) problems.push(...r.problems.filter((p) => !problems.some((q) => q.message === p.message)))
    if (problems.length > 0) return
    for (const n of ns) {
      const nPerArm = armSizes(design, n)
      const nTotal = Object.values(nPerArm).reduce((a, b) => a + b, 0)
      for (const r of resolved) {
        if (r.ok) out.push({ index: out.length, designIndex, design, n, nPerArm, nTotal, effect: r.value })
      }
    }
  })
  return problems.length > 0 ? fail(problems) : ok(out)
}
