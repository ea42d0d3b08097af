import type { Command } from 'commander'
import { loadProtocolFile } from '../../protocol/index.ts'
import { exitWithProblems } from '../exit.ts'

export function registerProtocolCommands(program: Command): void {
  const protocol = program.command('protocol').description('check and show study protocol files')
  protocol
    .command('check')
    .description('validate a protocol file; prints every problem with its path')
    .argument('<file>', 'protocol file (YAML or JSON)')
    .action(async (file: string) => {
      const loaded = await loadProtocolFile(file)
      if (!loaded.ok) exitWithProblems(loaded.problems, file)
      const p = loaded.value.protocol
      process.stdout.write(
        `${file}: OK — ${p.study.id} v${p.study.version}: ${p.arms.length} arms, ${p.periods.length} periods, ` +
          `${p.visits.length} visits, ${p.forms.length} forms (sha256 ${loaded.value.hash.slice(0, 12)})\n`,
      )
    })
}
