/**
 * Sign-in, sign-out and the user's own password change, over the API's auth kit (`c.var.auth`): the same
 * sessions, throttling and audit records as the JSON API. Forms post normally; no script is needed.
 */
import type { Problem } from '../domain/index.ts'
import { Layout } from './layout.tsx'
import { ErrorSummary, FieldMessage, fieldId, messageId } from './ui.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { actorOf, byField, done, formBody, page, safeNext, signedIn, statusOf, takeFlash, text } from './web-kit.ts'

function LoginPage(props: {
  web: Web
  next: string
  username: string
  problems: readonly Problem[]
  flash: string | null
}) {
  const study = props.web.compiled.protocol.study
  return (
    <Layout web={props.web} actor={undefined} title="Sign in" flash={props.flash}>
      <div class="narrow card">
        <h1>Sign in</h1>
        <p class="muted">{study.title}</p>
        <ErrorSummary problems={props.problems} title="Sign-in failed" />
        <form method="post" action="/login">
          <input type="hidden" name="next" value={props.next} />
          <div class="field">
            <label for="f-username">Username</label>
            <input
              type="text"
              id="f-username"
              name="username"
              value={props.username}
              autocomplete="username"
              required
              autofocus
              class="w-medium"
            />
          </div>
          <div class="field">
            <label for="f-password">Password</label>
            <input
              type="password"
              id="f-password"
              name="password"
              autocomplete="current-password"
              required
              class="w-medium"
            />
          </div>
          <button type="submit">Sign in</button>
        </form>
      </div>
    </Layout>
  )
}

function PasswordPage(props: {
  web: Web
  actor: ReturnType<typeof actorOf>
  problems: readonly Problem[]
  flash: string | null
}) {
  const errors = byField(props.problems)
  const field = (name: string, label: string, autocomplete: string, hint?: string) => (
    <div class={`field${errors.has(name) ? ' field-invalid' : ''}`}>
      <label for={fieldId(name)}>{label}</label>
      {hint && (
        <span class="hint" id={`${fieldId(name)}-hint`}>
          {hint}
        </span>
      )}
      <input
        type="password"
        id={fieldId(name)}
        name={name}
        autocomplete={autocomplete}
        required
        class="w-medium"
        aria-invalid={errors.has(name) ? 'true' : undefined}
        aria-describedby={`${hint ? `${fieldId(name)}-hint ` : ''}${messageId(name)}`}
      />
      <FieldMessage path={name} messages={errors.get(name)} />
    </div>
  )
  return (
    <Layout web={props.web} actor={props.actor} title="Change password" nav="account" flash={props.flash}>
      <div class="narrow card">
        <h1>Change your password</h1>
        <ErrorSummary problems={props.problems} />
        <form method="post" action="/account/password">
          {field('currentPassword', 'Current password', 'current-password')}
          {field(
            'newPassword',
            'New password',
            'new-password',
            'At least 12 characters. A passphrase of several words is easiest to remember.',
          )}
          {field('confirmPassword', 'New password again', 'new-password')}
          <button type="submit">Change password</button>
        </form>
      </div>
    </Layout>
  )
}

export function registerAuthPages(router: WebRouter, web: Web): void {
  router.get('/login', (c) => {
    if (c.var.actor) return c.redirect(safeNext(c.req.query('next')), 303)
    return page(
      c,
      <LoginPage web={web} next={safeNext(c.req.query('next'))} username="" problems={[]} flash={takeFlash(c)} />,
    )
  })

  router.post('/login', async (c) => {
    const body = await formBody(c)
    const username = text(body, 'username').toLowerCase()
    const next = safeNext(text(body, 'next'))
    const result = await c.var.auth.login(c, {
      username,
      password: typeof body['password'] === 'string' ? body['password'] : '',
    })
    if (result.ok) return c.redirect(next, 303)
    return page(
      c,
      <LoginPage web={web} next={next} username={username} problems={result.problems} flash={null} />,
      statusOf(result.problems),
    )
  })

  router.post('/logout', async (c) => {
    await c.var.auth.logout(c)
    return done(c, '/login', 'You are signed out.')
  })

  router.get('/account/password', signedIn, (c) =>
    page(c, <PasswordPage web={web} actor={actorOf(c)} problems={[]} flash={takeFlash(c)} />),
  )

  router.post('/account/password', signedIn, async (c) => {
    const body = await formBody(c)
    const raw = (k: string): string => {
      const v = body[k]
      return typeof v === 'string' ? v : ''
    }
    const problems: Problem[] = []
    if (raw('newPassword') !== raw('confirmPassword')) {
      problems.push({ code: 'invalid', path: 'confirmPassword', message: 'does not match the new password' })
    }
    const result =
      problems.length > 0
        ? null
        : await c.var.auth.changePassword(c, {
            currentPassword: raw('currentPassword'),
            newPassword: raw('newPassword'),
          })
    if (result?.ok) return done(c, '/dashboard', 'Your password is changed. Your other sessions were signed out.')
    const all = result ? result.problems : problems
    return page(c, <PasswordPage web={web} actor={actorOf(c)} problems={all} flash={null} />, statusOf(all))
  })
}
