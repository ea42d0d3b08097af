/**
 * Child process for the crash-safety test: writes audited changes to the SQLite file given as argument, as
 * fast as it can, and prints the seq of each one once its transaction is acknowledged (committed). The test
 * kills it with SIGKILL mid-stream.
 */
import { appendAudit, AuditKind } from '../../src/audit/index.ts'
import { ok, type Instant, type UserId } from '../../src/domain/index.ts'
import { createSealer, openStore } from '../../src/store/index.ts'

const file = process.argv[2]
if (!file) throw new Error('usage: crash-writer <sqlite-file>')
const store = await openStore(file)
const migrated = await store.migrate()
if (!migrated.ok) throw new Error('migration failed')
const sealer = createSealer(Buffer.alloc(32, 1))
const actor = { userId: 'u-crash' as UserId, username: 'crash', role: 'coordinator' as const }
for (let i = 0; ; i++) {
  const seqs = await store.write(async (tx) => {
    await tx.db
      .insertInto('site')
      .values({
        id: `S${i}`,
        name: `site ${i}`,
        country: 'ES',
        city: null,
        target_enrolment: null,
        active: 1,
        created_at: new Date().toISOString(),
      })
      .execute()
    return ok(
      await appendAudit(tx, { actor, at: new Date().toISOString() as Instant, sealer }, [
        {
          kind: AuditKind.SiteCreated,
          entityType: 'site',
          entityId: `S${i}`,
          changes: [{ field: 'arm', old: null, new: 'P', sensitive: true }],
        },
      ]),
    )
  })
  if (!seqs.ok) throw new Error('write failed')
  process.stdout.write(`${seqs.value[0]} S${i}\n`)
}
