import type { Command } from 'commander'
import { existsSync } from 'node:fs'
import { verifyAuditChain } from '../../audit/index.ts'
import { isPostgresUrl, loadConfig } from '../../config/index.ts'
import { openStore } from '../../store/index.ts'
import { ExitCode, exitWithMessage, exitWithProblems } from '../exit.ts'

/**
 * `trialdesk audit verify [--db FILE]`: recomputes the audit hash chain. Exit 0 with a one-line summary when
 * it holds; exit 1 naming the first broken record when someone edited the database behind the application.
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('audit trail integrity')
  audit
    .command('verify')
    .description('recompute the hash chain of the audit trail and report the first broken record')
    .option('--db <file>', 'SQLite file or postgres:// URL (default: DATABASE_URL)')
    .action(async (opts: { db?: string }) => {
      const config = loadConfig(process.env, { databaseUrl: opts.db })
      if (!config.ok) exitWithProblems(config.problems)
      const url = config.value.databaseUrl
      // Verifying must never create an empty database where none was.
      if (!isPostgresUrl(url) && url !== ':memory:' && !existsSync(url))
        exitWithMessage(`${url}: database file not found`, ExitCode.Usage)
      const store = await openStore(url)
      try {
        const v = await verifyAuditChain(store).catch((e: unknown) =>
          exitWithMessage(
            `${store.location}: cannot read the audit trail (${e instanceof Error ? e.message : String(e)})`,
          ),
        )
        if (!v.firstBroken) {
          process.stdout.write(`${store.location}: audit chain OK — ${v.records} records, head sha256 ${v.headHash}\n`)
          return
        }
        exitWithMessage(
          `${store.location}: audit chain BROKEN at seq ${v.firstBroken.seq}: ${v.firstBroken.reason} (${v.records} records verified before it)`,
        )
      } finally {
        await store.close()
      }
    })
}
