/**
 * Charts where people would rather look than read, as inline SVG: the report's recruitment curve and trajectory
 * chart (Observable Plot, rendered on the server) and a small per-site bar chart drawn here. Plot puts `<style>`
 * blocks inside its output, which the strict CSP would block; they are removed and app.css carries the same rules.
 */
import { escapeXml, recruitmentChart, trajectoryChart } from '../report/index.ts'

/** Drops `<style>` elements (the CSP allows only the stylesheet file). */
export function withoutStyleBlocks(svgHtml: string): string {
  return svgHtml.replace(/<style>[\s\S]*?<\/style>/g, '')
}

export interface SiteRecruitment {
  readonly siteId: string
  readonly label: string
  readonly randomized: number
  readonly target: number
}

/** Randomized against target per site (and overall as the last bar), with numbers written on the bars. */
export function siteRecruitmentSvg(rows: readonly SiteRecruitment[], caption: string): string {
  const barH = 26
  const gap = 14
  const left = 110
  const width = 560
  const plotW = width - left - 90
  const max = Math.max(1, ...rows.map((r) => Math.max(r.target, r.randomized)))
  const height = rows.length * (barH + gap) + 30
  const x = (n: number): number => (n / max) * plotW
  const bars = rows
    .map((r, i) => {
      const y = 10 + i * (barH + gap)
      const label = `${r.label}: ${r.randomized} of ${r.target} randomized`
      return (
        `<g><title>${escapeXml(label)}</title>` +
        `<text x="${left - 8}" y="${y + barH / 2 + 4}" text-anchor="end">${escapeXml(r.label)}</text>` +
        `<rect class="bar-target" x="${left}" y="${y}" width="${x(r.target).toFixed(1)}" height="${barH}"/>` +
        `<rect class="bar-done" x="${left}" y="${y + 4}" width="${x(r.randomized).toFixed(1)}" height="${barH - 8}"/>` +
        `<text x="${(left + Math.max(x(r.target), x(r.randomized)) + 6).toFixed(1)}" y="${y + barH / 2 + 4}">${r.randomized} / ${r.target}</text></g>`
      )
    })
    .join('')
  const axisY = height - 14
  const ticks = [0, Math.round(max / 2), max]
    .map(
      (t) =>
        `<text class="chart-label" x="${(left + x(t)).toFixed(1)}" y="${axisY + 10}" text-anchor="middle">${t}</text>`,
    )
    .join('')
  return (
    `<figure class="chart bar-chart" id="site-recruitment"><svg role="img" aria-label="${escapeXml(caption)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
    `<title>${escapeXml(caption)}</title>${bars}<line class="gridline" x1="${left}" x2="${left + plotW}" y1="${axisY - 4}" y2="${axisY - 4}"/>${ticks}</svg>` +
    `<figcaption>${escapeXml(caption)} The light bar is the target, the dark bar the number randomized.</figcaption></figure>`
  )
}

/**
 * The cumulative randomization curve against the study's target (the report's chart), month by month from the
 * start of recruitment (or the first randomization) to today.
 */
export function recruitmentCurveSvg(
  randomizationDates: readonly string[],
  target: number,
  caption: string,
  span: { readonly from?: string | undefined; readonly to?: string | undefined } = {},
): string | null {
  if (randomizationDates.length === 0) return null
  const months = [...new Set(randomizationDates.map((d) => d.slice(0, 7)))].sort()
  const first = [months[0] ?? '', span.from?.slice(0, 7) ?? '9999'].sort()[0] ?? ''
  let last = [months.at(-1) ?? first, span.to?.slice(0, 7) ?? ''].sort().at(-1) ?? first
  // One month is no curve: show at least the next month too.
  if (last === first) last = nextMonth(first)
  const byMonth: { month: string; cumulative: number }[] = []
  for (let m = first; m <= last; m = nextMonth(m)) {
    byMonth.push({ month: m, cumulative: randomizationDates.filter((d) => d.slice(0, 7) <= m).length })
  }
  return withoutStyleBlocks(recruitmentChart({ id: 'recruitment-curve', caption, byMonth, target }))
}

function nextMonth(month: string): string {
  const [y = 0, m = 1] = month.split('-').map(Number)
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`
}

export interface TrajectoryPoint {
  /** Months since randomization (negative before it: screening, baseline). */
  readonly month: number
  readonly value: number
}

/** One patient's score over time (the report's trajectory chart with a single, arm-free series). */
export function patientTrajectorySvg(input: {
  readonly points: readonly TrajectoryPoint[]
  readonly label: string
  readonly caption: string
  readonly boundaries?: readonly { readonly month: number; readonly label: string }[]
}): string | null {
  if (input.points.length === 0) return null
  const points = [...input.points].sort((a, b) => a.month - b.month)
  return withoutStyleBlocks(
    trajectoryChart({
      id: 'alsfrs-trajectory',
      caption: input.caption,
      groups: [{ key: 'patient', label: input.label }],
      means: points.map((p) => ({ key: 'patient', month: p.month, mean: p.value, ci: null, n: 1 })),
      individual: [],
      yLabel: input.label,
      ...(input.boundaries ? { boundaries: input.boundaries } : {}),
    }),
  )
}
