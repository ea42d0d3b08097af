import { describe, expect, it } from 'vitest'
import type { ArmId } from '../domain/index.ts'
import { compileScheme, subjectStratum } from './scheme.ts'
import { enumerateStrata, stratumKey, stratumLevels, subjectLevels } from './strata.ts'
import { editedProtocol, referenceProtocol, withFirstAllocation } from './test-protocols.ts'

const ratio = { D1: 1, D2: 1, D3: 1, P: 1 }

function scheme(version = referenceProtocol(), stage?: string) {
  const compiled = compileScheme(version, stage)
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems))
  return compiled.value
}

describe('strata', () => {
  const { protocol } = referenceProtocol()
  const factor = (id: string) => protocol.stratification.factors.find((f) => f.id === id)!

  it('enumerates site × onset in stratifyBy order, first factor slowest', () => {
    expect(enumerateStrata(protocol, [factor('site'), factor('onset')])).toEqual([
      'site=MAL;onset=bulbar',
      'site=MAL;onset=spinal',
      'site=COR;onset=bulbar',
      'site=COR;onset=spinal',
      'site=SVM;onset=bulbar',
      'site=SVM;onset=spinal',
      'site=SVR;onset=bulbar',
      'site=SVR;onset=spinal',
    ])
    expect(enumerateStrata(protocol, [])).toEqual(['all'])
  })

  it('round-trips a key to its levels', () => {
    const key = stratumKey([
      ['site', 'COR'],
      ['progression', 'fast'],
    ])
    expect(key).toBe('site=COR;progression=fast')
    expect(stratumLevels(key)).toEqual([
      ['site', 'COR'],
      ['progression', 'fast'],
    ])
  })

  it('cuts ΔFS at the protocol thresholds: below 0.5 slow, below 1.0 intermediate, else fast', () => {
    const level = (deltaFS: number) => {
      const r = subjectLevels(protocol, [factor('progression')], { siteId: 'MAL', values: { deltaFS } })
      return r.ok ? r.value['progression'] : r.problems
    }
    expect([level(0), level(0.49), level(0.5), level(0.99), level(1.0), level(3.2)]).toEqual([
      'slow',
      'slow',
      'intermediate',
      'intermediate',
      'fast',
      'fast',
    ])
  })

  it('reports every missing or unknown value at once, with the factor as path', () => {
    const r = subjectLevels(protocol, protocol.stratification.factors, { siteId: 'XXX', values: { onset: 'limb' } })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems.map((p) => [p.code, p.path])).toEqual([
      ['invalid', 'site'],
      ['invalid', 'onset'],
      ['required', 'deltaFS'],
    ])
  })
})

describe('compileScheme', () => {
  it('compiles the reference double-blind stage: arms sorted, stratified by the four sites', () => {
    const s = scheme()
    expect(s.periodId).toBe('double-blind')
    expect(s.arms).toEqual(['D1', 'D2', 'D3', 'P'])
    expect(s.weights).toEqual([1, 1, 1, 1])
    expect(s.strata).toEqual(['site=MAL', 'site=COR', 'site=SVM', 'site=SVR'])
    expect(s.schemeHash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('compiles the crossover stage: 1:1:1 over the doses, one stratum', () => {
    const s = scheme(referenceProtocol(), 'crossover')
    expect(s.arms).toEqual(['D1', 'D2', 'D3'])
    expect(s.strata).toEqual(['all'])
    expect(s.schemeHash).not.toBe(scheme().schemeHash)
  })

  it('names the stage problem: unknown stage, stage without allocation', () => {
    const unknown = compileScheme(referenceProtocol(), 'nope')
    const none = compileScheme(referenceProtocol(), 'extension')
    expect(unknown.ok || unknown.problems[0]).toMatchObject({ code: 'not_found', path: 'stage' })
    expect(unknown.ok || unknown.problems[0]?.message).toContain('double-blind, crossover')
    expect(none.ok || none.problems[0]).toMatchObject({ code: 'invalid', path: 'stage' })
  })

  it('refuses block sizes that are not a multiple of the ratio total, with the path', () => {
    const r = compileScheme(
      withFirstAllocation({ method: 'permuted-blocks', ratio, blockSizes: [4, 6], stratifyBy: [] }),
    )
    expect(r.ok || r.problems).toEqual([
      {
        code: 'invalid',
        path: 'periods[0].allocation.blockSizes[1]',
        message: 'block size 6 is not a multiple of the ratio total 4',
      },
    ])
  })

  it('refuses unknown factors and arms, and blinded labels that differ by arm', () => {
    const r = compileScheme(
      editedProtocol((p) => {
        p.periods[0]!.allocation = {
          method: 'permuted-blocks',
          ratio: { ...ratio, X: 1 },
          blockSizes: [5],
          stratifyBy: ['region'],
        }
        p.arms[3]!.blindedLabel = 'Placebo bag'
      }),
    )
    expect(r.ok || r.problems.map((p) => p.path)).toEqual([
      'periods[0].allocation.ratio.X',
      'periods[0].allocation.stratifyBy[0]',
      'arms[3].blindedLabel',
    ])
  })

  it('keys the generator by the allocation, not by unrelated protocol text or the set of sites', () => {
    const base = scheme().schemeHash
    const newVisitLabel = editedProtocol((p) => (p.visits[0]!.label = 'Screening (amended)'))
    const newSite = editedProtocol((p) => p.sites.push({ id: 'GRA', name: 'Hospital de Granada', country: 'ES' }))
    const newBlocks = withFirstAllocation({ method: 'permuted-blocks', ratio, blockSizes: [4], stratifyBy: ['site'] })
    expect(scheme(newVisitLabel).schemeHash).toBe(base)
    expect(scheme(newSite).schemeHash).toBe(base)
    expect(scheme(newSite).strata).toContain('site=GRA')
    expect(scheme(newBlocks).schemeHash).not.toBe(base)
  })

  it('computes a subject stratum from the factor sources', () => {
    const version = withFirstAllocation({
      method: 'permuted-blocks',
      ratio,
      blockSizes: [4],
      stratifyBy: ['site', 'onset', 'progression'],
    })
    const s = scheme(version)
    const r = subjectStratum(version.protocol, s, { siteId: 'SVR', values: { onset: 'bulbar', deltaFS: 0.8 } })
    expect(r).toEqual({ ok: true, value: 'site=SVR;onset=bulbar;progression=intermediate' })
    expect(s.strata).toHaveLength(4 * 2 * 3)
    expect(s.arms.includes('P' as ArmId)).toBe(true)
  })
})
