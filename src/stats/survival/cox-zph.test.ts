/**
 * cox.zph options against R 4.2.2 / survival 3.5-3 on survival::veteran (data from the extra oracle case
 * cox_veteran_trt_karno_celltype; `test` = trt - 1). The default transform is also checked on every extra Cox
 * case in oracle.test.ts.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CoxData } from './cox-data.ts'
import { coxph } from './cox-ph.ts'
import { coxZph } from './cox-zph.ts'

type Columns = Record<string, number[]>
const VETERAN = (
  JSON.parse(
    readFileSync(
      resolve(import.meta.dirname, '../../../test/fixtures/oracle-extra/cox_veteran_trt_karno_celltype.json'),
      'utf8',
    ),
  ) as { input: { columns: Columns } }
).input.columns

function data(names: readonly string[], ties?: 'breslow'): { data: CoxData; ties: 'efron' | 'breslow' } {
  const covariates = Object.fromEntries(names.map((n) => [n, VETERAN[n]!]))
  return { data: { time: VETERAN.time!, event: VETERAN.event!, covariates }, ties: ties ?? 'efron' }
}

function zph(names: readonly string[], opts: Parameters<typeof coxZph>[2] = {}, ties?: 'breslow') {
  const d = data(names, ties)
  const fit = coxph(d.data, { ties: d.ties })
  if (!fit.ok) throw new Error('fit failed')
  const z = coxZph(fit.value, d.data, opts)
  if (!z.ok) throw new Error(JSON.stringify(z.problems))
  return z.value
}

const chisq = (z: ReturnType<typeof zph>) => [...z.table.map((t) => t.chisq), z.global.chisq]

describe('coxZph', () => {
  // fit <- coxph(Surv(time, status) ~ trt + karno + age, data = veteran)
  it.each([
    ['identity', [1.113803186272925, 4.654533495559652, 0.972445081358008, 10.189143384674281]],
    ['rank', [0.278016902529006, 12.640406973844796, 2.041434754150302, 19.749653967760803]],
    ['log', [0.163108503712151, 9.570387411995354, 3.488509933625703, 16.932236065004247]],
    ['km', [0.283546926469633, 12.002957449757549, 2.099517624512885, 19.10166478625365]],
  ] as const)('transform %s matches cox.zph(fit, transform = ...)$table', (transform, expected) => {
    const z = zph(['test', 'karno', 'age'], { transform })
    chisq(z).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 9))
    expect(z.global.df).toBe(3)
  })

  it("returns R's scaled Schoenfeld residuals and transformed times (head(z$y), head(z$x))", () => {
    const z = zph(['test', 'karno', 'age'])
    const y = [
      [2.32890593764659, -0.1190094303083683, 0.0145464524056262],
      [2.84236931561279, -0.0547615773351523, -0.2686961058422443],
      [2.76256265549729, -0.0791844175092245, -0.1866366084561124],
      [-1.40033622500244, -0.0986959176825811, -0.1788641571047958],
    ]
    y.forEach((row, e) => row.forEach((v, j) => expect(z.residuals[e]![j]).toBeCloseTo(v, 10)))
    expect(z.time.slice(0, 4)).toEqual([1, 1, 2, 3])
    ;[0, 0, 0.0145985401459854, 0.0218978102189781].forEach((v, e) => expect(z.x[e]).toBeCloseTo(v, 14))
  })

  it('tests a multi-column term jointly, as R does for a factor', () => {
    // fit2 <- coxph(Surv(time, status) ~ celltype + karno, data = veteran); cox.zph(fit2)
    const z = zph(['smallcell', 'adeno', 'large', 'karno'], { terms: { celltype: ['smallcell', 'adeno', 'large'] } })
    expect(z.table.map((t) => [t.term, t.df])).toEqual([
      ['celltype', 3],
      ['karno', 1],
    ])
    ;[14.0662320569739, 14.4157537741776, 23.649865574077].forEach((v, i) => expect(chisq(z)[i]).toBeCloseTo(v, 9))
    expect(z.table[0]!.pValue).toBeCloseTo(2.81637181050668e-3, 12)
    // head(z2$y, 3): the factor column is the linear predictor of its indicators, rescaled, plus 1
    ;[
      [-4.825054350033489, -0.1219108265942662],
      [-4.37323036867922, -0.0253831796427586],
      [0.712267414822389, -0.0474779893306026],
    ].forEach((row, e) => row.forEach((v, j) => expect(z.residuals[e]![j]).toBeCloseTo(v, 9)))
  })

  it("follows the fit's tie method (Breslow)", () => {
    // cox.zph(coxph(Surv(time, status) ~ trt + karno, data = veteran, ties = "breslow"))$table
    const z = zph(['test', 'karno'], {}, 'breslow')
    ;[0.313676891992128, 11.749242597614669, 13.37293147560741].forEach((v, i) => expect(chisq(z)[i]).toBeCloseTo(v, 9))
  })

  it("refuses data that do not hold the fit's covariates", () => {
    const d = data(['test', 'karno'])
    const fit = coxph(d.data)
    if (!fit.ok) throw new Error('fit failed')
    const other = coxZph(fit.value, { ...d.data, covariates: { karno: VETERAN.karno! } })
    expect(other.ok ? [] : other.problems.map((p) => p.path)).toEqual(['data.covariates'])
    const badTerm = coxZph(fit.value, d.data, { terms: { x: ['nope'] } })
    expect(badTerm.ok).toBe(false)
  })
})
