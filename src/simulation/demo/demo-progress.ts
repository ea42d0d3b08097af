/**
 * The demo's progress on a terminal: on a TTY one line redrawn in place (a bar, the simulated date, subjects
 * screened/randomized/active/dead and forms saved); otherwise one line per simulated quarter, so logs stay short.
 * Redraws are limited to a few per second of real time (the only wall-clock read, and only for display).
 */
import type { DemoProgress } from './run-trial.ts'

export interface ProgressStream {
  write(text: string): unknown
  readonly isTTY?: boolean | undefined
  readonly columns?: number | undefined
}

export interface ProgressReporter {
  readonly update: (progress: DemoProgress) => void
  /** A line about a phase after the simulation (analysis, report); ends the progress line first. */
  readonly note: (text: string) => void
  /** Ends the progress line. */
  readonly done: () => void
}

const REDRAW_MS = 100
const BAR = 24

/** One progress line (without line ending). */
export function progressLine(p: DemoProgress, barWidth = BAR): string {
  const filled = Math.round(Math.min(1, Math.max(0, p.fraction)) * barWidth)
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`
  return `${bar} ${p.date}  screened ${p.screened}  randomized ${p.randomized}  active ${p.active}  dead ${p.dead}  forms ${p.forms.toLocaleString('en-US')}`
}

/** A reporter writing to `stream` (stderr in the CLI); `quiet` writes nothing. */
export function progressReporter(stream: ProgressStream, options: { readonly quiet?: boolean } = {}): ProgressReporter {
  if (options.quiet) return { update: () => undefined, note: () => undefined, done: () => undefined }
  const tty = stream.isTTY === true
  let open = false
  let lastDraw = -Infinity
  let lastQuarter = ''
  let latest: DemoProgress | null = null
  const end = (): void => {
    if (open) stream.write('\n')
    open = false
  }
  return {
    update(p) {
      latest = p
      if (tty) {
        const now = performance.now()
        if (now - lastDraw < REDRAW_MS && p.fraction < 1) return
        lastDraw = now
        // A narrow terminal loses the bar first, then the end of the line (0 columns: not known).
        const width = stream.columns ? Math.max(20, stream.columns - 1) : 120
        const line = progressLine(p)
        const fitted = line.length <= width ? line : line.slice(line.indexOf(']') + 2, line.indexOf(']') + 2 + width)
        stream.write(`\r${fitted}\u001b[K`)
        open = true
        return
      }
      const quarter = `${p.date.slice(0, 4)}-Q${Math.floor((Number(p.date.slice(5, 7)) - 1) / 3) + 1}`
      if (quarter !== lastQuarter || p.fraction >= 1) {
        lastQuarter = quarter
        stream.write(`${progressLine(p)}\n`)
      }
    },
    note(text) {
      if (tty && latest && open) stream.write(`\r${progressLine(latest)}\u001b[K`)
      end()
      stream.write(`${text}\n`)
    },
    done: end,
  }
}
