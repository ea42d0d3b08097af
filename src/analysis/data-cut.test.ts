import { beforeAll, describe, expect, it } from 'vitest'
import type { ProtocolFile } from '../domain/index.ts'
import { DAYS_PER_MONTH } from '../instruments/index.ts'
import type { AnalysisDatasets } from './analysis-datasets.ts'
import { applyDataCut } from './data-cut.ts'
import { runAnalysisPlan } from './run-analysis-plan.ts'
import { loadFixture, PLAN_OPTIONS } from './test-fixture.test-support.ts'

let protocol: ProtocolFile
let data: AnalysisDatasets
const CUT = '2026-09-30'

beforeAll(async () => {
  ;({ protocol, data } = await loadFixture())
})

describe('an interim data cut', () => {
  it('keeps only what was known on the cut date', () => {
    const r = applyDataCut(data, CUT)
    if (!r.ok) throw new Error(r.problems[0]?.message)
    const cut = r.value
    expect(cut.meta.dataCutDate).toBe(CUT)
    expect(cut.adsl.length).toBe(data.adsl.filter((s) => s.rand_date <= CUT).length)
    expect(cut.adsl.length).toBeLessThan(data.adsl.length)
    expect(cut.adsl.every((s) => s.last_date <= CUT && (s.death_date ?? '') <= CUT)).toBe(true)
    expect(cut.adsl.filter((s) => s.eos_status === 'ongoing').length).toBeGreaterThan(0)
    expect(cut.adqs.every((q) => q.date <= CUT)).toBe(true)
    expect(cut.adae.every((a) => a.onset_date <= CUT && (a.end_date ?? '') <= CUT)).toBe(true)
    expect(cut.adex.every((x) => x.start.slice(0, 10) <= CUT)).toBe(true)
    expect(cut.adds.every((d) => d.start_date <= CUT && (d.end_date ?? '') <= CUT)).toBe(true)
    for (const t of cut.adtte) {
      const followUp = (Date.parse(CUT) - Date.parse(t.start_date)) / 86_400_000 / DAYS_PER_MONTH
      expect(t.time_months).toBeLessThanOrEqual(followUp + 1e-9)
      const original = data.adtte.find((o) => o.subject === t.subject && o.param === t.param)!
      if (original.time_months <= followUp) expect(t).toEqual(original)
      else expect(t).toMatchObject({ event: 0, evnt_desc: 'censored: data cut' })
    }
    const lateScreened = data.adscr.filter(
      (s) => s.screen_date <= CUT && s.outcome === 'randomized' && !cut.adsl.some((a) => a.subject === s.subject),
    )
    for (const s of lateScreened) expect(cut.adscr.find((x) => x.subject === s.subject)?.outcome).toBe('not-randomized')
  })

  it('is applied by the plan and stamped on the results', () => {
    const r = runAnalysisPlan(protocol, data, { ...PLAN_OPTIONS, blinded: false, dataCutDate: CUT })
    expect(r.ok && r.value.provenance.dataCutDate).toBe(CUT)
    expect(r.ok && r.value.consort.randomized).toBe(data.adsl.filter((s) => s.rand_date <= CUT).length)
  })

  it('refuses a cut after the extraction or a malformed date', () => {
    expect(applyDataCut(data, '2099-01-01')).toMatchObject({
      ok: false,
      problems: [{ code: 'out_of_range', path: 'dataCutDate' }],
    })
    expect(applyDataCut(data, '2026-02-30')).toMatchObject({ ok: false, problems: [{ code: 'invalid' }] })
    expect(applyDataCut(data, data.meta.dataCutDate)).toEqual({ ok: true, value: data })
  })

  it('the plan refuses datasets of another study or with arms the protocol does not know', () => {
    const other = {
      ...data,
      meta: { ...data.meta, studyId: 'OTHER' },
      adsl: data.adsl.map((s, i) => (i === 0 ? { ...s, arm: 'X9' } : s)),
    }
    const r = runAnalysisPlan(protocol, other, { ...PLAN_OPTIONS, blinded: false, populations: { efficacy: 'NOPE' } })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems.map((p) => p.path)).toEqual(['adsl.arm', 'meta.studyId', 'populations.efficacy'])
  })
})
