/**
 * Exact p-value of Fisher's test for an r × c table: the total probability, under independence with both margins
 * fixed, of all tables at most as probable as the observed one. The sum runs over a network, in the manner of
 * Mehta & Patel's network algorithm (FEXACT, which R's `fisher.test` calls):
 *
 * - Stage k has filled the first k columns; a node is the multiset of row totals still to be filled, so every
 *   partial table that leaves the same multiset shares the node (rows are exchangeable in the rest of the problem).
 * - Each node keeps its "past" values (Σ -log n_ij! over the filled cells) with their multiplicities; equal pasts
 *   are merged.
 * - Bounds on the rest of the path prune it: when even the most probable completion is at most as probable as the
 *   observed table, the node's whole remaining mass (a closed form) is added; when even the least probable
 *   completion is more probable, the past is dropped. Only the undecided pasts go on to the next stage.
 * - With two columns left, the completions of a node are enumerated once, sorted, and summed by prefix sums, so
 *   each past costs one binary search.
 *
 * All arithmetic is in log space. Tables whose log-probability is within R's FEXACT tolerance (3.45254e-7,
 * absolute in log space, i.e. a relative 3.5e-7 in probability) of the observed one count as "as extreme".
 */

/** FEXACT's tolerance on log-probabilities: the square root of the smallest relative spacing of its floats. */
export const FEXACT_LOG_TOLERANCE = 3.45254e-7

/** Growable list of (past value, multiplicity) pairs. */
class Pasts {
  values = new Float64Array(4)
  weights = new Float64Array(4)
  size = 0
  push(value: number, weight: number): void {
    if (this.size === this.values.length) {
      const v = new Float64Array(this.size * 2)
      v.set(this.values)
      this.values = v
      const w = new Float64Array(this.size * 2)
      w.set(this.weights)
      this.weights = w
    }
    this.values[this.size] = value
    this.weights[this.size] = weight
    this.size++
  }
  /** Sorts by value and merges values equal within 1e-9 (the edges are sums of the same log-factorials). */
  sortAndMerge(): void {
    const n = this.size
    const order = new Int32Array(n)
    for (let i = 0; i < n; i++) order[i] = i
    const vals = this.values
    order.sort((a, b) => (vals[a] as number) - (vals[b] as number))
    const v = new Float64Array(Math.max(n, 1))
    const w = new Float64Array(Math.max(n, 1))
    let m = -1
    for (let i = 0; i < n; i++) {
      const j = order[i] as number
      const value = vals[j] as number
      if (m >= 0 && value - (v[m] as number) <= 1e-9) w[m] = (w[m] as number) + (this.weights[j] as number)
      else {
        m++
        v[m] = value
        w[m] = this.weights[j] as number
      }
    }
    this.values = v
    this.weights = w
    this.size = m + 1
  }
}

interface Node {
  readonly rows: Int32Array
  readonly pasts: Pasts
}

/**
 * Fisher's exact p-value of an r × c table of counts (no all-zero rows or columns; at least 2 × 2).
 * @example fisherNetworkPValue([[3, 1, 0, 2], [1, 4, 2, 0], [0, 2, 5, 3]]) // 0.0379668861264323 (R: fisher.test)
 */
export function fisherNetworkPValue(table: readonly (readonly number[])[]): number {
  // Nodes are keyed by the remaining totals of the shorter dimension; the stages run over the longer one.
  const t = (table[0]?.length ?? 0) < table.length ? transpose(table) : table
  const rowTotals = t.map((row) => row.reduce((a, b) => a + b, 0))
  const nCols = t[0]?.length ?? 0
  const colTotals = Array.from({ length: nCols }, (_, j) => t.reduce((a, row) => a + (row[j] as number), 0))
  const n = rowTotals.reduce((a, b) => a + b, 0)
  const lf = logFactorials(n)
  // Largest columns first: the remaining totals shrink fast, so later stages have few distinct nodes.
  const cols = [...colTotals].sort((a, b) => b - a)
  let constant = -(lf[n] as number)
  for (const x of rowTotals) constant += lf[x] as number
  for (const x of cols) constant += lf[x] as number
  let observed = 0
  for (const row of t) for (const x of row) observed -= lf[x] as number
  const threshold = observed + FEXACT_LOG_TOLERANCE

  const r = rowTotals.length
  const keyOf = nodeKeyEncoder(r, n)
  const start = Int32Array.from(rowTotals).sort().reverse()
  if (cols.length === 2) {
    const c = twoColumnCompletions(start, cols[0] as number, lf)
    return clampProbability(Math.exp(constant) * c.massUpTo(threshold))
  }

  // Σ_{j ≥ k} log c_j!, for the closed-form mass of a node's completions.
  const colTailLf = new Float64Array(cols.length + 1)
  for (let k = cols.length - 1; k >= 0; k--)
    colTailLf[k] = (colTailLf[k + 1] as number) + (lf[cols[k] as number] as number)
  // Sorted completions of the nodes with two columns left, shared by every parent that reaches them.
  const completionCache = new Map<number | string, Completions>()
  const bound = lagrangianBound(cols.slice(-3), Math.max(...rowTotals), lf)
  const startPasts = new Pasts()
  startPasts.push(0, 1)
  let stage = new Map<number | string, Node>([[keyOf(start), { rows: start, pasts: startPasts }]])
  let pValue = 0
  const childRows = new Int32Array(r)
  const sortedChild = new Int32Array(r)

  for (let k = 0; k <= cols.length - 3; k++) {
    const next = new Map<number | string, Node>()
    const colsLeft = cols.slice(k)
    const childrenHaveTwoColumns = k === cols.length - 3
    for (const node of stage.values()) {
      const pasts = node.pasts
      pasts.sortAndMerge()
      let remaining = 0
      let rowsLf = 0
      for (const x of node.rows) {
        remaining += x
        rowsLf += lf[x] as number
      }
      const best = maxFuture(node.rows, colsLeft, lf)
      const worst = minFuture(node.rows, colsLeft, lf)
      const logMass = (lf[remaining] as number) - rowsLf - (colTailLf[k] as number)
      // Pasts are sorted: a prefix is decided "all as extreme", a suffix "none"; the middle goes on.
      let from = 0
      for (; from < pasts.size && (pasts.values[from] as number) + best <= threshold; from++) {
        pValue += (pasts.weights[from] as number) * Math.exp(constant + (pasts.values[from] as number) + logMass)
      }
      let to = from
      while (to < pasts.size && (pasts.values[to] as number) + worst <= threshold) to++
      if (to === from) continue
      if (childrenHaveTwoColumns) {
        // Chunks of pasts spanning at most 600 nats, so exp(p - first) stays finite.
        for (let a = from; a < to;) {
          let b = a + 1
          while (b < to && (pasts.values[b] as number) - (pasts.values[a] as number) <= 600) b++
          pValue += settleAgainstCompletions(node.rows, pasts, a, b, cols[k] as number, cols[k + 1] as number)
          a = b
        }
        continue
      }
      forEachColumnFill(node.rows, cols[k] as number, lf, (x, edge, multiplicity) => {
        for (let j = 0; j < r; j++) childRows[j] = (node.rows[j] as number) - (x[j] as number)
        sortDescendingInto(childRows, sortedChild)
        const key = keyOf(sortedChild)
        let child = next.get(key)
        if (!child) {
          child = { rows: sortedChild.slice(), pasts: new Pasts() }
          next.set(key, child)
        }
        for (let j = from; j < to; j++) {
          child.pasts.push((pasts.values[j] as number) + edge, (pasts.weights[j] as number) * multiplicity)
        }
      })
    }
    stage = next
  }
  return clampProbability(pValue)

  /**
   * A node with three columns left: every split x of its next column leads to a child with two columns left,
   * whose completions are sorted once (and cached); each undecided past is settled against them. The splits are
   * enumerated row by row with branch and bound: for a partial split, a Lagrangian bound U on the best value of
   * any completion in the subtree (column totals relaxed with multipliers log c_j) tells which pasts count with
   * every table below, and those take the subtree's whole mass in closed form (by Vandermonde's identity,
   * Σ_x Π C(r_i, x_i) over the free rows is one binomial coefficient). Only the pasts still undecided go deeper;
   * at a full split, the child's exact best and worst completions decide the rest, and the pasts in between are
   * looked up in its sorted completions.
   */
  function settleAgainstCompletions(
    rows: Int32Array,
    pasts: Pasts,
    from: number,
    to: number,
    c: number,
    cNext: number,
  ): number {
    // Σ w exp(p - p0) over the pasts from..j, scaled by p0 = the first undecided past to stay in range.
    const p0 = pasts.values[from] as number
    const pastPrefix = new Float64Array(to - from + 1)
    const pastScaled = new Float64Array(to - from)
    for (let j = from; j < to; j++) {
      const e = (pasts.weights[j] as number) * Math.exp((pasts.values[j] as number) - p0)
      pastScaled[j - from] = e
      pastPrefix[j - from + 1] = (pastPrefix[j - from] as number) + e
    }
    const values = pasts.values
    const nRows = rows.length
    // suffix sums over rows: remaining capacity and the bound of free rows
    const restRows = new Int32Array(nRows + 1)
    const restBound = new Float64Array(nRows + 1)
    let rowsLf = 0
    for (let i = nRows - 1; i >= 0; i--) {
      const ri = rows[i] as number
      restRows[i] = (restRows[i + 1] as number) + ri
      restBound[i] = (restBound[i + 1] as number) + (bound.h3[ri] as number)
      rowsLf += lf[ri] as number
    }
    // log of Σ over all completions below a partial split, apart from Π C(r_i, x_i) and C(rest, s)
    const massBase =
      constant +
      p0 +
      (lf[(restRows[0] as number) - c] as number) -
      (lf[cNext] as number) -
      (lf[(restRows[0] as number) - c - cNext] as number) -
      rowsLf
    const x = new Int32Array(nRows)
    let sum = 0

    const leaf = (edge: number, lo: number): void => {
      for (let j = 0; j < nRows; j++) childRows[j] = (rows[j] as number) - (x[j] as number)
      sortDescendingInto(childRows, sortedChild)
      const key = keyOf(sortedChild)
      let comp = completionCache.get(key)
      if (!comp) {
        comp = twoColumnCompletions(sortedChild, cNext, lf)
        completionCache.set(key, comp)
      }
      const prefix = comp.prefix
      // pasts j < allEnd take everything; pasts j ≥ noneStart take nothing
      const allEnd = upperBound(values, lo, to, threshold - edge - comp.top)
      const noneStart = upperBound(values, allEnd, to, threshold - edge - comp.lowest)
      let edgeSum =
        ((pastPrefix[allEnd - from] as number) - (pastPrefix[lo - from] as number)) *
        (prefix[prefix.length - 1] as number)
      for (let j = allEnd; j < noneStart; j++) {
        const count = comp.countUpTo(threshold - edge - (values[j] as number))
        edgeSum += (pastScaled[j - from] as number) * (prefix[count] as number)
      }
      sum += Math.exp(constant + p0 + edge + comp.top) * edgeSum
    }

    /** Rows < i are fixed; s of column c is left for rows ≥ i; pasts [lo, to) are undecided in this subtree. */
    const rec = (i: number, s: number, edge: number, logBinom: number, fixedBound: number, lo: number): void => {
      if (i < nRows - 1) {
        const upper = fixedBound + (restBound[i] as number) - bound.offset
        const cut = upperBound(values, lo, to, threshold - upper)
        if (cut > lo) {
          const mass = massBase + logBinom + logChooseIn(lf, restRows[i] as number, s)
          sum += ((pastPrefix[cut - from] as number) - (pastPrefix[lo - from] as number)) * Math.exp(mass)
          lo = cut
          if (lo === to) return
        }
      } else {
        // the last row takes what is left
        if (s > (rows[i] as number)) return
        x[i] = s
        leaf(edge - (lf[s] as number), lo)
        return
      }
      const ri = rows[i] as number
      const vMin = Math.max(0, s - (restRows[i + 1] as number))
      const vMax = Math.min(ri, s)
      for (let v = vMin; v <= vMax; v++) {
        x[i] = v
        rec(
          i + 1,
          s - v,
          edge - (lf[v] as number),
          logBinom + logChooseIn(lf, ri, v),
          fixedBound + bound.lambda1 * v - (lf[v] as number) + (bound.h2[ri - v] as number),
          lo,
        )
      }
    }
    rec(0, c, 0, 0, 0, from)
    return sum
  }
}

/** First index in sorted values[from, to) whose value exceeds `limit` (binary search). */
function upperBound(values: Float64Array, from: number, to: number, limit: number): number {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((values[mid] as number) <= limit) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Tables for the Lagrangian bound on the best completion of a node with three columns (totals c_1, c_2, c_3)
 * left: with λ_j = log c_j, any such table has value Σ_ij -log n_ij! ≤ Σ_i max_{n_i.} Σ_j (λ_j n_ij - log n_ij!) -
 * Σ_j λ_j c_j. `h2[m]` is the row maximum over the last two columns for a row remainder m, `h3[m]` over all
 * three, `offset` = Σ_j λ_j c_j.
 */
function lagrangianBound(
  cols3: readonly number[],
  maxRow: number,
  lf: Float64Array,
): { lambda1: number; h2: Float64Array; h3: Float64Array; offset: number } {
  const [c1, c2, c3] = cols3.length === 3 ? (cols3 as [number, number, number]) : [1, 1, 1]
  const l1 = Math.log(c1)
  const l2 = Math.log(c2)
  const l3 = Math.log(c3)
  const h2 = new Float64Array(maxRow + 1)
  const h3 = new Float64Array(maxRow + 1)
  for (let m = 0; m <= maxRow; m++) {
    let best = -Infinity
    for (let v = 0; v <= m; v++)
      best = Math.max(best, l2 * v - (lf[v] as number) + l3 * (m - v) - (lf[m - v] as number))
    h2[m] = best
  }
  for (let m = 0; m <= maxRow; m++) {
    let best = -Infinity
    for (let v = 0; v <= m; v++) best = Math.max(best, l1 * v - (lf[v] as number) + (h2[m - v] as number))
    h3[m] = best
  }
  return { lambda1: l1, h2, h3, offset: l1 * c1 + l2 * c2 + l3 * c3 }
}

function logChooseIn(lf: Float64Array, a: number, b: number): number {
  return (lf[a] as number) - (lf[b] as number) - (lf[a - b] as number)
}

function clampProbability(p: number): number {
  return Math.min(1, Math.max(0, p))
}

/**
 * The completions of a node with two columns left, sorted by value, with prefix sums of their scaled mass and a
 * bucket index over the value range, so that "how many completions have value ≤ limit" is found in O(1) steps
 * on average (this lookup is the inner loop of the whole test).
 */
class Completions {
  /** Completion values, ascending. */
  readonly sorted: Float64Array
  /** prefix[i] = Σ_{k < i} multiplicity_k exp(sorted_k - top). */
  readonly prefix: Float64Array
  readonly lowest: number
  readonly top: number
  private readonly bucketStart: Int32Array
  private readonly bucketScale: number
  constructor(values: readonly number[], mults: readonly number[]) {
    const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number))
    const len = order.length
    this.top = values[order[len - 1] as number] as number
    this.lowest = values[order[0] as number] as number
    this.sorted = new Float64Array(len)
    this.prefix = new Float64Array(len + 1)
    order.forEach((idx, i) => {
      this.sorted[i] = values[idx] as number
      this.prefix[i + 1] =
        (this.prefix[i] as number) + (mults[idx] as number) * Math.exp((values[idx] as number) - this.top)
    })
    // bucketStart[b] = first index whose value is ≥ lowest + b / bucketScale
    const buckets = 2 * len
    this.bucketScale = this.top > this.lowest ? buckets / (this.top - this.lowest) : 0
    this.bucketStart = new Int32Array(buckets + 1)
    let i = 0
    for (let b = 0; b <= buckets; b++) {
      const edge = this.lowest + b / (this.bucketScale || 1)
      while (i < len && (this.sorted[i] as number) < edge) i++
      this.bucketStart[b] = i
    }
  }
  /** Number of completions with value ≤ limit. */
  countUpTo(limit: number): number {
    if (limit < this.lowest) return 0
    if (limit >= this.top) return this.sorted.length
    const b = Math.floor((limit - this.lowest) * this.bucketScale)
    // The answer lies within bucket b: binary search there (buckets near the mode can be crowded).
    let lo = this.bucketStart[b] as number
    let hi = this.bucketStart[b + 1] ?? this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((this.sorted[mid] as number) <= limit) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  /** Σ multiplicity · exp(f) over the completions with value f ≤ limit. */
  massUpTo(limit: number): number {
    return (this.prefix[this.countUpTo(limit)] as number) * Math.exp(this.top)
  }
}

/**
 * Every split of column `c` over the rows fixes the last column, so a node with two columns left has one
 * completion per split: value -Σ log x_i! - Σ log (r_i - x_i)!.
 */
function twoColumnCompletions(rows: Int32Array, c: number, lf: Float64Array): Completions {
  const values: number[] = []
  const mults: number[] = []
  forEachColumnFill(rows, c, lf, (x, edge, multiplicity) => {
    let last = edge
    for (let j = 0; j < rows.length; j++) last -= lf[(rows[j] as number) - (x[j] as number)] as number
    values.push(last)
    mults.push(multiplicity)
  })
  return new Completions(values, mults)
}

/** Node keys: the sorted remaining totals as one number in base n+1 when that is exact, else a string. */
function nodeKeyEncoder(r: number, n: number): (rows: Int32Array) => number | string {
  if (Math.pow(n + 1, r) < Number.MAX_SAFE_INTEGER) {
    return (rows) => {
      let key = 0
      for (let i = 0; i < rows.length; i++) key = key * (n + 1) + (rows[i] as number)
      return key
    }
  }
  return (rows) => rows.join(',')
}

function sortDescendingInto(src: Int32Array, dst: Int32Array): void {
  dst.set(src)
  for (let i = 1; i < dst.length; i++) {
    const v = dst[i] as number
    let j = i - 1
    while (j >= 0 && (dst[j] as number) < v) {
      dst[j + 1] = dst[j] as number
      j--
    }
    dst[j + 1] = v
  }
}

function transpose(m: readonly (readonly number[])[]): number[][] {
  const cols = m[0]?.length ?? 0
  return Array.from({ length: cols }, (_, j) => m.map((row) => row[j] as number))
}

function logFactorials(n: number): Float64Array {
  const lf = new Float64Array(n + 2)
  for (let i = 2; i <= n + 1; i++) lf[i] = (lf[i - 1] as number) + Math.log(i)
  return lf
}

/**
 * Calls `visit` for every way to split `total` over rows with capacities `caps` (sorted non-increasing; x_i ≤
 * caps_i), with the edge value -Σ log x_i! and a multiplicity. Rows with equal capacity are exchangeable, so
 * splits that differ by a permutation within such a block lead to the same child with the same edge value; they
 * are enumerated once (non-increasing within the block) and weighted by the number of distinct permutations.
 */
function forEachColumnFill(
  caps: Int32Array,
  total: number,
  lf: Float64Array,
  visit: (x: Int32Array, edge: number, multiplicity: number) => void,
): void {
  const r = caps.length
  const x = new Int32Array(r)
  const suffixCap = new Int32Array(r + 1)
  for (let i = r - 1; i >= 0; i--) suffixCap[i] = (suffixCap[i + 1] as number) + (caps[i] as number)
  const rec = (i: number, left: number, edge: number): void => {
    if (i === r) {
      if (left === 0) visit(x, edge, permutationsWithinBlocks(caps, x, lf))
      return
    }
    const cap = caps[i] as number
    const upper = Math.min(cap, left, i > 0 && caps[i - 1] === cap ? (x[i - 1] as number) : Infinity)
    const lower = Math.max(0, left - (suffixCap[i + 1] as number))
    for (let v = lower; v <= upper; v++) {
      x[i] = v
      rec(i + 1, left - v, edge - (lf[v] as number))
    }
    x[i] = 0
  }
  rec(0, total, 0)
}

/** Number of distinct arrangements of x within each block of equal capacities (caps sorted non-increasing). */
function permutationsWithinBlocks(caps: Int32Array, x: Int32Array, lf: Float64Array): number {
  let logCount = 0
  let any = false
  for (let i = 0; i < caps.length;) {
    let j = i
    while (j < caps.length && caps[j] === caps[i]) j++
    if (j - i > 1) {
      any = true
      // (block size)! / Π (run length)! over the runs of equal values of x in the block
      logCount += lf[j - i] as number
      for (let k = i; k < j;) {
        let e = k
        while (e < j && x[e] === x[k]) e++
        logCount -= lf[e - k] as number
        k = e
      }
    }
    i = j
  }
  return any ? Math.round(Math.exp(logCount)) : 1
}

/**
 * Upper bound on Σ -log n_ij! over the completions of a node: each column (then each row) filled on its own as
 * evenly as its capacities allow, which is the best a column can do; the tighter of the two relaxations.
 */
function maxFuture(rows: Int32Array, cols: readonly number[], lf: Float64Array): number {
  let byCols = 0
  for (const c of cols) byCols -= evenFillCost(c, rows, lf)
  let byRows = 0
  for (const r of rows) byRows -= evenFillCost(r, cols, lf)
  return Math.min(byCols, byRows)
}

/** Lower bound on Σ -log n_ij! over the completions: each column (then each row) as concentrated as possible. */
function minFuture(rows: Int32Array, cols: readonly number[], lf: Float64Array): number {
  let byCols = 0
  for (const c of cols) byCols -= concentratedFillCost(c, rows, lf)
  let byRows = 0
  for (const r of rows) byRows -= concentratedFillCost(r, cols, lf)
  return Math.max(byCols, byRows)
}

/** min Σ log x_i! subject to Σ x_i = total, 0 ≤ x_i ≤ caps_i: water-filling (log k! is convex). */
function evenFillCost(total: number, caps: ArrayLike<number>, lf: Float64Array): number {
  const sorted = Array.from(caps).sort((a, b) => a - b)
  let left = total
  let m = sorted.length
  let cost = 0
  for (const cap of sorted) {
    if (cap * m >= left) break
    cost += lf[cap] as number
    left -= cap
    m--
  }
  if (m === 0) return cost
  const q = Math.floor(left / m)
  const extra = left - q * m
  return cost + extra * (lf[q + 1] as number) + (m - extra) * (lf[q] as number)
}

/** max Σ log x_i! subject to Σ x_i = total, 0 ≤ x_i ≤ caps_i: fill the largest capacities first. */
function concentratedFillCost(total: number, caps: ArrayLike<number>, lf: Float64Array): number {
  const sorted = Array.from(caps).sort((a, b) => b - a)
  let left = total
  let cost = 0
  for (const cap of sorted) {
    if (left === 0) break
    const take = Math.min(cap, left)
    cost += lf[take] as number
    left -= take
  }
  return cost
}
