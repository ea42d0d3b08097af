/**
 * Crash safety: a real `trialdesk serve` process is killed with SIGKILL in the middle of a burst of form saves
 * over real HTTP. After a restart on the same SQLite file, every save the server acknowledged (2xx received)
 * is in the form's history with its value, and `trialdesk audit verify` passes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = new URL('../../', import.meta.url).pathname
const BIN = join(ROOT, 'bin/trialdesk.js')
const PASSWORD = 'crash test passphrase'

interface Server {
  readonly child: ChildProcess
  readonly url: string
  readonly adminPassword: string | null
}

function startServer(db: string): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, TRIALDESK_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 30_000)
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const url = /Listening on (http:\/\/\S+)/.exec(out)?.[1]
      if (url) {
        clearTimeout(timer)
        resolve({ child, url, adminPassword: /with password (\S+)/.exec(out)?.[1] ?? null })
      }
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}\n${err}`)))
  })
}

/** Resolves when the process has exited (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** A cookie-carrying HTTP client over the real network (fetch, keep-alive). */
class Client {
  cookie = ''
  constructor(readonly base: string) {}
  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        'content-type': 'application/json',
        origin: this.base,
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const set = res.headers.get('set-cookie')
    if (set) this.cookie = set.split(';')[0] ?? ''
    return { status: res.status, body: (await res.json()) as T }
  }
  async signIn(username: string, password: string): Promise<void> {
    const res = await this.call('POST', '/api/auth/login', { username, password })
    if (res.status !== 200) throw new Error(`sign-in ${username}: ${res.status} ${JSON.stringify(res.body)}`)
  }
}

interface Saved {
  form: { id: string; version: number; values: Record<string, unknown> }
}

describe('crash safety (SIGKILL mid-burst, SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trialdesk-crash-'))
  const db = join(dir, 'crash.sqlite')
  let server: Server | undefined
  afterAll(() => {
    server?.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps every acknowledged save and an intact audit chain', async () => {
    server = await startServer(db)
    expect(server.adminPassword).not.toBeNull()
    const admin = new Client(server.url)
    await admin.signIn('admin', server.adminPassword ?? '')
    const created = await admin.call('POST', '/api/users', {
      username: 'nurse',
      displayName: 'Study Nurse',
      role: 'coordinator',
      sites: ['MAL'],
      password: PASSWORD,
    })
    expect(created.status).toBe(201)
    const nurse = new Client(server.url)
    await nurse.signIn('nurse', PASSWORD)
    const subjects: string[] = []
    for (let i = 0; i < 10; i++) {
      const s = await nurse.call<{ id: string }>('POST', '/api/subjects', {
        siteId: 'MAL',
        screeningDate: '2026-02-02',
      })
      expect(s.status).toBe(201)
      subjects.push(s.body.id)
    }

    // The burst: 10 writers, each saving its subject's vital signs again and again with a new weight.
    const acknowledged: { formId: string; version: number; weight: number }[] = []
    let sent = 0
    let killed = false
    const writer = async (subjectId: string, w: number): Promise<void> => {
      for (let k = 0; !killed; k++) {
        const weight = 40 + w * 10 + (k % 100) / 10
        sent++
        const saving = nurse.call<Saved>('POST', '/api/forms', {
          subjectId,
          visitId: 'SCR',
          formId: 'VITALS',
          values: { weight, sbp: 120, dbp: 80, hr: 70, temp: 36.7 },
          reason: k === 0 ? undefined : 'burst correction',
        })
        // Killed right after a save went out, so the kill lands mid-burst: that save (and any other writer's in
        // flight) is never answered. Killing on an answer instead could land between two group commits, with
        // every save sent already answered.
        if (acknowledged.length >= 150 && !killed) {
          killed = true
          server?.child.kill('SIGKILL')
        }
        try {
          const res = await saving
          if (res.status === 200)
            acknowledged.push({ formId: res.body.form.id, version: res.body.form.version, weight })
          else if (!killed) throw new Error(`save answered ${res.status}: ${JSON.stringify(res.body)}`)
        } catch (e) {
          if (!killed) throw e
        }
      }
    }
    await Promise.all(subjects.map((s, i) => writer(s, i)))
    expect(killed).toBe(true)
    expect(sent).toBeGreaterThan(acknowledged.length)
    await exited(server.child)

    server = await startServer(db)
    expect(server.adminPassword).toBeNull()
    const reader = new Client(server.url)
    await reader.signIn('nurse', PASSWORD)
    const histories = new Map<string, { version: number; values: Record<string, unknown> }[]>()
    for (const formId of new Set(acknowledged.map((a) => a.formId))) {
      const res = await reader.call<{ items: { version: number; values: Record<string, unknown> }[] }>(
        'GET',
        `/api/forms/${formId}/history`,
      )
      expect(res.status).toBe(200)
      histories.set(formId, res.body.items)
    }
    const missing = acknowledged.filter(
      (a) => histories.get(a.formId)?.find((v) => v.version === a.version)?.values['weight'] !== a.weight,
    )
    expect(missing).toEqual([])
    server.child.kill('SIGTERM')
    await exited(server.child)
    server = undefined

    const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify', '--db', db], { cwd: ROOT, encoding: 'utf8' })
    expect(verify.stdout).toMatch(/audit chain OK/)
    expect(verify.status).toBe(0)
  })
})
