import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRng } from '../model/index.ts'
import { slopeComparisonPower } from './closed-form.ts'
import { createPowerPool } from './power-pool.ts'
import { inProcessExecutor, runPowerBatch, runPowerStudy, type PowerExecutor, type PowerProgress } from './run-power.ts'
import { powerScenarios, type PowerScenario } from './scenario.ts'
import { addOutcome, emptyTally, type ScenarioSummary } from './tally.ts'
import { twoArmDesign } from './two-arm-design.test-support.ts'
import { analyseTrial, runReplicate, simulateTrial } from './trial-replicate.ts'
import type { PowerDesign } from './design.ts'
import { designFromProtocol } from './design.ts'
import { loadProtocolFile } from '../../protocol/index.ts'
import { resolve } from 'node:path'

const scenariosOf = (design: PowerDesign, ns: number[], slopes: number[]): PowerScenario[] => {
  const r = powerScenarios(
    [design],
    ns,
    slopes.map((k) => ({ label: `slope=${k}`, slope: k, hr: 1 })),
  )
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}
const withoutTiming = (s: readonly ScenarioSummary[]) => s.map(({ workerMs: _, ...rest }) => rest)

let pool: PowerExecutor
beforeAll(() => {
  pool = createPowerPool({ threads: 2 })
})
afterAll(async () => {
  await pool.close()
})

describe('validation against the closed form (Gaussian random intercept and slope, complete data)', () => {
  // 40 per arm, monthly visits for 6 months, slope SD 0.6, visit noise 1.5; a 40 % slowing of -0.95 points/month.
  // 400 trials per scenario: Monte-Carlo SE of a power near 0.05 is 0.011, near 0.7 about 0.023.
  const SIMS = 400
  let summaries: readonly ScenarioSummary[]

  beforeAll(async () => {
    const r = await runPowerStudy(
      { seed: 20260101, sims: SIMS, scenarios: scenariosOf(twoArmDesign(), [40], [0.4]) },
      { executor: pool },
    )
    summaries = r.scenarios
  }, 120_000)

  it('rejects at the nominal rate under no effect (type-I error within 3 Monte-Carlo SE of alpha)', () => {
    const s = summaries[0]!
    expect(s.null).toBe(true)
    expect(s.sims).toBe(SIMS)
    const mcse = Math.sqrt((0.05 * 0.95) / SIMS)
    expect(Math.abs(s.power - 0.05)).toBeLessThan(3 * mcse)
    expect(s.failures).toEqual({ fitFailed: 0, notConverged: 0 })
  })

  it('agrees with the closed-form power of the slope comparison within 3 Monte-Carlo SE', () => {
    const s = summaries[1]!
    const closed = slopeComparisonPower({
      visitMonths: twoArmDesign().visitDays.map((d) => d / 30.4375),
      nControl: 40,
      nActive: 40,
      slopeSd: 0.6,
      residualSd: 1.5,
      difference: 0.4 * 0.95,
      alpha: 0.05,
    }).power
    expect(s.closedFormPower).toBeCloseTo(closed, 12)
    expect(closed).toBeGreaterThan(0.5)
    expect(closed).toBeLessThan(0.9)
    const mcse = Math.sqrt((closed * (1 - closed)) / SIMS)
    expect(Math.abs(s.power - closed)).toBeLessThan(3 * mcse)
    // the estimate is unbiased and its model-based SE matches its spread across trials
    const c = s.contrasts[0]!
    expect(Math.abs(c.meanEstimate - 0.38)).toBeLessThan((3 * c.empiricalSe) / Math.sqrt(SIMS))
    expect(c.meanModelSe / c.empiricalSe).toBeGreaterThan(0.9)
    expect(c.meanModelSe / c.empiricalSe).toBeLessThan(1.1)
  })
})

describe('runPowerStudy', () => {
  it('gives the same figures on one thread and on a pool of two, batches merged in replicate order', async () => {
    // natural-history model, 2 arms of 10, 6 months: 120 trials = 3 batches per scenario
    const scenarios = scenariosOf(twoArmDesign({ model: 'natural-history' }), [10], [0.5])
    const plan = { seed: 'same-answer', sims: 120, scenarios }
    const progress: PowerProgress[] = []
    const order: number[] = []
    const single = await runPowerStudy(plan, {
      executor: inProcessExecutor(),
      onProgress: (p) => progress.push(p),
      onScenario: (s) => order.push(s.scenario),
    })
    const pooled = await runPowerStudy(plan, { executor: pool })
    expect(withoutTiming(pooled.scenarios)).toEqual(withoutTiming(single.scenarios))
    expect(order).toEqual([1, 2])
    expect(progress.map((p) => p.done)).toEqual([50, 100, 120, 170, 220, 240])
    expect(progress[progress.length - 1]).toMatchObject({ total: 240, scenariosDone: 2, etaMs: 0 })
    // a different seed gives different trials
    const other = await runPowerStudy({ ...plan, seed: 'other' }, { executor: inProcessExecutor() })
    expect(other.scenarios[1]!.contrasts[0]!.meanEstimate).not.toBe(single.scenarios[1]!.contrasts[0]!.meanEstimate)
  }, 60_000)

  it('keeps at most maxInFlight batches outstanding and merges late batches in order', async () => {
    const scenarios = scenariosOf(twoArmDesign(), [4], [])
    let outstanding = 0
    let most = 0
    let calls = 0
    const inner = inProcessExecutor()
    const slowFirst: PowerExecutor = {
      threads: 3,
      close: () => Promise.resolve(),
      run: async (task) => {
        outstanding++
        most = Math.max(most, outstanding)
        // the first batch finishes last
        await new Promise((r) => setTimeout(r, calls++ === 0 ? 50 : 1))
        outstanding--
        return inner.run(task)
      },
    }
    const plan = { seed: 3, sims: 200, scenarios }
    const r = await runPowerStudy(plan, { executor: slowFirst, maxInFlight: 2 })
    expect(most).toBe(2)
    const reference = await runPowerStudy(plan)
    expect(withoutTiming(r.scenarios)).toEqual(withoutTiming(reference.scenarios))
  })

  it('counts fits that fail as trials that did not reject, never dropping them', async () => {
    // 2 subjects per arm with 2 visits: 8 observations for 8 random effects, so lmer (and fitLmm) cannot fit
    const design: PowerDesign = { ...twoArmDesign(), visitDays: [0, 91] }
    const r = await runPowerStudy({ seed: 1, sims: 30, scenarios: scenariosOf(design, [2], [0.9]) })
    for (const s of r.scenarios) {
      expect(s.sims).toBe(30)
      expect(s.failures.fitFailed).toBe(30)
      expect(s.power).toBe(0)
      expect(Number.isNaN(s.contrasts[0]!.meanEstimate)).toBe(true)
    }
  })
})

describe('one replicate', () => {
  const scenario = scenariosOf(twoArmDesign({ model: 'natural-history', months: 12 }), [30], [0.4])[1]!

  it('is a function of its stream: same stream, same trial and analysis', () => {
    const a = runReplicate(scenario, createRng(9).fork('power').fork(4))
    const b = runReplicate(scenario, createRng(9).fork('power').fork(4))
    expect({ ...a, simMs: 0, fitMs: 0 }).toEqual({ ...b, simMs: 0, fitMs: 0 })
    const tally = emptyTally(1)
    addOutcome(tally, a)
    expect(tally).toMatchObject({ sims: 1, fitted: 1, subjects: 60, rejected: a.rejected ? 1 : 0 })
    expect(runPowerBatch({ seed: 9, scenario, first: 4, count: 1 })).toMatchObject({
      sims: 1,
      estimateSum: [a.estimate[0]],
      observations: a.observations,
    })
  })

  it('simulates the observed visits only, at most one per subject and visit, baseline first', () => {
    const trial = simulateTrial(scenario, createRng(2))
    expect(trial.subjects).toBe(60)
    expect(trial.y.length).toBeLessThanOrEqual(60 * 13)
    expect(trial.y.length).toBeGreaterThan(60 * 13 * 0.6)
    expect(trial.y.every((y) => Number.isInteger(y) && y >= 0 && y <= 48)).toBe(true)
    for (let r = 0; r < trial.y.length; r++) {
      if (trial.month[r] === 0) expect(trial.baseline[r]).toBe(trial.y[r])
    }
    const a = analyseTrial(scenario.design, trial)
    expect(a.status).toBe('ok')
    expect(a.observations).toBe(trial.y.length)
    expect(a.p[0]).toBeGreaterThan(0)
  })
})

describe('enrichment', () => {
  it('enrols only candidates beyond the ΔFS cut, each with the stream it was screened on', async () => {
    const version = await loadProtocolFile(resolve(import.meta.dirname, '../../../protocols/admsc-als.yaml'))
    if (!version.ok) throw new Error('protocol')
    const d = designFromProtocol(version.value, { arms: ['D3', 'P'], enrichment: { kind: 'fast', cut: 0.8 } })
    if (!d.ok) throw new Error(JSON.stringify(d.problems))
    const [scenario] = scenariosOf(d.value, [100], [])
    const trial = simulateTrial(scenario!, createRng(5))
    expect(trial.deltaFs.every((x) => x >= 0.8)).toBe(true)
    // about a third of candidates are eligible
    expect(trial.screened / trial.subjects).toBeGreaterThan(2)
    expect(trial.screened / trial.subjects).toBeLessThan(4)
    const all = simulateTrial({ ...scenario!, design: { ...d.value, enrichment: null } }, createRng(5))
    const firstEligible = Array.from(all.deltaFs).findIndex((x) => x >= 0.8)
    expect(trial.deltaFs[0]).toBe(all.deltaFs[firstEligible])
  })
})
