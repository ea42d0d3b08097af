/**
 * Validation and the structure every survival method sweeps over: times replaced by their rank among the distinct
 * times, groups/strata coded 0..k-1 in level order, and one stable ordering of the rows by (stratum, time).
 * Everything is linear or n log m with typed arrays, so a million rows take tens of milliseconds.
 */
import type { EventValue, GroupValue, SurvivalProblem, SurvivalWarning } from './survival-types.ts'
import { SurvivalWarningCode } from './survival-types.ts'

/** At most this many element-level problems are listed; a last one gives the total. */
const MAX_LISTED_PROBLEMS = 10

class ProblemList {
  readonly items: SurvivalProblem[] = []
  private extra = 0
  add(p: SurvivalProblem): void {
    if (this.items.length < MAX_LISTED_PROBLEMS) this.items.push(p)
    else this.extra++
  }
  done(): readonly SurvivalProblem[] {
    if (this.extra > 0) {
      this.items.push({ code: 'invalid', path: '', message: `${this.extra} more invalid values not listed` })
    }
    return this.items
  }
}

export interface CheckedSurv {
  readonly n: number
  readonly time: Float64Array
  readonly event: Uint8Array
  /** Range of the times and whether all are integers (lets `rankTimes` skip a pass). */
  readonly range: TimeRange
}

export interface TimeRange {
  readonly min: number
  readonly max: number
  readonly integral: boolean
}

/**
 * Checks the (time, event) pair: same length, at least one row, finite non-negative times, 0/1 events.
 * Times are copied into a Float64Array (the caller's array is never modified).
 */
export function checkSurv(
  time: ArrayLike<number>,
  event: ArrayLike<EventValue>,
): { ok: true; value: CheckedSurv } | { ok: false; problems: readonly SurvivalProblem[] } {
  const n = time.length
  if (n === 0) return { ok: false, problems: [{ code: 'invalid', path: 'time', message: 'no observations' }] }
  if (event.length !== n) {
    return {
      ok: false,
      problems: [{ code: 'invalid', path: 'event', message: `event has ${event.length} values, time has ${n}` }],
    }
  }
  const problems = new ProblemList()
  const t = new Float64Array(n)
  const e = new Uint8Array(n)
  let min = Infinity
  let max = -Infinity
  let integral = true
  for (let i = 0; i < n; i++) {
    const ti = time[i] as number
    if (typeof ti !== 'number' || !Number.isFinite(ti)) {
      problems.add({ code: 'invalid', path: `time[${i}]`, message: `time must be a finite number, got ${String(ti)}` })
    } else if (ti < 0) {
      problems.add({ code: 'out_of_range', path: `time[${i}]`, message: `time must be >= 0, got ${ti}` })
    }
    t[i] = ti
    if (ti < min) min = ti
    if (ti > max) max = ti
    if (integral && Math.floor(ti) !== ti) integral = false
    const ei = event[i]
    if (ei === 1 || ei === true) e[i] = 1
    else if (ei !== 0 && ei !== false) {
      problems.add({ code: 'invalid', path: `event[${i}]`, message: `event must be 0/1 or boolean, got ${String(ei)}` })
    }
  }
  const list = problems.done()
  return list.length > 0
    ? { ok: false, problems: list }
    : { ok: true, value: { n, time: t, event: e, range: { min, max, integral } } }
}

/** Time ranks: `rank[i]` indexes `unique`, the ascending distinct times. */
export interface TimeRanks {
  readonly unique: Float64Array
  readonly rank: Int32Array
}

/**
 * Ranks times among the distinct values. Integer times over a compact range (days, weeks) use a direct bucket
 * table, O(n); other times sort a copy (native typed-array sort) and binary-search each value.
 */
export function rankTimes(time: Float64Array, range: TimeRange): TimeRanks {
  const n = time.length
  const rank = new Int32Array(n)
  const { min, max, integral } = range
  if (integral && max - min <= 4 * n + 1024) {
    const span = max - min + 1
    const slot = new Int32Array(span).fill(-1)
    for (let i = 0; i < n; i++) slot[(time[i] as number) - min] = 0
    let m = 0
    for (let s = 0; s < span; s++) if (slot[s] === 0) slot[s] = m++
    const unique = new Float64Array(m)
    for (let s = 0; s < span; s++) {
      const r = slot[s] as number
      if (r >= 0) unique[r] = s + min
    }
    for (let i = 0; i < n; i++) rank[i] = slot[(time[i] as number) - min] as number
    return { unique, rank }
  }
  const sorted = Float64Array.from(time).sort()
  let m = 0
  for (let i = 0; i < n; i++) {
    if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i] as number
  }
  const unique = sorted.slice(0, m)
  for (let i = 0; i < n; i++) {
    const t = time[i] as number
    let lo = 0
    let hi = m - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((unique[mid] as number) < t) lo = mid + 1
      else hi = mid
    }
    rank[i] = lo
  }
  return { unique, rank }
}

/** Group values coded 0..k-1 in level order. */
export interface GroupCodes {
  readonly levels: readonly GroupValue[]
  readonly code: Int32Array
  /** Rows per level. */
  readonly size: Int32Array
}

/** Default level order: numbers ascending, strings in code-point order (R sorts factor levels alike in the C locale). */
function defaultLevelOrder(a: GroupValue, b: GroupValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'number') return -1
  if (typeof b === 'number') return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Range of the values when all are integers over a compact range (arm 1..4, site 1..40), else null. */
function compactIntegers(values: ArrayLike<GroupValue>, n: number): { min: number; span: number } | null {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (typeof v !== 'number' || !Number.isInteger(v)) return null
    if (v < min) min = v
    if (v > max) max = v
  }
  const span = max - min + 1
  return span <= 4 * n + 1024 ? { min, span } : null
}

/**
 * Codes group values against `levels` (default: the sorted distinct values). Levels without rows are dropped with
 * an `empty_group` warning, as R's `strata()` drops unused factor levels. Values not among `levels`, and
 * non-finite numbers, are input errors. Compact integer codes use a direct table instead of a Map (a million
 * Map lookups would dominate the cost of a Kaplan-Meier fit).
 */
export function codeGroups(
  values: ArrayLike<GroupValue>,
  n: number,
  path: string,
  levels: readonly GroupValue[] | undefined,
  warnings: SurvivalWarning[],
): { ok: true; value: GroupCodes } | { ok: false; problems: readonly SurvivalProblem[] } {
  if (values.length !== n) {
    return {
      ok: false,
      problems: [{ code: 'invalid', path, message: `${path} has ${values.length} values, time has ${n}` }],
    }
  }
  const compact = compactIntegers(values, n)
  let order: GroupValue[]
  if (levels) order = [...levels]
  else if (compact) {
    const present = new Uint8Array(compact.span)
    for (let i = 0; i < n; i++) present[(values[i] as number) - compact.min] = 1
    order = []
    for (let s = 0; s < compact.span; s++) if (present[s] === 1) order.push(s + compact.min)
  } else {
    const seen = new Set<GroupValue>()
    for (let i = 0; i < n; i++) {
      const v = values[i] as GroupValue
      if (typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string') seen.add(v)
    }
    order = [...seen].sort(defaultLevelOrder)
  }
  const index = new Map<GroupValue, number>()
  order.forEach((lv, j) => index.set(lv, j))
  const min = compact?.min ?? 0
  let table: Int32Array | null = null
  if (compact) {
    table = new Int32Array(compact.span).fill(-1)
    order.forEach((lv, j) => {
      if (typeof lv === 'number' && lv >= compact.min && lv - compact.min < compact.span) table![lv - compact.min] = j
    })
  }
  const problems = new ProblemList()
  const raw = new Int32Array(n)
  const counts = new Int32Array(order.length)
  for (let i = 0; i < n; i++) {
    const j =
      table !== null ? (table[(values[i] as number) - min] as number) : (index.get(values[i] as GroupValue) ?? -1)
    if (j < 0) {
      problems.add({
        code: 'invalid',
        path: `${path}[${i}]`,
        message: levels
          ? `value ${String(values[i])} is not among the levels`
          : `invalid group value ${String(values[i])}`,
      })
      continue
    }
    raw[i] = j
    counts[j]!++
  }
  const list = problems.done()
  if (list.length > 0) return { ok: false, problems: list }
  const remap = new Int32Array(order.length)
  const kept: GroupValue[] = []
  const empty: string[] = []
  for (let j = 0; j < order.length; j++) {
    if ((counts[j] as number) > 0) {
      remap[j] = kept.length
      kept.push(order[j] as GroupValue)
    } else empty.push(String(order[j]))
  }
  if (empty.length > 0) {
    warnings.push({
      code: SurvivalWarningCode.EmptyGroup,
      message: `${path}: level(s) without rows dropped: ${empty.join(', ')}`,
      subjects: empty,
    })
    for (let i = 0; i < n; i++) raw[i] = remap[raw[i] as number] as number
  }
  const size = new Int32Array(kept.length)
  for (let j = 0; j < order.length; j++) if ((counts[j] as number) > 0) size[remap[j] as number] = counts[j] as number
  return { ok: true, value: { levels: kept, code: raw, size } }
}

/**
 * Row order by (stratum, time rank), stable in the original row order (as R's `order(strata, time)`): two
 * counting-sort passes, O(n + m + k). `strata` null means one stratum.
 */
export function orderByStratumTime(
  rank: Int32Array,
  m: number,
  strata: Int32Array | null,
  nStrata: number,
): Int32Array {
  const n = rank.length
  const byTime = new Int32Array(n)
  const start = new Int32Array(m + 1)
  for (let i = 0; i < n; i++) start[(rank[i] as number) + 1]!++
  for (let r = 0; r < m; r++) start[r + 1]! += start[r] as number
  for (let i = 0; i < n; i++) byTime[start[rank[i] as number]!++] = i
  if (strata === null || nStrata <= 1) return byTime
  const out = new Int32Array(n)
  const sStart = new Int32Array(nStrata + 1)
  for (let i = 0; i < n; i++) sStart[(strata[i] as number) + 1]!++
  for (let s = 0; s < nStrata; s++) sStart[s + 1]! += sStart[s] as number
  for (let j = 0; j < n; j++) {
    const i = byTime[j] as number
    out[sStart[strata[i] as number]!++] = i
  }
  return out
}

/**
 * Event and censoring counts per (outer, time, inner) cell holding at least one row, sorted by outer code, then
 * time, then inner code. `outer` is the group of a Kaplan-Meier curve or the stratum of a log-rank test, `inner`
 * the group of a log-rank test; null means a single level.
 */
export interface CountTable {
  readonly length: number
  readonly outer: Int32Array
  readonly rank: Int32Array
  readonly inner: Int32Array
  readonly events: Int32Array
  readonly censored: Int32Array
}

/**
 * Tabulates rows into a `CountTable`. When the full cell grid is small next to n (few groups, times on a grid:
 * the usual trial shapes) rows are counted straight into the grid, one sequential pass; otherwise the rows are
 * ordered by (outer, time) and each block is counted on its own. `strategy` forces one path (for tests).
 */
export function tabulate(
  rank: Int32Array,
  m: number,
  event: Uint8Array,
  outer: Int32Array | null,
  nOuter: number,
  inner: Int32Array | null,
  nInner: number,
  strategy: 'auto' | 'grid' | 'blocks' = 'auto',
): CountTable {
  const n = rank.length
  const no = outer === null ? 1 : nOuter
  const ni = inner === null ? 1 : nInner
  const cells = no * m * ni
  const useGrid = strategy === 'grid' || (strategy === 'auto' && cells <= 2 * n + 4096)
  const alloc = (size: number) => ({
    outer: new Int32Array(size),
    rank: new Int32Array(size),
    inner: new Int32Array(size),
    events: new Int32Array(size),
    censored: new Int32Array(size),
  })
  let out: ReturnType<typeof alloc>
  let len = 0
  if (useGrid) {
    const ev = new Int32Array(cells)
    const ce = new Int32Array(cells)
    for (let i = 0; i < n; i++) {
      const o = outer === null ? 0 : (outer[i] as number)
      const g = inner === null ? 0 : (inner[i] as number)
      const cell = (o * m + (rank[i] as number)) * ni + g
      if (event[i] === 1) ev[cell]!++
      else ce[cell]!++
    }
    let used = 0
    for (let cell = 0; cell < cells; cell++) if ((ev[cell] as number) + (ce[cell] as number) > 0) used++
    out = alloc(used)
    for (let cell = 0; cell < cells; cell++) {
      const e = ev[cell] as number
      const c = ce[cell] as number
      if (e + c === 0) continue
      const g = cell % ni
      const rest = (cell - g) / ni
      const r = rest % m
      out.outer[len] = (rest - r) / m
      out.rank[len] = r
      out.inner[len] = g
      out.events[len] = e
      out.censored[len] = c
      len++
    }
  } else {
    out = alloc(n)
    const order = orderByStratumTime(rank, m, outer, no)
    const ev = new Int32Array(ni)
    const ce = new Int32Array(ni)
    const touched: number[] = []
    for (let j = 0; j < n;) {
      const first = order[j] as number
      const o = outer === null ? 0 : (outer[first] as number)
      const r = rank[first] as number
      for (; j < n; j++) {
        const i = order[j] as number
        if (rank[i] !== r || (outer !== null && outer[i] !== o)) break
        const g = inner === null ? 0 : (inner[i] as number)
        if (ev[g] === 0 && ce[g] === 0) touched.push(g)
        if (event[i] === 1) ev[g]!++
        else ce[g]!++
      }
      touched.sort((a, b) => a - b)
      for (const g of touched) {
        out.outer[len] = o
        out.rank[len] = r
        out.inner[len] = g
        out.events[len] = ev[g] as number
        out.censored[len] = ce[g] as number
        len++
        ev[g] = 0
        ce[g] = 0
      }
      touched.length = 0
    }
  }
  return {
    length: len,
    outer: out.outer.subarray(0, len),
    rank: out.rank.subarray(0, len),
    inner: out.inner.subarray(0, len),
    events: out.events.subarray(0, len),
    censored: out.censored.subarray(0, len),
  }
}
