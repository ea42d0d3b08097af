import { z } from 'zod'
import type { Actor } from '../access/index.ts'
import { AuditKind, type AuditEntry } from '../audit/index.ts'
import {
  fail,
  ok,
  ProblemCode,
  type Instant,
  type Result,
  type Role,
  type SiteId,
  type UserId,
} from '../domain/index.ts'
import {
  findApiToken,
  findOpenApiToken,
  fromJson,
  insertApiToken,
  listApiTokens,
  listOpenApiTokens,
  revokeApiToken,
  toJson,
  type ApiTokenTable,
  type Conn,
} from '../store/index.ts'
import { audit, parse, type Ctx } from './context.ts'

/** A personal API token as its owner sees it (never the secret, never its hash). */
export interface ApiTokenView {
  readonly id: string
  readonly userId: UserId
  readonly label: string
  readonly sites: readonly SiteId[] | 'all'
  readonly createdAt: string
  readonly expiresAt: string
  readonly revokedAt: string | null
}

const NewToken = z.strictObject({
  /** SHA-256 (hex) of the secret: the API draws the secret, shows it once and keeps only this. */
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex'),
  label: z.string().trim().min(1, 'a label is required').max(100),
  /** Default: all of the owner's sites. */
  sites: z
    .union([z.literal('all'), z.array(z.string().min(1)).min(1, 'must list at least one site').readonly()])
    .optional(),
  days: z.number().int().min(1).max(365),
})
export type NewTokenInput = z.input<typeof NewToken>

/**
 * Personal API tokens, kept in the database and audited. A token acts as its owner with the owner's role,
 * narrowed to its sites (never wider than the owner's), until it expires or is revoked; it stops working as
 * soon as its owner is deactivated (and deactivation revokes it, so a reactivated account starts without tokens).
 */
export interface TokenService {
  /** Issues a token to the actor (audited `auth.token_created` with label, sites and expiry; never the hash). */
  create(actor: Actor, input: NewTokenInput): Promise<Result<ApiTokenView>>
  /** The actor's own tokens, newest first, revoked and expired ones included. */
  list(actor: Actor): Promise<readonly ApiTokenView[]>
  /** Revokes one of the actor's own tokens (audited `auth.token_revoked`); another user's is not found. */
  revoke(actor: Actor, tokenId: string): Promise<Result<ApiTokenView>>
  /** The actor a bearer token acts as: the token open now, its owner active, sites narrowed to the token's. */
  authenticate(hash: string): Promise<Actor | undefined>
}

const SiteList = z.union([z.literal('all'), z.array(z.string())])
const sitesOf = (json: string, what: string) => fromJson(SiteList, json, what) as readonly SiteId[] | 'all'

export function tokenService(ctx: Ctx): TokenService {
  return {
    async create(actor, input) {
      const parsed = parse(NewToken, input)
      if (!parsed.ok) return parsed
      const t = parsed.value
      const sites = t.sites ?? actor.sites
      const beyond = outside(actor.sites, sites)
      if (beyond !== undefined)
        return fail({ code: ProblemCode.Invalid, path: beyond, message: 'a token cannot reach beyond your own sites' })
      const at = ctx.clock.now()
      const row: ApiTokenTable = {
        id: ctx.newId(),
        hash: t.hash,
        user_id: actor.userId,
        label: t.label,
        sites: toJson(sites),
        created_at: at,
        expires_at: new Date(Date.parse(at) + t.days * 86_400_000).toISOString(),
        revoked_at: null,
      }
      return ctx.store.write(async (tx) => {
        await insertApiToken(tx, row)
        await audit(ctx, tx, actor, at, [
          {
            kind: AuditKind.TokenCreated,
            entityType: 'api_token',
            entityId: row.id,
            changes: [
              { field: 'label', old: null, new: row.label },
              { field: 'sites', old: null, new: sites === 'all' ? 'all' : [...sites] },
              { field: 'expiresAt', old: null, new: row.expires_at },
            ],
          },
        ])
        return ok(tokenView(row))
      })
    },

    async list(actor) {
      return (await listApiTokens(ctx.store, actor.userId)).map(tokenView)
    },

    async revoke(actor, tokenId) {
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const row = await findApiToken(tx, tokenId)
        if (!row || row.user_id !== actor.userId)
          return fail({ code: ProblemCode.NotFound, path: 'tokenId', message: 'not found' })
        if (!(await revokeApiToken(tx, tokenId, at)))
          return fail({ code: ProblemCode.Conflict, path: 'tokenId', message: 'the token is already revoked' })
        await audit(ctx, tx, actor, at, [revokedEntry(row.id, at, 'revoked by its owner')])
        return ok(tokenView({ ...row, revoked_at: at }))
      })
    },

    async authenticate(hash) {
      const row = await findOpenApiToken(ctx.store, hash, ctx.clock.now())
      if (!row) return undefined
      return {
        userId: row.user_id as UserId,
        username: row.username,
        role: row.role as Role,
        sites: narrow(
          sitesOf(row.owner_sites, `user ${row.user_id} sites`),
          sitesOf(row.sites, `token ${row.id} sites`),
        ),
      }
    },
  }
}

/**
 * Revokes every open token of `userId` in the open transaction, audited with `reason` (deactivation): a
 * reactivated account does not get its old tokens back.
 */
export async function revokeUserTokens(
  ctx: Ctx,
  tx: Conn,
  actor: Actor,
  userId: string,
  at: Instant,
  reason: string,
): Promise<void> {
  const open = await listOpenApiTokens(tx, userId, at)
  for (const row of open) await revokeApiToken(tx, row.id, at)
  if (open.length > 0)
    await audit(
      ctx,
      tx,
      actor,
      at,
      open.map((row) => revokedEntry(row.id, at, reason)),
    )
}

function revokedEntry(tokenId: string, at: string, reason: string): AuditEntry {
  return {
    kind: AuditKind.TokenRevoked,
    entityType: 'api_token',
    entityId: tokenId,
    changes: [{ field: 'revokedAt', old: null, new: at }],
    reason,
  }
}

/** The path of the first requested site outside the owner's, if any (`all` is outside any site list). */
function outside(owner: readonly SiteId[] | 'all', requested: readonly string[] | 'all'): string | undefined {
  if (owner === 'all') return undefined
  if (requested === 'all') return 'sites'
  const i = requested.findIndex((s) => !owner.includes(s as SiteId))
  return i >= 0 ? `sites[${i}]` : undefined
}

/** A token's sites narrowed to its owner's current ones (an owner who lost a site loses it on the token too). */
function narrow(owner: readonly SiteId[] | 'all', token: readonly SiteId[] | 'all'): readonly SiteId[] | 'all' {
  if (token === 'all') return owner
  if (owner === 'all') return token
  return token.filter((s) => owner.includes(s))
}

function tokenView(row: ApiTokenTable): ApiTokenView {
  return {
    id: row.id,
    userId: row.user_id as UserId,
    label: row.label,
    sites: sitesOf(row.sites, `token ${row.id} sites`),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }
}
