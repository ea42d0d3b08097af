/**
 * eCRF fields generated from the compiled protocol form: one component per item type, every input labelled
 * (`<label for>`, or a fieldset with a legend for radio and checkbox groups), hints and the field's message tied
 * to the input with `aria-describedby`, messages in `aria-live` regions that the inline validation refills.
 * ALSFRS-R items are radio groups 4…0 with the instrument's option labels: arrow keys move within a group, Tab
 * moves to the next item.
 */
import type { Child } from 'hono/jsx'
import type { Condition } from '../domain/index.ts'
import { describeCondition } from '../instruments/index.ts'
import type { CompiledForm, CompiledItem } from '../protocol/index.ts'
import { domId } from './web-kit.ts'

/** A raw field value as the browser sends it: text, or a list for checkboxes. */
export type RawValue = string | readonly string[]
export type RawValues = Readonly<Record<string, RawValue>>

/** The form element name of an item. */
export const itemName = (itemId: string): string => `items.${itemId}`
/** Id of the input (the first one of a group). */
export const inputId = (itemId: string): string => domId('f', 'items', itemId)
/** Id of the field's wrapper (swapped when the item's visibility changes). */
export const wrapperId = (itemId: string): string => domId('w', itemId)
export const messageIdOf = (itemId: string): string => `${inputId(itemId)}-msg`
export const warningIdOf = (itemId: string): string => `${inputId(itemId)}-warn`
const hintIdOf = (itemId: string): string => `${inputId(itemId)}-hint`
/** Hidden input carrying whether a conditional item is shown right now (read by the inline validation). */
export const visibilityName = (itemId: string): string => `_shown.${itemId}`

/** More options than this become a drop-down instead of radio buttons (e.g. MedDRA system organ classes). */
const MAX_RADIOS = 8

/** A scalar as text (numbers and booleans as written, anything structured as JSON). */
export function scalarText(value: unknown): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : JSON.stringify(value)
}

/** A stored value as the text an input holds. */
export function rawOf(value: unknown): RawValue | undefined {
  if (value === null || value === undefined) return undefined
  if (Array.isArray(value)) return value.map(scalarText)
  return scalarText(value)
}

/** What a value reads as: the option label for choices, Yes/No for booleans, the unit after numbers. */
export function displayValue(item: CompiledItem, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  if (item.type === 'boolean') return value === true || value === 'true' ? 'Yes' : 'No'
  if (item.type === 'choice' || item.type === 'multichoice') {
    const list = Array.isArray(value) ? value : [value]
    return list
      .map((v) => {
        const option = item.options?.find((o) => String(o.code) === scalarText(v))
        return option
          ? typeof option.code === 'number'
            ? `${option.code} · ${option.label}`
            : option.label
          : scalarText(v)
      })
      .join('; ')
  }
  return item.unit ? `${scalarText(value)} ${item.unit}` : scalarText(value)
}

/** A condition as a coordinator reads it: item labels and option labels instead of ids and codes. */
export function conditionText(form: CompiledForm, condition: Condition): string {
  if ('item' in condition) {
    const item = form.items.find((i) => i.id === condition.item)
    if (item && (condition.op === '==' || condition.op === '!=')) {
      const shown = displayValue(item, condition.value)
      return `“${item.label}” ${condition.op === '==' ? 'is' : 'is not'} ${shown}`
    }
  }
  if ('answered' in condition) {
    const item = form.items.find((i) => i.id === condition.answered)
    if (item) return `“${item.label}” is answered`
  }
  return describeCondition(condition)
}

/** `25 to 200 mg/day` → `25 to 200 mg/day.`; hints read as sentences. */
function sentence(text: string): string {
  const t = text.trim()
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`
}

function rangeHint(item: CompiledItem): string | null {
  const r = item.range
  const unit = item.unit ? ` ${item.unit}` : ''
  const parts: string[] = []
  if (r?.min !== undefined && r.max !== undefined) parts.push(`${r.min} to ${r.max}${unit}`)
  else if (r?.min !== undefined) parts.push(`at least ${r.min}${unit}`)
  else if (r?.max !== undefined) parts.push(`at most ${r.max}${unit}`)
  if (item.type === 'decimal' && item.decimals !== undefined)
    parts.push(`up to ${item.decimals} decimal place${item.decimals === 1 ? '' : 's'}`)
  if (item.type === 'integer') parts.push('whole number')
  return parts.length > 0 ? parts.join(', ') : null
}

export interface FieldProps {
  readonly form: CompiledForm
  readonly item: CompiledItem
  readonly value: RawValue | undefined
  /** The form was saved before: a value different from `saved` is marked as changed. */
  readonly compare?: boolean | undefined
  readonly saved?: RawValue | undefined
  readonly messages?: readonly string[] | undefined
  readonly warnings?: readonly string[] | undefined
  /** Whether the item's display condition holds for the current values. */
  readonly shown: boolean
  readonly editable: boolean
  /** Below the field: its query thread, history link, raise-a-query control. */
  readonly tools?: Child
  /** Rendered as an htmx out-of-band swap of the field's wrapper (its display condition flipped). */
  readonly oob?: boolean | undefined
}

const same = (a: RawValue | undefined, b: RawValue | undefined): boolean =>
  JSON.stringify(typeof a === 'string' ? a.trim() : (a ?? '')) ===
  JSON.stringify(typeof b === 'string' ? b.trim() : (b ?? ''))

/** One item: its wrapper, label or legend, hints, input(s), message regions and tools. */
export function Field(props: FieldProps) {
  const { item, form } = props
  const invalid = (props.messages?.length ?? 0) > 0
  const changed = props.editable && props.compare === true && !same(props.value, props.saved)
  const hints = [
    item.help,
    rangeHint(item),
    item.showWhen ? `Asked only when ${conditionText(form, item.showWhen)}` : null,
  ]
    .filter((h): h is string => h !== null && h !== undefined && h !== '')
    .map(sentence)
  const required = item.required
    ? 'required'
    : item.requiredWhen
      ? `required when ${conditionText(form, item.requiredWhen)}`
      : null
  const describedBy = [hints.length > 0 ? hintIdOf(item.id) : null, messageIdOf(item.id), warningIdOf(item.id)]
    .filter(Boolean)
    .join(' ')
  const group =
    props.editable &&
    (item.type === 'boolean' ||
      item.type === 'multichoice' ||
      (item.type === 'choice' && (item.options?.length ?? 0) <= MAX_RADIOS))
  const cls = ['field', invalid ? 'field-invalid' : '', changed ? 'field-changed' : ''].filter(Boolean).join(' ')
  const labelText = (
    <>
      {item.label}
      {item.unit && !group ? <span class="unit">({item.unit})</span> : null}
      {required ? <span class="muted"> ({required})</span> : null}
    </>
  )
  const body = (
    <>
      {hints.length > 0 && (
        <span class="hint" id={hintIdOf(item.id)}>
          {hints.join(' ')}
        </span>
      )}
      {props.editable ? (
        <Input {...props} describedBy={describedBy} invalid={invalid} />
      ) : (
        <span class="readonly-value">{displayValue(item, props.value)}</span>
      )}
      <span class="message" id={messageIdOf(item.id)} aria-live="polite">
        {(props.messages ?? []).join('; ')}
      </span>
      <span class="warn-msg" id={warningIdOf(item.id)} aria-live="polite">
        {(props.warnings ?? []).join('; ')}
      </span>
      {item.showWhen && <input type="hidden" name={visibilityName(item.id)} value={props.shown ? '1' : '0'} />}
      {props.tools}
    </>
  )
  if (group) {
    return (
      <fieldset
        class={cls}
        id={wrapperId(item.id)}
        hidden={!props.shown}
        aria-describedby={describedBy}
        hx-swap-oob={props.oob ? 'true' : undefined}
      >
        <legend>{labelText}</legend>
        {body}
      </fieldset>
    )
  }
  return (
    <div class={cls} id={wrapperId(item.id)} hidden={!props.shown} hx-swap-oob={props.oob ? 'true' : undefined}>
      {props.editable ? <label for={inputId(item.id)}>{labelText}</label> : <span class="label">{labelText}</span>}
      {body}
    </div>
  )
}

function Input(props: FieldProps & { readonly describedBy: string; readonly invalid: boolean }) {
  const { item } = props
  const name = itemName(item.id)
  const id = inputId(item.id)
  const value = typeof props.value === 'string' ? props.value : ''
  const common = { id, name, 'aria-describedby': props.describedBy, 'aria-invalid': props.invalid ? 'true' : undefined }
  switch (item.type) {
    case 'integer':
    case 'decimal':
      return (
        <input
          type="text"
          inputmode={item.type === 'integer' ? 'numeric' : 'decimal'}
          autocomplete="off"
          class="w-narrow"
          value={value}
          {...common}
        />
      )
    case 'text':
      return (item.maxLength ?? 0) > 200 ? (
        <textarea {...common} maxlength={item.maxLength} rows={3}>
          {value}
        </textarea>
      ) : (
        <input type="text" autocomplete="off" class="w-medium" maxlength={item.maxLength} value={value} {...common} />
      )
    case 'date':
      return <input type="date" value={value} {...common} />
    case 'datetime':
      return <input type="datetime-local" value={value} {...common} />
    case 'boolean':
      return (
        <div class="choices choices-inline">
          {[
            ['true', 'Yes'],
            ['false', 'No'],
          ].map(([code, label], i) => (
            <label class="choice">
              <input
                type="radio"
                name={name}
                id={i === 0 ? id : `${id}-${code}`}
                value={code}
                checked={value === code}
              />
              <span>{label}</span>
            </label>
          ))}
        </div>
      )
    case 'choice': {
      const options = item.options ?? []
      if (options.length > MAX_RADIOS) {
        return (
          <select {...common}>
            <option value="">Choose…</option>
            {options.map((o) => (
              <option value={String(o.code)} selected={value === String(o.code)}>
                {o.label}
              </option>
            ))}
          </select>
        )
      }
      return (
        <div class="choices">
          {options.map((o, i) => (
            <label class="choice">
              <input
                type="radio"
                name={name}
                id={i === 0 ? id : `${id}-${domId(String(o.code))}`}
                value={String(o.code)}
                checked={value === String(o.code)}
              />
              {typeof o.code === 'number' ? <span class="code">{o.code}</span> : null}
              <span>{o.label}</span>
            </label>
          ))}
        </div>
      )
    }
    case 'multichoice': {
      const chosen = new Set(
        Array.isArray(props.value) ? props.value : typeof props.value === 'string' ? [props.value] : [],
      )
      return (
        <div class="choices">
          {(item.options ?? []).map((o, i) => (
            <label class="choice">
              <input
                type="checkbox"
                name={name}
                id={i === 0 ? id : `${id}-${domId(String(o.code))}`}
                value={String(o.code)}
                checked={chosen.has(String(o.code))}
              />
              <span>{o.label}</span>
            </label>
          ))}
        </div>
      )
    }
  }
}

/** A muscle group (or any item pair) rated on the left and the right with the same options. */
export interface SidePair {
  readonly label: string
  readonly left: CompiledItem
  readonly right: CompiledItem
}

/**
 * Items rated per side (`<group>_left` and `<group>_right`, single choices with the same options, always shown),
 * e.g. the Modified Ashworth Scale per muscle group: entered as one grid, a row per group and a column per side.
 */
export function sidePairs(items: readonly CompiledItem[]): readonly SidePair[] {
  const pairs: SidePair[] = []
  for (const left of items) {
    const group = /^(.+)_left$/.exec(left.id)?.[1]
    const right = group ? items.find((i) => i.id === `${group}_right`) : undefined
    if (!right || left.type !== 'choice' || right.type !== 'choice' || left.showWhen || right.showWhen) continue
    if (JSON.stringify(left.options) !== JSON.stringify(right.options)) continue
    pairs.push({ label: left.label.replace(/\s*\((left|right)\)\s*$/i, ''), left, right })
  }
  return pairs
}

export interface SideGridCell {
  readonly value: RawValue | undefined
  readonly messages?: readonly string[] | undefined
  readonly warnings?: readonly string[] | undefined
  readonly changed: boolean
  readonly tools?: Child
}

/** The grid of side pairs: a labelled select per cell, its message regions below it. */
export function SideGrid(props: {
  readonly caption: string
  readonly pairs: readonly SidePair[]
  readonly editable: boolean
  readonly cell: (item: CompiledItem) => SideGridCell
}) {
  const Cell = ({ item, side, row }: { item: CompiledItem; side: string; row: string }) => {
    const c = props.cell(item)
    const value = typeof c.value === 'string' ? c.value : ''
    const invalid = (c.messages?.length ?? 0) > 0
    return (
      <td
        id={wrapperId(item.id)}
        class={
          [invalid ? 'field-invalid' : '', c.changed ? 'field-changed' : ''].filter(Boolean).join(' ') || undefined
        }
      >
        {props.editable ? (
          <>
            <label class="visually-hidden" for={inputId(item.id)}>
              {row}, {side}
            </label>
            <select
              id={inputId(item.id)}
              name={itemName(item.id)}
              aria-describedby={`${messageIdOf(item.id)} ${warningIdOf(item.id)}`}
              aria-invalid={invalid ? 'true' : undefined}
            >
              <option value="">—</option>
              {(item.options ?? []).map((o) => (
                <option value={String(o.code)} selected={value === String(o.code)}>
                  {o.label}
                </option>
              ))}
            </select>
          </>
        ) : (
          <span class="readonly-value">{displayValue(item, c.value)}</span>
        )}
        <span class="message" id={messageIdOf(item.id)} aria-live="polite">
          {(c.messages ?? []).join('; ')}
        </span>
        <span class="warn-msg" id={warningIdOf(item.id)} aria-live="polite">
          {(c.warnings ?? []).join('; ')}
        </span>
        {c.tools}
      </td>
    )
  }
  return (
    <div class="table-wrap side-grid">
      <table class="data">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Muscle group</th>
            <th scope="col">Left</th>
            <th scope="col">Right</th>
          </tr>
        </thead>
        <tbody>
          {props.pairs.map((p) => (
            <tr>
              <th scope="row">{p.label}</th>
              <Cell item={p.left} side="left" row={p.label} />
              <Cell item={p.right} side="right" row={p.label} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
