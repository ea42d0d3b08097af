import type { Command } from 'commander'
import { registerProtocolCommands } from './protocol-command.ts'
import { registerScoreCommand } from './score-command.ts'
import { registerDbCommands } from './db-command.ts'
import { registerAuditCommands } from './audit-command.ts'
import { registerRandomizationCommands } from './randomization-command.ts'
import { registerInteropCommands } from './interop-command.ts'
import { registerPowerCommand } from './power-command.ts'
import { registerServeCommand } from './serve-command.ts'
import { registerReportCommands } from './report-command.ts'
import { registerStatsCommands } from './stats-command.ts'
import { registerDemoCommand } from './demo-command.ts'
import { registerStartCommand } from './start-command.ts'

/** Every subcommand, in the order `--help` lists them. */
export const commands: ReadonlyArray<(program: Command) => void> = [
  registerProtocolCommands,
  registerScoreCommand,
  registerDbCommands,
  registerAuditCommands,
  registerRandomizationCommands,
  registerInteropCommands,
  registerPowerCommand,
  registerServeCommand,
  registerReportCommands,
  registerStatsCommands,
  registerDemoCommand,
  registerStartCommand,
]
