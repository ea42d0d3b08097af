/**
 * The subject list: search by screening number, filters by site, status and current period (a plain GET form,
 * so every filtered view has its own URL), paged. Rows link to the subject page and show the next visit due (from
 * each listed subject's calendar). The read model filters by site, status and number but not by period: a period
 * filter reads up to 500 subjects and filters them here.
 */
import { Action, can, type Actor } from '../access/index.ts'
import type { CalendarVisit, SubjectListItem, VisitCalendar } from '../capture/index.ts'
import { SubjectStatus } from '../capture/index.ts'
import { Layout } from './layout.tsx'
import { StatusBadge, SUBJECT_STATUS_LABELS } from './subject-parts.tsx'
import { Pager } from './ui.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { actorOf, page, signedIn, takeFlash } from './web-kit.ts'

const PAGE_SIZE = 50
/** Largest list read at once when filtering by period (which the read model does not filter). */
const MAX_LIST = 500

interface Filters {
  readonly q: string
  readonly site: string
  readonly status: string
  readonly period: string
  readonly offset: number
}

/** A calendar visit whose anchor date is known, so it has a target and a window. */
type DatedVisit = CalendarVisit & { readonly pending: false }

/** Subjects whose visits are still expected. */
const FOLLOWED: ReadonlySet<string> = new Set(['screening', 'enrolled', 'randomized'])

/** The visit to come first: not performed, not recorded as not done, window not closed, dated (anchor known). */
export function nextVisit(calendar: VisitCalendar): DatedVisit | null {
  let next: DatedVisit | null = null
  for (const v of calendar.visits) {
    if (v.pending || v.actualDate !== null || v.notDone !== null || v.status === 'missed') continue
    if (next === null || v.target < next.target) next = v
  }
  return next
}

function NextVisit(props: { subject: SubjectListItem; visit: DatedVisit | null }) {
  const v = props.visit
  if (!v) return <>—</>
  return (
    <>
      <a href={`/subjects/${props.subject.id}/visits/${v.visitId}`}>{v.label}</a>
      {v.status === 'due' || v.status === 'overdue' ? (
        <>
          {' '}
          <span class={`badge st-${v.status}`}>{v.status}</span>
        </>
      ) : null}
      <span class="next-visit-dates">
        {v.target}{' '}
        <span class="muted">
          (window {v.earliest} to {v.latest})
        </span>
      </span>
    </>
  )
}

function SubjectTable(props: {
  web: Web
  items: readonly SubjectListItem[]
  next: ReadonlyMap<string, DatedVisit | null>
}) {
  const periods = props.web.compiled.protocol.periods
  return (
    <div class="table-wrap">
      <table class="data">
        <caption class="visually-hidden">Subjects</caption>
        <thead>
          <tr>
            <th scope="col">Screening number</th>
            <th scope="col">Site</th>
            <th scope="col">Status</th>
            <th scope="col">Screened</th>
            <th scope="col">Randomized</th>
            <th scope="col">Current period</th>
            <th scope="col">Next visit</th>
            <th scope="col">Flags</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((s) => (
            <tr>
              <th scope="row">
                <a href={`/subjects/${s.id}`}>{s.screeningNumber}</a>
              </th>
              <td>{s.siteId}</td>
              <td>
                <StatusBadge status={s.status} />
              </td>
              <td class="date">{s.screeningDate}</td>
              <td class="date">{s.randomizationDate ?? '—'}</td>
              <td>
                {s.currentPeriod
                  ? (periods.find((p) => p.id === s.currentPeriod)?.label.split(' (')[0] ?? s.currentPeriod)
                  : '—'}
              </td>
              <td>
                <NextVisit subject={s} visit={props.next.get(s.id) ?? null} />
              </td>
              <td>
                {s.emergencyUnblinded ? <span class="badge st-missed">emergency unblinded</span> : null}{' '}
                {s.locked ? <span class="badge fs-locked">locked</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function ListPage(props: {
  web: Web
  actor: Actor
  f: Filters
  items: readonly SubjectListItem[]
  next: ReadonlyMap<string, DatedVisit | null>
  total: number
  flash: string | null
}) {
  const { web, actor, f } = props
  const sites = web.compiled.protocol.sites.filter((s) => actor.sites === 'all' || actor.sites.includes(s.id as never))
  const base = new URLSearchParams(
    Object.entries({ q: f.q, site: f.site, status: f.status, period: f.period }).filter(([, v]) => v !== ''),
  )
  return (
    <Layout web={web} actor={actor} title="Subjects" nav="subjects" flash={props.flash}>
      <div class="subject-head">
        <h1>Subjects</h1>
        {can(actor, Action.SubjectScreen) && (
          <a class="button" href="/subjects/new">
            Screen a new subject
          </a>
        )}
      </div>
      <form method="get" action="/subjects" class="filters card" role="search">
        <div class="field">
          <label for="f-q">Screening number starts with</label>
          <input type="search" id="f-q" name="q" value={f.q} class="w-narrow" />
        </div>
        {sites.length > 1 && (
          <div class="field">
            <label for="f-site">Site</label>
            <select id="f-site" name="site">
              <option value="">All</option>
              {sites.map((s) => (
                <option value={s.id} selected={f.site === s.id}>
                  {s.id} · {s.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" name="status">
            <option value="">Any</option>
            {Object.values(SubjectStatus).map((s) => (
              <option value={s} selected={f.status === s}>
                {SUBJECT_STATUS_LABELS[s] ?? s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-period">Period</label>
          <select id="f-period" name="period">
            <option value="">Any</option>
            {web.compiled.protocol.periods.map((p) => (
              <option value={p.id} selected={f.period === p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
        {base.size > 0 && <a href="/subjects">Clear filters</a>}
      </form>
      <p role="status">
        {props.total} subject{props.total === 1 ? '' : 's'}
      </p>
      {props.items.length > 0 && <SubjectTable web={web} items={props.items} next={props.next} />}
      <Pager base={base} path="/subjects" offset={f.offset} limit={PAGE_SIZE} total={props.total} />
    </Layout>
  )
}

export function registerSubjectList(router: WebRouter, web: Web): void {
  router.get('/subjects', signedIn, async (c) => {
    const actor = actorOf(c)
    const q = (k: string): string => (c.req.query(k) ?? '').trim()
    const status = Object.values(SubjectStatus).find((s) => s === q('status'))
    const f: Filters = {
      q: q('q').slice(0, 40),
      site: q('site'),
      status: status ?? '',
      period: web.compiled.protocol.periods.some((p) => p.id === q('period')) ? q('period') : '',
      offset: Math.max(0, Number.parseInt(q('offset') || '0', 10) || 0),
    }
    const filter = {
      ...(f.q ? { search: f.q } : {}),
      ...(f.site ? { siteId: f.site } : {}),
      ...(status ? { status: [status] } : {}),
    }
    const result = f.period
      ? await web.deps.services.reads.subjects(actor, { ...filter, limit: MAX_LIST })
      : await web.deps.services.reads.subjects(actor, { ...filter, offset: f.offset, limit: PAGE_SIZE })
    if (!result.ok)
      return page(
        c,
        <ListPage web={web} actor={actor} f={f} items={[]} next={new Map()} total={0} flash={takeFlash(c)} />,
        403,
      )
    const inPeriod = f.period ? result.value.items.filter((s) => s.currentPeriod === f.period) : null
    const items = inPeriod ? inPeriod.slice(f.offset, f.offset + PAGE_SIZE) : result.value.items
    const next = new Map(
      await Promise.all(
        items.map(async (s) => {
          if (!FOLLOWED.has(s.status)) return [s.id, null] as const
          const calendar = await web.deps.services.visits.calendar(actor, s.id)
          return [s.id, calendar.ok ? nextVisit(calendar.value) : null] as const
        }),
      ),
    )
    return page(
      c,
      <ListPage
        web={web}
        actor={actor}
        f={f}
        items={items}
        next={next}
        total={inPeriod ? inPeriod.length : result.value.total}
        flash={takeFlash(c)}
      />,
    )
  })
}

/** Visits that need attention across the reader's subjects: overdue (past target, window open) and missed. */
export function registerVisitWorklist(router: WebRouter, web: Web): void {
  router.get('/visits/attention', signedIn, async (c) => {
    const actor = actorOf(c)
    const { services } = web.deps
    const list = await services.reads.subjects(actor, { limit: MAX_LIST })
    const subjects = list.ok ? list.value.items.filter((s) => s.status === 'enrolled' || s.status === 'randomized') : []
    const calendars = await Promise.all(
      subjects.map(async (s) => ({ s, cal: await services.visits.calendar(actor, s.id) })),
    )
    const rows = calendars.flatMap(({ s, cal }) =>
      cal.ok
        ? cal.value.visits
            .filter((v) => v.status === 'overdue' || (v.status === 'missed' && v.notDone === null))
            .map((v) => ({ s, v }))
        : [],
    )
    return page(
      c,
      <Layout web={web} actor={actor} title="Visits needing attention" nav="subjects" flash={takeFlash(c)}>
        <h1>Visits needing attention</h1>
        <p role="status">
          {rows.length} visit{rows.length === 1 ? '' : 's'} overdue or missed without a recorded reason.
        </p>
        {rows.length > 0 && (
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Subject</th>
                  <th scope="col">Site</th>
                  <th scope="col">Visit</th>
                  <th scope="col">Status</th>
                  <th scope="col">Target</th>
                  <th scope="col">Window closes</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ s, v }) => (
                  <tr>
                    <th scope="row">
                      <a href={`/subjects/${s.id}`}>{s.screeningNumber}</a>
                    </th>
                    <td>{s.siteId}</td>
                    <td>
                      <a href={`/subjects/${s.id}/visits/${v.visitId}`}>{v.label}</a>
                    </td>
                    <td>
                      <span class={`badge st-${v.status}`}>{v.status}</span>
                    </td>
                    <td>{v.pending ? '—' : v.target}</td>
                    <td>{v.pending ? '—' : v.latest}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Layout>,
    )
  })
}
