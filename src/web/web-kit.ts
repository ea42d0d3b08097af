/**
 * Helpers every page module shares: rendering a page, the signed-in guard, flash messages across a redirect
 * (post/redirect/get), form bodies, problems keyed by field, and fixed-format dates (no locale: the same bytes
 * for every reader, which the blinding test relies on).
 */
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { Actor, StudyBlindState } from '../access/index.ts'
import { problemStatus, type AppEnv } from '../api/index.ts'
import type { Problem } from '../domain/index.ts'
import type { Web } from './web-deps.ts'

type C = Context<AppEnv>

type Status = 200 | 400 | 401 | 403 | 404 | 409 | 413 | 422 | 423 | 429 | 503

/** A rendered tree as text; a tree with async components (the header's notification count) renders to a promise. */
async function rendered(node: unknown): Promise<string> {
  return node === null || node === undefined ? '' : String(await (node as { toString(): unknown }).toString())
}

/** Sends a full HTML page (or an htmx fragment) that must never be cached: it holds clinical data. */
export async function html(c: C, node: unknown, status: Status = 200): Promise<Response> {
  c.header('Cache-Control', 'no-store')
  return c.html(await rendered(node), status)
}

/** A full page: the doctype and the rendered tree. */
export async function page(c: C, node: unknown, status?: Status): Promise<Response> {
  return html(c, `<!doctype html>${await rendered(node)}`, status)
}

/** The status for a failed service call, from the API's one table (problem code → HTTP status). */
export function statusOf(problems: readonly Problem[]): Status {
  const s = problemStatus(problems)
  return ([400, 401, 403, 404, 409, 413, 422, 423, 429, 503] as const).find((x) => x === s) ?? 422
}

/** Whether the request came from htmx (a fragment is answered instead of a page). */
export function isHtmx(c: C): boolean {
  return c.req.header('hx-request') === 'true'
}

/** The signed-in actor; only called behind `signedIn`. */
export function actorOf(c: C): Actor {
  const actor = c.var.actor
  if (!actor) throw new Error('actorOf called on an anonymous request (route not behind signedIn)')
  return actor
}

/** A local path to return to after sign-in; anything else (other origins, `//host`) becomes `/`. */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : '/'
}

/** Pages need a signed-in user: anonymous browsers go to the sign-in page (htmx gets `HX-Redirect`). */
export const signedIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.var.actor) return next()
  const url = new URL(c.req.url)
  const target = `/login?next=${encodeURIComponent(url.pathname + url.search)}`
  if (isHtmx(c)) {
    c.header('HX-Redirect', target)
    return c.body(null, 401)
  }
  return c.redirect(target, 303)
}

const FLASH = 'td_flash'

/** A one-time message shown on the next page (after a redirect). */
export function setFlash(c: C, message: string): void {
  setCookie(c, FLASH, encodeURIComponent(message.slice(0, 300)), { httpOnly: true, sameSite: 'Strict', path: '/' })
}

/** Reads and clears the one-time message. */
export function takeFlash(c: C): string | null {
  const raw = getCookie(c, FLASH)
  if (raw === undefined) return null
  deleteCookie(c, FLASH, { path: '/' })
  try {
    return decodeURIComponent(raw)
  } catch {
    return null
  }
}

/** Redirects after a successful post, with a flash message for the next page. */
export function done(c: C, to: string, message: string): Response {
  setFlash(c, message)
  return c.redirect(to, 303)
}

export type FormBody = Readonly<Record<string, string | readonly string[]>>

/** A urlencoded or multipart body as strings (repeated names become lists; files are ignored). */
export async function formBody(c: C): Promise<FormBody> {
  const body = await c.req.parseBody({ all: true })
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string')
    else if (typeof v === 'string') out[k] = v
  }
  return out
}

/** One text field of a body (the first when repeated), trimmed; '' when absent. */
export function text(body: FormBody, key: string): string {
  const v = body[key]
  return (typeof v === 'string' ? v : (v?.[0] ?? '')).trim()
}

/** Messages per field path (`items.Q5` → ['…']); problems without a path are under ''. */
export function byField(problems: readonly Problem[]): ReadonlyMap<string, readonly string[]> {
  const map = new Map<string, string[]>()
  for (const p of problems) map.set(p.path, [...(map.get(p.path) ?? []), p.message])
  return map
}

/** `2026-01-12T08:00:00.000Z` → `2026-01-12 08:00 UTC` (fixed format, no locale). */
export function formatInstant(at: string | null | undefined): string {
  if (!at) return '—'
  return `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`
}

/** An element id from any text: letters, digits, `-` and `_` only. */
export function domId(...parts: readonly string[]): string {
  return parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_')
}

/** Today's date (UTC) from the injected clock. */
export function todayOf(now: string): string {
  return now.slice(0, 10)
}

/** The problem of a confirmation box left unticked (none when ticked). */
export function unconfirmed(body: FormBody, message: string): Problem[] {
  return text(body, 'confirm') === 'yes' ? [] : [{ code: 'required', path: 'confirm', message }]
}

/** The password field of a body, untrimmed (spaces may belong to it); '' when absent. */
export function passwordOf(body: FormBody): string {
  const v = body['password']
  return typeof v === 'string' ? v : ''
}

/** Where the study stands on the blind (everyone is blinded until end-of-study unblinding). */
export async function studyBlind(web: Web, actor: Actor): Promise<StudyBlindState> {
  const summary = await web.deps.services.study.summary(actor)
  return summary.ok && summary.value.unblindedAt
    ? { status: 'unblinded', at: summary.value.unblindedAt }
    : { status: 'blinded' }
}
