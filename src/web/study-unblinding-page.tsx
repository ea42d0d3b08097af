/**
 * End-of-study unblinding (unblind.study, the independent statistician), possible only once the database is
 * locked: a warning, a reason (audited, shown with the unblinding), the statistician's password re-entered and an
 * explicit confirmation. After it every role allowed a report sees the report by arm, and the service notifies the
 * roles the protocol names.
 */
import { Action } from '../access/index.ts'
import { Layout } from './layout.tsx'
import { registerStudyActionPage, StudyActionForm, type StudyActionView } from './study-action-page.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { formatInstant } from './web-kit.ts'

function UnblindingPage(props: StudyActionView<null>) {
  const { study: s } = props
  return (
    <Layout web={props.web} actor={props.actor} title="Study unblinding" nav="unblinding" flash={props.flash}>
      <h1>End-of-study unblinding</h1>
      {s.unblindedAt ? (
        <div class="card narrow">
          <p id="unblinding-status">
            The study was unblinded on {formatInstant(s.unblindedAt)}, after the database lock of{' '}
            {formatInstant(s.databaseLockedAt)}. Every role allowed a report now sees it by arm.
          </p>
          <p>
            Reason: <span id="unblinding-reason">{s.unblindingReason ?? '—'}</span>
          </p>
          <p>
            <a href="/report">Open the report</a>
          </p>
        </div>
      ) : !s.databaseLockedAt ? (
        <div class="card narrow">
          <p id="unblinding-status">
            The database is not locked yet. The study is unblinded only after the data manager has locked the database,
            so that no data can change once the allocations are known.
          </p>
        </div>
      ) : (
        <div class="card confirm-danger narrow">
          <p id="unblinding-status">
            The database was locked on {formatInstant(s.databaseLockedAt)} (snapshot{' '}
            <code class="hash">{s.databaseLockHash ?? '—'}</code>; reason:{' '}
            <span id="lock-reason">{s.databaseLockReason ?? '—'}</span>).
          </p>
          <p class="warning">
            Unblinding reveals every subject's allocation to every role: the sponsor, the site teams and the data
            manager will see the report by arm. It is recorded with your name and cannot be undone.
          </p>
          <StudyActionForm
            path="/study-unblinding"
            problems={props.problems}
            refused="The study was not unblinded"
            reasonLabel="Reason for the unblinding"
            reasonHint="Recorded in the audit trail and shown with the unblinding, e.g. database locked and the analysis plan final."
            reason={props.reason}
            confirm="I confirm that the analysis plan is final and that the study is to be unblinded."
            button="Unblind the study"
          />
        </div>
      )}
    </Layout>
  )
}

export function registerStudyUnblindingPage(router: WebRouter, web: Web): void {
  registerStudyActionPage(router, web, {
    path: '/study-unblinding',
    action: Action.UnblindStudy,
    unconfirmed: 'tick the confirmation to unblind the study',
    extra: () => Promise.resolve(null),
    view: (props) => <UnblindingPage {...props} />,
    perform: (actor, input) => web.deps.services.unblinding.endOfStudy(actor, input),
    done: (r) => ({
      to: '/report',
      message: `The study is unblinded (${formatInstant(r.unblindedAt)}): the report is by arm.`,
    }),
  })
}
