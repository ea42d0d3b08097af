/**
 * The study database as the data commands (`export …`, `import … --db`) use it: the same store, seal key and
 * services as `trialdesk serve`, with the protocol version the study runs on read from the database itself
 * (or, for a database without a study yet, set up from `--protocol`). The CLI acts through documented system
 * actors, never through a person's account: see `CLI_ACTORS`.
 */
import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import type { Actor } from '../../access/index.ts'
import { SYSTEM_ACTOR } from '../../access/index.ts'
import { createServices, type CaptureDeps, type Services } from '../../capture/index.ts'
import { isPostgresUrl, loadConfig } from '../../config/index.ts'
import { fail, ok, ProblemCode, Role, type Result, type UserId } from '../../domain/index.ts'
import { resolveSealKey } from '../../main.ts'
import { argon2Hasher, systemClock, uuidv7Factory } from '../../platform/index.ts'
import { loadProtocolFile, protocolFromData, type ProtocolVersion } from '../../protocol/index.ts'
import { findProtocolVersion, findStudy, openStore, type Store } from '../../store/index.ts'

export interface StudySession {
  readonly store: Store
  readonly deps: CaptureDeps
  readonly services: Services
  readonly protocol: ProtocolVersion
  close(): Promise<void>
}

export interface OpenStudyOptions {
  /** `--db`: SQLite file or postgres:// URL (default DATABASE_URL). */
  readonly db?: string | undefined
  /** Protocol file to set up a database that holds no study yet; must match the study's when it has one. */
  readonly protocol?: string | undefined
  /** Whether a missing SQLite file may be created (imports into a new database). */
  readonly create: boolean
}

/**
 * Who the CLI acts as. The operator of the command line is named (`cli:<os user>`) in every audit record; the
 * role decides what the services let it do and whether it sees allocations:
 * - `exportBlinded`: the data manager's role (blinded exports only; the default of every export);
 * - `exportUnblinded`: the independent statistician's (allocations included; `--unblinded` only);
 * - `importer`: the coordinator's, at every site (screens subjects, enters forms, reports AEs; blinded).
 */
export const CLI_ACTORS = {
  exportBlinded: cliActor(Role.DataManager),
  exportUnblinded: cliActor(Role.Statistician),
  importer: cliActor(Role.Coordinator),
} as const

function cliActor(role: Role): Actor {
  return { userId: 'cli' as UserId, username: `cli:${operator()}`, role, sites: 'all' }
}

function operator(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}

/**
 * Opens the database, migrates it, and builds the services on the study's protocol version, with the seal key
 * checked against the study's (another key is refused before any command runs).
 */
export async function openStudy(options: OpenStudyOptions): Promise<Result<StudySession>> {
  const config = loadConfig(process.env, { databaseUrl: options.db })
  if (!config.ok) return config
  const cfg = config.value
  const url = cfg.databaseUrl
  if (!options.create && !isPostgresUrl(url) && url !== ':memory:' && !existsSync(url))
    return fail({ code: ProblemCode.NotFound, path: '', message: 'database file not found' })
  const store = await openStore(url)
  const opened = await prepare(store, cfg, options).catch(async (e: unknown) => {
    await store.close()
    throw e
  })
  if (!opened.ok) await store.close()
  return opened
}

async function prepare(
  store: Store,
  cfg: Parameters<typeof resolveSealKey>[1],
  options: OpenStudyOptions,
): Promise<Result<StudySession>> {
  const migrated = await store.migrate()
  if (!migrated.ok) return migrated
  const protocol = await studyProtocol(store, options.protocol)
  if (!protocol.ok) return protocol
  const sealKey = await resolveSealKey(store, cfg)
  if (!sealKey.ok) return sealKey
  const deps: CaptureDeps = {
    store,
    clock: systemClock,
    newId: uuidv7Factory(systemClock),
    sealKey: sealKey.value.key,
    sealKeySource: sealKey.value.source,
    protocol: protocol.value,
    passwords: argon2Hasher,
  }
  const services = createServices(deps)
  // Either sets the study up (storing the key's check value) or checks the key against it.
  const ready = (await findStudy(store))
    ? await services.study.verifySealKey()
    : await services.study.setup(SYSTEM_ACTOR)
  if (!ready.ok) return ready
  return ok({ store, deps, services, protocol: protocol.value, close: () => store.close() })
}

/** The protocol version new data is captured on, from the database; `file` sets up a database without a study. */
async function studyProtocol(store: Store, file: string | undefined): Promise<Result<ProtocolVersion>> {
  const study = await findStudy(store)
  const given = file === undefined ? undefined : await loadProtocolFile(file)
  if (given && !given.ok) return fail(given.problems.map((p) => ({ ...p, path: `${file ?? ''}: ${p.path}` })))
  if (!study) {
    if (given) return given
    return fail({
      code: ProblemCode.StateInvalid,
      path: store.location,
      message: 'the database holds no study (an import can set one up: give its protocol with --protocol)',
    })
  }
  const row = await findProtocolVersion(store, study.protocol_version_id)
  if (!row) throw new Error(`study ${study.id}: its protocol version ${study.protocol_version_id} is missing`)
  const stored = protocolFromData(JSON.parse(row.content), `${store.location} (protocol ${row.version_label})`)
  if (!stored.ok || stored.value.hash !== row.hash)
    throw new Error(`study ${study.id}: the stored protocol ${row.version_label} no longer reads back to its hash`)
  if (given && given.value.hash !== stored.value.hash)
    return fail({
      code: ProblemCode.Conflict,
      path: file ?? '',
      message: `the study runs on protocol ${row.version_label} (sha256 ${row.hash.slice(0, 12)}); this file is another version`,
    })
  return ok(stored.value)
}
