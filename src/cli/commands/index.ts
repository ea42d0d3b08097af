import type { Command } from 'commander'

type Register = (program: Command) => void

/**
 * Every top-level command, in the order `--help` lists them, with the module that registers it. Modules are
 * imported only when their command runs (all of them only for `--help`), so `trialdesk stats km` does not pay
 * for loading the web server, the store or the report renderer.
 */
export const commandModules: ReadonlyArray<{
  readonly names: readonly string[]
  readonly load: () => Promise<Register>
}> = [
  { names: ['start'], load: async () => (await import('./start-command.ts')).registerStartCommand },
  { names: ['serve'], load: async () => (await import('./serve-command.ts')).registerServeCommand },
  { names: ['demo'], load: async () => (await import('./demo-command.ts')).registerDemoCommand },
  { names: ['protocol'], load: async () => (await import('./protocol-command.ts')).registerProtocolCommands },
  { names: ['score'], load: async () => (await import('./score-command.ts')).registerScoreCommand },
  {
    names: ['randomization'],
    load: async () => (await import('./randomization-command.ts')).registerRandomizationCommands,
  },
  { names: ['stats'], load: async () => (await import('./stats-command.ts')).registerStatsCommands },
  { names: ['power'], load: async () => (await import('./power-command.ts')).registerPowerCommand },
  { names: ['report', 'export'], load: async () => (await import('./report-command.ts')).registerReportCommands },
  { names: ['import', 'export'], load: async () => (await import('./interop-command.ts')).registerInteropCommands },
  { names: ['db'], load: async () => (await import('./db-command.ts')).registerDbCommands },
  { names: ['audit'], load: async () => (await import('./audit-command.ts')).registerAuditCommands },
]
