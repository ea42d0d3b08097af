/**
 * The page shell: skip link, header with the study, the signed-in user's name, role and site(s) and whether
 * their view is blinded, the navigation their role may use, the flash message, and the main landmark. htmx is
 * configured by a meta tag (no eval, no inline indicator styles) so that the strict CSP holds.
 */
import type { Child } from 'hono/jsx'
import { Action, can, type Actor } from '../access/index.ts'
import { isUnblindedRole, ROLE_LABELS } from '../domain/index.ts'
import type { Web } from './web-deps.ts'
import { studyBlind } from './web-kit.ts'

export type NavKey =
  | 'dashboard'
  | 'subjects'
  | 'aes'
  | 'queries'
  | 'audit'
  | 'pharmacy'
  | 'report'
  | 'lock'
  | 'unblinding'
  | 'users'
  | 'study'
  | 'notifications'
  | 'account'

/** The main navigation: each entry is shown to the roles holding any of its actions. */
const NAV: readonly {
  readonly key: NavKey
  readonly href: string
  readonly label: string
  readonly actions: readonly Action[]
}[] = [
  { key: 'dashboard', href: '/dashboard', label: 'Dashboard', actions: [Action.StudyView] },
  { key: 'subjects', href: '/subjects', label: 'Subjects', actions: [Action.SubjectView] },
  { key: 'aes', href: '/adverse-events', label: 'Adverse events', actions: [Action.AeView] },
  { key: 'queries', href: '/queries', label: 'Queries', actions: [Action.FormView] },
  { key: 'report', href: '/report', label: 'Report', actions: [Action.ReportBlinded, Action.ReportUnblinded] },
  { key: 'audit', href: '/audit', label: 'Audit trail', actions: [Action.AuditView] },
  { key: 'pharmacy', href: '/pharmacy', label: 'Pharmacy', actions: [Action.DosePrepare] },
  { key: 'lock', href: '/database-lock', label: 'Database lock', actions: [Action.DatabaseLock] },
  { key: 'unblinding', href: '/study-unblinding', label: 'Study unblinding', actions: [Action.UnblindStudy] },
  { key: 'users', href: '/admin/users', label: 'Users', actions: [Action.UserManage] },
  { key: 'study', href: '/admin/study', label: 'Study set-up', actions: [Action.StudyManage] },
]

/** htmx settings: nothing that needs `eval` or inline styles, requests only to this origin. */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
})

export interface PageProps {
  readonly web: Web
  readonly actor: Actor | undefined
  readonly title: string
  readonly nav?: NavKey | undefined
  readonly flash?: string | null | undefined
  readonly children?: Child
}

/** Sites as the header shows them: `MAL · Hospital …` for one site, ids for several, `All sites` for study-wide. */
export function siteText(web: Web, actor: Actor): string {
  if (actor.sites === 'all') return 'All sites'
  if (actor.sites.length === 1) {
    const id = actor.sites[0] ?? ''
    const site = web.compiled.protocol.sites.find((s) => s.id === id)
    return site ? `${id} · ${site.name}` : id
  }
  return actor.sites.join(', ')
}

/**
 * Whether the reader sees allocations, read from the study when the page renders: an unblinded role (pharmacist,
 * independent statistician), everyone once the study is unblinded, nobody else.
 */
async function BlindBadge(props: { readonly web: Web; readonly actor: Actor }) {
  if (isUnblindedRole(props.actor.role))
    return (
      <span class="badge badge-unblinded" title="Your role sees treatment allocations">
        Unblinded role
      </span>
    )
  const blind = await studyBlind(props.web, props.actor)
  return blind.status === 'unblinded' ? (
    <span class="badge badge-unblinded" title="The study is unblinded: treatment allocations are visible">
      Study unblinded
    </span>
  ) : (
    <span class="badge badge-blinded" title="Treatment allocations are hidden from you">
      Blinded
    </span>
  )
}

/** The header's link to the notifications, with the number unread (read when the page renders). */
async function NotificationsLink(props: { readonly web: Web; readonly actor: Actor; readonly current: boolean }) {
  const unread = await props.web.deps.services.reads.notifications(props.actor, { unreadOnly: true })
  const n = unread.ok ? unread.value.length : 0
  return (
    <a
      href="/notifications"
      class="notifications-link"
      aria-current={props.current ? 'page' : undefined}
      aria-label={n > 0 ? `Notifications, ${n} unread` : 'Notifications'}
    >
      Notifications
      {n > 0 && (
        <span class="count" aria-hidden="true">
          {n}
        </span>
      )}
    </a>
  )
}

export function Layout(props: PageProps) {
  const { web, actor } = props
  const study = web.compiled.protocol.study
  const title = `${props.title} · ${study.shortTitle ?? study.id} · TrialDesk`
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <link rel="icon" href="data:," />
        <title>{title}</title>
        <link rel="stylesheet" href={web.assets.css.url} />
        <script src={web.assets.htmx.url} defer></script>
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to main content
        </a>
        <header class="site-header">
          <div class="brand">
            <a href="/" class="brand-name">
              TrialDesk
            </a>
            <span class="study-name">{study.shortTitle ?? study.title}</span>
          </div>
          {actor && (
            <div class="user" aria-label="Signed-in user">
              <span class="user-name">{actor.username}</span>
              <span class="user-role">{ROLE_LABELS[actor.role]}</span>
              <span class="user-site">{siteText(web, actor)}</span>
              <BlindBadge web={web} actor={actor} />
              <NotificationsLink web={web} actor={actor} current={props.nav === 'notifications'} />
              <a href="/account/password">Password</a>
              <form method="post" action="/logout" class="inline">
                <button type="submit" class="link-button">
                  Sign out
                </button>
              </form>
            </div>
          )}
        </header>
        {actor && (
          <nav class="main-nav" aria-label="Main">
            <ul>
              {NAV.filter((n) => n.actions.some((a) => can(actor, a))).map((n) => (
                <li>
                  <a href={n.href} aria-current={props.nav === n.key ? 'page' : undefined}>
                    {n.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <main id="main" tabindex={-1}>
          {props.flash && (
            <p class="flash" role="status">
              {props.flash}
            </p>
          )}
          {props.children}
        </main>
      </body>
    </html>
  )
}
