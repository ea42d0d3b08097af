/**
 * The end-to-end demo: a virtual trial of the reference protocol run through the real services of the data
 * platform, day by day in simulated time, then analysed and reported.
 *
 * - `runDemo(options)` → the trial (`runTrial`), its report (`reportTrial`) and the audit check, with timings;
 * - `progressReporter(stream)` draws the progress line; `demoSummary` and `accountLines` the closing lines.
 */
export { runDemo, type AuditCheck, type DemoResult, type DemoRunOptions } from './run-demo.ts'
export {
  demoSealKey,
  runTrial,
  seededBytes,
  type DemoProgress,
  type TrialRun,
  type TrialRunOptions,
} from './run-trial.ts'
export { reportTrial, type DemoReport, type DemoReportOptions } from './demo-report.ts'
export { demoSettings, DEMO_DEFAULTS, type DemoOptions, type DemoSettings } from './demo-settings.ts'
export { progressLine, progressReporter, type ProgressReporter, type ProgressStream } from './demo-progress.ts'
export { accountLines, demoSummary } from './demo-summary.ts'
export type { DemoAccount, DemoTeam } from './demo-team.ts'
export type { DemoCounts, DemoDisposition, SubjectTruth } from './demo-tally.ts'
