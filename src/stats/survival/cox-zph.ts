/**
 * Test of proportional hazards from the Schoenfeld residuals, as R `survival` 3.5's `cox.zph` (zph1.c): a score
 * test, at the fitted coefficients, for adding the interaction of each covariate with g(t), where g is the
 * transformed time centred over the events ("km": 1 - left-continuous Kaplan-Meier of all data, R's default).
 * One backward sweep gives the 2p score vector and 2p x 2p information, so the cost is O(n p^2).
 */
import { chisqSf } from '../distributions.ts'
import { CHOLESKY_TOLERANCE, cholesky2, chsolve2 } from './cholesky.ts'
import type { CoxData } from './cox-data.ts'
import { prepareCox } from './cox-data.ts'
import type { CoxFit } from './cox-ph.ts'
import type { SurvivalResult, SurvivalWarning } from './survival-types.ts'

/** g(t): `'km'` (default) 1 - S(t-) of the pooled Kaplan-Meier; `'rank'` average ranks; `'log'`; `'identity'`. */
export type ZphTransform = 'km' | 'identity' | 'rank' | 'log'

export interface CoxZphOptions {
  readonly transform?: ZphTransform
  /**
   * Terms made of several covariate columns (e.g. the indicators of one factor), tested jointly as R does for a
   * factor term: `{ ecog: ['ecog1', 'ecog2'] }`. Columns not listed are terms of their own.
   */
  readonly terms?: Readonly<Record<string, readonly string[]>>
}

export interface CoxZphTest {
  readonly term: string
  readonly chisq: number
  readonly df: number
  readonly pValue: number
}

export interface CoxZphResult {
  readonly transform: ZphTransform
  /** One test per term, in model order. */
  readonly table: readonly CoxZphTest[]
  /** Joint test of all terms (R's `GLOBAL` row). */
  readonly global: CoxZphTest
  /** Event times, sorted by stratum then time, and their transform g(t) (R's `$time`, `$x`). */
  readonly time: readonly number[]
  readonly x: readonly number[]
  /** Scaled Schoenfeld residuals + coefficient (R's `$y`): one row per event, one column per term; null = NA. */
  readonly residuals: readonly (readonly (number | null)[])[]
}

const problem = (path: string, message: string): SurvivalResult<never> => ({
  ok: false,
  problems: [{ code: 'invalid', path, message }],
})

/** Solves the symmetric system A s = b (A row-major m x m, not modified) by the generalized Cholesky. */
function solveSym(a: Float64Array, m: number, b: Float64Array): Float64Array {
  const f = Float64Array.from(a)
  cholesky2(f, m, CHOLESKY_TOLERANCE)
  const y = Float64Array.from(b)
  chsolve2(f, m, y)
  return y
}

/**
 * Proportional-hazards test of a Cox fit (R `cox.zph(fit)`): per-term and global chi-square, with the scaled
 * Schoenfeld residuals for plotting. `data` is the data the fit was computed from.
 *
 * @example
 * const data = { time, event, covariates: { age, female } }
 * const fit = coxph(data)
 * if (fit.ok) {
 *   const zph = coxZph(fit.value, data)
 *   if (zph.ok) zph.value.global.pValue // small p: hazards not proportional
 * }
 */
export function coxZph(fit: CoxFit, data: CoxData, opts: CoxZphOptions = {}): SurvivalResult<CoxZphResult> {
  const transform = opts.transform ?? 'km'
  const warnings: SurvivalWarning[] = []
  const prepared = prepareCox(data, warnings)
  if (!prepared.ok) return prepared
  const prep = prepared.value
  const { n, sortedStatus, sortedRank, stratumEnd } = prep
  const p = fit.terms.length
  if (p === 0) return problem('fit', 'the fit has no estimated coefficient')
  const cols = fit.terms.map((t) => prep.names.indexOf(t))
  const missing = fit.terms.filter((_, j) => (cols[j] as number) < 0)
  if (missing.length > 0)
    return problem('data.covariates', `covariates of the fit missing from data: ${missing.join(', ')}`)
  const fcoef = fit.coefficients.map((c) => c.coef)

  // term structure: each group of columns is one term
  const groupOf = new Map<string, string>()
  for (const [term, members] of Object.entries(opts.terms ?? {})) {
    for (const m of members) {
      if (!fit.terms.includes(m)) return problem(`terms.${term}`, `${m} is not an estimated term of the fit`)
      groupOf.set(m, term)
    }
  }
  const termNames: string[] = []
  const asgn: number[][] = []
  fit.terms.forEach((t, j) => {
    const name = groupOf.get(t) ?? t
    const at = termNames.indexOf(name)
    if (at < 0) {
      termNames.push(name)
      asgn.push([j])
    } else (asgn[at] as number[]).push(j)
  })

  // covariates of the fit, centred by their plain mean (zph1.c), and the linear predictor
  const x = new Float64Array(n * p)
  const eta = new Float64Array(n)
  for (let j = 0; j < p; j++) {
    const src = cols[j] as number
    const q = prep.p
    let sum = 0
    for (let s = 0; s < n; s++) sum += prep.x[s * q + src] as number
    const mean = sum / n
    const b = fcoef[j] as number
    for (let s = 0; s < n; s++) {
      const v = (prep.x[s * q + src] as number) - mean
      x[s * p + j] = v
      eta[s]! += b * v
    }
  }

  // g(t) per sorted row, centred over the events
  const times = prep.uniqueTimes
  const gRow = new Float64Array(n)
  if (transform === 'km') {
    const m = times.length
    const atRiskFrom = new Float64Array(m + 1)
    const deaths = new Float64Array(m)
    for (let s = 0; s < n; s++) {
      atRiskFrom[sortedRank[s] as number]! += 1
      deaths[sortedRank[s] as number]! += sortedStatus[s] as number
    }
    for (let r = m - 1; r >= 0; r--) atRiskFrom[r]! += atRiskFrom[r + 1] as number
    const before = new Float64Array(m)
    let km = 1
    for (let r = 0; r < m; r++) {
      before[r] = km
      const nr = atRiskFrom[r] as number
      const d = deaths[r] as number
      if (d > 0) km *= (nr - d) / nr
    }
    for (let s = 0; s < n; s++) gRow[s] = 1 - (before[sortedRank[s] as number] as number)
  } else if (transform === 'rank') {
    // average rank of the time among all rows (R's rank(), ties averaged)
    const count = new Float64Array(times.length)
    for (let s = 0; s < n; s++) count[sortedRank[s] as number]! += 1
    const avg = new Float64Array(times.length)
    let below = 0
    for (let r = 0; r < times.length; r++) {
      const c = count[r] as number
      avg[r] = below + (c + 1) / 2
      below += c
    }
    for (let s = 0; s < n; s++) gRow[s] = avg[sortedRank[s] as number] as number
  } else {
    for (let s = 0; s < n; s++) {
      const t = times[sortedRank[s] as number] as number
      gRow[s] = transform === 'log' ? Math.log(t) : t
    }
    if (transform === 'log' && gRow.some((g) => !Number.isFinite(g))) {
      return { ok: false, problems: [{ code: 'out_of_range', path: 'time', message: 'log transform needs times > 0' }] }
    }
  }
  let nEvent = 0
  let gSum = 0
  for (let s = 0; s < n; s++) {
    if (sortedStatus[s] === 1) {
      nEvent++
      gSum += gRow[s] as number
    }
  }
  if (nEvent === 0) return problem('event', 'no events')
  const gMean = gSum / nEvent
  for (let s = 0; s < n; s++) gRow[s]! -= gMean

  const sweep = zphSweep(x, eta, gRow, sortedRank, sortedStatus, stratumEnd, n, p, fit.ties === 'efron', nEvent)
  const { u, imat, schoen, used, nStrata } = sweep
  const p2 = 2 * p

  // per-term and global score tests: the first p score components are 0 at the fitted beta
  const scoreTest = (jj: readonly number[]): number => {
    const kk = [...Array.from({ length: p }, (_, i) => i), ...jj.map((j) => j + p)]
    const m = kk.length
    const sub = new Float64Array(m * m)
    const uu = new Float64Array(m)
    kk.forEach((a, r) => {
      uu[r] = r < p ? 0 : (u[a] as number)
      kk.forEach((b, c) => (sub[r * m + c] = imat[a * p2 + b] as number))
    })
    const sol = solveSym(sub, m, uu)
    let t = 0
    for (let r = 0; r < m; r++) t += (sol[r] as number) * (uu[r] as number)
    return t
  }
  const table = termNames.map((term, i) => {
    const jj = asgn[i] as number[]
    const chisq = scoreTest(jj)
    return { term, chisq, df: jj.length, pValue: chisqSf(chisq, jj.length) }
  })
  const globalChisq = scoreTest(Array.from({ length: p }, (_, j) => j))
  const global = { term: 'GLOBAL', chisq: globalChisq, df: p, pValue: chisqSf(globalChisq, p) }

  // scaled Schoenfeld residuals (R: rescaled within stratum by the average information, plus beta)
  const nterm = termNames.length
  const temp = new Float64Array(p * nterm)
  asgn.forEach((jj, i) => jj.forEach((j) => (temp[j * nterm + i] = jj.length === 1 ? 1 : (fcoef[j] as number))))
  const wt = new Float64Array(p * p)
  for (let s = 0; s < nStrata; s++) {
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) {
        wt[a * p + b]! += Math.min(used[s * p + a] as number, used[s * p + b] as number)
      }
    }
  }
  const vmeanFull = new Float64Array(p * p)
  for (let a = 0; a < p * p; a++)
    vmeanFull[a] = (imat[Math.floor(a / p) * p2 + (a % p)] as number) / (wt[a] === 0 ? 1 : (wt[a] as number))
  // collapse multi-column terms: residual r' T, information T' V T
  const vmean = new Float64Array(nterm * nterm)
  for (let a = 0; a < nterm; a++) {
    for (let b = 0; b < nterm; b++) {
      let s = 0
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++)
          s += (temp[i * nterm + a] as number) * (vmeanFull[i * p + j] as number) * (temp[j * nterm + b] as number)
      }
      vmean[a * nterm + b] = s
    }
  }
  const resid: (number | null)[][] = []
  for (let e = 0; e < nEvent; e++) {
    const row: (number | null)[] = []
    for (let a = 0; a < nterm; a++) {
      let s = 0
      for (let j = 0; j < p; j++) s += (schoen[e * p + j] as number) * (temp[j * nterm + a] as number)
      row.push(s)
    }
    resid.push(row)
  }
  const usedTerm = (s: number, a: number): number => used[s * p + ((asgn[a] as number[])[0] as number)] as number
  let rowStart = 0
  for (let s = 0; s < nStrata; s++) {
    let rows = 0
    for (let a = 0; a < p; a++) rows = Math.max(rows, used[s * p + a] as number)
    const k: number[] = []
    for (let a = 0; a < nterm; a++) if (usedTerm(s, a) > 0) k.push(a)
    if (k.length > 0) {
      const m = k.length
      const vk = new Float64Array(m * m)
      k.forEach((a, r) => k.forEach((b, c) => (vk[r * m + c] = vmean[a * nterm + b] as number)))
      for (let e = rowStart; e < Math.min(rowStart + rows, nEvent); e++) {
        const row = resid[e] as (number | null)[]
        const sol = solveSym(vk, m, Float64Array.from(k.map((a) => row[a] as number)))
        for (let a = 0; a < nterm; a++) row[a] = null
        k.forEach((a, r) => (row[a] = sol[r] as number))
      }
    }
    rowStart += rows
  }
  for (const row of resid) {
    for (let a = 0; a < nterm; a++) {
      const v = row[a]
      const jj = asgn[a] as number[]
      if (v !== null && v !== undefined) row[a] = v + (jj.length === 1 ? (fcoef[jj[0] as number] as number) : 1)
    }
  }

  const eventTimes: number[] = []
  const eventX: number[] = []
  for (let s = 0; s < n; s++) {
    if (sortedStatus[s] === 1) {
      eventTimes.push(times[sortedRank[s] as number] as number)
      eventX.push((gRow[s] as number) + gMean)
    }
  }
  return { ok: true, value: { transform, table, global, time: eventTimes, x: eventX, residuals: resid } }
}

/** zph1.c: score, information (2p x 2p) and unscaled Schoenfeld residuals in one backward sweep. */
function zphSweep(
  x: Float64Array,
  eta: Float64Array,
  g: Float64Array,
  rank: Int32Array,
  status: Uint8Array,
  stratumEnd: Uint8Array,
  n: number,
  p: number,
  efron: boolean,
  nEventTotal: number,
): { u: Float64Array; imat: Float64Array; schoen: Float64Array; used: Float64Array; nStrata: number } {
  const p2 = 2 * p
  const u = new Float64Array(p2)
  const imat = new Float64Array(p2 * p2)
  const schoen = new Float64Array(nEventTotal * p)
  const a = new Float64Array(p)
  const a2 = new Float64Array(p)
  const cmat = new Float64Array(p * p)
  const cmat2 = new Float64Array(p * p)

  // strata boundaries in sorted order, and "used": events of the stratum if the covariate varies in it, else 0
  const starts: number[] = [0]
  for (let s = 0; s < n - 1; s++) if (stratumEnd[s] === 1) starts.push(s + 1)
  const nStrata = starts.length
  const used = new Float64Array(nStrata * p)
  starts.forEach((from, si) => {
    const to = si + 1 < nStrata ? (starts[si + 1] as number) : n
    let d = 0
    for (let s = from; s < to; s++) d += status[s] as number
    for (let j = 0; j < p; j++) {
      const first = x[from * p + j]
      for (let s = from + 1; s < to; s++) {
        if (x[s * p + j] !== first) {
          used[si * p + j] = d
          break
        }
      }
    }
  })

  let nevent = nEventTotal
  let denom = 0
  for (let ip = n - 1; ip >= 0;) {
    if (stratumEnd[ip] === 1) {
      denom = 0
      a.fill(0)
      cmat.fill(0)
    }
    const dtime = rank[ip]
    const timewt = g[ip] as number
    let ndead = 0
    let denom2 = 0
    const blockStart = ip
    for (; ip >= 0; ip--) {
      if (rank[ip] !== dtime || (ip !== blockStart && stratumEnd[ip] === 1)) break // ties do not cross strata
      const risk = Math.exp(eta[ip] as number)
      if (status[ip] === 0) {
        denom += risk
        for (let i = 0; i < p; i++) {
          const xi = x[ip * p + i] as number
          a[i]! += risk * xi
          for (let j = 0; j <= i; j++) cmat[i * p + j]! += risk * xi * (x[ip * p + j] as number)
        }
      } else {
        ndead++
        denom2 += risk
        nevent--
        for (let i = 0; i < p; i++) {
          const xi = x[ip * p + i] as number
          schoen[nevent * p + i] = xi
          u[i]! += xi
          u[i + p]! += timewt * xi
          a2[i]! += risk * xi
          for (let j = 0; j <= i; j++) cmat2[i * p + j]! += risk * xi * (x[ip * p + j] as number)
        }
      }
    }
    if (ndead === 0) continue
    if (!efron) {
      denom += denom2
      for (let i = 0; i < p; i++) {
        a[i]! += a2[i] as number
        const mean = (a[i] as number) / denom
        u[i]! -= ndead * mean
        u[i + p]! -= timewt * ndead * mean
        for (let j = 0; j <= i; j++) {
          cmat[i * p + j]! += cmat2[i * p + j] as number
          const t = (ndead * ((cmat[i * p + j] as number) - mean * (a[j] as number))) / denom
          imat[j * p2 + i]! += t
          imat[j * p2 + i + p]! += t * timewt
          imat[(j + p) * p2 + i + p]! += t * timewt * timewt
        }
        for (let d = 0; d < ndead; d++) schoen[(nevent + d) * p + i]! -= mean
      }
    } else {
      for (let i = 0; i < p; i++) {
        let tmean = 0
        for (let k = 0; k < ndead; k++) {
          const f = (k + 1) / ndead
          tmean += ((a[i] as number) + (a2[i] as number) * f) / (denom + denom2 * f)
        }
        for (let d = 0; d < ndead; d++) schoen[(nevent + d) * p + i]! -= tmean / ndead
      }
      for (let k = 0; k < ndead; k++) {
        denom += denom2 / ndead
        for (let i = 0; i < p; i++) {
          a[i]! += (a2[i] as number) / ndead
          const mean = (a[i] as number) / denom
          u[i]! -= mean
          u[i + p]! -= timewt * mean
          for (let j = 0; j <= i; j++) {
            cmat[i * p + j]! += (cmat2[i * p + j] as number) / ndead
            const t = ((cmat[i * p + j] as number) - mean * (a[j] as number)) / denom
            imat[j * p2 + i]! += t
            imat[j * p2 + i + p]! += timewt * t
            imat[(j + p) * p2 + i + p]! += timewt * timewt * t
          }
        }
      }
    }
    a2.fill(0)
    cmat2.fill(0)
  }
  // fill the symmetric parts
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < i; j++) {
      imat[i * p2 + j] = imat[j * p2 + i] as number
      imat[i * p2 + j + p] = imat[j * p2 + i + p] as number
      imat[(i + p) * p2 + j + p] = imat[(j + p) * p2 + i + p] as number
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) imat[(i + p) * p2 + j] = imat[j * p2 + i + p] as number
  return { u, imat, schoen, used, nStrata }
}
