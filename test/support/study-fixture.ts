/**
 * A study ready for service tests: the reference protocol (or a variant), set up and live, with one real user
 * account per role (fast argon2 profile) and actors to act as. Deterministic: a manual clock, sequential ids
 * and a fixed seal key; the randomization seeds come from `randomBytes`, seeded here for reproducibility.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { SYSTEM_ACTOR, type Actor } from '../../src/access/index.ts'
import { createServices, type Services } from '../../src/capture/index.ts'
import { Role, type SiteId } from '../../src/domain/index.ts'
import { ManualClock, fastTestHasher, uuidv7Factory } from '../../src/platform/index.ts'
import { parseProtocolText, type ProtocolVersion } from '../../src/protocol/index.ts'
import type { Store } from '../../src/store/index.ts'

export const REFERENCE_PROTOCOL_PATH = new URL('../../protocols/admsc-als.yaml', import.meta.url)
export const TEST_PASSWORD = 'correct horse battery staple'
export const TEST_SEAL_KEY = Buffer.alloc(32, 0x5a)

/** The reference protocol, optionally edited as parsed YAML data before validation. */
export function referenceProtocol(edit?: (raw: Record<string, unknown>) => void): ProtocolVersion {
  const text = readFileSync(REFERENCE_PROTOCOL_PATH, 'utf8')
  if (!edit) return must(parseProtocolText(text, 'admsc-als.yaml'))
  const raw = JSON.parse(JSON.stringify(must(parseProtocolText(text)).protocol)) as Record<string, unknown>
  edit(raw)
  return must(parseProtocolText(JSON.stringify(raw), 'admsc-als (edited)'))
}

function must<T>(r: { ok: true; value: T } | { ok: false; problems: readonly { path: string; message: string }[] }): T {
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('; '))
  return r.value
}

/** Deterministic "random" bytes from a counter (SHA-256 stream): reproducible seeds and nonces in tests. */
export function seededBytes(seed: string): (n: number) => Buffer {
  let counter = 0
  return (n) => {
    const out: Buffer[] = []
    let have = 0
    while (have < n) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest()
      out.push(block)
      have += block.length
    }
    return Buffer.concat(out).subarray(0, n)
  }
}

export interface StudyFixture {
  readonly services: Services
  readonly clock: ManualClock
  readonly protocol: ProtocolVersion
  /** One actor per role: site staff at MAL, study-wide roles at all sites. */
  readonly actors: Readonly<Record<Role, Actor>> & { readonly investigatorCOR: Actor; readonly coordinatorCOR: Actor }
  /** Builds services over the same store for another protocol version (an amendment). */
  withProtocol(protocol: ProtocolVersion): Services
}

const SITE_ROLES: ReadonlySet<Role> = new Set([
  Role.Investigator,
  Role.Coordinator,
  Role.BlindedAssessor,
  Role.UnblindedPharmacist,
])

/** Sets up the study on `store` (and goes live unless `live: false`), with users for every role. */
export async function createStudyFixture(
  store: Store,
  options: { protocol?: ProtocolVersion; live?: boolean; start?: string } = {},
): Promise<StudyFixture> {
  const protocol = options.protocol ?? referenceProtocol()
  const clock = new ManualClock(options.start ?? '2026-01-12T08:00:00.000Z')
  const randomBytes = seededBytes('trialdesk-test')
  const newId = uuidv7Factory(clock, randomBytes)
  const make = (p: ProtocolVersion) =>
    createServices({ store, clock, newId, sealKey: TEST_SEAL_KEY, randomBytes, protocol: p, passwords: fastTestHasher })
  const services = make(protocol)
  check(await services.study.setup(SYSTEM_ACTOR))
  const actors: Record<string, Actor> = {}
  const add = async (key: string, role: Role, sites: readonly string[] | 'all') => {
    const user = check(
      await services.users.create(SYSTEM_ACTOR, {
        username: key.toLowerCase(),
        displayName: key,
        role,
        sites: sites === 'all' ? 'all' : [...sites],
        password: TEST_PASSWORD,
      }),
    )
    actors[key] = {
      userId: user.id,
      username: user.username,
      role,
      sites: sites === 'all' ? 'all' : (sites as SiteId[]),
    }
  }
  for (const role of Object.values(Role))
    await add(role, role, SITE_ROLES.has(role) || role === Role.Monitor ? ['MAL'] : 'all')
  await add('investigatorCOR', Role.Investigator, ['COR'])
  await add('coordinatorCOR', Role.Coordinator, ['COR'])
  if (options.live !== false) check(await services.study.goLive(actors[Role.Admin] ?? SYSTEM_ACTOR))
  return {
    services,
    clock,
    protocol,
    actors: actors as StudyFixture['actors'],
    withProtocol: make,
  }
}

/** Unwraps an ok result, or fails the test with the problems. */
export function check<T>(
  r: { ok: true; value: T } | { ok: false; problems: readonly { code: string; path: string; message: string }[] },
): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.problems)}`)
  return r.value
}

/** All inclusion criteria met, no exclusion criterion present. */
export function eligibleAnswers(protocol: ProtocolVersion): Record<string, boolean> {
  const { inclusion, exclusion } = protocol.protocol.eligibility
  const pairs: [string, boolean][] = [
    ...inclusion.map((c): [string, boolean] => [c.id, true]),
    ...exclusion.map((c): [string, boolean] => [c.id, false]),
  ]
  return Object.fromEntries(pairs)
}

/** Screens, consents, checks eligibility and enrols a subject at `siteId`; returns its id. */
export async function enrolSubject(
  fx: StudyFixture,
  actor: Actor,
  siteId: string,
  factors: Record<string, string | number> = { onset: 'spinal', deltaFS: 0.6 },
): Promise<string> {
  const { subjects } = fx.services
  const date = fx.clock.now().slice(0, 10)
  const s = check(await subjects.screen(actor, { siteId, screeningDate: date }))
  check(await subjects.recordConsent(actor, s.id, { date, version: '1.0' }))
  check(await subjects.recordEligibility(actor, s.id, { answers: eligibleAnswers(fx.protocol) }))
  check(await subjects.enrol(actor, s.id, { date, factors }))
  return s.id
}
