/**
 * The CONSORT 2010 flow diagram, hand-made SVG from the disposition counts: enrolment (assessed, excluded with
 * reasons, tissue extraction), randomization, allocation per group with the cell-therapy boxes (product released /
 * failed release, infused / not infused with reasons), one stage per period (entered, re-allocated at the start of
 * the period, completed, discontinued with reasons, died, ongoing), and the numbers analysed. Stages are labelled in
 * a side band, as in the CONSORT template. Pure: counts in, SVG text out.
 */
import type { ChartGroup } from './chart-frame.ts'
import { escapeXml } from './chart-frame.ts'

export interface ConsortDiagramInput {
  readonly id: string
  readonly caption: string
  readonly groups: readonly ChartGroup[]
  readonly periods: readonly { readonly id: string; readonly label: string }[]
  readonly consort: {
    readonly assessed: number
    readonly excluded: number
    readonly excludedReasons: readonly { readonly reason: string; readonly n: number }[]
    readonly extraction: {
      readonly attempted: number
      readonly sufficient: number
      readonly insufficient: number
    } | null
    readonly randomized: number
    readonly groups: readonly {
      readonly key: string
      readonly allocated: number
      readonly productReleased: number
      readonly productFailed: number
      readonly infused: number
      readonly notInfused: number
      readonly notInfusedReasons: readonly { readonly reason: string; readonly n: number }[]
      readonly periods: readonly {
        readonly period: string
        readonly entered: number
        readonly reallocated: readonly { readonly to: string; readonly n: number }[]
        readonly completed: number
        readonly discontinued: number
        readonly discontinuedReasons: readonly { readonly reason: string; readonly n: number }[]
        readonly died: number
        readonly ongoing: number
      }[]
      readonly analysedEfficacy: number
      readonly excludedEfficacy: number
      readonly analysedSafety: number
      readonly analysedSurvival: number
    }[]
  }
  /** Whether the product is made from each subject's tissue (shows the release boxes). */
  readonly cellProduct: boolean
}

const FONT = 11
const LINE = 14
const PAD = 6
const CHAR = 5.9
const COLUMN = 196
const GAP = 14
const GUTTER = 30
const ROW_GAP = 22
const STAGE_FILL = '#dbe8f6'
const BOX_STROKE = '#333'

interface Box {
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
  readonly lines: readonly { readonly text: string; readonly bold?: boolean }[]
  readonly fill: string
}

/** Wraps `text` to lines of at most `chars` characters, breaking at spaces. */
function wrap(text: string, chars: number): string[] {
  const out: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > chars) {
      out.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') out.push(line)
  return out
}

type Line = { text: string; bold?: boolean }

const n = (k: number): string => `(n = ${k})`

export function consortDiagram(input: ConsortDiagramInput): string {
  const c = input.consort
  const groups = input.groups
  const contentW = Math.max(groups.length * COLUMN + (groups.length - 1) * GAP, 640)
  const x0 = GUTTER + 12
  const width = x0 + contentW + 10
  const colW = groups.length === 1 ? Math.min(320, contentW) : COLUMN
  const colX = (i: number): number =>
    groups.length === 1
      ? x0 + (contentW - colW) / 2
      : x0 + i * (COLUMN + GAP) + (contentW - (groups.length * COLUMN + (groups.length - 1) * GAP)) / 2
  const boxes: Box[] = []
  const arrows: string[] = []
  const stages: { label: string; top: number; bottom: number }[] = []
  const lines = (items: readonly Line[], w: number): Line[] =>
    items.flatMap((l) =>
      wrap(l.text, Math.floor((w - 2 * PAD) / CHAR)).map((t) => ({ text: t, ...(l.bold ? { bold: true } : {}) })),
    )
  const heightOf = (ls: readonly Line[]): number => ls.length * LINE + 2 * PAD
  const label = (key: string): string => groups.find((g) => g.key === key)?.label ?? key
  const bullet = (rs: readonly { reason: string; n: number }[]): Line[] =>
    rs.map((r) => ({ text: `• ${r.reason} ${n(r.n)}` }))

  let y = 10
  // Enrolment: the trunk and the excluded box beside it.
  const trunkW = 250
  const trunkX = x0 + (contentW - trunkW) / 2 - (contentW >= 640 ? 90 : 0)
  const trunkMid = trunkX + trunkW / 2
  const enrolTop = y
  const assessed = lines([{ text: `Assessed for eligibility ${n(c.assessed)}`, bold: true }], trunkW)
  boxes.push({ x: trunkX, y, w: trunkW, h: heightOf(assessed), lines: assessed, fill: '#fff' })
  let trunkBottom = y + heightOf(assessed)
  y += heightOf(assessed) + ROW_GAP
  const sideX = trunkX + trunkW + 30
  const sideW = Math.min(300, x0 + contentW - sideX)
  const excluded = lines([{ text: `Excluded ${n(c.excluded)}`, bold: true }, ...bullet(c.excludedReasons)], sideW)
  boxes.push({ x: sideX, y, w: sideW, h: heightOf(excluded), lines: excluded, fill: '#fff' })
  arrows.push(arrow(trunkMid, y + heightOf(excluded) / 2, sideX, y + heightOf(excluded) / 2))
  y += heightOf(excluded) + ROW_GAP
  if (c.extraction !== null) {
    const ex = lines(
      [
        { text: `Lipoaspiration ${n(c.extraction.attempted)}`, bold: true },
        { text: `Tissue sufficient for manufacturing ${n(c.extraction.sufficient)}` },
        { text: `Insufficient tissue ${n(c.extraction.insufficient)}` },
      ],
      trunkW,
    )
    boxes.push({ x: trunkX, y, w: trunkW, h: heightOf(ex), lines: ex, fill: '#fff' })
    arrows.push(line(trunkMid, trunkBottom, trunkMid, y, true))
    trunkBottom = y + heightOf(ex)
    y += heightOf(ex) + ROW_GAP
  }
  const rand = lines([{ text: `Randomized ${n(c.randomized)}`, bold: true }], trunkW)
  boxes.push({ x: trunkX, y, w: trunkW, h: heightOf(rand), lines: rand, fill: '#fff' })
  arrows.push(line(trunkMid, trunkBottom, trunkMid, y, true))
  const randBottom = y + heightOf(rand)
  y = randBottom + ROW_GAP
  stages.push({ label: 'Enrolment', top: enrolTop, bottom: randBottom })

  // One row of boxes per group; returns the row's bottom and joins it to the previous row with arrows.
  let previousBottoms: number[] | null = null
  const row = (content: (i: number) => Line[]): number => {
    const ls = groups.map((_, i) => lines(content(i), colW))
    const h = Math.max(...ls.map(heightOf))
    groups.forEach((_, i) => {
      const x = colX(i)
      boxes.push({ x, y, w: colW, h, lines: ls[i] as Line[], fill: '#fff' })
      if (previousBottoms !== null) arrows.push(line(x + colW / 2, previousBottoms[i] as number, x + colW / 2, y, true))
    })
    previousBottoms = groups.map(() => y + h)
    y += h + ROW_GAP
    return y - ROW_GAP
  }
  // Allocation: a distribution bar from the randomized box to every column.
  const allocationTop = y
  const barY = y - ROW_GAP / 2
  arrows.push(line(trunkMid, randBottom, trunkMid, barY, false))
  if (groups.length > 1) arrows.push(line(colX(0) + colW / 2, barY, colX(groups.length - 1) + colW / 2, barY, false))
  else arrows.push(line(trunkMid, barY, colX(0) + colW / 2, barY, false))
  groups.forEach((_, i) => arrows.push(line(colX(i) + colW / 2, barY, colX(i) + colW / 2, y, true)))
  const byKey = (i: number) => c.groups.find((g) => g.key === groups[i]?.key)
  const allocationBottom = row((i) => {
    const g = byKey(i)
    if (!g) return [{ text: label(groups[i]?.key ?? '') }]
    return [
      { text: `Allocated to ${label(g.key)} ${n(g.allocated)}`, bold: true },
      ...(input.cellProduct
        ? [{ text: `Product released ${n(g.productReleased)}` }, { text: `Failed release ${n(g.productFailed)}` }]
        : []),
      { text: `Infused ${n(g.infused)}` },
      { text: `Not infused ${n(g.notInfused)}` },
      ...bullet(g.notInfusedReasons),
    ]
  })
  stages.push({ label: 'Allocation', top: allocationTop, bottom: allocationBottom })

  input.periods.forEach((p, k) => {
    const top = y
    const reallocated = c.groups.flatMap(
      (g) => g.periods.find((q) => q.period === p.id)?.reallocated.map((r) => ({ from: g.key, ...r })) ?? [],
    )
    if (k > 0 && reallocated.length > 0) {
      const froms = [...new Set(reallocated.map((r) => r.from))]
      const text = froms
        .map(
          (f) =>
            `${label(f)} → ${reallocated
              .filter((r) => r.from === f)
              .map((r) => `${label(r.to)} ${n(r.n)}`)
              .join(', ')}`,
        )
        .join('; ')
      const ls = lines(
        [
          { text: `Re-allocation at the start of the period`, bold: true },
          { text },
          { text: 'Other subjects continue on their arm (matched preparation).' },
        ],
        contentW,
      )
      boxes.push({ x: x0, y, w: contentW, h: heightOf(ls), lines: ls, fill: '#fff8e6' })
      y += heightOf(ls) + ROW_GAP
    }
    const bottom = row((i) => {
      const g = byKey(i)
      const q = g?.periods.find((x) => x.period === p.id)
      if (!g || !q) return [{ text: 'Not entered' }]
      return [
        { text: `Entered period ${k + 1} ${n(q.entered)}`, bold: true },
        ...q.reallocated.map((r) => ({ text: `Re-allocated to ${label(r.to)} ${n(r.n)}` })),
        { text: `Completed the period ${n(q.completed)}` },
        { text: `Discontinued ${n(q.discontinued)}` },
        ...bullet(q.discontinuedReasons),
        { text: `Died ${n(q.died)}` },
        ...(q.ongoing > 0 ? [{ text: `Ongoing at the data cut ${n(q.ongoing)}` }] : []),
      ]
    })
    stages.push({ label: `Period ${k + 1}`, top, bottom })
  })

  const analysisTop = y
  const analysisBottom = row((i) => {
    const g = byKey(i)
    if (!g) return [{ text: '' }]
    return [
      { text: `Analysed for efficacy ${n(g.analysedEfficacy)}`, bold: true },
      { text: `Not in the efficacy model ${n(g.excludedEfficacy)}` },
      { text: `Analysed for safety ${n(g.analysedSafety)}` },
      { text: `Analysed for survival ${n(g.analysedSurvival)}` },
    ]
  })
  stages.push({ label: 'Analysis', top: analysisTop, bottom: analysisBottom })

  // Legend.
  const legendY = analysisBottom + 20
  const height = legendY + 28
  const legend =
    `<g class="legend" aria-label="legend" font-size="${FONT}">` +
    `<rect x="${x0}" y="${legendY}" width="14" height="14" rx="3" fill="${STAGE_FILL}" stroke="#7a9cc6"/>` +
    `<text x="${x0 + 20}" y="${legendY + 11}">Stage of the trial</text>` +
    `<rect x="${x0 + 150}" y="${legendY}" width="14" height="14" fill="#fff" stroke="${BOX_STROKE}"/>` +
    `<text x="${x0 + 170}" y="${legendY + 11}">Subjects at this step (n = number of subjects)</text>` +
    `<rect x="${x0 + 450}" y="${legendY}" width="14" height="14" fill="#fff8e6" stroke="${BOX_STROKE}"/>` +
    `<text x="${x0 + 470}" y="${legendY + 11}">Re-allocation</text></g>`

  const stageSvg = stages
    .map((s) => {
      const h = s.bottom - s.top
      const cx = 6 + (GUTTER - 6) / 2
      const cy = s.top + h / 2
      const text =
        h < s.label.length * CHAR ? (wrap(s.label, Math.max(4, Math.floor(h / CHAR)))[0] ?? s.label) : s.label
      return (
        `<g class="stage"><rect x="6" y="${s.top}" width="${GUTTER - 6}" height="${h}" rx="5" fill="${STAGE_FILL}" stroke="#7a9cc6"/>` +
        `<text transform="translate(${cx + 4},${cy}) rotate(-90)" text-anchor="middle" font-weight="bold">${escapeXml(text)}</text></g>`
      )
    })
    .join('')
  const boxSvg = boxes
    .map((b) => {
      const texts = b.lines
        .map(
          (l, i) =>
            `<text x="${b.x + PAD}" y="${b.y + PAD + (i + 1) * LINE - 3}"${l.bold ? ' font-weight="bold"' : ''}>${escapeXml(l.text)}</text>`,
        )
        .join('')
      return `<g class="box"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" fill="${b.fill}" stroke="${BOX_STROKE}"/>${texts}</g>`
    })
    .join('')
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-label="${escapeXml(input.caption)}" font-family="system-ui, sans-serif" font-size="${FONT}">` +
    `<title>${escapeXml(input.caption)}</title>` +
    `<defs><marker id="${escapeXml(input.id)}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${BOX_STROKE}"/></marker></defs>` +
    `${stageSvg}<g class="arrows" stroke="${BOX_STROKE}" fill="none">${arrows.join('').replaceAll('MARKER', `${escapeXml(input.id)}-arrow`)}</g>${boxSvg}${legend}</svg>`
  return `<figure class="chart consort" id="${escapeXml(input.id)}">${svg}<figcaption>${escapeXml(input.caption)}</figcaption></figure>`
}

function line(x1: number, y1: number, x2: number, y2: number, head: boolean): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"${head ? ' marker-end="url(#MARKER)"' : ''}/>`
}

function arrow(x1: number, y1: number, x2: number, y2: number): string {
  return line(x1, y1, x2, y2, true)
}
