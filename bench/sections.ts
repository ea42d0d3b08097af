/** The bench sections, in run order. Each prints its own figures and ratios against the named peers. */
export interface BenchSection {
  readonly id: string
  readonly title: string
  run(): Promise<void>
}

export const sections: BenchSection[] = [
  {
    id: 'stats',
    title: 'Statistics engine vs R (lme4, survival): fits and whole CLI commands',
    run: async () => (await import('./stats-bench.ts')).runStatsBench(),
  },
  {
    id: 'store',
    title: 'Data platform: audited form saves and concurrent randomizations over HTTP (SQLite, PostgreSQL)',
    run: async () => void (await (await import('./api-bench.ts')).runApiBench()),
  },
  {
    id: 'web',
    title: 'Web app: dashboard first load and JavaScript shipped',
    run: async () => {
      const web = await import('./web-bench.ts')
      web.printWebBench(await web.runWebBench())
    },
  },
  {
    id: 'report',
    title: 'Analysis and report: 400 patients, 4 years',
    run: async () => (await import('./report-bench.ts')).runReportBench(),
  },
  {
    id: 'power',
    title: 'Power simulator: 1,000 two-arm trials x 400 patients x 13 visits, REML each',
    run: async () => {
      const power = await import('./power-bench.ts')
      power.printPowerBench(await power.runPowerBench())
    },
  },
  {
    id: 'demo',
    title: 'End-to-end demo: 40 patients, 48 months, through the real services',
    run: async () => (await import('./demo-bench.ts')).runDemoBench(),
  },
]
