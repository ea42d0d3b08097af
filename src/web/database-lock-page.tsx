/**
 * Database lock (database.lock, the data manager): first the readiness checklist, then the lock. The checklist
 * counts what is still outstanding, study-wide and per subject: open or answered queries, forms whose current
 * version is not source-data verified or not signed, forms missing at performed visits, casebooks not locked.
 * The lock itself asks for a reason (audited, shown with the lock), re-authenticates the data manager (password)
 * and takes the snapshot hash of the whole study; after it every change is refused, and the independent
 * statistician may unblind the study.
 */
import { Action, type Actor } from '../access/index.ts'
import type { MissingForm, QueryView, SubjectListItem } from '../capture/index.ts'
import { Layout } from './layout.tsx'
import { registerStudyActionPage, StudyActionForm, type StudyActionView } from './study-action-page.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { formatInstant } from './web-kit.ts'

/** Largest page the read models give at once. */
const PAGE = 500

/** What is outstanding for one subject before the lock. */
export interface SubjectReadiness {
  readonly subject: SubjectListItem
  readonly openQueries: number
  readonly unverified: number
  readonly unsigned: number
  readonly missing: readonly MissingForm[]
}

export interface Readiness {
  readonly subjects: number
  readonly outstanding: readonly SubjectReadiness[]
  readonly totals: {
    readonly openQueries: number
    readonly unverified: number
    readonly unsigned: number
    readonly missing: number
    readonly casebooksUnlocked: number
  }
}

/** Every page of a paged read. */
async function all<T>(
  read: (offset: number) => Promise<{ ok: true; value: { items: readonly T[]; total: number } } | { ok: false }>,
): Promise<readonly T[]> {
  const out: T[] = []
  for (let offset = 0; ; offset += PAGE) {
    const r = await read(offset)
    if (!r.ok) return out
    out.push(...r.value.items)
    if (out.length >= r.value.total || r.value.items.length === 0) return out
  }
}

/** The readiness checklist, from the read models as the data manager reads them. */
export async function readiness(web: Web, actor: Actor): Promise<Readiness> {
  const { reads, queries, visits, forms } = web.deps.services
  const [subjects, open, missing] = await Promise.all([
    all<SubjectListItem>((offset) => reads.subjects(actor, { offset, limit: PAGE })),
    all<QueryView>((offset) => queries.list(actor, { status: ['open', 'answered'], offset, limit: PAGE })),
    visits.missingForms(actor),
  ])
  const rows = await Promise.all(
    subjects.map(async (s): Promise<SubjectReadiness> => {
      const list = await forms.listForSubject(actor, s.id)
      const entered = list.ok ? list.value.filter((f) => f.status === 'entered') : []
      return {
        subject: s,
        openQueries: open.filter((q) => q.subjectId === s.id).length,
        unverified: entered.filter((f) => !f.verified?.current).length,
        unsigned: entered.filter((f) => !f.signed?.current).length,
        missing: (missing.ok ? missing.value : []).filter((m) => m.subjectId === s.id),
      }
    }),
  )
  const sum = (f: (r: SubjectReadiness) => number): number => rows.reduce((a, r) => a + f(r), 0)
  return {
    subjects: subjects.length,
    outstanding: rows.filter((r) => r.openQueries + r.unverified + r.unsigned + r.missing.length > 0),
    totals: {
      openQueries: sum((r) => r.openQueries),
      unverified: sum((r) => r.unverified),
      unsigned: sum((r) => r.unsigned),
      missing: sum((r) => r.missing.length),
      casebooksUnlocked: rows.filter((r) => !r.subject.locked && r.subject.status !== 'screen-failed').length,
    },
  }
}

function Check(props: { id: string; count: number; one: string; many: string; href?: string | undefined }) {
  const clear = props.count === 0
  return (
    <li class={`check ${clear ? 'check-clear' : 'check-open'}`} id={props.id}>
      <span class="check-mark" aria-hidden="true">
        {clear ? '✓' : '!'}
      </span>
      <span>
        <strong>{props.count}</strong> {props.count === 1 ? props.one : props.many}
        {!clear && props.href ? (
          <>
            {' '}
            <a href={props.href}>review</a>
          </>
        ) : null}
      </span>
    </li>
  )
}

function LockPage(props: StudyActionView<Readiness | null>) {
  const { study: s, extra: ready } = props
  const t = ready?.totals
  const outstanding = t ? t.openQueries + t.unverified + t.unsigned + t.missing : 0
  return (
    <Layout web={props.web} actor={props.actor} title="Database lock" nav="lock" flash={props.flash}>
      <h1>Database lock</h1>
      {s.databaseLockedAt ? (
        <section class="card" aria-labelledby="locked-title">
          <h2 id="locked-title">The database is locked</h2>
          <dl class="facts">
            <dt>Locked</dt>
            <dd id="locked-at">{formatInstant(s.databaseLockedAt)}</dd>
            <dt>Snapshot hash</dt>
            <dd>
              <code class="hash" id="snapshot-hash">
                {s.databaseLockHash ?? '—'}
              </code>
            </dd>
            <dt>Reason</dt>
            <dd id="lock-reason">{s.databaseLockReason ?? '—'}</dd>
            <dt>Blind</dt>
            <dd>
              {s.unblindedAt
                ? `unblinded ${formatInstant(s.unblindedAt)}`
                : 'still blinded: the independent statistician performs the end-of-study unblinding'}
            </dd>
          </dl>
          <p>
            No data can change any more. The snapshot hash identifies the locked data: every report made from them
            carries it.
          </p>
        </section>
      ) : (
        ready &&
        t && (
          <>
            <p>
              Before the lock, every query should be closed and every form verified, signed and present. The lock takes
              a snapshot of the whole study ({ready.subjects} subject{ready.subjects === 1 ? '' : 's'}) and refuses
              every change after it; it cannot be undone.
            </p>
            <section class="card" aria-labelledby="checklist-title">
              <h2 id="checklist-title">Readiness checklist</h2>
              <ul class="checklist">
                <Check
                  id="check-queries"
                  count={t.openQueries}
                  one="open or answered query"
                  many="open or answered queries"
                  href="/queries?status=open"
                />
                <Check
                  id="check-unverified"
                  count={t.unverified}
                  one="form not source-data verified"
                  many="forms not source-data verified"
                />
                <Check
                  id="check-unsigned"
                  count={t.unsigned}
                  one="form not signed by the investigator"
                  many="forms not signed by the investigator"
                />
                <Check
                  id="check-missing"
                  count={t.missing}
                  one="form missing at a performed visit"
                  many="forms missing at performed visits"
                />
                <Check
                  id="check-casebooks"
                  count={t.casebooksUnlocked}
                  one="casebook not locked"
                  many="casebooks not locked"
                />
              </ul>
            </section>
            {ready.outstanding.length > 0 && (
              <>
                <h2 id="outstanding-title">Outstanding by subject</h2>
                <div class="table-wrap">
                  <table class="data" aria-labelledby="outstanding-title">
                    <thead>
                      <tr>
                        <th scope="col">Subject</th>
                        <th scope="col">Site</th>
                        <th scope="col" class="num">
                          Queries
                        </th>
                        <th scope="col" class="num">
                          Not verified
                        </th>
                        <th scope="col" class="num">
                          Not signed
                        </th>
                        <th scope="col">Missing forms</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ready.outstanding.map((r) => (
                        <tr>
                          <th scope="row">
                            <a href={`/subjects/${r.subject.id}`}>{r.subject.screeningNumber}</a>
                          </th>
                          <td>{r.subject.siteId}</td>
                          <td class="num">{r.openQueries}</td>
                          <td class="num">{r.unverified}</td>
                          <td class="num">{r.unsigned}</td>
                          <td>
                            {r.missing.length === 0
                              ? '—'
                              : r.missing.map((m, i) => (
                                  <>
                                    {i > 0 ? ', ' : ''}
                                    <a href={`/subjects/${m.subjectId}/visits/${m.visitId}/forms/${m.formId}`}>
                                      {m.visitId} {m.formId}
                                    </a>
                                  </>
                                ))}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
            <section class="card confirm-danger step-card" aria-labelledby="lock-title">
              <h2 id="lock-title">Lock the database</h2>
              {outstanding > 0 && (
                <p class="warning">
                  {outstanding} item{outstanding === 1 ? ' is' : 's are'} still outstanding. Lock only when the
                  remaining items are accepted as they are.
                </p>
              )}
              <StudyActionForm
                path="/database-lock"
                problems={props.problems}
                refused="The database was not locked"
                reasonLabel="Reason for the lock"
                reasonHint="Recorded in the audit trail and shown with the lock, e.g. last patient out, data review complete."
                reason={props.reason}
                confirm="I confirm that data entry, cleaning and review are complete, and that the database is to be locked for analysis."
                button="Lock the database"
              />
            </section>
          </>
        )
      )}
    </Layout>
  )
}

export function registerDatabaseLockPage(router: WebRouter, web: Web): void {
  registerStudyActionPage(router, web, {
    path: '/database-lock',
    action: Action.DatabaseLock,
    unconfirmed: 'tick the confirmation to lock the database',
    extra: (actor, study) => (study.databaseLockedAt ? Promise.resolve(null) : readiness(web, actor)),
    view: (props) => <LockPage {...props} />,
    perform: (actor, input) => web.deps.services.review.lockDatabase(actor, input),
    done: (r) => ({ to: '/database-lock', message: `Database locked. Snapshot hash ${r.snapshotHash}.` }),
  })
}
