import type { Command } from 'commander'
import { registerProtocolCommands } from './protocol-command.ts'

/** Every subcommand, in the order `--help` lists them. */
export const commands: ReadonlyArray<(program: Command) => void> = [registerProtocolCommands]
