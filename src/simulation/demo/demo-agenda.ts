/**
 * The demo's diary: what each member of the study team does at which minute of which study day, run in time
 * order. Ties keep the order in which tasks were planned, so a seed always replays the same sequence.
 */

/** A moment of the study: day since the study start and minute of that day (480 = 08:00). */
export interface Moment {
  readonly day: number
  readonly minute: number
}

interface Entry {
  readonly at: number
  readonly seq: number
  readonly run: () => Promise<void>
}

const MINUTES_PER_DAY = 1440

/** A min-heap of tasks by time, then by planning order. */
export class Agenda {
  #heap: Entry[] = []
  #seq = 0

  get size(): number {
    return this.#heap.length
  }

  /** Plans `run` at `when` (a minute outside 0–1439 spills into the next or previous day). */
  add(when: Moment, run: () => Promise<void>): void {
    this.#push({ at: when.day * MINUTES_PER_DAY + when.minute, seq: this.#seq++, run })
  }

  /** The next task and its moment, removed from the diary; undefined when nothing is left. */
  next(): { readonly when: Moment; readonly run: () => Promise<void> } | undefined {
    const top = this.#pop()
    if (!top) return undefined
    return { when: { day: Math.floor(top.at / MINUTES_PER_DAY), minute: top.at % MINUTES_PER_DAY }, run: top.run }
  }

  /** The moment of the next task without removing it. */
  peek(): Moment | undefined {
    const top = this.#heap[0]
    return top && { day: Math.floor(top.at / MINUTES_PER_DAY), minute: top.at % MINUTES_PER_DAY }
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #push(e: Entry): void {
    const h = this.#heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#less(h[i] as Entry, h[parent] as Entry)) break
      ;[h[i], h[parent]] = [h[parent] as Entry, h[i] as Entry]
      i = parent
    }
  }

  #pop(): Entry | undefined {
    const h = this.#heap
    const top = h[0]
    const last = h.pop()
    if (!top || !last || h.length === 0) return top
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && this.#less(h[l] as Entry, h[m] as Entry)) m = l
      if (r < h.length && this.#less(h[r] as Entry, h[m] as Entry)) m = r
      if (m === i) break
      ;[h[i], h[m]] = [h[m] as Entry, h[i] as Entry]
      i = m
    }
    return top
  }
}
