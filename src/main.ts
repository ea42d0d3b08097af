/**
 * Composition root: config → store → protocol → services → HTTP app → server. The only place that reads the
 * environment and wires real infrastructure (clock, ids, argon2id, logger, seal key); everything below gets it
 * passed in. `trialdesk serve` (and `npm start`) call `startServer`.
 */
import { serve } from '@hono/node-server'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { SYSTEM_ACTOR } from './access/index.ts'
import { createApp, type ApiDeps, type App } from './api/index.ts'
import { createServices, type Services } from './capture/index.ts'
import { isPostgresUrl, loadConfig, type Config } from './config/index.ts'
import { fail, ok, ProblemCode, Role, type Result } from './domain/index.ts'
import {
  argon2Hasher,
  createLogger,
  systemClock,
  uuidv7Factory,
  type Logger,
  type PasswordHasher,
} from './platform/index.ts'
import { loadProtocolFile } from './protocol/index.ts'
import { findStudy, openStore, type Store } from './store/index.ts'
import { mountWeb } from './web/index.ts'

export interface ServeOptions {
  /** SQLite file or postgres:// URL (default: DATABASE_URL, else the embedded SQLite file). */
  readonly db?: string | undefined
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly protocol?: string | undefined
  /** Randomization go-live at start when the study is not live yet (seals the lists). */
  readonly goLive?: boolean | undefined
  readonly env?: NodeJS.ProcessEnv
  /** Where the start-up lines go (the URL, the first admin's password): stdout by default. */
  readonly print?: (line: string) => void
  readonly passwords?: PasswordHasher
  readonly log?: Logger
}

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly app: App
  readonly store: Store
  readonly services: Services
  /** Stops accepting connections, waits for open requests, closes the database. */
  close(): Promise<void>
}

const FIRST_ADMIN = 'admin'

/** Starts TrialDesk: migrates, loads the protocol, bootstraps the first admin, listens. */
export async function startServer(options: ServeOptions = {}): Promise<Result<RunningServer>> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  const config = loadConfig(options.env ?? process.env, {
    databaseUrl: options.db,
    port: options.port,
    host: options.host,
    protocolFile: options.protocol,
  })
  if (!config.ok) return config
  const cfg = config.value
  const log = options.log ?? createLogger(cfg.logLevel)

  const protocol = await loadProtocolFile(cfg.protocolFile)
  if (!protocol.ok) return fail(protocol.problems.map((p) => ({ ...p, path: `${cfg.protocolFile}: ${p.path}` })))

  const store = await openStore(cfg.databaseUrl)
  const started = await prepare(store, cfg, options, protocol.value, print, log).catch(async (e: unknown) => {
    await store.close()
    throw e
  })
  if (!started.ok) await store.close()
  return started
}

async function prepare(
  store: Store,
  cfg: Config,
  options: ServeOptions,
  protocol: Parameters<typeof createServices>[0]['protocol'],
  print: (line: string) => void,
  log: Logger,
): Promise<Result<RunningServer>> {
  const migrated = await store.migrate()
  if (!migrated.ok) return migrated
  const sealKey = await resolveSealKey(store, cfg)
  if (!sealKey.ok) return sealKey

  const clock = systemClock
  const services = createServices({
    store,
    clock,
    newId: uuidv7Factory(clock),
    sealKey: sealKey.value.key,
    sealKeySource: sealKey.value.source,
    protocol,
    passwords: options.passwords ?? argon2Hasher,
  })
  // Setup also checks the key against the study's check value: another key stops the start here.
  const setup = await services.study.setup(SYSTEM_ACTOR)
  if (!setup.ok) return setup
  if (options.goLive && !setup.value.randomizationLiveAt) {
    const live = await services.study.goLive(SYSTEM_ACTOR)
    if (!live.ok) return live
  }
  const admin = await bootstrapAdmin(services)
  if (!admin.ok) return admin

  const deps: ApiDeps = {
    services,
    protocol,
    store,
    clock,
    log,
    sessions: {
      secureCookies: cfg.secureCookies,
      sessionIdleMinutes: cfg.sessionIdleMinutes,
      sessionAbsoluteHours: cfg.sessionAbsoluteHours,
    },
  }
  // The JSON API under /api, the web pages beside it on the same app (sharing its session and CSRF middleware).
  const app = createApp(deps)
  mountWeb(app, deps)
  const listening = await listen(app, cfg.host, cfg.port)
  const url = `http://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${listening.port}`
  print(
    `TrialDesk ${setup.value.id} (protocol ${setup.value.protocol.label}, ${setup.value.protocol.hash.slice(0, 12)}) on ${store.location}`,
  )
  if (admin.value) {
    print(`First start: created the administrator account "${FIRST_ADMIN}" with password ${admin.value}`)
    print('(shown once: sign in and change it, then create the study team’s accounts)')
  }
  print(`Listening on ${url}`)
  return ok({
    url,
    port: listening.port,
    app,
    store,
    services,
    async close() {
      await listening.close()
      await store.close()
    },
  })
}

/** Creates the first administrator when the database has no account yet; answers the password, shown once. */
async function bootstrapAdmin(services: Services): Promise<Result<string | null>> {
  const users = await services.users.list(SYSTEM_ACTOR)
  if (!users.ok) return users
  if (users.value.length > 0) return ok(null)
  const password = randomBytes(18).toString('base64url')
  const created = await services.users.create(SYSTEM_ACTOR, {
    username: FIRST_ADMIN,
    displayName: 'Administrator',
    role: Role.Admin,
    sites: 'all',
    password,
  })
  return created.ok ? ok(password) : created
}

/** The seal key and where it came from (the variable or file a problem about it names). */
export interface SealKey {
  readonly key: Buffer
  readonly source: string
}

/**
 * The seal key: TRIALDESK_SEAL_KEY when set; otherwise, for SQLite, a key file beside the database (mode 0600),
 * created with the database. A database that already holds a study never gets a new key silently: its
 * sealed allocations would no longer open (and the services check the key against the study's check value).
 */
export async function resolveSealKey(store: Store, cfg: Config): Promise<Result<SealKey>> {
  if (cfg.sealKey) return ok({ key: Buffer.from(cfg.sealKey, 'hex'), source: 'TRIALDESK_SEAL_KEY' })
  if (isPostgresUrl(cfg.databaseUrl)) {
    return fail({
      code: ProblemCode.Required,
      path: 'TRIALDESK_SEAL_KEY',
      message: 'set the seal key (64 hex characters) for a PostgreSQL database',
    })
  }
  if (cfg.databaseUrl === ':memory:') return ok({ key: randomBytes(32), source: 'a random key (in-memory database)' })
  const file = `${store.location}.sealkey`
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim()
    if (!/^[0-9a-f]{64}$/.test(hex))
      return fail({ code: ProblemCode.Invalid, path: file, message: 'the seal key file must hold 64 hex characters' })
    return ok({ key: Buffer.from(hex, 'hex'), source: file })
  }
  if (await findStudy(store)) {
    return fail({
      code: ProblemCode.NotFound,
      path: file,
      message: 'the database holds a study but its seal key file is missing (or set TRIALDESK_SEAL_KEY)',
    })
  }
  const key = randomBytes(32)
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return ok({ key, source: file })
}

function listen(app: App, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            if ('closeIdleConnections' in server) server.closeIdleConnections()
          }),
      })
    })
    server.once('error', reject)
  })
}
