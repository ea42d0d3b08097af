/**
 * The study team the demo acts as: at each site an investigator, a coordinator, a blinded outcome assessor and
 * an unblinded pharmacist; a monitor for every two sites; the manufacturing unit; and study-wide a data manager,
 * the independent statistician, the sponsor's safety desk and the administrator. Every account is a real user
 * created through the services, with a password generated for this run (never a fixed one).
 */
import { SYSTEM_ACTOR, type Actor } from '../../access/index.ts'
import type { PasswordHasher, Services } from '../../capture/index.ts'
import { Role, type ProtocolFile, type Result, type SiteId } from '../../domain/index.ts'

export interface DemoAccount {
  readonly username: string
  readonly displayName: string
  readonly role: Role
  readonly sites: readonly string[] | 'all'
  readonly password: string
}

export interface SiteTeam {
  readonly investigator: Actor
  readonly coordinator: Actor
  readonly assessor: Actor
  readonly pharmacist: Actor
  readonly monitor: Actor
}

export interface DemoTeam {
  readonly admin: Actor
  readonly sponsor: Actor
  readonly dataManager: Actor
  readonly statistician: Actor
  /** The cell manufacturing unit (GMP facility): records lots and their release for every site. */
  readonly manufacturing: Actor
  readonly sites: ReadonlyMap<string, SiteTeam>
  readonly accounts: readonly DemoAccount[]
  /** The password `actor` re-enters to sign, lock or unblind. */
  password(actor: Actor): string
}

/** Instruments rated by the blinded outcome assessor; the investigator documents the extraction himself. */
const ASSESSOR_INSTRUMENTS: ReadonlySet<string> = new Set(['ALSFRS-R', 'MAS', 'NEUROPHYS', 'SPIROMETRY', 'ECAS'])

/** Who at the site enters (and corrects) a form: efficacy ratings the assessor, procedures the investigator, the rest the coordinator. */
export function collectorOf(staff: SiteTeam, instrumentId: string | undefined): Actor {
  if (instrumentId !== undefined && ASSESSOR_INSTRUMENTS.has(instrumentId)) return staff.assessor
  return instrumentId === 'EXTRACTION' ? staff.investigator : staff.coordinator
}

/** Accounts for the protocol's sites, passwords from `newPassword`. */
export function teamAccounts(protocol: ProtocolFile, newPassword: () => string): DemoAccount[] {
  const accounts: DemoAccount[] = []
  const add = (username: string, displayName: string, role: Role, sites: readonly string[] | 'all'): void => {
    accounts.push({ username, displayName, role, sites, password: newPassword() })
  }
  add('admin', 'Administrator', Role.Admin, 'all')
  add('sponsor', 'Sponsor safety desk', Role.Sponsor, 'all')
  add('datamanager', 'Data manager', Role.DataManager, 'all')
  add('statistician', 'Independent statistician', Role.Statistician, 'all')
  add('manufacturing', 'Cell manufacturing unit', Role.UnblindedPharmacist, 'all')
  const sites = protocol.sites
  for (let i = 0; i < sites.length; i += 2) {
    const pair = sites.slice(i, i + 2).map((s) => s.id)
    add(`monitor.${pair.join('-').toLowerCase()}`, `Monitor (${pair.join(', ')})`, Role.Monitor, pair)
  }
  for (const site of sites) {
    const id = site.id.toLowerCase()
    const where = site.city ?? site.name
    add(`investigator.${id}`, `Investigator (${where})`, Role.Investigator, [site.id])
    add(`coordinator.${id}`, `Study coordinator (${where})`, Role.Coordinator, [site.id])
    add(`assessor.${id}`, `Blinded assessor (${where})`, Role.BlindedAssessor, [site.id])
    add(`pharmacist.${id}`, `Unblinded pharmacist (${where})`, Role.UnblindedPharmacist, [site.id])
  }
  return accounts
}

/**
 * Creates the accounts through the user service: the administrator by the system, everyone else by the
 * administrator, so the audit trail shows who opened which account.
 */
export async function createTeam(
  services: Services,
  protocol: ProtocolFile,
  accounts: readonly DemoAccount[],
): Promise<Result<DemoTeam>> {
  const actors = new Map<string, Actor>()
  const passwords = new Map<string, string>()
  for (const account of accounts) {
    const creator = actors.get('admin') ?? SYSTEM_ACTOR
    const created = await services.users.create(creator, {
      username: account.username,
      displayName: account.displayName,
      role: account.role,
      sites: account.sites === 'all' ? 'all' : [...account.sites],
      password: account.password,
    })
    if (!created.ok) return created
    actors.set(account.username, {
      userId: created.value.id,
      username: account.username,
      role: account.role,
      sites: account.sites === 'all' ? 'all' : (account.sites as SiteId[]),
    })
    passwords.set(created.value.id, account.password)
  }
  const get = (username: string): Actor => {
    const actor = actors.get(username)
    if (!actor) throw new Error(`demo team: no account ${username}`)
    return actor
  }
  const monitorOf = (siteId: string): Actor => {
    const monitor = [...actors.values()].find(
      (a) => a.role === Role.Monitor && a.sites !== 'all' && a.sites.includes(siteId as SiteId),
    )
    if (!monitor) throw new Error(`demo team: no monitor for site ${siteId}`)
    return monitor
  }
  const sites = new Map<string, SiteTeam>(
    protocol.sites.map((s) => {
      const id = s.id.toLowerCase()
      return [
        s.id,
        {
          investigator: get(`investigator.${id}`),
          coordinator: get(`coordinator.${id}`),
          assessor: get(`assessor.${id}`),
          pharmacist: get(`pharmacist.${id}`),
          monitor: monitorOf(s.id),
        },
      ]
    }),
  )
  return {
    ok: true,
    value: {
      admin: get('admin'),
      sponsor: get('sponsor'),
      dataManager: get('datamanager'),
      statistician: get('statistician'),
      manufacturing: get('manufacturing'),
      sites,
      accounts,
      password(actor) {
        const p = passwords.get(actor.userId)
        if (p === undefined) throw new Error(`demo team: ${actor.username} is not a demo account`)
        return p
      },
    },
  }
}

/**
 * Password hashing for the demo: real argon2id hashes (the accounts are used to sign in afterwards), computed
 * for all accounts at once up front, and re-authentication answers remembered, because the demo's investigators
 * sign hundreds of forms and argon2id is slow on purpose.
 */
export function demoPasswordHasher(
  base: PasswordHasher,
): PasswordHasher & { prepare(passwords: readonly string[]): Promise<void> } {
  const hashes = new Map<string, string>()
  const verified = new Map<string, boolean>()
  return {
    async prepare(passwords) {
      const encoded = await Promise.all(passwords.map((p) => base.hash(p)))
      passwords.forEach((p, i) => hashes.set(p, encoded[i] as string))
    },
    hash: (password) => {
      const known = hashes.get(password)
      return known !== undefined ? Promise.resolve(known) : base.hash(password)
    },
    async verify(encoded, password) {
      const key = `${encoded}\u0000${password}`
      const known = verified.get(key)
      if (known !== undefined) return known
      const answer = await base.verify(encoded, password)
      verified.set(key, answer)
      return answer
    },
  }
}
