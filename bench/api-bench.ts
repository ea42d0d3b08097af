/**
 * API bench, on SQLite and on PostgreSQL: the real app on a real port, clients over HTTP (keep-alive fetch)
 * from a separate process, so the server's own CPU time per save is measured too (a figure that does not depend
 * on what else runs on the machine, unlike throughput).
 *
 * - Audited form saves: 50 concurrent clients, each saving its own subject's vital signs again and again (a new
 *   version with a reason, automatic-query checks and the hash-chained audit record, in one transaction) for a
 *   fixed time: saves/s, p50 and p99 latency. Target on SQLite (2-core machine): ≥ 1,000 saves/s, p99 ≤ 50 ms.
 * - 200 concurrent randomizations (50 per site): time, and duplicates (slots taken twice, subjects allocated
 *   twice), which must be 0.
 * - The audit chain is verified afterwards.
 */
import { serve } from '@hono/node-server'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { parse as parseYaml } from 'yaml'
import { SYSTEM_ACTOR, type Actor } from '../src/access/index.ts'
import { createApp } from '../src/api/index.ts'
import { verifyAuditChain } from '../src/audit/index.ts'
import { createServices, type Services } from '../src/capture/index.ts'
import { Role, type SiteId } from '../src/domain/index.ts'
import { fastTestHasher, silentLogger, systemClock, uuidv7Factory } from '../src/platform/index.ts'
import { parseProtocolText, type ProtocolVersion } from '../src/protocol/index.ts'
import { openStore, type Store } from '../src/store/index.ts'

const PASSWORD = 'bench passphrase 2026'
const SITES = ['MAL', 'COR', 'SVM', 'SVR'] as const

export interface ApiBenchOptions {
  readonly clients?: number
  readonly durationMs?: number
  readonly randomizations?: number
  /** PostgreSQL URL (default TRIALDESK_BENCH_PG_URL, TRIALDESK_TEST_PG_URL, then postgres://postgres@127.0.0.1:5432/test). */
  readonly postgresUrl?: string
}

export interface ApiBenchResult {
  readonly dialect: 'sqlite' | 'postgres'
  readonly saves: number
  readonly savesPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly saveErrors: number
  /** Server CPU time per save (the server process alone; the clients run in another process). */
  readonly serverCpuMsPerSave: number
  /** The first failed request (status and body), if any. */
  readonly firstError: string | null
  readonly randomizations: number
  readonly randomizationMs: number
  readonly randomizationErrors: number
  readonly duplicates: number
  readonly auditRecords: number
  readonly auditOk: boolean
}

/** The reference protocol with room for the bench's randomizations in every site's list. */
function benchProtocol(randomizations: number): ProtocolVersion {
  const path = resolve(import.meta.dirname, '../protocols/admsc-als.yaml')
  const raw = parseYaml(readFileSync(path, 'utf8')) as {
    study: { targetEnrolment: number }
    sites: { targetEnrolment: number }[]
  }
  raw.study.targetEnrolment = Math.max(raw.study.targetEnrolment, randomizations)
  for (const site of raw.sites) site.targetEnrolment = Math.ceil(raw.study.targetEnrolment / raw.sites.length)
  const parsed = parseProtocolText(JSON.stringify(raw), 'admsc-als (bench)')
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; '))
  return parsed.value
}

function must<T>(r: { ok: true; value: T } | { ok: false; problems: readonly { path: string; message: string }[] }): T {
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('; '))
  return r.value
}

/**
 * The load generator, run in a child process (so the server's CPU time can be measured alone): signs in, then
 * runs one loop of requests per job until the deadline (or once each), and reports every latency on stdout.
 * It uses node:http with a keep-alive agent (one socket per job, as autocannon and wrk do) rather than fetch,
 * whose per-request cost would take CPU from the server on a 2-core machine. With a warm-up, the loops run
 * that long first (connections open, both processes' code compiled) and only what follows is measured; the
 * line `measuring` on stdout marks the start, so the parent can take the server's CPU time from there.
 * Plain JavaScript: it needs no TypeScript loader.
 */
const LOAD_GENERATOR = `
const http = require('node:http')
const workerData = JSON.parse(process.env.TRIALDESK_LOAD)
const { base, jobs, warmupMs, durationMs, password } = workerData
const url = new URL(base)
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, jobs.length) })
function call(cookie, method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers = { origin: base, cookie }
    if (payload !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(payload) }
    const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode, text, setCookie: res.headers['set-cookie'] }))
    })
    req.on('error', reject)
    req.end(payload)
  })
}
async function signIn(username) {
  const r = await call('', 'POST', '/api/auth/login', { username, password })
  if (r.status !== 200) throw new Error('sign-in failed: ' + r.status + ' ' + r.text)
  return r.setCookie[0].split(';')[0]
}
;(async () => {
  const cookies = {}
  for (const job of jobs) cookies[job.username] ??= await signIn(job.username)
  const started = Date.now()
  const measureFrom = started + (warmupMs || 0)
  const deadline = durationMs ? measureFrom + durationMs : 0
  let measuring = !warmupMs
  if (measuring) process.stdout.write('measuring\\n')
  const latencies = []
  const errors = []
  await Promise.all(jobs.map(async (job) => {
    for (let k = 0; ; k++) {
      const body = job.body === undefined ? undefined : JSON.parse(JSON.stringify(job.body).replaceAll('"__K__"', String(60 + (k % 40))))
      const t = performance.now()
      const r = await call(cookies[job.username], job.method, job.path, body)
      const ms = performance.now() - t
      if (!measuring && Date.now() >= measureFrom) { measuring = true; process.stdout.write('measuring\\n') }
      if (r.status < 200 || r.status >= 300) errors.push(r.status + ' ' + r.text.slice(0, 200))
      else if (measuring) latencies.push(ms)
      if (!deadline || Date.now() >= deadline) break
    }
  }))
  agent.destroy()
  process.stdout.write(JSON.stringify({ latencies, errors }))
})().catch((e) => process.stdout.write(JSON.stringify({ latencies: [], errors: [String(e && e.stack || e)] })))
`

interface Job {
  readonly username: string
  readonly method: string
  readonly path: string
  readonly body?: unknown
}

interface Load {
  readonly latencies: number[]
  readonly errors: string[]
  /** CPU time this (server) process spent while the measured load ran, in ms. */
  readonly serverCpuMs: number
  /** Wall time of the measured load, in ms. */
  readonly elapsedMs: number
}

/**
 * Runs the load generator: `durationMs` of measured load after `warmupMs`, or each job once (`durationMs` 0).
 * The server's CPU time counts from the generator's `measuring` mark, as do the latencies and the elapsed time.
 */
function runLoad(base: string, jobs: readonly Job[], warmupMs: number, durationMs: number): Promise<Load> {
  return new Promise((resolvePromise, reject) => {
    let cpu = process.cpuUsage()
    let measuredFrom = performance.now()
    const child = spawn(process.execPath, ['-e', LOAD_GENERATOR], {
      env: { ...process.env, TRIALDESK_LOAD: JSON.stringify({ base, jobs, warmupMs, durationMs, password: PASSWORD }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.startsWith('measuring\n')) {
        cpu = process.cpuUsage()
        measuredFrom = performance.now()
        out = out.slice('measuring\n'.length)
      }
    })
    child.once('error', reject)
    child.once('close', () => {
      const used = process.cpuUsage(cpu)
      const elapsedMs = performance.now() - measuredFrom
      try {
        const m = JSON.parse(out) as { latencies: number[]; errors: string[] }
        resolvePromise({ ...m, serverCpuMs: (used.user + used.system) / 1000, elapsedMs })
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    })
  })
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN)

async function openBenchStore(
  dialect: 'sqlite' | 'postgres',
  url: string,
): Promise<{ store: Store; dispose: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'trialdesk-bench-'))
    const store = await openStore(join(dir, 'bench.sqlite'))
    const dispose = async (): Promise<void> => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
    return { store, dispose }
  }
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`
  const store = await openStore(url, { schema, poolSize: 20 })
  const dispose = async (): Promise<void> => {
    await store.close()
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`drop schema if exists "${schema}" cascade`)
    await admin.end()
  }
  return { store, dispose }
}

async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function benchDialect(
  dialect: 'sqlite' | 'postgres',
  url: string,
  options: Required<Omit<ApiBenchOptions, 'postgresUrl'>>,
): Promise<ApiBenchResult> {
  const { store, dispose } = await openBenchStore(dialect, url)
  try {
    must(await store.migrate())
    const protocol = benchProtocol(options.randomizations)
    const answers = eligibleAnswers(protocol)
    const services: Services = createServices({
      store,
      clock: systemClock,
      newId: uuidv7Factory(systemClock),
      sealKey: Buffer.alloc(32, 7),
      protocol,
      passwords: fastTestHasher,
    })
    must(await services.study.setup(SYSTEM_ACTOR))
    must(await services.study.goLive(SYSTEM_ACTOR))
    const coordinators: Record<string, Actor> = {}
    for (const site of SITES) {
      const user = must(
        await services.users.create(SYSTEM_ACTOR, {
          username: `coord-${site.toLowerCase()}`,
          displayName: site,
          role: Role.Coordinator,
          sites: [site],
          password: PASSWORD,
        }),
      )
      coordinators[site] = {
        userId: user.id,
        username: user.username,
        role: Role.Coordinator,
        sites: [site] as SiteId[],
      }
    }
    const today = systemClock.now().slice(0, 10)
    const mal = coordinators['MAL']
    if (!mal) throw new Error('no MAL coordinator')
    const saveSubjects: string[] = []
    for (let i = 0; i < options.clients; i++)
      saveSubjects.push(must(await services.subjects.screen(mal, { siteId: 'MAL', screeningDate: today })).id)

    const app = createApp({
      services,
      protocol,
      store,
      clock: systemClock,
      log: silentLogger,
      sessions: { secureCookies: false, sessionIdleMinutes: 30, sessionAbsoluteHours: 12 },
      throttle: { perAddress: { capacity: 10_000, refillSeconds: 1 } },
    })
    const server = await new Promise<{ port: number; close(): Promise<void> }>((done) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
        done({ port: info.port, close: () => new Promise<void>((closed) => s.close(() => closed())) }),
      )
    })
    const base = `http://127.0.0.1:${server.port}`
    try {
      // Audited form saves: a 2 s warm-up, then the measured run.
      // Every save but a subject's first is a correction, so a reason goes with every one.
      const saveJobs = saveSubjects.map((subjectId): Job => ({
        username: 'coord-mal',
        method: 'POST',
        path: '/api/forms',
        body: {
          subjectId,
          visitId: 'SCR',
          formId: 'VITALS',
          values: { weight: 70, sbp: 120, dbp: 80, hr: '__K__', temp: 36.6 },
          reason: 'bench correction',
        },
      }))
      const saves = await runLoad(base, saveJobs, 2000, options.durationMs)
      const elapsedS = saves.elapsedMs / 1000
      const sorted = [...saves.latencies].sort((a, b) => a - b)

      // 200 concurrent randomizations across the four sites.
      const perSite = Math.ceil(options.randomizations / SITES.length)
      const randomizeJobs: Job[] = []
      for (const site of SITES) {
        const actor = coordinators[site]
        if (!actor) throw new Error(`no coordinator at ${site}`)
        for (let i = 0; i < perSite && randomizeJobs.length < options.randomizations; i++) {
          const id = must(await services.subjects.screen(actor, { siteId: site, screeningDate: today })).id
          must(await services.subjects.recordConsent(actor, id, { date: today, version: '1.0' }))
          must(await services.subjects.recordEligibility(actor, id, { answers }))
          must(
            await services.subjects.enrol(actor, id, {
              date: today,
              factors: { onset: i % 2 ? 'bulbar' : 'spinal', deltaFS: 0.2 + (i % 10) / 10 },
            }),
          )
          randomizeJobs.push({
            username: actor.username,
            method: 'POST',
            path: `/api/subjects/${id}/randomize`,
            body: {},
          })
        }
      }
      const t = performance.now()
      const randomized = await runLoad(base, randomizeJobs, 0, 0)
      const randomizationMs = performance.now() - t
      const slots = await store.db
        .selectFrom('randomization_slot')
        .select(['period_id', 'stratum', 'sequence', 'subject_token'])
        .execute()
      const distinctSlots = new Set(slots.map((s) => `${s.period_id}|${s.stratum}|${s.sequence}`)).size
      const distinctSubjects = new Set(slots.map((s) => `${s.period_id}|${s.subject_token}`)).size
      const periods = await store.db.selectFrom('subject_period').select('subject_id').execute()
      const duplicates =
        slots.length -
        distinctSlots +
        (slots.length - distinctSubjects) +
        (periods.length - new Set(periods.map((p) => p.subject_id)).size)
      const audit = await verifyAuditChain(store)
      return {
        dialect,
        saves: saves.latencies.length,
        savesPerSecond: saves.latencies.length / elapsedS,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        saveErrors: saves.errors.length,
        serverCpuMsPerSave: saves.serverCpuMs / Math.max(1, saves.latencies.length),
        firstError: saves.errors[0] ?? randomized.errors[0] ?? null,
        randomizations: randomized.latencies.length,
        randomizationMs,
        randomizationErrors: randomized.errors.length,
        duplicates,
        auditRecords: audit.records,
        auditOk: audit.ok,
      }
    } finally {
      await server.close()
    }
  } finally {
    await dispose()
  }
}

/** Every inclusion criterion met, no exclusion criterion present. */
function eligibleAnswers(protocol: ProtocolVersion): Record<string, boolean> {
  const { inclusion, exclusion } = protocol.protocol.eligibility
  return Object.fromEntries([
    ...inclusion.map((c): [string, boolean] => [c.id, true]),
    ...exclusion.map((c): [string, boolean] => [c.id, false]),
  ])
}

/** Runs the bench on SQLite, then PostgreSQL when reachable, and prints the figures. */
export async function runApiBench(options: ApiBenchOptions = {}): Promise<ApiBenchResult[]> {
  const settings = {
    clients: options.clients ?? 50,
    durationMs: options.durationMs ?? 10_000,
    randomizations: options.randomizations ?? 200,
  }
  const pgUrl =
    options.postgresUrl ??
    process.env['TRIALDESK_BENCH_PG_URL'] ??
    process.env['TRIALDESK_TEST_PG_URL'] ??
    'postgres://postgres@127.0.0.1:5432/test'
  const results: ApiBenchResult[] = []
  for (const dialect of ['sqlite', 'postgres'] as const) {
    if (dialect === 'postgres' && !(await postgresReachable(pgUrl))) {
      console.log(`postgres: not reachable at ${pgUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')} — skipped`)
      continue
    }
    const r = await benchDialect(dialect, pgUrl, settings)
    results.push(r)
    console.log(
      `${dialect}: ${r.saves} audited form saves in ${(settings.durationMs / 1000).toFixed(0)} s with ${settings.clients} clients over HTTP: ` +
        `${r.savesPerSecond.toFixed(0)} saves/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.saveErrors} errors` +
        (dialect === 'sqlite'
          ? ` (target ≥ 1000 saves/s, p99 ≤ 50 ms: ${r.savesPerSecond >= 1000 && r.p99Ms <= 50 ? 'met' : 'NOT met'})`
          : ''),
    )
    console.log(
      `${dialect}: server CPU ${r.serverCpuMsPerSave.toFixed(2)} ms per save ` +
        `(one idle core would serve ≈ ${(1000 / r.serverCpuMsPerSave).toFixed(0)} saves/s; load average now ${loadavg()[0]?.toFixed(1)})`,
    )
    if (r.firstError) console.log(`${dialect}: first failed request: ${r.firstError}`)
    console.log(
      `${dialect}: ${r.randomizations} concurrent randomizations in ${r.randomizationMs.toFixed(0)} ms, ${r.randomizationErrors} errors, ` +
        `${r.duplicates} duplicates; audit chain ${r.auditOk ? 'OK' : 'BROKEN'} (${r.auditRecords} records)`,
    )
  }
  return results
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runApiBench()
}
