/**
 * What every chart shares: a server-side DOM for Observable Plot (linkedom), the group palette, and the figure
 * wrapper that makes each chart accessible and self-describing (`<figure>` with a caption, every `<svg>` with
 * `role="img"`, an `aria-label` and a `<title>`), as a string of HTML ready to inline.
 */
import type * as Plot from '@observablehq/plot'
import { parseHTML } from 'linkedom'

/** A fresh document for one chart (Plot appends to the document it is given). */
export function chartDocument(): Document {
  return parseHTML('<!doctype html><html><head></head><body></body></html>').document
}

/** Colour-blind-safe palette (Okabe-Ito order), assigned to groups in their display order. */
export const GROUP_COLORS = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
] as const

/** The colour of the control or pooled group. */
export const NEUTRAL_COLOR = '#555555'

export interface ChartGroup {
  readonly key: string
  readonly label: string
  readonly control?: boolean
}

/** Plot colour scale options mapping group labels to the palette (control in neutral grey), with a legend. */
export function groupColorScale(groups: readonly ChartGroup[]): Plot.ScaleOptions {
  let next = 0
  const range = groups.map((g) =>
    g.control || groups.length === 1 ? NEUTRAL_COLOR : (GROUP_COLORS[next++ % GROUP_COLORS.length] as string),
  )
  return { type: 'ordinal', domain: groups.map((g) => g.label), range, legend: true }
}

/** XML/HTML text escape. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/**
 * Makes every `<svg>` inside `root` an accessible image: `role="img"`, `aria-label` and a leading `<title>`.
 * Returns the same element.
 */
export function labelSvgs(root: Element, label: string): Element {
  const svgs = root.tagName.toLowerCase() === 'svg' ? [root] : [...root.querySelectorAll('svg')]
  for (const svg of svgs) {
    // legend swatches are tiny decorative svgs inside the legend, which carries the text
    if (svg.closest('[class*="swatch"]') !== null) {
      svg.setAttribute('aria-hidden', 'true')
      continue
    }
    svg.setAttribute('role', 'img')
    svg.setAttribute('aria-label', svg.getAttribute('aria-label') ?? label)
    if (![...svg.children].some((c) => c.tagName.toLowerCase() === 'title')) {
      const title = svg.ownerDocument.createElement('title')
      title.textContent = svg.getAttribute('aria-label') ?? label
      svg.insertBefore(title, svg.firstChild)
    }
  }
  return root
}

/** The `<figure>` of a chart: id, caption, and the parts (legend, plots, tables) in order. */
export function figureHtml(options: {
  readonly id: string
  readonly caption: string
  readonly parts: readonly Element[]
  readonly className?: string
}): string {
  const body = stableClipIds(options.parts.map((p) => labelSvgs(p, options.caption).outerHTML).join(''), options.id)
  return (
    `<figure class="chart${options.className ? ` ${options.className}` : ''}" id="${escapeXml(options.id)}">` +
    `${body}<figcaption>${escapeXml(options.caption)}</figcaption></figure>`
  )
}

/**
 * Plot numbers its clip paths from a counter global to the process (`plot-clip-N`), so the same chart drawn twice
 * would differ; renumbered per figure, a report is byte-for-byte the same for the same data.
 */
function stableClipIds(html: string, figureId: string): string {
  const renamed = new Map<string, string>()
  return html.replace(/plot-clip-\d+/g, (id) => {
    let name = renamed.get(id)
    if (!name) renamed.set(id, (name = `${figureId}-clip-${renamed.size + 1}`))
    return name
  })
}

/** A Plot result split into its legend (if any) and its svg(s), so several plots can share one figure. */
export function plotParts(result: Element): Element[] {
  if (result.tagName.toLowerCase() === 'svg') return [result]
  return [...result.children].filter((c) => c.tagName.toLowerCase() !== 'figcaption')
}
