/**
 * Power curves as a self-contained SVG (no scripts, no external fonts or styles) and an HTML page holding the curve
 * and the results table: power against n per arm, one line per design × effect, with the 95 % Monte-Carlo interval
 * of each point, reference lines at 80 % and 90 % power and at alpha (where the no-effect line should lie).
 */
import type { ScenarioSummary } from './tally.ts'

const PALETTE = ['#1b6ca8', '#d1495b', '#2e933c', '#edae49', '#6a4c93', '#00798c', '#8c564b', '#e377c2', '#7f7f7f']
const WIDTH = 760
const HEIGHT = 440
const MARGIN = { left: 60, right: 230, top: 30, bottom: 50 }

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const fmt = (x: number, digits = 1): string => String(Number(x.toFixed(digits)))

interface Series {
  readonly label: string
  readonly isNull: boolean
  readonly points: readonly ScenarioSummary[]
}

function seriesOf(summaries: readonly ScenarioSummary[]): Series[] {
  const designs = new Set(summaries.map((s) => s.design))
  const byKey = new Map<string, ScenarioSummary[]>()
  for (const s of summaries) {
    const key = designs.size > 1 ? `${s.design} — ${s.effect}` : s.effect
    byKey.set(key, [...(byKey.get(key) ?? []), s])
  }
  return [...byKey].map(([label, points]) => ({
    label: points[0]!.null ? `${label} (type-I error)` : label,
    isNull: points[0]!.null,
    points: [...points].sort((a, b) => a.n - b.n),
  }))
}

/** The power-curve chart as an SVG document. */
export function powerCurveSvg(summaries: readonly ScenarioSummary[], title = 'Simulated power'): string {
  const series = seriesOf(summaries)
  const ns = [...new Set(summaries.map((s) => s.n))].sort((a, b) => a - b)
  const minN = ns[0] ?? 1
  const maxN = ns[ns.length - 1] ?? 1
  const logScale = maxN / minN >= 4
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom
  const xOf = (n: number): number => {
    if (maxN === minN) return MARGIN.left + plotW / 2
    const f = logScale ? Math.log(n / minN) / Math.log(maxN / minN) : (n - minN) / (maxN - minN)
    return MARGIN.left + 0.04 * plotW + f * 0.92 * plotW
  }
  const yOf = (p: number): number => MARGIN.top + (1 - p) * plotH
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="${esc(title)}">`,
  )
  out.push(`<title>${esc(title)}</title>`)
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`)
  out.push(`<text x="${MARGIN.left}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`)
  for (let p = 0; p <= 1.0001; p += 0.2) {
    const y = yOf(p)
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${MARGIN.left - 8}" y="${y + 4}" text-anchor="end">${fmt(p * 100, 0)}%</text>`)
  }
  const alpha = summaries[0]?.alpha
  const refs: [number, string][] = [
    [0.8, '80%'],
    [0.9, '90%'],
  ]
  if (alpha !== undefined) refs.push([alpha, `α = ${alpha}`])
  for (const [p, label] of refs) {
    const y = yOf(p)
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y}" y2="${y}" stroke="#888" stroke-dasharray="4 3"/>`,
    )
    out.push(`<text x="${MARGIN.left + plotW - 4}" y="${y - 4}" text-anchor="end" fill="#555">${esc(label)}</text>`)
  }
  out.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${yOf(0)}" y2="${yOf(0)}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${yOf(0)}" y2="${yOf(1)}" stroke="#333"/>`,
  )
  for (const n of ns) {
    const x = xOf(n)
    out.push(`<line x1="${x}" x2="${x}" y1="${yOf(0)}" y2="${yOf(0) + 5}" stroke="#333"/>`)
    out.push(`<text x="${x}" y="${yOf(0) + 18}" text-anchor="middle">${n}</text>`)
  }
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">n per arm${logScale ? ' (log scale)' : ''}</text>`,
    `<text x="16" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotH / 2})">` +
      'power (95% Monte-Carlo interval)</text>',
  )
  series.forEach((s, i) => {
    const colour = s.isNull ? '#555555' : PALETTE[i % PALETTE.length]!
    const dash = s.isNull ? ' stroke-dasharray="2 2"' : ''
    const path = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${fmt(xOf(p.n), 2)},${fmt(yOf(p.power), 2)}`).join(' ')
    out.push(`<g data-series="${esc(s.label)}">`)
    out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`)
    for (const p of s.points) {
      const x = fmt(xOf(p.n), 2)
      out.push(
        `<line x1="${x}" x2="${x}" y1="${fmt(yOf(p.ci95[0]), 2)}" y2="${fmt(yOf(p.ci95[1]), 2)}" stroke="${colour}"/>`,
        `<circle cx="${x}" cy="${fmt(yOf(p.power), 2)}" r="3.5" fill="${colour}">` +
          `<title>${esc(`${s.label}, n = ${p.n}/arm: ${fmt(p.power * 100)}% [${fmt(p.ci95[0] * 100)}–${fmt(p.ci95[1] * 100)}%], ${p.sims} trials`)}</title></circle>`,
      )
    }
    out.push('</g>')
    const ly = MARGIN.top + 10 + i * 20
    const lx = WIDTH - MARGIN.right + 16
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 28}" y="${ly + 4}">${esc(s.label)}</text>`,
    )
  })
  out.push('</svg>')
  return out.join('\n')
}

export interface PowerPageMeta {
  readonly title: string
  /** Lines under the title: protocol, hash, seed, simulations, model. */
  readonly details: readonly string[]
}

/** An HTML page with the power curve and the results table, self-contained. */
export function powerReportHtml(summaries: readonly ScenarioSummary[], meta: PowerPageMeta): string {
  const pct = (x: number) => (Number.isFinite(x) ? `${fmt(x * 100)}%` : '—')
  const rows = summaries.map((s) =>
    [
      String(s.scenario),
      s.design,
      String(s.n),
      String(s.nTotal),
      s.null ? `${s.effect} (type I)` : s.effect,
      String(s.sims),
      pct(s.power),
      `${pct(s.ci95[0])}–${pct(s.ci95[1])}`,
      fmt(s.mcse * 100, 2),
      s.contrasts.map((c) => `${c.arm} ${fmt(c.meanEstimate, 3)}`).join(', '),
      s.closedFormPower === null ? '—' : pct(s.closedFormPower),
      String(s.failures.fitFailed + s.failures.notConverged),
    ]
      .map((c) => `<td>${esc(c)}</td>`)
      .join(''),
  )
  const head = [
    '#',
    'design',
    'n/arm',
    'N',
    'effect',
    'sims',
    'power',
    '95% MC CI',
    'MCSE (pp)',
    'mean Δslope',
    'closed form',
    'failed fits',
  ]
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(meta.title)}</title>`,
    '<style>body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}' +
      'td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}td:nth-child(2),td:nth-child(5),th{text-align:left}' +
      '.meta{color:#555;font-size:13px}</style>',
    '</head><body>',
    `<h1>${esc(meta.title)}</h1>`,
    ...meta.details.map((d) => `<p class="meta">${esc(d)}</p>`),
    powerCurveSvg(summaries, meta.title),
    '<table><thead><tr>' + head.map((h) => `<th>${esc(h)}</th>`).join('') + '</tr></thead><tbody>',
    ...rows.map((r) => `<tr>${r}</tr>`),
    '</tbody></table>',
    '</body></html>',
  ].join('\n')
}
