import type { Command } from 'commander'
import { loadConfig } from '../../config/index.ts'
import { openStore } from '../../store/index.ts'
import { exitWithProblems } from '../exit.ts'

/** `trialdesk db migrate [--db URL]`: brings the database (DATABASE_URL, or --db) to the latest schema. */
export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('database administration')
  db.command('migrate')
    .description('create or upgrade the database schema (SQLite file or PostgreSQL from DATABASE_URL)')
    .option('--db <url>', 'SQLite file or postgres:// URL (default: DATABASE_URL)')
    .action(async (opts: { db?: string }) => {
      const config = loadConfig(process.env, { databaseUrl: opts.db })
      if (!config.ok) exitWithProblems(config.problems)
      const store = await openStore(config.value.databaseUrl)
      try {
        const result = await store.migrate()
        if (!result.ok) exitWithProblems(result.problems, store.location, 1)
        const { applied, known } = result.value
        process.stdout.write(
          applied.length === 0
            ? `${store.location}: schema up to date (${known.length} migrations)\n`
            : `${store.location}: applied ${applied.length} migration${applied.length > 1 ? 's' : ''} (${applied.join(', ')})\n`,
        )
      } finally {
        await store.close()
      }
    })
}
