/**
 * The demo and start commands as users run them (the real CLI in a child process): the demo writes its report,
 * summary and accounts and refuses a database that already holds a study; serve and export refuse another seal
 * key; `start` runs the demo into an empty database, serves it, and the printed accounts sign in; a second start
 * only serves.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable } from '../../report/index.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const CLI = resolve(ROOT, 'bin/trialdesk.js')

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

function trialdesk(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
      },
    )
  })
}

/** Starts `trialdesk start`, waits until it listens (and has printed any accounts), and answers its output and a stop. */
function startServer(
  args: readonly string[],
): Promise<{ url: string; stdout: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'start', ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', TRIALDESK_LOG_LEVEL: 'silent' },
  })
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
  const listening = new Promise<string>((done) => {
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString()
      const url = /Listening on (\S+)/.exec(stdout)?.[1]
      // On a first start the accounts follow the URL: wait for the end of that block.
      if (url && (!/Demo finished/.test(stdout) || /^ {2}Also: .*\n/m.test(stdout))) done(url)
    })
  })
  const failed = exited.then((code) => {
    throw new Error(`start exited (${code}) before listening:\n${stdout}\n${stderr}`)
  })
  return Promise.race([listening, failed]).then((url) => ({
    url,
    stdout,
    stop: () => {
      child.kill('SIGTERM')
      return exited
    },
  }))
}

const out = mkdtempSync(join(tmpdir(), 'trialdesk-demo-cli-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('trialdesk demo', () => {
  let demo: Run
  let again: Run
  const dir = join(out, 'demo')

  beforeAll(async () => {
    demo = await trialdesk(['demo', '--out', dir, '--patients', '4', '--months', '8', '--seed', '5', '--quiet'])
    again = await trialdesk(['demo', '--out', dir, '--patients', '4', '--months', '8', '--quiet'])
  }, 180_000)

  it('runs the trial, writes the report and prints the summary with the accounts', () => {
    expect(demo.stderr).toBe('')
    expect(demo.code).toBe(0)
    expect(demo.stdout).toMatch(/^Demo finished: ADMSC-ALS, seed 5, 4 patients, true effect: none$/m)
    expect(demo.stdout).toMatch(/randomized 4 \(/)
    expect(demo.stdout).toMatch(/hash chain verified/)
    expect(demo.stdout).toMatch(/^ {2}coordinator\.mal +\S{20,} +Study coordinator/m)
    for (const f of [
      'report.html',
      'results.json',
      'datasets/adsl.csv',
      'trialdesk-demo.sqlite',
      'trialdesk-demo.sqlite.sealkey',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true)
    }
    expect(existsSync(join(dir, 'report.pdf'))).toBe(chromiumAvailable())
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { consort: { randomized: number } }
    expect(results.consort.randomized).toBe(4)
  })

  it('refuses a database that already holds a study', () => {
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already holds a study/)
  })

  it('serve and the data commands refuse another seal key with one line and exit 2', async () => {
    const db = join(dir, 'trialdesk-demo.sqlite')
    const wrongKey = { TRIALDESK_SEAL_KEY: 'cd'.repeat(32), TRIALDESK_LOG_LEVEL: 'silent' }
    const message = 'TRIALDESK_SEAL_KEY: does not match the key this database was sealed with'
    const serve = await trialdesk(['serve', '--db', db, '--port', '0'], wrongKey)
    expect(serve.code).toBe(2)
    expect(serve.stderr).toMatch(new RegExp(`^trialdesk: ${message} \\(.*\\)\\n$`))
    const exported = await trialdesk(['export', 'sdtm', '--db', db, '--out', join(out, 'sdtm')], wrongKey)
    expect(exported.code).toBe(2)
    expect(exported.stderr.split('\n')).toEqual([expect.stringContaining(message), ''])
    expect(existsSync(join(out, 'sdtm'))).toBe(false)
  })

  it('rejects a bad number with a usage error', async () => {
    const bad = await trialdesk(['demo', '--out', dir, '--patients', 'forty'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--patients: "forty" is not a whole number/)
  })
})

describe('trialdesk start', () => {
  const db = join(out, 'start', 'trialdesk.sqlite')

  it('first start runs the demo, writes the report, serves, and the printed accounts sign in; a restart only serves', async () => {
    const first = await startServer(['--db', db, '--patients', '4', '--seed', '9', '--quiet', '--host', '127.0.0.1'])
    try {
      expect(first.stdout).toMatch(/^Demo finished: .*4 patients/m)
      expect(existsSync(join(out, 'start', 'report', 'results.json'))).toBe(true)
      const password = /^ {2}coordinator\.mal +(\S+) /m.exec(first.stdout)?.[1]
      expect(password).toBeDefined()
      const login = await fetch(`${first.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: first.url },
        body: JSON.stringify({ username: 'coordinator.mal', password }),
      })
      expect(login.status).toBe(200)
      const wrong = await fetch(`${first.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: first.url },
        body: JSON.stringify({ username: 'coordinator.mal', password: `${password ?? ''}x` }),
      })
      expect(wrong.status).toBe(401)
    } finally {
      expect(await first.stop()).toBe(0)
    }
    const second = await startServer(['--db', db, '--quiet'])
    try {
      expect(second.stdout).not.toMatch(/Demo finished|sign-in accounts/)
      expect((await fetch(`${second.url}/api/openapi.json`)).status).toBe(200)
    } finally {
      await second.stop()
    }
  }, 240_000)
})
