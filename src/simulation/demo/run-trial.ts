/**
 * The end-to-end demo: the reference study set up in an empty database, its team's accounts, randomization
 * go-live, then the virtual patients of every site driven day by day through the real services, as the staff of
 * each site would; at the data cut a close-out, the database lock and the end-of-study unblinding. Everything
 * goes through the services, so the audit trail is the one the trial would have.
 *
 * Deterministic for a seed: the clock is simulated, ids are UUIDv7 over that clock with seeded random bits, and
 * by default the seal key and every "random" byte the services draw (randomization seeds, nonces) come from the
 * seed too, so the same seed gives the same database content, audit chain and report. Only the password hashes
 * differ between runs (argon2id salts), and they are never part of the audit chain.
 */
import { createHash, randomBytes as cryptoRandomBytes } from 'node:crypto'
import { SYSTEM_ACTOR } from '../../access/index.ts'
import { createServices, type PasswordHasher, type Services, type StudyExtract } from '../../capture/index.ts'
import { fail, ok, ProblemCode, type IsoDate, type Result } from '../../domain/index.ts'
import { argon2Hasher, ManualClock, uuidv7Factory } from '../../platform/index.ts'
import { compileProtocol, type ProtocolVersion } from '../../protocol/index.ts'
import { findStudy, listUsers, readAuditHead, type Store } from '../../store/index.ts'
import { createRng } from '../model/index.ts'
import { Agenda } from './demo-agenda.ts'
import { PatientJourney } from './demo-journey.ts'
import { closeOutSites, planMonitoring } from './demo-monitoring.ts'
import { planCandidates, type CandidatePlan } from './demo-plan.ts'
import { demoSettings, type DemoOptions, type DemoSettings } from './demo-settings.ts'
import { DemoTally, type DemoCounts, type DemoDisposition } from './demo-tally.ts'
import { createTeam, demoPasswordHasher, teamAccounts, type DemoAccount, type DemoTeam } from './demo-team.ts'
import { dateOf, moveTo, must, pass, type DemoWorld, type SiteDesk } from './demo-world.ts'

/** Live figures for a progress display, sent when the simulated date moves on. */
export interface DemoProgress {
  readonly date: string
  /** Share of the simulated period done, 0–1. */
  readonly fraction: number
  readonly screened: number
  readonly randomized: number
  readonly active: number
  readonly dead: number
  readonly forms: number
}

export interface TrialRunOptions extends DemoOptions {
  /** A migrated, empty database. */
  readonly store: Store
  readonly protocol: ProtocolVersion
  /** 32 bytes; default derived from the seed (a reproducible demo database). */
  readonly sealKey?: Uint8Array | undefined
  /** Randomness the services draw (randomization seeds, nonces, id bits); default derived from the seed. */
  readonly randomBytes?: ((n: number) => Buffer) | undefined
  /** Hashing of the team's passwords (default argon2id). */
  readonly passwords?: PasswordHasher | undefined
  /** Generates each account's password (default: 18 random bytes, base64url). */
  readonly newPassword?: (() => string) | undefined
  readonly onProgress?: ((progress: DemoProgress) => void) | undefined
}

export interface TrialRun {
  readonly settings: DemoSettings
  readonly services: Services
  readonly team: DemoTeam
  readonly accounts: readonly DemoAccount[]
  readonly counts: DemoCounts
  readonly disposition: DemoDisposition
  readonly tally: DemoTally
  readonly studyStart: IsoDate
  readonly dataCut: IsoDate
  readonly lockedAt: string
  readonly snapshotHash: string
  /** The data manager's extraction at lock, before unblinding: no arm anywhere. */
  readonly blindedExtract: StudyExtract
  /** The independent statistician's extraction after end-of-study unblinding. */
  readonly unblindedExtract: StudyExtract
  readonly auditHead: { readonly seq: number; readonly hash: string }
  /** Milliseconds of wall-clock time for the simulated trial (setup to unblinding). */
  readonly elapsedMs: number
}

/** Derives demo secrets from the seed: a reproducible stream of bytes (SHA-256 in counter mode). */
export function seededBytes(label: string): (n: number) => Buffer {
  let counter = 0
  return (n) => {
    const out: Buffer[] = []
    let have = 0
    while (have < n) {
      const block = createHash('sha256').update(`${label}:${counter++}`).digest()
      out.push(block)
      have += block.length
    }
    return Buffer.concat(out).subarray(0, n)
  }
}

/** The seal key of a reproducible demo database: derived from the seed (the demo's data are simulated, not secret). */
export function demoSealKey(seed: number | string): Buffer {
  return createHash('sha256')
    .update(`trialdesk-demo:${String(seed)}:seal-key`)
    .digest()
}

/** Runs the virtual trial from study setup to end-of-study unblinding in `store`. */
export async function runTrial(options: TrialRunOptions): Promise<Result<TrialRun>> {
  const started = performance.now()
  const { store, protocol: version } = options
  const compiled = compileProtocol(version)
  const protocol = version.protocol
  const settings = demoSettings(protocol, options)
  if (!settings.ok) return settings
  const s = settings.value
  if ((await findStudy(store)) || (await listUsers(store)).length > 0) {
    return fail({
      code: ProblemCode.Conflict,
      path: 'db',
      message: 'the database already holds a study or user accounts: the demo needs an empty database',
    })
  }

  const startDate = protocol.study.startDate as IsoDate | undefined
  if (!startDate)
    return fail({
      code: ProblemCode.Required,
      path: 'study.startDate',
      message: 'the demo needs the protocol’s study start date',
    })
  // Site initiation: the study is set up and goes live on the morning of the start date.
  const clock = new ManualClock(`${startDate}T07:00:00.000Z`)
  const randomBytes = options.randomBytes ?? seededBytes(`trialdesk-demo:${s.seed}:random`)
  const sealKey = options.sealKey ?? demoSealKey(s.seed)
  const hasher = demoPasswordHasher(options.passwords ?? argon2Hasher)
  const accounts = teamAccounts(protocol, options.newPassword ?? (() => cryptoRandomBytes(18).toString('base64url')))
  await hasher.prepare(accounts.map((a) => a.password))
  const services = createServices({
    store,
    clock,
    newId: uuidv7Factory(clock, randomBytes),
    sealKey,
    randomBytes,
    protocol: version,
    passwords: hasher,
  })

  must(await services.study.setup(SYSTEM_ACTOR), 'study setup')
  const team = await createTeam(services, protocol, accounts)
  if (!team.ok) return team
  must(await services.study.goLive(team.value.admin), 'randomization go-live')

  const root = createRng(s.seed)
  const plans = planCandidates(compiled, s.patients, s.recruitmentDays, root.fork('plan'))
  const cutDay = s.horizonDay ?? lastVisitDay(plans)
  const world: DemoWorld = {
    services,
    clock,
    compiled,
    protocol,
    settings: s,
    team: team.value,
    tally: new DemoTally(),
    agenda: new Agenda(),
    startDate,
    cutDay,
    desks: new Map(
      protocol.sites.map((site): [string, SiteDesk] => [site.id, { siteId: site.id, toVerify: [], toSign: [] }]),
    ),
    patients: root.fork('patients'),
    oversight: root.fork('oversight'),
  }
  for (const plan of plans) new PatientJourney(world, plan).start()
  planMonitoring(world, firstScreenings(plans))

  await drive(world, options.onProgress)

  const closeOutDay = Math.max(cutDay, today(world)) + 1
  await closeOutSites(world, closeOutDay)
  const locked = await lockAndUnblind(world, closeOutDay)
  options.onProgress?.({ date: dateOf(world, closeOutDay), fraction: 1, ...world.tally.snapshot() })
  return ok({
    settings: s,
    services,
    team: team.value,
    accounts,
    counts: world.tally.counts,
    disposition: world.tally.disposition(protocol.arms.map((a) => a.id)),
    tally: world.tally,
    studyStart: startDate,
    dataCut: dateOf(world, cutDay),
    ...locked,
    auditHead: await readAuditHead(store),
    elapsedMs: performance.now() - started,
  })
}

/** Runs the diary in time order, reporting progress whenever the simulated date moves on. */
async function drive(world: DemoWorld, onProgress: TrialRunOptions['onProgress']): Promise<void> {
  let day = -1
  for (let task = world.agenda.next(); task; task = world.agenda.next()) {
    if (task.when.day !== day) {
      day = task.when.day
      onProgress?.({
        date: dateOf(world, day),
        fraction: Math.min(1, day / Math.max(1, world.cutDay)),
        ...world.tally.snapshot(),
      })
    }
    moveTo(world, task.when.day, task.when.minute)
    await task.run()
  }
}

/**
 * The end of the study: the investigators sign every casebook, the data manager locks the casebooks and then
 * the database, takes the blinded extraction, and the independent statistician unblinds and extracts.
 */
async function lockAndUnblind(
  world: DemoWorld,
  day: number,
): Promise<Pick<TrialRun, 'lockedAt' | 'snapshotHash' | 'blindedExtract' | 'unblindedExtract'>> {
  const { services, team, tally } = world
  moveTo(world, day + 1, 600)
  for (const truth of tally.subjects.values()) {
    if (truth.arm === null) continue
    const investigator = team.sites.get(truth.siteId)?.investigator
    if (!investigator) continue
    pass(world, 2)
    must(
      await services.review.signSubject(investigator, truth.subjectId, { password: team.password(investigator) }),
      'signing a casebook',
    )
    tally.counts.casebooksSigned++
  }
  moveTo(world, day + 2, 540)
  for (const truth of tally.subjects.values()) {
    pass(world, 1)
    must(await services.review.lockSubject(team.dataManager, truth.subjectId), 'locking a casebook')
  }
  pass(world, 30)
  const lock = must(
    await services.review.lockDatabase(team.dataManager, {
      password: team.password(team.dataManager),
      reason: 'Last patient out: data entry, cleaning and review complete',
    }),
    'database lock',
  )
  pass(world, 20)
  const blindedExtract = must(await services.extractStudy(team.dataManager), 'blinded extraction')
  moveTo(world, day + 3, 600)
  must(
    await services.unblinding.endOfStudy(team.statistician, {
      password: team.password(team.statistician),
      reason: 'Database locked and the statistical analysis plan final',
    }),
    'end-of-study unblinding',
  )
  pass(world, 15)
  const unblindedExtract = must(await services.extractStudy(team.statistician), 'unblinded extraction')
  return { lockedAt: lock.lockedAt, snapshotHash: lock.snapshotHash, blindedExtract, unblindedExtract }
}

function lastVisitDay(plans: readonly CandidatePlan[]): number {
  let last = 0
  for (const p of plans)
    if (p.outcome.kind === 'randomized') last = Math.max(last, p.visits[p.visits.length - 1]?.day ?? 0)
  return last
}

function firstScreenings(plans: readonly CandidatePlan[]): Map<string, number> {
  const first = new Map<string, number>()
  for (const p of plans) if (!first.has(p.siteId)) first.set(p.siteId, p.screeningDay)
  return first
}

function today(world: DemoWorld): number {
  return Math.floor((Date.parse(world.clock.now()) - Date.parse(`${world.startDate}T00:00:00.000Z`)) / 86_400_000)
}
