import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { ok } from '../domain/index.ts'
import type { RouteRegistrar } from './route-kit.ts'
import { Reason, RoleName, Sites, UserViewSchema } from './schemas.ts'

const UserParams = z.strictObject({ userId: z.string().min(1).max(64) })

const CreateUser = z.strictObject({
  username: z.string().trim().min(2).max(63),
  displayName: z.string().trim().min(1).max(200),
  role: RoleName,
  sites: Sites,
  password: z.string().min(12, 'must be at least 12 characters').max(256),
})

/** Account administration (user.manage): create, list, deactivate, reactivate, reset a password. */
export function registerUserRoutes(r: RouteRegistrar): void {
  const { users } = r.deps.services
  r.add(
    {
      method: 'get',
      path: '/api/users',
      access: Action.UserManage,
      tag: 'users',
      summary: 'List accounts',
      response: z.object({ items: z.array(UserViewSchema) }),
    },
    async ({ actor }) => {
      const list = await users.list(actor)
      return list.ok ? ok({ items: list.value }) : list
    },
  )
  r.add(
    {
      method: 'post',
      path: '/api/users',
      access: Action.UserManage,
      tag: 'users',
      summary: 'Create an account (role and sites)',
      body: CreateUser,
      response: UserViewSchema,
      status: 201,
    },
    ({ actor, body }) => users.create(actor, body),
  )
  r.add(
    {
      method: 'post',
      path: '/api/users/{userId}/deactivate',
      access: Action.UserManage,
      tag: 'users',
      summary: 'Deactivate an account (its sessions end, its API tokens are revoked; nothing is deleted)',
      params: UserParams,
      body: z.strictObject({ reason: Reason }),
      response: UserViewSchema,
    },
    ({ actor, params, body }) => users.deactivate(actor, params.userId, body),
  )
  r.add(
    {
      method: 'post',
      path: '/api/users/{userId}/reactivate',
      access: Action.UserManage,
      tag: 'users',
      summary: 'Reactivate a deactivated account (it signs in again with its password; revoked tokens stay revoked)',
      params: UserParams,
      body: z.strictObject({ reason: Reason }),
      response: UserViewSchema,
    },
    ({ actor, params, body }) => users.reactivate(actor, params.userId, body),
  )
  r.add(
    {
      method: 'post',
      path: '/api/users/{userId}/password',
      access: Action.UserManage,
      tag: 'users',
      summary: 'Reset an account’s password (its sessions end)',
      params: UserParams,
      body: z.strictObject({ password: z.string().min(12, 'must be at least 12 characters').max(256), reason: Reason }),
      response: UserViewSchema,
    },
    ({ actor, params, body }) => users.setPassword(actor, params.userId, body),
  )
}
