/** Small shared pieces of markup: the error summary, a field's message, badges and the pager. */
import type { Child } from 'hono/jsx'
import type { Problem } from '../domain/index.ts'
import { domId } from './web-kit.ts'

/**
 * The error summary at the top of a form (GOV.UK pattern): focusable, announced, each problem a link to its
 * field (`#f-<path>`).
 */
export function ErrorSummary(props: { readonly problems: readonly Problem[]; readonly title?: string }) {
  if (props.problems.length === 0) return null
  return (
    <div class="alert" role="alert" tabindex={-1} id="error-summary" autofocus>
      <h2>{props.title ?? 'There is a problem'}</h2>
      <ul>
        {props.problems.map((p) => (
          <li>{p.path ? <a href={`#${fieldId(p.path)}`}>{`${pathLabel(p.path)}: ${p.message}`}</a> : p.message}</li>
        ))}
      </ul>
    </div>
  )
}

/** The element id of the input for a problem path (`items.Q1` → `f-items-Q1`). */
export function fieldId(path: string): string {
  return domId('f', ...path.split('.'))
}

/** The id of a field's message element, referenced by `aria-describedby`. */
export function messageId(path: string): string {
  return `${fieldId(path)}-msg`
}

/** `items.Q1` → `Q1`, `answers.IC3` → `IC3`: the id a user sees beside the field. */
export function pathLabel(path: string): string {
  return path.replace(/^(items|answers|factors|values)\./, '')
}

/** A field's message region (always present so htmx can fill it; `aria-live` reads changes aloud). */
export function FieldMessage(props: { readonly path: string; readonly messages?: readonly string[] | undefined }) {
  return (
    <span class="message" id={messageId(props.path)} aria-live="polite">
      {(props.messages ?? []).join('; ')}
    </span>
  )
}

export function Badge(props: { readonly kind: string; readonly children?: Child }) {
  return <span class={`badge ${props.kind}`}>{props.children}</span>
}

/** Previous/next links for an offset-paged list. */
export function Pager(props: {
  readonly base: URLSearchParams
  readonly path: string
  readonly offset: number
  readonly limit: number
  readonly total: number
}) {
  const { offset, limit, total } = props
  const link = (to: number): string => {
    const q = new URLSearchParams(props.base)
    q.set('offset', String(to))
    return `${props.path}?${q.toString()}`
  }
  if (total <= limit) return null
  return (
    <nav class="pagination" aria-label="Pages">
      {offset > 0 ? <a href={link(Math.max(0, offset - limit))}>Previous</a> : null}
      <span>
        {offset + 1}–{Math.min(total, offset + limit)} of {total}
      </span>
      {offset + limit < total ? <a href={link(offset + limit)}>Next</a> : null}
    </nav>
  )
}

/**
 * The closing fields of a consequential step: the user's password re-entered (21 CFR 11.200: each signing by a
 * password the signer enters) and an explicit confirmation, each with its message.
 */
/** The required reason of an irreversible study action (kept in its audit record and shown with it). */
export function ReasonField(props: {
  readonly errors: ReadonlyMap<string, readonly string[]>
  readonly label: string
  readonly hint: string
  readonly value: string
}) {
  const { errors } = props
  return (
    <div class={`field${errors.has('reason') ? ' field-invalid' : ''}`}>
      <label for={fieldId('reason')}>{props.label}</label>
      <span class="hint" id={`${fieldId('reason')}-hint`}>
        {props.hint}
      </span>
      <textarea
        id={fieldId('reason')}
        name="reason"
        rows={3}
        aria-invalid={errors.has('reason') ? 'true' : undefined}
        aria-describedby={`${fieldId('reason')}-hint ${messageId('reason')}`}
      >
        {props.value}
      </textarea>
      <FieldMessage path="reason" messages={errors.get('reason')} />
    </div>
  )
}

export function PasswordAndConfirm(props: {
  readonly errors: ReadonlyMap<string, readonly string[]>
  readonly confirm: string
}) {
  const { errors } = props
  return (
    <>
      <div class={`field${errors.has('password') ? ' field-invalid' : ''}`}>
        <label for={fieldId('password')}>Your password (electronic signature)</label>
        <input
          type="password"
          id={fieldId('password')}
          name="password"
          autocomplete="current-password"
          class="w-medium"
          aria-invalid={errors.has('password') ? 'true' : undefined}
          aria-describedby={messageId('password')}
        />
        <FieldMessage path="password" messages={errors.get('password')} />
      </div>
      <div class={`field${errors.has('confirm') ? ' field-invalid' : ''}`}>
        <label class="choice" for={fieldId('confirm')}>
          <input
            type="checkbox"
            id={fieldId('confirm')}
            name="confirm"
            value="yes"
            aria-describedby={messageId('confirm')}
          />
          <span>{props.confirm}</span>
        </label>
        <FieldMessage path="confirm" messages={errors.get('confirm')} />
      </div>
    </>
  )
}
