/**
 * User administration (user.manage, the administrator): the accounts with role, sites, state and last sign-in; a
 * new account with its role and sites; deactivation, reactivation and password reset, each with the reason the
 * audit trail records. Every change goes through the user service. A new or reset password is drawn here from the injected
 * random source and shown once, on the answer to the post (never in a cookie or a URL): the administrator hands it
 * over, and the user changes it on their password page.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto'
import type { Context } from 'hono'
import type { Actor } from '../access/index.ts'
import type { AppEnv } from '../api/index.ts'
import type { UserView } from '../capture/index.ts'
import { ROLE_LABELS, ROLES, type Problem, type Role } from '../domain/index.ts'
import { InputField, SelectField } from './enrolment-pages.tsx'
import { Layout } from './layout.tsx'
import { ErrorPage } from './subject-parts.tsx'
import { ErrorSummary, FieldMessage, fieldId, messageId } from './ui.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import {
  actorOf,
  byField,
  done,
  formatInstant,
  formBody,
  page,
  signedIn,
  statusOf,
  takeFlash,
  text,
  type FormBody,
} from './web-kit.ts'

/** 32 letters and digits without the look-alikes (l, o, 0, 1): one per 5 random bits, no bias. */
const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'

/** A one-time password: 16 characters (80 bits) in groups of four, e.g. `k7qm-4xzp-9fbt-hw2c`. */
export function onetimePassword(randomBytes: (n: number) => Buffer): string {
  const chars = [...randomBytes(16)].map((b) => PASSWORD_ALPHABET[b & 31] ?? '')
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-')
}

/** A password shown once: to whom it belongs and why it was made. */
interface Issued {
  readonly username: string
  readonly password: string
  readonly what: 'created' | 'reset'
}

function sitesText(sites: UserView['sites']): string {
  return sites === 'all' ? 'All sites' : sites.join(', ')
}

function IssuedPassword(props: { issued: Issued }) {
  const { issued } = props
  return (
    <section class="card confirm" aria-labelledby="issued-title" id="issued-password">
      <h2 id="issued-title">
        {issued.what === 'created' ? `Account ${issued.username} created` : `New password for ${issued.username}`}
      </h2>
      <p>
        {issued.what === 'created' ? 'Initial password' : 'Password'}:{' '}
        <code class="onetime" id="onetime-password">
          {issued.password}
        </code>
      </p>
      <p class="warning">
        This password is shown once, on this page only. Give it to {issued.username} in person or through another secure
        channel, and ask them to change it on their password page after signing in.
        {issued.what === 'reset' ? ' Their open sessions have been closed.' : ''}
      </p>
    </section>
  )
}

/** A row's action: a folded form posting the reason the audit trail records to `/admin/users/{id}/{path}`. */
function RowAction(props: {
  user: UserView
  path: 'password' | 'deactivate' | 'reactivate'
  /** Prefix of the reason field's id (default: the path). */
  id?: string
  summary: string
  button: string
  danger?: boolean
}) {
  const fieldId = `${props.id ?? props.path}-reason-${props.user.id}`
  return (
    <details class="row-action">
      <summary>{props.summary}</summary>
      <form method="post" action={`/admin/users/${props.user.id}/${props.path}`}>
        <label for={fieldId}>Reason</label>
        <input type="text" id={fieldId} name="reason" class="w-medium" />
        <button type="submit" class={props.danger ? 'button-small button-danger' : 'button-small'}>
          {props.button}
        </button>
      </form>
    </details>
  )
}

function UserRow(props: { user: UserView; self: boolean }) {
  const { user: u } = props
  return (
    <tr id={`user-${u.username}`}>
      <th scope="row">
        {u.username}
        <div class="muted">{u.displayName}</div>
      </th>
      <td>{ROLE_LABELS[u.role]}</td>
      <td>{sitesText(u.sites)}</td>
      <td>
        {u.active ? (
          <span class="badge st-done">active</span>
        ) : (
          <span class="badge st-missed">inactive since {formatInstant(u.deactivatedAt)}</span>
        )}
      </td>
      <td>{u.lastLoginAt ? formatInstant(u.lastLoginAt) : 'never'}</td>
      <td>
        {u.active && (
          <RowAction user={u} path="password" id="reset" summary="Reset password" button="Make a new password" />
        )}
        {u.active && !props.self && (
          <RowAction user={u} path="deactivate" summary="Deactivate" button={`Deactivate ${u.username}`} danger />
        )}
        {!u.active && <RowAction user={u} path="reactivate" summary="Reactivate" button={`Reactivate ${u.username}`} />}
      </td>
    </tr>
  )
}

function NewUserForm(props: { web: Web; body: FormBody; problems: readonly Problem[] }) {
  const errors = byField(props.problems)
  const chosen = new Set(typeof props.body['sites'] === 'string' ? [props.body['sites']] : (props.body['sites'] ?? []))
  const siteErrors = [...errors.entries()].filter(([k]) => k.startsWith('sites')).flatMap(([, v]) => v)
  return (
    <section class="card" aria-labelledby="new-user-title">
      <h2 id="new-user-title">New account</h2>
      <ErrorSummary problems={props.problems} title="The account was not created" />
      <form method="post" action="/admin/users" novalidate>
        <InputField
          name="username"
          label="Username"
          hint="Lower-case letters, digits, “.”, “_” or “-”."
          cls="w-medium"
          value={text(props.body, 'username')}
          errors={errors}
        />
        <InputField
          name="displayName"
          label="Full name"
          cls="w-medium"
          value={text(props.body, 'displayName')}
          errors={errors}
        />
        <SelectField
          name="role"
          label="Role"
          placeholder="Choose a role"
          options={ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
          value={text(props.body, 'role')}
          errors={errors}
        />
        <fieldset class={`field${siteErrors.length > 0 ? ' field-invalid' : ''}`} aria-describedby={messageId('sites')}>
          <legend>Sites</legend>
          <span class="hint">
            Site staff and monitors work at the sites ticked here; study-wide roles at all sites.
          </span>
          <div class="choices">
            <label class="choice">
              <input type="checkbox" id={fieldId('sites')} name="sites" value="all" checked={chosen.has('all')} />
              <span>All sites (study-wide)</span>
            </label>
            {props.web.compiled.protocol.sites.map((s) => (
              <label class="choice">
                <input type="checkbox" name="sites" value={s.id} checked={chosen.has(s.id)} />
                <span>
                  {s.id} · {s.name}
                </span>
              </label>
            ))}
          </div>
          <FieldMessage path="sites" messages={siteErrors.length > 0 ? siteErrors : undefined} />
        </fieldset>
        <p class="muted">An initial password is made for the account and shown once.</p>
        <button type="submit">Create account</button>
      </form>
    </section>
  )
}

function UsersPage(props: {
  web: Web
  actor: Actor
  users: readonly UserView[]
  body: FormBody
  problems: readonly Problem[]
  issued: Issued | null
  flash: string | null
}) {
  const active = props.users.filter((u) => u.active).length
  return (
    <Layout web={props.web} actor={props.actor} title="Users" nav="users" flash={props.flash}>
      <h1>Users</h1>
      {props.issued && <IssuedPassword issued={props.issued} />}
      <p role="status">
        {props.users.length} account{props.users.length === 1 ? '' : 's'}, {active} active.
      </p>
      <div class="table-wrap">
        <table class="data">
          <caption class="visually-hidden">Accounts</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Sites</th>
              <th scope="col">State</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((u) => (
              <UserRow user={u} self={u.id === props.actor.userId} />
            ))}
          </tbody>
        </table>
      </div>
      <NewUserForm web={props.web} body={props.body} problems={props.problems} />
    </Layout>
  )
}

/** `all` when ticked, else the ticked site ids (none: an empty list the service refuses with its message). */
function sitesOf(body: FormBody): 'all' | string[] {
  const v = body['sites']
  const list = typeof v === 'string' ? [v] : [...(v ?? [])]
  return list.includes('all') ? 'all' : list
}

export function registerUserAdminPages(router: WebRouter, web: Web): void {
  const { users } = web.deps.services
  const random = web.deps.randomBytes ?? cryptoRandomBytes

  /** The users page, or the error page for a role without user.manage. */
  async function show(
    c: Context<AppEnv>,
    extra: { body?: FormBody; problems?: readonly Problem[]; issued?: Issued; flash?: string | null } = {},
  ): Promise<Response> {
    const actor = actorOf(c)
    const list = await users.list(actor)
    if (!list.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={list.problems} />, statusOf(list.problems))
    const problems = extra.problems ?? []
    return page(
      c,
      <UsersPage
        web={web}
        actor={actor}
        users={[...list.value].sort((a, b) => a.username.localeCompare(b.username))}
        body={extra.body ?? {}}
        problems={problems}
        issued={extra.issued ?? null}
        flash={extra.flash ?? null}
      />,
      problems.length > 0 ? statusOf(problems) : 200,
    )
  }

  router.get('/admin/users', signedIn, (c) => show(c, { flash: takeFlash(c) }))

  // The service authorizes every change (user.manage); a refusal comes back as the page's problems.
  router.post('/admin/users', signedIn, async (c) => {
    const actor = actorOf(c)
    const body = await formBody(c)
    const role = ROLES.find((r) => r === text(body, 'role'))
    const password = onetimePassword(random)
    const created = await users.create(actor, {
      username: text(body, 'username'),
      displayName: text(body, 'displayName'),
      role: (role ?? text(body, 'role')) as Role,
      sites: sitesOf(body),
      password,
    })
    if (!created.ok) return show(c, { body, problems: created.problems.map(sitePath) })
    return show(c, { issued: { username: created.value.username, password, what: 'created' } })
  })

  router.post('/admin/users/:id/password', signedIn, async (c) => {
    const actor = actorOf(c)
    const body = await formBody(c)
    const password = onetimePassword(random)
    const r = await users.setPassword(actor, c.req.param('id'), { password, reason: text(body, 'reason') })
    if (!r.ok) return done(c, '/admin/users', `Password not reset: ${r.problems.map((p) => p.message).join('; ')}`)
    return show(c, { issued: { username: r.value.username, password, what: 'reset' } })
  })

  // Deactivation and reactivation: a reason, then back to the list with what happened.
  const changes = [
    { path: 'deactivate', what: 'deactivated; its sessions and API tokens are revoked' },
    { path: 'reactivate', what: 'reactivated; it signs in with its password' },
  ] as const
  for (const { path, what } of changes) {
    router.post(`/admin/users/:id/${path}`, signedIn, async (c) => {
      const body = await formBody(c)
      const r = await users[path](actorOf(c), c.req.param('id'), { reason: text(body, 'reason') })
      return done(
        c,
        '/admin/users',
        r.ok ? `Account ${r.value.username} ${what}.` : `Not ${path}d: ${r.problems.map((p) => p.message).join('; ')}`,
      )
    })
  }
}

/** `sites[2]` → `sites`: the service names the offending entry; the page has one message for the list. */
function sitePath(p: Problem): Problem {
  return p.path.startsWith('sites') ? { ...p, path: 'sites' } : p
}
