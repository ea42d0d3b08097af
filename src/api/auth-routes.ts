import { z } from '@hono/zod-openapi'
import type { ApiTokenView } from '../capture/index.ts'
import { ok } from '../domain/index.ts'
import type { RouteRegistrar } from './route-kit.ts'
import { Done, Empty, SessionInfoSchema, Sites } from './schemas.ts'

const Login = z.strictObject({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(256),
})

const PasswordChange = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(12, 'must be at least 12 characters').max(256),
})

const NewToken = z.strictObject({
  label: z.string().trim().min(1).max(100),
  /** Narrow the token to some of your sites (default: all of yours). */
  sites: Sites.optional(),
  days: z.number().int().min(1).max(365).default(90),
})

const TokenView = z.object({
  id: z.string(),
  label: z.string(),
  sites: Sites,
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
})

const TokenParams = z.strictObject({ tokenId: z.string().min(1).max(64) })

/** Sign-in, sign-out, the current user, own password change, personal API tokens. */
export function registerAuthRoutes(r: RouteRegistrar): void {
  r.add(
    {
      method: 'post',
      path: '/api/auth/login',
      access: 'public',
      tag: 'auth',
      summary: 'Sign in: opens a session (HttpOnly SameSite=Strict cookie)',
      description: 'Throttled per username and per client address (429 with Retry-After). Every failure is audited.',
      body: Login,
      response: SessionInfoSchema,
    },
    ({ c, body }) => c.var.auth.login(c, body),
  )

  r.add(
    { method: 'post', path: '/api/auth/logout', access: 'signed-in', tag: 'auth', summary: 'Sign out', response: Done },
    async ({ c }) => {
      const ended = await c.var.auth.logout(c)
      return ended.ok ? ok({ ok: true as const }) : ended
    },
  )

  r.add(
    {
      method: 'get',
      path: '/api/auth/me',
      access: 'signed-in',
      tag: 'auth',
      summary: 'The signed-in user',
      response: SessionInfoSchema,
    },
    ({ c, actor }) => {
      const info = c.var.auth.sessionInfo(c)
      return Promise.resolve(
        ok(
          info ?? {
            user: { id: actor.userId, username: actor.username, role: actor.role, sites: actor.sites },
            via: 'session' as const,
            expiresAt: null,
          },
        ),
      )
    },
  )

  r.add(
    {
      method: 'post',
      path: '/api/auth/password',
      access: 'signed-in',
      tag: 'auth',
      summary: 'Change your own password (the current one re-entered); other sessions end',
      body: PasswordChange,
      response: SessionInfoSchema,
    },
    ({ c, body }) => c.var.auth.changePassword(c, body),
  )

  r.add(
    {
      method: 'post',
      path: '/api/auth/tokens',
      access: 'signed-in',
      tag: 'auth',
      summary: 'Issue a personal API token (shown once; send as `Authorization: Bearer …`)',
      body: NewToken,
      response: z.object({ token: z.string(), info: TokenView }),
      status: 201,
    },
    async ({ c, actor, body }) => {
      const issued = await c.var.auth.issueToken(actor, { label: body.label, sites: body.sites, days: body.days })
      return issued.ok ? ok({ token: issued.value.token, info: tokenView(issued.value.record) }) : issued
    },
  )

  r.add(
    {
      method: 'get',
      path: '/api/auth/tokens',
      access: 'signed-in',
      tag: 'auth',
      summary: 'Your API tokens',
      response: z.object({ items: z.array(TokenView) }),
    },
    async ({ c, actor }) => ok({ items: (await c.var.auth.listTokens(actor)).map(tokenView) }),
  )

  r.add(
    {
      method: 'post',
      path: '/api/auth/tokens/{tokenId}/revoke',
      access: 'signed-in',
      tag: 'auth',
      summary: 'Revoke one of your API tokens',
      params: TokenParams,
      body: Empty,
      response: Done,
    },
    async ({ c, actor, params }) => {
      const revoked = await c.var.auth.revokeToken(actor, params.tokenId)
      return revoked.ok ? ok({ ok: true as const }) : revoked
    },
  )
}

function tokenView(t: ApiTokenView) {
  return {
    id: t.id,
    label: t.label,
    sites: t.sites,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
  }
}
