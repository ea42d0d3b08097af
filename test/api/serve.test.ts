/**
 * `trialdesk serve`'s start-up (`startServer`, in process): first start creates the schema, loads the protocol,
 * keeps a 0600 seal key beside the SQLite file and prints the first administrator's password once; later
 * starts reuse the key and print no password; a study refuses to start without its key or with another one.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServer } from '../../src/main.ts'
import { fastTestHasher, silentLogger } from '../../src/platform/index.ts'

describe('serve: start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trialdesk-serve-'))
  const db = join(dir, 'trial.sqlite')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const start = (lines: string[], env: NodeJS.ProcessEnv = {}) =>
    startServer({ db, port: 0, env, print: (l) => lines.push(l), passwords: fastTestHasher, log: silentLogger })

  it('first start: schema, protocol, seal key (0600), the administrator’s password printed once, the API listening', async () => {
    const lines: string[] = []
    const started = await start(lines)
    if (!started.ok) throw new Error(JSON.stringify(started.problems))
    const server = started.value
    try {
      expect(statSync(`${db}.sealkey`).mode & 0o777).toBe(0o600)
      const password = /with password (\S+)/.exec(lines.join('\n'))?.[1]
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/)
      expect(lines.at(-1)).toBe(`Listening on ${server.url}`)
      const login = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ username: 'admin', password }),
      })
      expect(login.status).toBe(200)
      const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
        openapi: string
        paths: Record<string, unknown>
      }
      expect(doc.openapi).toBe('3.1.0')
      expect(Object.keys(doc.paths)).toContain('/api/forms')
    } finally {
      await server.close()
    }
  })

  it('later starts keep the key and the accounts, and print no password', async () => {
    const key = statSync(`${db}.sealkey`).mtimeMs
    const lines: string[] = []
    const started = await start(lines)
    if (!started.ok) throw new Error(JSON.stringify(started.problems))
    await started.value.close()
    expect(lines.join('\n')).not.toMatch(/password/)
    expect(statSync(`${db}.sealkey`).mtimeMs).toBe(key)
  })

  it('refuses to start with a seal key other than the one the study was sealed with', async () => {
    const other = 'ab'.repeat(32)
    const fromEnv = await start([], { TRIALDESK_SEAL_KEY: other })
    expect(fromEnv.ok ? null : fromEnv.problems).toEqual([
      {
        code: 'invalid',
        path: 'TRIALDESK_SEAL_KEY',
        message: 'does not match the key this database was sealed with (its sealed allocations would not open)',
      },
    ])
    const right = readFileSync(`${db}.sealkey`, 'utf8')
    writeFileSync(`${db}.sealkey`, `${other}\n`)
    const fromFile = await start([])
    expect(fromFile.ok ? null : fromFile.problems.map((p) => p.path)).toEqual([`${db}.sealkey`])
    writeFileSync(`${db}.sealkey`, right)
  })

  it('refuses to start a study whose seal key is missing (its sealed allocations would not open)', async () => {
    unlinkSync(`${db}.sealkey`)
    const started = await start([])
    expect(started.ok ? null : started.problems[0]?.message).toMatch(/seal key file is missing/)
    const badKey = await start([], { TRIALDESK_SEAL_KEY: 'not hex' })
    expect(badKey.ok ? null : badKey.problems[0]?.path).toBe('TRIALDESK_SEAL_KEY')
  })
})
