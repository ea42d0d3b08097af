import type { Role, SiteId, UserId } from '../domain/index.ts'

/**
 * Who is asking. `sites` is the list of sites the user is assigned to, or `all` for study-wide roles.
 * Built once per request from the session by the shell and passed down; never read from globals.
 */
export interface Actor {
  readonly userId: UserId
  readonly username: string
  readonly role: Role
  readonly sites: readonly SiteId[] | 'all'
}

/** The system itself (imports, scheduled jobs, the demo's clock) acting on the study's behalf. */
export const SYSTEM_ACTOR: Actor = {
  userId: 'system' as UserId,
  username: 'system',
  role: 'admin',
  sites: 'all',
}
