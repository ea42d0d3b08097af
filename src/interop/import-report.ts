/**
 * What an import read, what it skipped and why, which vendor extensions it met, and which parts of the resulting
 * protocol are placeholders for the data manager to fill in. Entries are aggregated (construct + reason) with a
 * count and the first few line numbers, so the report stays small even for a file with millions of elements.
 */

export interface ReportEntry {
  /** What was met, e.g. `ItemDataBase64Binary`, `branching logic of "given_birth"`, `OpenClinica:ItemDetails`. */
  readonly construct: string
  readonly reason: string
  readonly count: number
  /** First lines (1-based) where it occurs, in file order. */
  readonly lines: readonly number[]
}

export interface Placeholder {
  /** Path in the protocol file, e.g. `arms`, `study.sponsor`. */
  readonly path: string
  readonly reason: string
}

export interface ImportReport {
  readonly source: string
  readonly format: 'odm' | 'redcap-dictionary' | 'redcap-data'
  /** Raw counts of what the file holds (definitions and data), before any translation. */
  readonly counts: Readonly<Record<string, number>>
  readonly skipped: readonly ReportEntry[]
  readonly extensions: readonly ReportEntry[]
  readonly placeholders: readonly Placeholder[]
}

const MAX_LINES_PER_ENTRY = 10

/** Mutable collector used while reading; `entries()` freezes it. */
export class ReportCollector {
  private readonly map = new Map<string, { construct: string; reason: string; count: number; lines: number[] }>()

  add(construct: string, reason: string, line?: number): void {
    const key = `${construct}\u0000${reason}`
    let e = this.map.get(key)
    if (!e) {
      e = { construct, reason, count: 0, lines: [] }
      this.map.set(key, e)
    }
    e.count++
    if (line !== undefined && e.lines.length < MAX_LINES_PER_ENTRY && !e.lines.includes(line)) e.lines.push(line)
  }

  get size(): number {
    return this.map.size
  }

  entries(): ReportEntry[] {
    return [...this.map.values()].map((e) => ({ ...e, lines: [...e.lines] }))
  }
}

/** The report as text for the terminal: counts, then skipped constructs, extensions and placeholders. */
export function formatImportReport(report: ImportReport): string {
  const out: string[] = [`Import report for ${report.source} (${report.format})`, '', 'Read:']
  for (const [k, v] of Object.entries(report.counts)) out.push(`  ${k}: ${v}`)
  const section = (title: string, entries: readonly ReportEntry[]) => {
    if (entries.length === 0) return
    out.push('', `${title} (${entries.length}):`)
    for (const e of entries) {
      const where =
        e.lines.length > 0
          ? ` (line${e.lines.length > 1 ? 's' : ''} ${e.lines.join(', ')}${e.count > e.lines.length ? ', …' : ''})`
          : ''
      out.push(`  - ${e.construct}${e.count > 1 ? ` ×${e.count}` : ''}: ${e.reason}${where}`)
    }
  }
  section('Skipped or not translated', report.skipped)
  section('Vendor extensions', report.extensions)
  if (report.placeholders.length > 0) {
    out.push('', `Placeholders to complete in the protocol (${report.placeholders.length}):`)
    for (const p of report.placeholders) out.push(`  - ${p.path}: ${p.reason}`)
  }
  return out.join('\n') + '\n'
}
