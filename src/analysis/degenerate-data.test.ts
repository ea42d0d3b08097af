/**
 * Small and degenerate data: the plan never throws and never writes NaN; what cannot be estimated is reported as
 * not estimable with a reason.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ProtocolFile } from '../domain/index.ts'
import type { AnalysisDatasets } from './analysis-datasets.ts'
import { AnalysisResults as ResultsSchema } from './analysis-results.ts'
import { runAnalysisPlan } from './run-analysis-plan.ts'
import { loadFixture, PLAN_OPTIONS } from './test-fixture.test-support.ts'

let protocol: ProtocolFile
let data: AnalysisDatasets

beforeAll(async () => {
  ;({ protocol, data } = await loadFixture())
})

/** The datasets restricted to `subjects` (and their screening/extraction rows). */
function only(subjects: ReadonlySet<string>, from: AnalysisDatasets = data): AnalysisDatasets {
  const keep = <T extends { subject: string }>(rows: readonly T[]) => rows.filter((r) => subjects.has(r.subject))
  return {
    meta: from.meta,
    adsl: keep(from.adsl),
    adqs: keep(from.adqs),
    adtte: keep(from.adtte),
    adae: keep(from.adae),
    adex: keep(from.adex),
    adfeas: keep(from.adfeas),
    adds: keep(from.adds),
    adscr: keep(from.adscr),
  }
}

function run(datasets: AnalysisDatasets, blinded = false) {
  const r = runAnalysisPlan(protocol, datasets, { ...PLAN_OPTIONS, blinded })
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '))
  const valid = ResultsSchema.safeParse(r.value)
  if (!valid.success) throw new Error(JSON.stringify(valid.error.issues.slice(0, 3)))
  return r.value
}

describe('degenerate data', () => {
  it('no subject at all: every analysis not estimable, counts zero', () => {
    const r = run(only(new Set()))
    expect(r.consort.randomized).toBe(0)
    expect(r.efficacy.analyses.every((a) => a.status === 'not-estimable' && (a.reason ?? '').length > 0)).toBe(true)
    expect(r.survival.every((s) => s.status === 'not-estimable')).toBe(true)
    expect(r.baseline.rows.find((x) => x.id === 'age')).toMatchObject({ kind: 'continuous' })
    expect(r.recruitment.byMonth).toEqual([])
  })

  it('one arm only: slopes for that arm, no contrasts, and a reason', () => {
    const placebo = new Set(data.adsl.filter((s) => s.arm === 'P').map((s) => s.subject))
    const r = run(only(placebo))
    const primary = r.efficacy.analyses.find((a) => a.endpoint === 'ALSFRSR' && a.set === 'primary')!
    expect(primary.status).toBe('estimated')
    expect(primary.slopes.map((s) => s.key)).toEqual(['P'])
    expect(primary.contrasts).toEqual([])
    expect(primary.reason).toContain('no slope for D1, D2, D3')
    expect(r.survival[0]?.logRank).toBeNull()
  })

  it('the control arm missing: slopes of the others, no contrasts', () => {
    const active = new Set(data.adsl.filter((s) => s.arm !== 'P').map((s) => s.subject))
    const r = run(only(active))
    const primary = r.efficacy.analyses.find((a) => a.endpoint === 'ALSFRSR' && a.set === 'primary')!
    expect(primary.slopes.map((s) => s.key)).toEqual(['D1', 'D2', 'D3'])
    expect(primary.contrasts).toEqual([])
    expect(primary.reason).toContain('control arm has no slope')
    expect(r.survival[0]?.cox).toBeNull()
    expect(r.efficacy.crossover.every((x) => x.status === 'not-estimable')).toBe(true)
  })

  it('an endpoint without data and survival without events', () => {
    const d = {
      ...data,
      adqs: data.adqs.filter((r) => r.param !== 'ECAS'),
      adtte: data.adtte.map((r) => ({ ...r, event: 0 as const })),
    }
    const r = run(d)
    const ecas = r.efficacy.analyses.filter((a) => a.endpoint === 'ECAS')
    expect(ecas.every((a) => a.status === 'not-estimable' && a.reason?.includes('too few subjects'))).toBe(true)
    expect(r.notes.some((n) => n.startsWith('ECAS total (primary'))).toBe(true)
    for (const s of r.survival) {
      expect(s.curves.every((c) => c.events === 0 && c.median.estimate === null)).toBe(true)
      expect(s.logRank).toBeNull()
      expect(s.cox?.status).toBe('not-estimable')
    }
  })

  it('baseline-only data: slopes not estimable', () => {
    const r = run({ ...data, adqs: data.adqs.filter((r) => r.ablfl) })
    expect(r.efficacy.analyses.every((a) => a.status === 'not-estimable')).toBe(true)
  })

  it('any subset of subjects and visits, blinded or not: a valid result and no exception', () => {
    const subjects = data.adsl.map((s) => s.subject)
    fc.assert(
      fc.property(
        fc.subarray(subjects, { minLength: 0, maxLength: 7 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (chosen, keepShare, blinded) => {
          const d = only(new Set(chosen))
          const thinned = { ...d, adqs: d.adqs.filter((_, i) => (i * 0.618) % 1 < keepShare) }
          const r = run(thinned, blinded)
          expect(r.consort.randomized).toBe(chosen.length)
          expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/)
        },
      ),
      { numRuns: 20, seed: 20260112 },
    )
  })
})
