/**
 * A blinded run (DSMB open session, blinded roles) pools every arm: no efficacy or safety number may be split by
 * arm, no arm id or dose may appear anywhere, and the pooled numbers are those of all subjects together.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { ProtocolFile } from '../domain/index.ts'
import { fitLmm, kaplanMeier } from '../stats/index.ts'
import type { AnalysisDatasets } from './analysis-datasets.ts'
import { BLINDED_ARM } from './analysis-datasets.ts'
import type { AnalysisResults } from './analysis-results.ts'
import { AnalysisResults as ResultsSchema } from './analysis-results.ts'
import { blindDatasets } from './blind-datasets.ts'
import { runAnalysisPlan } from './run-analysis-plan.ts'
import { loadFixture, PLAN_OPTIONS } from './test-fixture.test-support.ts'

let protocol: ProtocolFile
let data: AnalysisDatasets
let results: AnalysisResults

beforeAll(async () => {
  ;({ protocol, data } = await loadFixture())
  const run = runAnalysisPlan(protocol, data, { ...PLAN_OPTIONS, blinded: true })
  if (!run.ok) throw new Error(run.problems[0]?.message)
  results = run.value
})

/** Every string value anywhere in `value`, with the key it sits under. */
function strings(value: unknown, key = ''): { key: string; value: string }[] {
  if (typeof value === 'string') return [{ key, value }]
  if (Array.isArray(value)) return value.flatMap((v) => strings(v, key))
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, k))
  return []
}

describe('blinded analysis', () => {
  it('has one pooled group and no arm id, arm label or dose anywhere in the results', () => {
    expect(ResultsSchema.safeParse(results).success).toBe(true)
    expect(results.provenance.blinded).toBe(true)
    expect(results.groups).toEqual([
      { key: BLINDED_ARM, label: 'All subjects (blinded)', type: 'pooled', control: false },
    ])
    const armIds = new Set(protocol.arms.map((a) => a.id))
    const armLabels = protocol.arms.map((a) => a.label)
    const all = strings(results)
    expect(all.filter((s) => armIds.has(s.value))).toEqual([])
    expect(all.filter((s) => armLabels.some((l) => s.value.includes(l)))).toEqual([])
    expect(results.feasibility.infusion.doseDeviations.n).toBeNull()
  })

  it('splits no efficacy or safety result by arm', () => {
    const keys = (xs: readonly { key: string }[]) => [...new Set(xs.map((x) => x.key))]
    for (const a of results.efficacy.analyses) {
      expect(keys(a.slopes)).toEqual(a.status === 'estimated' ? [BLINDED_ARM] : [])
      expect(a.contrasts).toEqual([])
    }
    expect(results.efficacy.crossover).toEqual([])
    for (const t of results.efficacy.trajectories) expect(keys(t.points)).toEqual([BLINDED_ARM])
    for (const s of results.survival) {
      expect(keys(s.curves)).toEqual([BLINDED_ARM])
      expect(s.logRank).toBeNull()
      expect(s.pairwise).toEqual([])
      expect(s.cox).toBeNull()
    }
    for (const w of results.safety.windows) {
      expect(keys(w.columns)).toEqual([BLINDED_ARM])
      for (const c of w.summary) expect(c.test).toBeNull()
      for (const s of w.bySoc) expect(keys(s.counts)).toEqual([BLINDED_ARM])
    }
    for (const p of results.safety.postInfusion) expect(keys(p.columns)).toEqual([BLINDED_ARM])
    expect(results.baseline.columns.map((c) => c.key)).toEqual(['total'])
    expect(keys(results.consort.groups)).toEqual([BLINDED_ARM])
    for (const g of results.consort.groups) for (const p of g.periods) expect(p.reallocated).toEqual([])
  })

  it('pools: the blinded numbers are those of all subjects together', () => {
    const os = data.adtte.filter((r) => r.param === 'OS')
    const km = kaplanMeier(
      os.map((r) => r.time_months),
      os.map((r) => r.event),
      undefined,
      { confType: 'log-log' },
    )
    if (!km.ok) throw new Error('km')
    expect(results.survival[0]?.curves[0]?.surv).toEqual(km.value.strata[0]?.surv)
    const rows = data.adqs.filter((r) => r.param === 'ALSFRSR' && (r.period === 'double-blind' || r.ablfl))
    const fit = fitLmm(
      {
        columns: {
          value: rows.map((r) => r.value),
          month: rows.map((r) => r.month),
          subject: rows.map((r) => r.subject),
        },
      },
      { response: 'value', fixed: ['month'], random: { group: 'subject', slope: 'month' } },
    )
    if (!fit.ok) throw new Error('fit')
    const primary = results.efficacy.analyses.find((a) => a.endpoint === 'ALSFRSR' && a.set === 'primary')
    expect(primary?.slopes[0]?.estimate).toBeCloseTo(fit.value.fixed.estimate[1]!, 10)
    expect(results.safety.windows[0]?.columns[0]?.atRisk).toBe(data.adsl.filter((s) => s.pop['SAF']).length)
  })

  it('a blinded extraction carries no arm and no dose, and stays blinded whatever the run asks', () => {
    const blinded = blindDatasets(data, protocol)
    const armIds = new Set(protocol.arms.map((a) => a.id))
    expect(strings(blinded).filter((s) => armIds.has(s.value))).toEqual([])
    expect(
      blinded.adex.every((x) => x.dose_given === null && x.dose_per_kg === null && x.dose_prescribed === null),
    ).toBe(true)
    expect(blinded.adae.every((x) => x.dose_at_onset === null)).toBe(true)
    // who was re-allocated at month 6 would reveal the placebo patients
    const crossover = blinded.adds.filter((d) => d.period === 'crossover')
    expect(crossover.every((d) => d.allocated)).toBe(true)
    expect(blindDatasets(blinded, protocol)).toEqual(blinded)
    const run = runAnalysisPlan(protocol, blinded, { ...PLAN_OPTIONS, blinded: false })
    expect(run.ok && run.value.provenance.blinded).toBe(true)
    expect(run.ok && run.value.groups.map((g) => g.key)).toEqual([BLINDED_ARM])
  })
})
