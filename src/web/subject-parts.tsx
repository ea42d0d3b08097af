/** Pieces shared by the subject pages: status badges, the allocation as the reader may see it, the error page. */
import type { Actor } from '../access/index.ts'
import type { SubjectView } from '../capture/index.ts'
import type { Problem } from '../domain/index.ts'
import { Layout } from './layout.tsx'
import type { Web } from './web-deps.ts'

export const SUBJECT_STATUS_LABELS: Readonly<Record<string, string>> = {
  screening: 'Screening',
  'screen-failed': 'Screen failed',
  enrolled: 'Enrolled',
  randomized: 'Randomized',
  withdrawn: 'Withdrawn',
  completed: 'Completed',
  died: 'Died',
}

const STATUS_CLASS: Readonly<Record<string, string>> = {
  screening: 'st-due',
  'screen-failed': 'st-missed',
  enrolled: 'st-due',
  randomized: 'st-done',
  withdrawn: 'st-overdue',
  completed: 'st-done',
  died: 'st-missed',
}

export function StatusBadge(props: { readonly status: string }) {
  return (
    <span class={`badge ${STATUS_CLASS[props.status] ?? ''}`}>
      {SUBJECT_STATUS_LABELS[props.status] ?? props.status}
    </span>
  )
}

/**
 * The allocation in one sentence, built only from the projection the service gave this reader: the blinded
 * treatment label and preparation code for blinded readers, the arm too for unblinded ones.
 */
export function allocationText(subject: SubjectView): string {
  const last = subject.allocation?.periods.at(-1)
  if (!last) return 'Not randomized.'
  const parts = [`${last.label}: ${last.step === 'allocation' ? 'allocation step completed' : 'period entered'}`]
  if (last.treatmentLabel) parts.push(`treatment label “${last.treatmentLabel}”`)
  if (last.preparationCode) parts.push(`preparation code ${last.preparationCode}`)
  const allocation = subject.allocation
  if (allocation && !allocation.blinded) {
    const open = allocation.periods.at(-1)
    if (open)
      parts.push(
        `arm: ${open.armLabel}${open.receivesLabel && open.receivesLabel !== open.armLabel ? `, receives ${open.receivesLabel}` : ''}`,
      )
  }
  return `${parts.join('; ')}.`
}

const TITLES: Readonly<Record<number, string>> = {
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not possible now',
  423: 'Locked',
}

/** A page for a failed read or a forbidden page: the service's message, nothing more. */
export function ErrorPage(props: {
  readonly web: Web
  readonly actor: Actor | undefined
  readonly problems?: readonly Problem[]
  readonly status?: number
}) {
  const code = props.problems?.[0]?.code
  const status =
    props.status ?? (code === 'not_found' ? 404 : code === 'forbidden' ? 403 : code === 'locked' ? 423 : 409)
  const title = TITLES[status] ?? 'Something went wrong'
  return (
    <Layout web={props.web} actor={props.actor} title={title}>
      <div class="card narrow">
        <h1>{title}</h1>
        {status === 403 ? <p>Your role may not use this page.</p> : null}
        {status === 404 ? <p>There is nothing here, or it belongs to a site you do not work at.</p> : null}
        {(props.problems ?? [])
          .filter((p) => p.code !== 'not_found')
          .map((p) => (
            <p>{p.message}</p>
          ))}
        <p>
          <a href="/">Back to the dashboard</a>
        </p>
      </div>
    </Layout>
  )
}
