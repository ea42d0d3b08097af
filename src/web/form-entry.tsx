/**
 * Form entry on top of the single validation path: which items are shown for the current answers, the
 * protocol's `validateFormEntry` in draft mode while typing (range, type, conditional "must be empty", the
 * instrument's cross-checks) and in final mode on save, the live scores (ALSFRS-R total and subscores, MAS,
 * ECAS, derived values), the queries a save would raise, and what changed since the saved version.
 */
import type { Child } from 'hono/jsx'
import type { IsoDate, Problem } from '../domain/index.ts'
import {
  alsfrsRSpec,
  evaluateCondition,
  formulaReferences,
  InstrumentId,
  isBlank,
  normaliseItemValue,
  type DerivedValue,
  type ItemValue,
} from '../instruments/index.ts'
import { validateFormEntry, type CompiledForm, type CompiledItem } from '../protocol/index.ts'
import {
  displayValue,
  Field,
  messageIdOf,
  rawOf,
  visibilityName,
  warningIdOf,
  type RawValue,
  type RawValues,
} from './form-fields.tsx'
import { text, type FormBody } from './web-kit.ts'

export interface EntryCheck {
  /** Items whose display condition holds for the current answers. */
  readonly shown: ReadonlySet<string>
  /** The values to validate or save: shown items only (a hidden item's answer is dropped, as the user sees it). */
  readonly values: RawValues
  /** Messages by item id. */
  readonly itemMessages: ReadonlyMap<string, readonly string[]>
  /** Problems not tied to one item (e.g. the ALSFRS-R rule "answer exactly one of Q5A or Q5B"). */
  readonly formMessages: readonly string[]
  /** Queries the values would raise on save (soft ranges, edit checks), by item id. */
  readonly warnings: ReadonlyMap<string, readonly string[]>
  /** Scores and derived values of the valid answers (null where not computable yet). */
  readonly derived: Readonly<Record<string, DerivedValue>>
  /** Derived values computed from hidden items (e.g. the share of the dose given): not shown to this reader. */
  readonly hiddenDerived: ReadonlySet<string>
  readonly problems: readonly Problem[]
  readonly answered: number
  readonly askable: number
}

export interface EntryOptions {
  readonly mode: 'draft' | 'final'
  readonly onsetDate?: IsoDate | undefined
  readonly assessmentDate?: IsoDate | undefined
  /** Items this user may not see or enter (allocation-revealing items for a blinded role). */
  readonly hiddenItems?: ReadonlySet<string> | undefined
}

/** The item values of a posted form (`items.<id>` fields). */
export function postedValues(form: CompiledForm, body: FormBody): Record<string, RawValue> {
  const out: Record<string, RawValue> = {}
  for (const item of form.items) {
    const v = body[`items.${item.id}`]
    if (v !== undefined) out[item.id] = v
  }
  return out
}

/** Stored values as the raw strings the inputs hold. */
export function rawValues(values: Readonly<Record<string, unknown>>): Record<string, RawValue> {
  const out: Record<string, RawValue> = {}
  for (const [k, v] of Object.entries(values)) {
    const raw = rawOf(v)
    if (raw !== undefined) out[k] = raw
  }
  return out
}

/** Items shown for the answers, in form order: a hidden item's answer does not count for later conditions. */
export function shownItems(form: CompiledForm, raw: RawValues): Set<string> {
  const effective: Record<string, ItemValue> = {}
  const shown = new Set<string>()
  for (const item of form.items) {
    if (item.showWhen && !evaluateCondition(item.showWhen, effective)) continue
    shown.add(item.id)
    const n = normaliseItemValue(item, raw[item.id], item.id)
    if (n.ok && n.value !== null) effective[item.id] = n.value
  }
  return shown
}

/** Runs the protocol's validation on the answers as the user sees them. */
export function checkEntry(form: CompiledForm, raw: RawValues, options: EntryOptions): EntryCheck {
  const hidden = options.hiddenItems ?? new Set<string>()
  const shown = shownItems(form, raw)
  const values: Record<string, RawValue> = {}
  for (const id of shown) {
    const v = raw[id]
    if (v !== undefined && !hidden.has(id)) values[id] = v
  }
  const context = { mode: options.mode, onsetDate: options.onsetDate, assessmentDate: options.assessmentDate }
  const result = validateFormEntry(form, values, context)
  const itemMessages = new Map<string, string[]>()
  const formMessages: string[] = []
  let derived: Record<string, DerivedValue> = {}
  const warnings = new Map<string, string[]>()
  const known = new Set(form.items.map((i) => i.id))
  if (result.ok) {
    derived = { ...result.value.derived }
    for (const q of result.value.queries)
      warnings.set(q.itemId, [...(warnings.get(q.itemId) ?? []), `Saving will raise a query: ${q.message}`])
  } else {
    for (const p of result.problems) {
      const id = p.path.replace(/^items\./, '')
      if (known.has(id) && shown.has(id) && !hidden.has(id))
        itemMessages.set(id, [...(itemMessages.get(id) ?? []), p.message])
      else formMessages.push(p.path ? `${id}: ${p.message}` : p.message)
    }
    // Scores of what is valid so far, so the total keeps up while one answer is being corrected.
    const valid = Object.fromEntries(Object.entries(values).filter(([id]) => !itemMessages.has(id)))
    const partial = validateFormEntry(form, valid, { ...context, mode: 'draft' })
    if (partial.ok) derived = { ...partial.value.derived }
  }
  const hiddenDerived = dependentDerived(form, hidden)
  for (const id of hiddenDerived) delete derived[id]
  const askable = form.items.filter((i) => shown.has(i.id) && !hidden.has(i.id))
  const group = answerGroups(form)
  const groups = new Set(askable.map((i) => group(i.id)))
  const answeredGroups = new Set(askable.filter((i) => !isBlank(values[i.id])).map((i) => group(i.id)))
  return {
    shown,
    values,
    itemMessages,
    formMessages,
    warnings,
    derived,
    hiddenDerived,
    problems: result.ok ? [] : result.problems,
    answered: answeredGroups.size,
    askable: groups.size,
  }
}

/** The derived values whose formula uses a hidden item, directly or through another such value (as the services hide them). */
function dependentDerived(form: CompiledForm, hidden: ReadonlySet<string>): ReadonlySet<string> {
  const out = new Set<string>()
  if (hidden.size === 0) return out
  for (const d of form.derived) if (formulaReferences(d.ast).some((r) => hidden.has(r) || out.has(r))) out.add(d.id)
  return out
}

/** Items answered as one count once in the progress: ALSFRS-R's Q5A and Q5B both fill slot Q5 (one of them is asked). */
function answerGroups(form: CompiledForm): (itemId: string) => string {
  if (form.instrument?.id !== InstrumentId.AlsfrsR) return (id) => id
  const slots = new Map(alsfrsRSpec().items.map((i) => [i.id, i.slot]))
  return (id) => slots.get(id) ?? id
}

/** Items whose answer differs from the saved version, with before and after as the user reads them. */
export function changedItems(
  form: CompiledForm,
  now: RawValues,
  saved: RawValues,
  hidden: ReadonlySet<string>,
): { readonly item: CompiledItem; readonly before: string; readonly after: string }[] {
  const norm = (v: RawValue | undefined): string => JSON.stringify(typeof v === 'string' ? v.trim() : (v ?? ''))
  return form.items
    .filter((i) => !hidden.has(i.id) && norm(now[i.id]) !== norm(saved[i.id]))
    .map((item) => ({ item, before: displayValue(item, saved[item.id]), after: displayValue(item, now[item.id]) }))
}

function formatScore(value: DerivedValue | undefined, decimals = 2): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(decimals)
  if (typeof value === 'boolean') return value ? 'Yes' : 'No'
  return value
}

/**
 * The live score panel (`aria-live`): the instrument's scores (the first, e.g. the ALSFRS-R total, large),
 * derived values, and how many items are answered. Totals stay empty until every item they need is answered.
 */
export function ScorePanel(props: { readonly form: CompiledForm; readonly check: EntryCheck; readonly oob?: boolean }) {
  const { form, check } = props
  const rows = [
    ...form.scores.map((s) => ({ id: s.id, label: s.label, unit: s.unit })),
    ...form.derived
      .filter((d) => !check.hiddenDerived.has(d.id))
      .map((d) => ({ id: d.id, label: d.label, unit: d.unit })),
  ]
  return (
    <section
      id="scores"
      class="card"
      aria-live="polite"
      aria-labelledby="scores-title"
      hx-swap-oob={props.oob ? 'true' : undefined}
    >
      <h2 id="scores-title">{rows.length > 0 ? 'Scores' : 'Progress'}</h2>
      <p class="muted">
        {check.answered} of {check.askable} items answered
      </p>
      {rows.length > 0 && (
        <dl class="scores">
          {rows.map((r, i) => (
            <>
              <dt id={`score-${r.id}-label`}>{r.label}</dt>
              <dd id={`score-${r.id}`} class={i === 0 && form.scores.length > 0 ? 'score-main' : undefined}>
                {formatScore(check.derived[r.id])}
                {r.unit && check.derived[r.id] !== null && check.derived[r.id] !== undefined ? (
                  <span class="score-unit"> {r.unit}</span>
                ) : null}
              </dd>
            </>
          ))}
        </dl>
      )}
    </section>
  )
}

/** Problems that belong to the form rather than one field. */
export function FormMessages(props: { readonly messages: readonly string[]; readonly oob?: boolean }) {
  return (
    <div
      id="form-messages"
      class="message"
      role="status"
      aria-live="polite"
      hx-swap-oob={props.oob ? 'true' : undefined}
    >
      {props.messages.length > 0 ? props.messages.join('; ') : ''}
    </div>
  )
}

/** What changed since the saved version: the reason-for-change prompt reads this aloud. */
export function ChangeSummary(props: {
  readonly changes: ReturnType<typeof changedItems>
  readonly oob?: boolean
  readonly children?: Child
}) {
  return (
    <div id="change-summary" aria-live="polite" hx-swap-oob={props.oob ? 'true' : undefined}>
      {props.changes.length > 0 ? (
        <div class="note">
          <p>
            <strong>
              You changed {props.changes.length} saved answer{props.changes.length === 1 ? '' : 's'}.
            </strong>{' '}
            Give the reason for the change below; it is kept in the audit trail.
          </p>
          <ul>
            {props.changes.map((c) => (
              <li>
                {c.item.label}: {c.before} → {c.after}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  )
}

/** Which conditional items the browser shows now (hidden inputs the fields carry), to swap only those that flip. */
export function reportedVisibility(form: CompiledForm, body: FormBody): Map<string, boolean> {
  return new Map(form.items.filter((i) => i.showWhen).map((i) => [i.id, text(body, visibilityName(i.id)) === '1']))
}

/**
 * The htmx answer while typing: out-of-band swaps only, of each field's message and warning regions, the form's
 * messages, the scores, the change summary (after a first save), and whole fields whose display condition flipped.
 * Inputs the user is typing in are never replaced, so focus and caret stay put.
 */
export function LiveFragments(props: {
  readonly form: CompiledForm
  readonly values: RawValues
  readonly reported: ReadonlyMap<string, boolean>
  /** The saved answers, or null before the first save. */
  readonly saved: RawValues | null
  readonly options: EntryOptions
  readonly toolsFor?: ((itemId: string) => Child) | undefined
}) {
  const { form } = props
  const hidden = props.options.hiddenItems ?? new Set<string>()
  const live = checkEntry(form, props.values, props.options)
  return (
    <>
      {form.items
        .filter((i) => !hidden.has(i.id))
        .map((item) => {
          const shown = live.shown.has(item.id)
          if (item.showWhen && props.reported.get(item.id) !== shown) {
            return (
              <Field
                oob
                form={form}
                item={item}
                value={shown ? props.values[item.id] : undefined}
                compare={props.saved !== null}
                saved={props.saved?.[item.id]}
                messages={live.itemMessages.get(item.id)}
                warnings={live.warnings.get(item.id)}
                shown={shown}
                editable
                tools={props.toolsFor?.(item.id)}
              />
            )
          }
          return (
            <>
              <span class="message" id={messageIdOf(item.id)} aria-live="polite" hx-swap-oob="true">
                {(live.itemMessages.get(item.id) ?? []).join('; ')}
              </span>
              <span class="warn-msg" id={warningIdOf(item.id)} aria-live="polite" hx-swap-oob="true">
                {(live.warnings.get(item.id) ?? []).join('; ')}
              </span>
            </>
          )
        })}
      <FormMessages messages={live.formMessages} oob />
      <ScorePanel form={form} check={live} oob />
      {props.saved !== null && <ChangeSummary changes={changedItems(form, props.values, props.saved, hidden)} oob />}
    </>
  )
}
