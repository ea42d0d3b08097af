import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { appendAudit, AuditKind } from '../../audit/index.ts'
import { ok, type Instant, type UserId } from '../../domain/index.ts'
import { createSealer, MIGRATIONS } from '../../store/index.ts'
import { describeEachDialect, type TestDatabase } from '../../../test/support/index.ts'

const BIN = resolve(import.meta.dirname, '../../../bin/trialdesk.js')

function trialdesk(...args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '' },
  })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** What the CLI is given: the SQLite file, or the PostgreSQL URL pinned to the suite's schema. */
function cliUrl(t: TestDatabase): string {
  if (!t.schema) return t.url
  return `${t.url}${t.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${t.schema}`)}`
}

describeEachDialect('trialdesk db migrate / audit verify', ({ db }) => {
  it('migrate reports an up-to-date schema', () => {
    const run = trialdesk('db', 'migrate', '--db', cliUrl(db()))
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`: schema up to date \\(${Object.keys(MIGRATIONS).length} migrations\\)\n$`))
  })

  it('verify exits 0 with a one-line summary, then 1 naming the first tampered record', async () => {
    const actor = { userId: 'u1' as UserId, username: 'dm', role: 'data-manager' as const }
    for (let i = 0; i < 5; i++) {
      await db().store.write(async (tx) =>
        ok(
          await appendAudit(
            tx,
            { actor, at: '2026-02-01T10:00:00.000Z' as Instant, sealer: createSealer(Buffer.alloc(32)) },
            [{ kind: AuditKind.FormSaved, entityType: 'form', entityId: `f${i}` }],
          ),
        ),
      )
    }
    const good = trialdesk('audit', 'verify', '--db', cliUrl(db()))
    expect(good.code).toBe(0)
    expect(good.stdout).toMatch(/: audit chain OK — 5 records, head sha256 [0-9a-f]{64}\n$/)
    expect(good.stdout.split('\n')).toHaveLength(2)

    await sql`update audit_log set entity_id = ${'forged'} where seq = 3`.execute(db().store.db)
    const bad = trialdesk('audit', 'verify', '--db', cliUrl(db()))
    expect(bad.code).toBe(1)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(
      /audit chain BROKEN at seq 3: content does not match its hash \(record edited\) \(2 records verified before it\)\n$/,
    )
  })
})

it('verify refuses a database file that does not exist (and does not create it)', () => {
  const run = trialdesk('audit', 'verify', '--db', '/tmp/trialdesk-no-such-dir/none.sqlite')
  expect(run.code).toBe(2)
  expect(run.stderr).toBe('trialdesk: /tmp/trialdesk-no-such-dir/none.sqlite: database file not found\n')
  expect(existsSync('/tmp/trialdesk-no-such-dir')).toBe(false)
})
