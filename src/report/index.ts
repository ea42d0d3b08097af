/**
 * The report: SVG charts as pure functions (Observable Plot on a server-side DOM, hand-made CONSORT), the
 * self-contained HTML report (Hono JSX) and, in a thin shell, its PDF (Chromium) and the files on disk.
 */
export { aeBarChart, type AeBarChartInput } from './ae-bar-chart.ts'
export { escapeXml, GROUP_COLORS, type ChartGroup } from './chart-frame.ts'
export { consortDiagram, type ConsortDiagramInput } from './consort-diagram.ts'
export { forestChart, type ForestChartInput, type ForestRow } from './forest-chart.ts'
export { kaplanMeierChart, type KmChartCurve, type KmChartInput } from './km-chart.ts'
export {
  powerCurveChart,
  recruitmentChart,
  type PowerCurveChartInput,
  type PowerCurvePoint,
  type RecruitmentChartInput,
} from './line-charts.ts'
export { trajectoryChart, type TrajectoryChartInput } from './trajectory-chart.ts'
export { reportFigures, type ReportFigure, type ReportFigures } from './report-figures.ts'
export { renderReportHtml, type ReportInput } from './report-document.tsx'
export { buildReport, type BuiltReport } from './build-report.ts'
export {
  chromiumAvailable,
  DEFAULT_CHROMIUM,
  printPdf,
  screenshotHtml,
  writeReportFiles,
  type ReportFiles,
} from './report-pdf.ts'
