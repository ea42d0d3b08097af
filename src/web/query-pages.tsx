/**
 * Data queries: the study-wide list (filtered by status and site, each linking to the field it concerns) and
 * the actions, which are posted from the field on the form page: raise (monitor, data manager), answer (site
 * staff, blinded assessor), close and reopen (monitor, data manager). Each action returns to the field.
 */
import type { Context } from 'hono'
import type { Actor } from '../access/index.ts'
import type { AppEnv } from '../api/index.ts'
import type { FormView, QueryView } from '../capture/index.ts'
import type { Problem } from '../domain/index.ts'
import { Layout } from './layout.tsx'
import { ErrorPage } from './subject-parts.tsx'
import { Pager } from './ui.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import {
  actorOf,
  done,
  formatInstant,
  formBody,
  page,
  safeNext,
  signedIn,
  statusOf,
  takeFlash,
  text,
} from './web-kit.ts'

const PAGE_SIZE = 50

function QueryList(props: {
  web: Web
  actor: Actor
  items: readonly QueryView[]
  total: number
  status: string
  site: string
  offset: number
  forms: ReadonlyMap<string, FormView>
  numbers: ReadonlyMap<string, string>
  flash: string | null
}) {
  const { web, actor } = props
  const sites = web.compiled.protocol.sites.filter((s) => actor.sites === 'all' || actor.sites.includes(s.id as never))
  const base = new URLSearchParams(
    Object.entries({ status: props.status, site: props.site }).filter(([, v]) => v !== ''),
  )
  return (
    <Layout web={web} actor={actor} title="Queries" nav="queries" flash={props.flash}>
      <h1>Queries</h1>
      <form method="get" action="/queries" class="filters card">
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" name="status">
            {[
              ['open', 'Open'],
              ['answered', 'Answered'],
              ['closed', 'Closed'],
              ['all', 'All'],
            ].map(([v, l]) => (
              <option value={v} selected={props.status === v}>
                {l}
              </option>
            ))}
          </select>
        </div>
        {sites.length > 1 && (
          <div class="field">
            <label for="f-site">Site</label>
            <select id="f-site" name="site">
              <option value="">All</option>
              {sites.map((s) => (
                <option value={s.id} selected={props.site === s.id}>
                  {s.id}
                </option>
              ))}
            </select>
          </div>
        )}
        <button type="submit">Filter</button>
      </form>
      <p role="status">
        {props.total} quer{props.total === 1 ? 'y' : 'ies'}
      </p>
      {props.items.length > 0 && (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Where</th>
                <th scope="col">Query</th>
                <th scope="col">Status</th>
                <th scope="col">Raised</th>
                <th scope="col">Last message</th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((q) => {
                const form = q.formId ? props.forms.get(q.formId) : undefined
                const label = form
                  ? (web.compiled.forms.find((f) => f.id === form.formId)?.label ?? form.formId)
                  : 'Subject'
                const href = form
                  ? `/subjects/${q.subjectId}/visits/${form.visitId}/forms/${form.formId}#${q.itemId ? `w-${q.itemId}` : 'main'}`
                  : `/subjects/${q.subjectId}`
                const last = q.messages.at(-1)
                return (
                  <tr>
                    <th scope="row">
                      <a href={`/subjects/${q.subjectId}`}>{props.numbers.get(q.subjectId) ?? 'subject'}</a>
                    </th>
                    <td>
                      <a href={href}>
                        {form ? `${form.visitId} · ${label}` : label}
                        {q.itemId ? ` · ${q.itemId}` : ''}
                      </a>
                      {q.origin === 'auto' ? <span class="muted"> (automatic)</span> : null}
                    </td>
                    <td>{q.text}</td>
                    <td>
                      <span class={`badge q-${q.status}`}>{q.status}</span>
                    </td>
                    <td>{formatInstant(q.raisedAt)}</td>
                    <td>{last ? `${last.action} by ${last.username}: ${last.text || '—'}` : '—'}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <Pager base={base} path="/queries" offset={props.offset} limit={PAGE_SIZE} total={props.total} />
    </Layout>
  )
}

export function registerQueryPages(router: WebRouter, web: Web): void {
  const { services } = web.deps

  router.get('/queries', signedIn, async (c) => {
    const actor = actorOf(c)
    const status = ['open', 'answered', 'closed', 'all'].find((s) => s === c.req.query('status')) ?? 'open'
    const site = c.req.query('site') ?? ''
    const offset = Math.max(0, Number.parseInt(c.req.query('offset') ?? '0', 10) || 0)
    const result = await services.queries.list(actor, {
      ...(status === 'all' ? {} : { status: [status as 'open' | 'answered' | 'closed'] }),
      ...(site ? { siteId: site } : {}),
      offset,
      limit: PAGE_SIZE,
    })
    if (!result.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={result.problems} />, statusOf(result.problems))
    const subjectIds = [...new Set(result.value.items.map((q) => q.subjectId))]
    const [subjects, formLists] = await Promise.all([
      Promise.all(subjectIds.map((id) => services.subjects.get(actor, id))),
      Promise.all(subjectIds.map((id) => services.forms.listForSubject(actor, id))),
    ])
    const numbers = new Map(
      subjects.flatMap((s) => (s.ok ? [[s.value.id as string, s.value.screeningNumber] as const] : [])),
    )
    const forms = new Map(formLists.flatMap((l) => (l.ok ? l.value.map((f) => [f.id, f] as const) : [])))
    return page(
      c,
      <QueryList
        web={web}
        actor={actor}
        items={result.value.items}
        total={result.value.total}
        status={status}
        site={site}
        offset={offset}
        forms={forms}
        numbers={numbers}
        flash={takeFlash(c)}
      />,
    )
  })

  /** After an action: back to the field (or the list) with the outcome, or the problem as the flash. */
  const answer = (
    c: Context<AppEnv>,
    back: string,
    r: { ok: true } | { ok: false; problems: readonly Problem[] },
    message: string,
  ): Response =>
    done(c, back, r.ok ? message : `The query was not changed: ${r.problems.map((p) => p.message).join('; ')}`)

  router.post('/queries', signedIn, async (c) => {
    const actor = actorOf(c)
    const body = await formBody(c)
    const formId = text(body, 'formId')
    const itemId = text(body, 'itemId')
    const r = await services.queries.raise(actor, {
      subjectId: text(body, 'subjectId'),
      ...(formId ? { formId } : {}),
      ...(itemId ? { itemId } : {}),
      text: text(body, 'text'),
    })
    return answer(c, safeNext(text(body, 'back') || '/queries'), r, 'Query raised.')
  })

  for (const [action, message] of [
    ['answer', 'Query answered.'],
    ['close', 'Query closed.'],
    ['reopen', 'Query reopened.'],
  ] as const) {
    router.post(`/queries/:id/${action}`, signedIn, async (c) => {
      const actor = actorOf(c)
      const body = await formBody(c)
      const id = c.req.param('id')
      const t = text(body, 'text')
      const r =
        action === 'answer'
          ? await services.queries.answer(actor, id, { text: t })
          : action === 'close'
            ? await services.queries.close(actor, id, t ? { text: t } : {})
            : await services.queries.reopen(actor, id, { text: t })
      return answer(c, safeNext(text(body, 'back') || '/queries'), r, message)
    })
  }
}
