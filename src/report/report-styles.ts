/**
 * The report's stylesheet, inlined so the HTML is self-contained. Screen: one readable column. Print (A4, used by
 * the PDF): page margins with running headers and footers carrying the study, protocol version and hash, data cut,
 * and who generated the report and when (CSS paged-media margin boxes), page numbers "Page n of N", a page break
 * before each main section, and no table row or figure split across pages.
 */

export interface PageStamp {
  readonly studyId: string
  readonly protocol: string
  readonly dataCut: string
  readonly generated: string
  readonly blinding: string
}

/** A CSS string literal. */
function cssString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, ' ')}"`
}

export function reportCss(stamp: PageStamp): string {
  return `
:root { --ink: #1b1b1b; --muted: #555; --rule: #c9c9c9; --band: #f3f6fa; --accent: #1f4e79; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 10.5pt; color: var(--ink); }
body { margin: 0 auto; max-width: 1000px; padding: 24px; line-height: 1.4; }
h1 { font-size: 20pt; color: var(--accent); margin: 0 0 8px; }
h2 { font-size: 14pt; color: var(--accent); border-bottom: 2px solid var(--accent); padding-bottom: 3px; margin: 18px 0 10px; }
h3 { font-size: 11.5pt; margin: 16px 0 6px; }
p, li { margin: 4px 0; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 9pt; font-weight: bold; color: #fff; background: var(--accent); }
.badge.blinded { background: #8a5a00; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 9pt; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: 4px 0; font-size: 9.5pt; }
th, td { border-bottom: 1px solid var(--rule); padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); background: var(--band); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.group-head td { background: var(--band); font-weight: bold; }
td.indent { padding-left: 20px; }
dl.stamp { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; font-size: 9.5pt; }
dl.stamp dt { font-weight: bold; }
dl.stamp dd { margin: 0; font-family: "DejaVu Sans Mono", monospace; word-break: break-all; }
figure.chart { margin: 10px 0 16px; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figure.chart figcaption { font-size: 9pt; font-weight: bold; margin-top: 4px; }
.forest-grid { display: grid; grid-template-columns: 1fr; }
nav.toc ol { display: grid; grid-template-columns: 1fr 1fr; grid-template-rows: repeat(4, auto); grid-auto-flow: column; font-size: 10pt; }
code.formula { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; background: var(--band); padding: 1px 4px; }
@page {
  size: A4;
  margin: 18mm 14mm 16mm 14mm;
  @top-left { content: ${cssString(`${stamp.studyId} · ${stamp.blinding}`)}; font-size: 7.5pt; color: #555; }
  @top-right { content: ${cssString(`Protocol ${stamp.protocol} · data cut ${stamp.dataCut}`)}; font-size: 7.5pt; color: #555; }
  @bottom-left { content: ${cssString(stamp.generated)}; font-size: 7.5pt; color: #555; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7.5pt; color: #555; }
}
@media print {
  html { font-size: 9.5pt; }
  body { max-width: none; padding: 0; }
  section.main { break-before: page; page-break-before: always; }
  thead { display: table-header-group; }
  tr, figure, .keep { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  .title-page { min-height: 60vh; }
}
`
}
