/**
 * Notifications addressed to the reader's role (emergency unblinding, serious AEs for the sponsor, end-of-study
 * unblinding): unread first, each marked read with one button (for everyone holding the role, as the service
 * keeps them per role). The header shows the unread count on every page.
 */
import type { Actor } from '../access/index.ts'
import type { NotificationView } from '../capture/index.ts'
import { Layout } from './layout.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { actorOf, done, formatInstant, page, signedIn, takeFlash } from './web-kit.ts'

function NotificationItem(props: { n: NotificationView }) {
  const { n } = props
  return (
    <li class={`notification${n.readAt ? ' notification-read' : ''}`} id={`n-${n.id}`}>
      <p>
        <span class="muted">{formatInstant(n.createdAt)}</span> {n.message}
        {n.subjectId && (
          <>
            {' '}
            <a href={`/subjects/${n.subjectId}`}>Open the subject</a>
          </>
        )}
      </p>
      {n.readAt ? (
        <p class="muted">Read {formatInstant(n.readAt)}</p>
      ) : (
        <form method="post" action={`/notifications/${n.id}/read`}>
          <button type="submit" class="button-small button-secondary">
            Mark as read
          </button>
        </form>
      )}
    </li>
  )
}

function NotificationsPage(props: {
  web: Web
  actor: Actor
  items: readonly NotificationView[]
  flash: string | null
}) {
  const unread = props.items.filter((n) => !n.readAt)
  const read = props.items.filter((n) => n.readAt)
  return (
    <Layout web={props.web} actor={props.actor} title="Notifications" nav="notifications" flash={props.flash}>
      <h1>Notifications</h1>
      <p role="status">
        {unread.length === 0 ? 'Nothing unread.' : `${unread.length} unread.`} Notifications go to everyone with your
        role; marking one read marks it for all of them.
      </p>
      {unread.length > 1 && (
        <form method="post" action="/notifications/read-all">
          <button type="submit" class="button-secondary">
            Mark all {unread.length} as read
          </button>
        </form>
      )}
      {unread.length > 0 && (
        <section aria-labelledby="unread-title">
          <h2 id="unread-title">Unread</h2>
          <ul class="notifications">
            {unread.map((n) => (
              <NotificationItem n={n} />
            ))}
          </ul>
        </section>
      )}
      {read.length > 0 && (
        <section aria-labelledby="read-title">
          <h2 id="read-title">Read</h2>
          <ul class="notifications">
            {read.map((n) => (
              <NotificationItem n={n} />
            ))}
          </ul>
        </section>
      )}
    </Layout>
  )
}

export function registerNotificationPages(router: WebRouter, web: Web): void {
  const { reads } = web.deps.services

  router.get('/notifications', signedIn, async (c) => {
    const actor = actorOf(c)
    const list = await reads.notifications(actor)
    const items = list.ok ? [...list.value].sort((a, b) => b.createdAt.localeCompare(a.createdAt)) : []
    return page(c, <NotificationsPage web={web} actor={actor} items={items} flash={takeFlash(c)} />)
  })

  router.post('/notifications/read-all', signedIn, async (c) => {
    const actor = actorOf(c)
    const unread = await reads.notifications(actor, { unreadOnly: true })
    let marked = 0
    for (const n of unread.ok ? unread.value : []) if ((await reads.markNotificationRead(actor, n.id)).ok) marked += 1
    return done(c, '/notifications', `${marked} notification${marked === 1 ? '' : 's'} marked as read.`)
  })

  router.post('/notifications/:id/read', signedIn, async (c) => {
    const r = await reads.markNotificationRead(actorOf(c), c.req.param('id'))
    return done(
      c,
      '/notifications',
      r.ok ? 'Marked as read.' : `Not done: ${r.problems.map((p) => p.message).join('; ')}`,
    )
  })
}
