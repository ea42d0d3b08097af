import { z } from 'zod'
import { Action, authorize, type Actor } from '../access/index.ts'
import { appendAudit, AuditKind, type AuditActor } from '../audit/index.ts'
import { fail, ok, ProblemCode, ROLES, type Result, type Role, type SiteId, type UserId } from '../domain/index.ts'
import {
  findActiveSession,
  findSession,
  findUser,
  findUserByUsername,
  fromJson,
  insertSession,
  insertUser,
  listSites,
  listUsers,
  revokeUserSessions,
  toJson,
  updateSession,
  updateUser,
  type UserTable,
} from '../store/index.ts'
import { audit, parse, type Ctx } from './context.ts'
import { revokeUserTokens } from './token-service.ts'

/** A user account as shown to administrators (never the password hash). */
export interface UserView {
  readonly id: UserId
  readonly username: string
  readonly displayName: string
  readonly role: Role
  readonly sites: readonly SiteId[] | 'all'
  readonly active: boolean
  readonly createdAt: string
  readonly deactivatedAt: string | null
  readonly lastLoginAt: string | null
}

/** A user as the login code needs it: the actor it becomes, and the hash to verify against. */
export interface LoginAccount {
  readonly actor: Actor
  readonly passwordHash: string
  readonly active: boolean
}

export interface SessionView {
  readonly idHash: string
  readonly actor: Actor
  readonly createdAt: string
  readonly lastSeenAt: string
  readonly expiresAt: string
}

export const Username = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'must be 2–63 lower-case letters, digits, ".", "_" or "-"')
/** NIST SP 800-63B: length matters, composition rules do not. */
export const Password = z.string().min(12, 'must be at least 12 characters').max(256)
const Sites = z.union([z.literal('all'), z.array(z.string().min(1)).min(1, 'must list at least one site')])

const CreateUser = z.strictObject({
  username: Username,
  displayName: z.string().trim().min(1),
  role: z.enum(ROLES as [Role, ...Role[]]),
  sites: Sites,
  password: Password,
})
export type CreateUserInput = z.input<typeof CreateUser>

const Reason = z.strictObject({ reason: z.string().trim().min(1, 'a reason is required') })

export interface UserService {
  /** Creates an account (user.manage). The password is hashed with the platform's hasher; never audited. */
  create(actor: Actor, input: CreateUserInput): Promise<Result<UserView>>
  /** Deactivates an account and revokes its sessions and API tokens; the row stays (nothing is deleted). */
  deactivate(actor: Actor, userId: string, input: { reason: string }): Promise<Result<UserView>>
  /** Reactivates a deactivated account (user.manage, with a reason); it signs in again with its password. */
  reactivate(actor: Actor, userId: string, input: { reason: string }): Promise<Result<UserView>>
  /** Sets a new password (administrator reset, or the user themself) and revokes open sessions. */
  setPassword(actor: Actor, userId: string, input: { password: string; reason: string }): Promise<Result<UserView>>
  list(actor: Actor): Promise<Result<readonly UserView[]>>
}

/**
 * Audited helpers for the API's login and session handling (the HTTP side is the API's). Session ids are
 * stored only as a hash; the API makes the random id and hashes it.
 */
export interface AuthService {
  /** The account for a username, for the login code (undefined when there is none). */
  findAccount(username: string): Promise<LoginAccount | undefined>
  /**
   * Checks a username and password. A failure is audited (`auth.login_failed`, with the attempted username)
   * and answered with one message whatever went wrong, so accounts cannot be probed.
   */
  checkCredentials(input: { username: string; password: string }): Promise<Result<Actor>>
  /** Opens a session and audits the login, in one transaction. */
  startSession(
    actor: Actor,
    input: { idHash: string; expiresAt: string; userAgent?: string },
  ): Promise<Result<SessionView>>
  /** An open session: not revoked, not expired, account active. */
  findSession(idHash: string): Promise<SessionView | undefined>
  /** Records activity (sliding idle expiry). */
  touchSession(idHash: string, expiresAt: string): Promise<void>
  /** Closes a session (logout, timeout) and audits the logout. */
  endSession(idHash: string, reason: 'logout' | 'timeout'): Promise<Result<true>>
  /** Audits a failed login the API detected itself (e.g. rate limited). */
  recordFailedLogin(input: { username: string; reason: string }): Promise<void>
  /** Re-authentication for signatures and unblinding: true when `password` is the actor's. */
  verifyPassword(actor: Actor, password: string): Promise<boolean>
}

/** Who a failed login by a name that has no account is attributed to. */
const UNKNOWN_ACTOR = (username: string): AuditActor => ({ userId: 'anonymous' as UserId, username, role: 'anonymous' })

export function userService(ctx: Ctx): UserService {
  /**
   * Deactivation (sessions and API tokens revoked with it) or reactivation (the user signs in again with their
   * password; revoked sessions and tokens stay revoked). Either is refused when the account is already so.
   */
  async function setActive(
    actor: Actor,
    userId: string,
    input: { reason: string },
    active: boolean,
  ): Promise<Result<UserView>> {
    const allowed = authorize(actor, Action.UserManage)
    if (!allowed.ok) return allowed
    const parsed = parse(Reason, input)
    if (!parsed.ok) return parsed
    const { reason } = parsed.value
    const at = ctx.clock.now()
    return ctx.store.write(async (tx) => {
      const row = await findUser(tx, userId)
      if (!row) return fail({ code: ProblemCode.NotFound, path: 'userId', message: 'not found' })
      if ((row.active === 1) === active)
        return fail({
          code: ProblemCode.Conflict,
          path: 'userId',
          message: `the account is already ${active ? 'active' : 'inactive'}`,
        })
      const patch = { active: active ? 1 : 0, deactivated_at: active ? null : at } as const
      await updateUser(tx, userId, patch)
      if (!active) await revokeUserSessions(tx, userId, at)
      await audit(ctx, tx, actor, at, [
        {
          kind: active ? AuditKind.UserReactivated : AuditKind.UserDeactivated,
          entityType: 'user',
          entityId: userId,
          changes: [{ field: 'active', old: !active, new: active }],
          reason,
        },
      ])
      if (!active) await revokeUserTokens(ctx, tx, actor, userId, at, reason)
      return ok(userView({ ...row, ...patch }))
    })
  }

  return {
    async create(actor, input) {
      const allowed = authorize(actor, Action.UserManage)
      if (!allowed.ok) return allowed
      const parsed = parse(CreateUser, input)
      if (!parsed.ok) return parsed
      const u = parsed.value
      const passwordHash = await ctx.passwords.hash(u.password)
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        if (await findUserByUsername(tx, u.username)) {
          return fail({ code: ProblemCode.Conflict, path: 'username', message: `username ${u.username} is taken` })
        }
        if (u.sites !== 'all') {
          const known = new Set((await listSites(tx)).map((s) => s.id))
          const unknown = u.sites.findIndex((s) => !known.has(s))
          if (unknown >= 0)
            return fail({
              code: ProblemCode.Invalid,
              path: `sites[${unknown}]`,
              message: `unknown site "${u.sites[unknown]}"`,
            })
        }
        const row: UserTable = {
          id: ctx.newId(),
          username: u.username,
          display_name: u.displayName,
          role: u.role,
          sites: toJson(u.sites),
          password_hash: passwordHash,
          active: 1,
          created_at: at,
          deactivated_at: null,
          last_login_at: null,
        }
        await insertUser(tx, row)
        await audit(ctx, tx, actor, at, [
          {
            kind: AuditKind.UserCreated,
            entityType: 'user',
            entityId: row.id,
            changes: [
              { field: 'username', old: null, new: u.username },
              { field: 'role', old: null, new: u.role },
              { field: 'sites', old: null, new: u.sites === 'all' ? 'all' : [...u.sites] },
            ],
          },
        ])
        return ok(userView(row))
      })
    },

    deactivate: (actor, userId, input) => setActive(actor, userId, input, false),

    reactivate: (actor, userId, input) => setActive(actor, userId, input, true),

    async setPassword(actor, userId, input) {
      const self = actor.userId === userId
      if (!self) {
        const allowed = authorize(actor, Action.UserManage)
        if (!allowed.ok) return allowed
      }
      const parsed = parse(
        z.strictObject({ password: Password, reason: z.string().trim().min(1, 'a reason is required') }),
        input,
      )
      if (!parsed.ok) return parsed
      const passwordHash = await ctx.passwords.hash(parsed.value.password)
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const row = await findUser(tx, userId)
        if (!row) return fail({ code: ProblemCode.NotFound, path: 'userId', message: 'not found' })
        await updateUser(tx, userId, { password_hash: passwordHash })
        await revokeUserSessions(tx, userId, at)
        await audit(ctx, tx, actor, at, [
          { kind: AuditKind.PasswordChanged, entityType: 'user', entityId: userId, reason: parsed.value.reason },
        ])
        return ok(userView(row))
      })
    },

    async list(actor) {
      const allowed = authorize(actor, Action.UserManage)
      if (!allowed.ok) return allowed
      return ok((await listUsers(ctx.store)).map(userView))
    },
  }
}

export function authService(ctx: Ctx): AuthService {
  const failedLogin = async (username: string, reason: string): Promise<void> => {
    const at = ctx.clock.now()
    const user = await findUserByUsername(ctx.store, username)
    await ctx.store.write(async (tx) => {
      await appendAudit(tx, { actor: user ? actorOf(user) : UNKNOWN_ACTOR(username), at, sealer: ctx.sealer }, [
        {
          kind: AuditKind.LoginFailed,
          entityType: 'user',
          entityId: user?.id ?? username,
          changes: [{ field: 'username', old: null, new: username }],
          reason,
        },
      ])
      return ok(true)
    })
  }

  // Unknown usernames are verified against a hash made with the same parameters, so the time taken does not
  // reveal which names exist.
  let dummyHash: Promise<string> | undefined
  const dummy = (): Promise<string> => (dummyHash ??= ctx.passwords.hash(ctx.randomBytes(24).toString('base64')))

  const service: AuthService = {
    async findAccount(username) {
      const row = await findUserByUsername(ctx.store, username)
      return row && { actor: actorOf(row), passwordHash: row.password_hash, active: row.active === 1 }
    },

    async checkCredentials(input) {
      const account = await service.findAccount(input.username)
      const valid = await ctx.passwords.verify(account?.passwordHash ?? (await dummy()), input.password)
      const reason = !account ? 'unknown user' : !valid ? 'wrong password' : !account.active ? 'inactive account' : null
      if (reason || !account) {
        await failedLogin(input.username, reason ?? 'unknown user')
        return fail({ code: ProblemCode.Unauthenticated, path: '', message: 'invalid username or password' })
      }
      return ok(account.actor)
    },

    async startSession(actor, input) {
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        await insertSession(tx, {
          id_hash: input.idHash,
          user_id: actor.userId,
          created_at: at,
          last_seen_at: at,
          expires_at: input.expiresAt,
          revoked_at: null,
          user_agent: input.userAgent ?? null,
        })
        await updateUser(tx, actor.userId, { last_login_at: at })
        await audit(ctx, tx, actor, at, [
          { kind: AuditKind.Login, entityType: 'user', entityId: actor.userId, siteId: singleSite(actor) },
        ])
        return ok({ idHash: input.idHash, actor, createdAt: at, lastSeenAt: at, expiresAt: input.expiresAt })
      })
    },

    async findSession(idHash) {
      const row = await findActiveSession(ctx.store, idHash, ctx.clock.now())
      if (!row) return undefined
      const sites = fromJson(SiteList, row.sites, `user ${row.user} sites`)
      return {
        idHash,
        actor: {
          userId: row.user as UserId,
          username: row.username,
          role: row.role as Role,
          sites: sites as readonly SiteId[] | 'all',
        },
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        expiresAt: row.expires_at,
      }
    },

    async touchSession(idHash, expiresAt) {
      await updateSession(ctx.store, idHash, { last_seen_at: ctx.clock.now(), expires_at: expiresAt })
    },

    async endSession(idHash, reason) {
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const session = await findSession(tx, idHash)
        if (!session || session.revoked_at)
          return fail({ code: ProblemCode.NotFound, path: 'session', message: 'no open session' })
        const user = await findUser(tx, session.user_id)
        if (!user) throw new Error(`session of unknown user ${session.user_id}`)
        await updateSession(tx, idHash, { revoked_at: at })
        const actor = actorOf(user)
        await audit(ctx, tx, actor, at, [
          { kind: AuditKind.Logout, entityType: 'user', entityId: user.id, siteId: singleSite(actor), reason },
        ])
        return ok(true)
      })
    },

    recordFailedLogin: (input) => failedLogin(input.username, input.reason),

    async verifyPassword(actor, password) {
      const user = await findUser(ctx.store, actor.userId)
      return user !== undefined && user.active === 1 && (await ctx.passwords.verify(user.password_hash, password))
    },
  }
  return service
}

const SiteList = z.union([z.literal('all'), z.array(z.string())])

/** The actor a user row acts as. */
export function actorOf(row: UserTable): Actor {
  const sites = fromJson(SiteList, row.sites, `user ${row.id} sites`)
  return {
    userId: row.id as UserId,
    username: row.username,
    role: row.role as Role,
    sites: sites as readonly SiteId[] | 'all',
  }
}

function userView(row: UserTable): UserView {
  const actor = actorOf(row)
  return {
    id: actor.userId,
    username: row.username,
    displayName: row.display_name,
    role: actor.role,
    sites: actor.sites,
    active: row.active === 1,
    createdAt: row.created_at,
    deactivatedAt: row.deactivated_at,
    lastLoginAt: row.last_login_at,
  }
}

/** The site recorded on an audit record of a user-level event: the user's one site, if they have exactly one. */
function singleSite(actor: Actor): string | null {
  return actor.sites !== 'all' && actor.sites.length === 1 ? (actor.sites[0] ?? null) : null
}

/**
 * Re-authentication for electronic signatures and unblinding (21 CFR 11.200: each signing by a password the
 * signer enters). Verified outside any transaction (argon2 is slow on purpose); a failure is audited.
 */
export async function reauthenticate(ctx: Ctx, actor: Actor, password: string, purpose: string): Promise<Result<true>> {
  const user = await findUser(ctx.store, actor.userId)
  if (user && user.active === 1 && (await ctx.passwords.verify(user.password_hash, password))) return ok(true)
  const at = ctx.clock.now()
  await ctx.store.write(async (tx) => {
    await audit(ctx, tx, actor, at, [
      {
        kind: AuditKind.LoginFailed,
        entityType: 'user',
        entityId: actor.userId,
        changes: [{ field: 'purpose', old: null, new: purpose }],
        reason: 're-authentication failed',
      },
    ])
    return ok(true)
  })
  return fail({ code: ProblemCode.Unauthenticated, path: 'password', message: 'the password is not correct' })
}
