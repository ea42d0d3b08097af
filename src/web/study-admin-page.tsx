/**
 * The study as the administrator sets it up (study.manage): the protocol versions loaded, each with its content
 * hash; the sites; randomization status, with the go-live step while it is not live. At go-live the service seals
 * each period's list and publishes only its fingerprint (SHA-256): the fingerprint is shown here so anyone can
 * later check that the list used is the one committed to, and the list itself is never shown.
 */
import { Action, can, type Actor } from '../access/index.ts'
import type { StudySummary } from '../capture/index.ts'
import { Layout } from './layout.tsx'
import { ErrorPage } from './subject-parts.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { actorOf, done, formatInstant, formBody, page, signedIn, statusOf, takeFlash, text } from './web-kit.ts'

const PHASE_LABELS: Readonly<Record<StudySummary['phase']['status'], string>> = {
  setup: 'Set-up: randomization not live',
  live: 'Live: recruiting and following subjects',
  locked: 'Database locked',
  unblinded: 'Database locked and study unblinded',
}

function StudyPage(props: { web: Web; actor: Actor; s: StudySummary; flash: string | null }) {
  const { web, s } = props
  const periods = web.compiled.protocol.periods
  return (
    <Layout web={web} actor={props.actor} title="Study set-up" nav="study" flash={props.flash}>
      <h1>Study set-up</h1>
      <section class="card" aria-labelledby="study-title">
        <h2 id="study-title">{s.title}</h2>
        <dl class="facts">
          <dt>Study</dt>
          <dd>{s.id}</dd>
          <dt>Phase</dt>
          <dd id="study-phase">{PHASE_LABELS[s.phase.status]}</dd>
          <dt>Current protocol</dt>
          <dd>
            version {s.protocol.label} (number {s.protocol.ordinal})
          </dd>
          {s.databaseLockedAt && (
            <>
              <dt>Database locked</dt>
              <dd>
                {formatInstant(s.databaseLockedAt)}, snapshot <code class="hash">{s.databaseLockHash ?? '—'}</code>
              </dd>
            </>
          )}
          {s.unblindedAt && (
            <>
              <dt>Unblinded</dt>
              <dd>{formatInstant(s.unblindedAt)}</dd>
            </>
          )}
        </dl>
      </section>

      <h2 id="versions-title">Protocol versions</h2>
      <div class="table-wrap">
        <table class="data" aria-labelledby="versions-title">
          <thead>
            <tr>
              <th scope="col" class="num">
                #
              </th>
              <th scope="col">Version</th>
              <th scope="col">Content hash (SHA-256)</th>
              <th scope="col">Loaded</th>
            </tr>
          </thead>
          <tbody>
            {s.versions.map((v) => (
              <tr>
                <td class="num">{v.ordinal}</td>
                <td>
                  {v.label}
                  {v.hash === s.protocol.hash ? (
                    <>
                      {' '}
                      <span class="badge st-done">current</span>
                    </>
                  ) : null}
                </td>
                <td>
                  <code class="hash">{v.hash}</code>
                </td>
                <td>{formatInstant(v.loadedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 id="sites-title">Sites</h2>
      <div class="table-wrap">
        <table class="data" aria-labelledby="sites-title">
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Name</th>
              <th scope="col">Place</th>
              <th scope="col" class="num">
                Target
              </th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {s.sites.map((site) => (
              <tr>
                <th scope="row">{site.id}</th>
                <td>{site.name}</td>
                <td>{[site.city, site.country].filter(Boolean).join(', ')}</td>
                <td class="num">{site.targetEnrolment ?? '—'}</td>
                <td>{site.active ? 'active' : 'inactive'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 id="randomization-title">Randomization</h2>
      <section class="card" aria-labelledby="randomization-title">
        {s.randomizationLiveAt ? (
          <>
            <p id="randomization-status">
              Live since {formatInstant(s.randomizationLiveAt)}. Each allocating period's list was generated from a
              sealed seed and is kept sealed; its fingerprint was published at go-live.
            </p>
            <dl class="facts">
              {Object.entries(s.randomizationFingerprints).map(([periodId, fingerprint]) => (
                <>
                  <dt>{periods.find((p) => p.id === periodId)?.label ?? periodId}</dt>
                  <dd>
                    <code class="hash">{fingerprint}</code>
                  </dd>
                </>
              ))}
            </dl>
          </>
        ) : (
          <>
            <p id="randomization-status">
              Not live: no subject can be randomized yet. Going live draws a secret seed for each allocating period,
              generates and seals its list, and publishes the list's fingerprint. It is done once.
            </p>
            {can(props.actor, Action.StudyManage) && (
              <form method="post" action="/admin/study/go-live">
                <div class="field">
                  <label class="choice" for="f-confirm">
                    <input type="checkbox" id="f-confirm" name="confirm" value="yes" />
                    <span>I confirm that protocol version {s.protocol.label} is final for randomization.</span>
                  </label>
                </div>
                <button type="submit">Go live</button>
              </form>
            )}
          </>
        )}
      </section>
    </Layout>
  )
}

export function registerStudyAdminPage(router: WebRouter, web: Web): void {
  const { study } = web.deps.services

  router.get('/admin/study', signedIn, async (c) => {
    const actor = actorOf(c)
    const s = can(actor, Action.StudyManage)
      ? await study.summary(actor)
      : { ok: false as const, problems: [{ code: 'forbidden' as const, path: '', message: 'administrators only' }] }
    if (!s.ok) return page(c, <ErrorPage web={web} actor={actor} problems={s.problems} />, statusOf(s.problems))
    return page(c, <StudyPage web={web} actor={actor} s={s.value} flash={takeFlash(c)} />)
  })

  router.post('/admin/study/go-live', signedIn, async (c) => {
    const body = await formBody(c)
    if (text(body, 'confirm') !== 'yes') return done(c, '/admin/study', 'Not live: tick the confirmation first.')
    const r = await study.goLive(actorOf(c))
    return done(
      c,
      '/admin/study',
      r.ok ? 'Randomization is live.' : `Not live: ${r.problems.map((p) => p.message).join('; ')}`,
    )
  })
}
