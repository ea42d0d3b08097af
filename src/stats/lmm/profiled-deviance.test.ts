/**
 * The deviance and its exact derivatives. Reference: lme4 1.1-31 (`REMLcrit`/`deviance` of the visible oracle cases
 * in test/fixtures/oracle) for the deviance itself, and central finite differences for the derivatives
 * (agreement to ~1e-6 relative is what differencing allows).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { LmmData, LmmSpec } from './lmm-types.ts'
import { buildModelFrame } from './model-frame.ts'
import type { Crossproducts } from './profiled-deviance.ts'
import { crossproducts, evaluateDerivatives, evaluateDeviance, newWorkspace } from './profiled-deviance.ts'

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/oracle')

interface Case {
  input: LmmData
  options: { factor_levels: Record<string, string[]> }
  expected: { theta_lme4: number[]; loglik: number }
}
const load = (id: string): Case => JSON.parse(readFileSync(`${FIXTURES}/${id}.json`, 'utf8')) as Case

function prepare(c: Case, spec: LmmSpec): Crossproducts {
  const frame = buildModelFrame(c.input, { ...spec, factorLevels: c.options.factor_levels })
  if (!frame.ok) throw new Error(frame.problems[0]?.message)
  const cp = crossproducts(frame.value)
  if (!cp.ok) throw new Error('rank deficient')
  return cp.value
}

const SLEEP: LmmSpec = { response: 'Reaction', fixed: ['Days'], random: { group: 'Subject', slope: 'Days' } }
const ORTHO: LmmSpec = { response: 'distance', fixed: ['age*Sex'], random: { group: 'Subject', slope: 'age' } }

describe('profiled deviance', () => {
  it.each([
    ['lmm_sleepstudy_rs_reml', SLEEP, true],
    ['lmm_sleepstudy_rs_ml', SLEEP, false],
    ['lmm_sleepstudy_ri_reml', { ...SLEEP, random: { group: 'Subject' } }, true],
    ['lmm_orthodont_rs_reml', ORTHO, true],
  ] as const)('%s: equals -2 logLik of lme4 at lme4 theta', (id, spec, reml) => {
    const c = load(id)
    const cp = prepare(c, spec)
    const ev = evaluateDeviance(cp, c.expected.theta_lme4, reml, newWorkspace(cp))
    expect(ev).not.toBeNull()
    expect(-ev!.deviance / 2).toBeCloseTo(c.expected.loglik, 9)
  })

  const cases = [
    ['sleepstudy (t | g) REML', 'lmm_sleepstudy_rs_reml', SLEEP, true, [0.9, 0.2, 0.3]],
    ['sleepstudy (t | g) ML', 'lmm_sleepstudy_rs_reml', SLEEP, false, [1.3, -0.1, 0.15]],
    ['sleepstudy (1 | g) REML', 'lmm_sleepstudy_ri_reml', { ...SLEEP, random: { group: 'Subject' } }, true, [0.7]],
    ['Orthodont age*Sex (age | g) REML', 'lmm_orthodont_rs_reml', ORTHO, true, [1.5, -0.2, 0.2]],
    ['Orthodont age*Sex (1 | g) ML', 'lmm_orthodont_rs_reml', { ...ORTHO, random: { group: 'Subject' } }, false, [2.1]],
  ] as const

  it.each(cases)('%s: exact gradient and Hessian match finite differences', (_, id, spec, reml, theta) => {
    const cp = prepare(load(id), spec)
    const ws = newWorkspace(cp)
    const m = reml ? cp.n - cp.p : cp.n
    const s = theta.length
    const at = (th: readonly number[]) => {
      const ev = evaluateDeviance(cp, th, reml, ws)!
      const d = evaluateDerivatives(cp, ev, reml, ws)
      const grad = Array.from(d.ldGrad, (g, k) => g + (m * d.qGrad[k]!) / ev.pwrss)
      const hess = Array.from(d.ldHess, (h, kl) => {
        const k = Math.floor(kl / s)
        const l = kl % s
        return h + m * (d.qHess[kl]! / ev.pwrss - (d.qGrad[k]! * d.qGrad[l]!) / ev.pwrss ** 2)
      })
      return { value: ev.deviance, grad, hess, aInv: d.aInv, g: d.g }
    }
    const base = at(theta)
    const shifted = (k: number, h: number) => theta.map((v, j) => (j === k ? v + h : v))
    for (let k = 0; k < s; k++) {
      const h = 1e-5
      const fd = (at(shifted(k, h)).value - at(shifted(k, -h)).value) / (2 * h)
      expect(base.grad[k]).toBeCloseTo(fd, 5)
      for (let l = 0; l < s; l++) {
        const fdh = (at(shifted(k, h)).grad[l]! - at(shifted(k, -h)).grad[l]!) / (2 * h)
        expect(Math.abs(base.hess[k * s + l]! - fdh)).toBeLessThan(1e-5 * (1 + Math.abs(fdh)))
      }
      // d A^-1 / d theta_k = A^-1 G_k A^-1 (the Satterthwaite Jacobian up to sigma^2)
      const p = cp.p
      const up = at(shifted(k, h)).aInv
      const down = at(shifted(k, -h)).aInv
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          let exact = 0
          for (let a = 0; a < p; a++) {
            for (let b = 0; b < p; b++) exact += base.aInv[i * p + a]! * base.g[k]![a * p + b]! * base.aInv[b * p + j]!
          }
          const fdj = (up[i * p + j]! - down[i * p + j]!) / (2 * h)
          expect(Math.abs(exact - fdj)).toBeLessThan(1e-6 * (Math.abs(fdj) + Math.abs(base.aInv[i * p + j]!)))
        }
      }
    }
  })

  it('refuses a response that the fixed effects reproduce exactly', () => {
    const data: LmmData = {
      columns: { y: [1, 2, 3, 4, 5, 6], t: [0, 1, 0, 1, 0, 1], g: ['a', 'a', 'b', 'b', 'c', 'c'] },
    }
    const frame = buildModelFrame(data, { response: 'y', fixed: ['t', 'g'], random: { group: 'g' } })
    if (!frame.ok) throw new Error('frame')
    expect(crossproducts(frame.value)).toEqual({ ok: false, reason: 'exact_fit' })
  })

  it('returns null where the random effects reproduce the response exactly (Q is rounding noise)', () => {
    // every group on its own exact line y = a_g + b_g t: Q -> 0 as theta grows
    const t = [0, 1, 2, 0, 1, 2, 0, 1, 2]
    const y = [1, 3, 5, 2, 2.5, 3, 0, -1, -2]
    const frame = buildModelFrame(
      { columns: { y, t, g: [1, 1, 1, 2, 2, 2, 3, 3, 3] } },
      { response: 'y', fixed: ['t'], random: { group: 'g', slope: 't' } },
    )
    if (!frame.ok) throw new Error('frame')
    const cp = crossproducts(frame.value)
    if (!cp.ok) throw new Error('cp')
    const ws = newWorkspace(cp.value)
    expect(evaluateDeviance(cp.value, [1, 0, 1], true, ws)).not.toBeNull()
    expect(evaluateDeviance(cp.value, [1e9, 0, 1e9], true, ws)).toBeNull()
  })
})
