import { fail, ok, ProblemCode, type Result, type SiteId } from '../domain/index.ts'
import type { Action } from './actions.ts'
import type { Actor } from './actor.ts'
import { PERMISSIONS, SITE_SCOPED_ROLES } from './permissions.ts'

/** What an action is about: a site-bound object (subject, form, AE, ...) or the study as a whole. */
export interface Target {
  readonly siteId?: SiteId
}

/** Whether `actor` covers `siteId` (study-wide users cover every site). */
export function coversSite(actor: Actor, siteId: SiteId): boolean {
  return actor.sites === 'all' || actor.sites.includes(siteId)
}

/** The permission check: role × action, then site scope. Pure; the same answer in API, web and CLI. */
export function can(actor: Actor, action: Action, target: Target = {}): boolean {
  if (!PERMISSIONS[actor.role].has(action)) return false
  if (target.siteId === undefined) return true
  if (!SITE_SCOPED_ROLES.has(actor.role) && actor.sites === 'all') return true
  return coversSite(actor, target.siteId)
}

/**
 * `can` as a Result for services. A site-bound object outside the actor's sites answers `not_found`,
 * not `forbidden`, so that another site's subjects cannot even be confirmed to exist.
 */
export function authorize(actor: Actor, action: Action, target: Target = {}): Result<true> {
  if (!PERMISSIONS[actor.role].has(action)) {
    return fail({ code: ProblemCode.Forbidden, path: '', message: `your role may not ${describe(action)}` })
  }
  if (target.siteId !== undefined && !can(actor, action, target)) {
    return fail({ code: ProblemCode.NotFound, path: '', message: 'not found' })
  }
  return ok(true)
}

function describe(action: Action): string {
  const [object, verb] = action.split('.')
  return `${verb ?? ''} ${object ?? ''}`.replace(/-/g, ' ').trim()
}
