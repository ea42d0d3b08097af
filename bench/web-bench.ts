/**
 * Web bench: the study dashboard of a running trial (40 subjects over 4 sites, forms, queries, an SAE) served by
 * the real app on a real localhost port.
 *
 * - Dashboard over HTTP with a session cookie: the first request after start (cold) and the next ones (warm),
 *   from request to the last byte (server render + transfer): first, median and p95.
 * - Dashboard first load in Chromium (when /usr/bin/chromium exists): navigation start to the load event with an
 *   empty cache, i.e. the HTML plus the stylesheet and htmx. Target: under 1 s.
 * - What the browser downloads: JavaScript and CSS gzipped (htmx is the only script), the dashboard HTML.
 */
import { serve } from '@hono/node-server'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { SYSTEM_ACTOR, type Actor } from '../src/access/index.ts'
import { createApp } from '../src/api/index.ts'
import { createServices, type Services } from '../src/capture/index.ts'
import { Role, type ProtocolFile, type SiteId } from '../src/domain/index.ts'
import { fastTestHasher, silentLogger, systemClock, uuidv7Factory } from '../src/platform/index.ts'
import { loadProtocolFile } from '../src/protocol/index.ts'
import { openStore } from '../src/store/index.ts'
import { mountWeb } from '../src/web/index.ts'

const PASSWORD = 'bench passphrase 2026'
const SITES = ['MAL', 'COR', 'SVM', 'SVR'] as const

export interface WebBenchResult {
  readonly httpFirstMs: number
  readonly httpMedianMs: number
  readonly httpP95Ms: number
  /** Chromium navigation to load event, empty cache; null without Chromium. */
  readonly browserFirstLoadMs: number | null
  readonly jsGzipBytes: number
  readonly cssGzipBytes: number
  readonly dashboardHtmlBytes: number
  readonly dashboardHtmlGzipBytes: number
}

function must<T>(r: { ok: true; value: T } | { ok: false; problems: readonly { path: string; message: string }[] }): T {
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('; '))
  return r.value
}

/** Ten subjects per site: screened, consented, eligible, enrolled; 8 randomized with a baseline ALSFRS-R. */
async function seed(
  services: Services,
  protocol: ProtocolFile,
  coordinators: Readonly<Record<string, Actor>>,
  monitor: Actor,
): Promise<void> {
  const answers: Record<string, boolean> = Object.fromEntries([
    ...protocol.eligibility.inclusion.map((c): [string, boolean] => [c.id, true]),
    ...protocol.eligibility.exclusion.map((c): [string, boolean] => [c.id, false]),
  ])
  const today = new Date().toISOString().slice(0, 10)
  for (const site of SITES) {
    const actor = coordinators[site]
    if (!actor) throw new Error(`no coordinator at ${site}`)
    for (let i = 0; i < 10; i++) {
      const s = must(await services.subjects.screen(actor, { siteId: site, screeningDate: today }))
      must(await services.subjects.recordConsent(actor, s.id, { date: today, version: '1.0' }))
      must(await services.subjects.recordEligibility(actor, s.id, { answers }))
      must(
        await services.subjects.enrol(actor, s.id, {
          date: today,
          factors: { onset: i % 3 === 0 ? 'bulbar' : 'spinal', deltaFS: 0.3 + i / 10 },
        }),
      )
      if (i >= 8) continue
      must(await services.subjects.randomize(actor, s.id, {}))
      const values = Object.fromEntries(
        ['Q1', 'Q2', 'Q3', 'Q4', 'Q5A', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12'].map((q, k) => [
          q,
          (k + i) % 5 === 0 ? 3 : 4,
        ]),
      )
      const form = must(await services.forms.save(actor, { subjectId: s.id, visitId: 'BL', formId: 'ALSFRS', values }))
      if (i === 0)
        must(
          await services.queries.raise(monitor, {
            subjectId: s.id,
            formId: form.form.id,
            itemId: 'Q1',
            text: 'Please confirm against the source',
          }),
        )
    }
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

export async function runWebBench(options: { readonly requests?: number } = {}): Promise<WebBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'trialdesk-web-bench-'))
  const store = await openStore(join(dir, 'bench.sqlite'))
  must(await store.migrate())
  const protocol = must(await loadProtocolFile(resolve(import.meta.dirname, '../protocols/admsc-als.yaml')))
  const services = createServices({
    store,
    clock: systemClock,
    newId: uuidv7Factory(systemClock),
    sealKey: Buffer.alloc(32, 7),
    protocol,
    passwords: fastTestHasher,
  })
  must(await services.study.setup(SYSTEM_ACTOR))
  must(await services.study.goLive(SYSTEM_ACTOR))
  const user = async (username: string, role: Role, sites: readonly string[] | 'all'): Promise<Actor> => {
    const u = must(
      await services.users.create(SYSTEM_ACTOR, {
        username,
        displayName: username,
        role,
        sites: sites === 'all' ? 'all' : [...sites],
        password: PASSWORD,
      }),
    )
    return { userId: u.id, username, role, sites: sites === 'all' ? 'all' : (sites as SiteId[]) }
  }
  const coordinators = Object.fromEntries(
    await Promise.all(
      SITES.map(async (s) => [s, await user(`coord-${s.toLowerCase()}`, Role.Coordinator, [s])] as const),
    ),
  )
  const monitor = await user('monitor', Role.Monitor, [...SITES])
  await user('sponsor', Role.Sponsor, 'all')
  await seed(services, protocol.protocol, coordinators, monitor)

  const deps = {
    services,
    protocol,
    store,
    clock: systemClock,
    log: silentLogger,
    sessions: { secureCookies: false, sessionIdleMinutes: 30, sessionAbsoluteHours: 12 },
  }
  const app = createApp(deps)
  const web = mountWeb(app, deps)
  const { port, close } = await new Promise<{ port: number; close: () => Promise<void> }>((done) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
      done({ port: info.port, close: () => new Promise<void>((r) => server.close(() => r())) }),
    )
  })
  const base = `http://127.0.0.1:${port}`
  try {
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({ username: 'sponsor', password: PASSWORD, next: '/dashboard' }).toString(),
    })
    const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? ''
    const times: number[] = []
    let html = ''
    for (let i = 0; i < (options.requests ?? 30); i++) {
      const t = performance.now()
      const res = await fetch(`${base}/dashboard`, { headers: { cookie, 'accept-encoding': 'identity' } })
      html = await res.text()
      times.push(performance.now() - t)
      if (res.status !== 200) throw new Error(`dashboard answered ${res.status}`)
    }
    const warm = times.slice(1).sort((a, b) => a - b)

    let browserFirstLoadMs: number | null = null
    if (existsSync('/usr/bin/chromium')) {
      const browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-quic',
        ],
      })
      try {
        const context = await browser.newContext()
        const [name = '', value = ''] = cookie.split('=')
        await context.addCookies([{ name, value, url: base }])
        const page = await context.newPage()
        await page.goto(`${base}/dashboard`, { waitUntil: 'load' })
        browserFirstLoadMs = await page.evaluate(() => {
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
          return nav ? nav.loadEventEnd - nav.startTime : Number.NaN
        })
      } finally {
        await browser.close()
      }
    }
    const gz = (type: string) =>
      web.assets.all.filter((a) => a.type.startsWith(type)).reduce((n, a) => n + a.gzip.length, 0)
    return {
      httpFirstMs: times[0] ?? Number.NaN,
      httpMedianMs: percentile(warm, 50),
      httpP95Ms: percentile(warm, 95),
      browserFirstLoadMs,
      jsGzipBytes: gz('text/javascript'),
      cssGzipBytes: gz('text/css'),
      dashboardHtmlBytes: Buffer.byteLength(html),
      dashboardHtmlGzipBytes: gzipSync(html).length,
    }
  } finally {
    await close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Prints the figures (the bench harness calls `runWebBench`; `node --import tsx bench/web-bench.ts` runs it alone). */
export function printWebBench(r: WebBenchResult): void {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`
  console.log(
    `dashboard over HTTP (40 subjects, sponsor, all sites): first ${r.httpFirstMs.toFixed(1)} ms, warm median ${r.httpMedianMs.toFixed(1)} ms, p95 ${r.httpP95Ms.toFixed(1)} ms`,
  )
  console.log(
    r.browserFirstLoadMs === null
      ? 'dashboard first load in Chromium: skipped (no /usr/bin/chromium)'
      : `dashboard first load in Chromium (empty cache, to the load event): ${r.browserFirstLoadMs.toFixed(0)} ms (target < 1000 ms)`,
  )
  console.log(
    `JavaScript shipped, gzipped: ${kb(r.jsGzipBytes)} (htmx 2.0.11 only; budget 100 kB) · CSS gzipped: ${kb(r.cssGzipBytes)}`,
  )
  console.log(`dashboard HTML: ${kb(r.dashboardHtmlBytes)} (${kb(r.dashboardHtmlGzipBytes)} gzipped)`)
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) printWebBench(await runWebBench())
