/**
 * The audit trail as readers need it: who, in which role, when, what changed from what to what, and why.
 * Study-wide (filtered by subject, user, kind) and for one form or one field of a form. Records come from the
 * capture read model, which masks allocation detail (`[blinded]`) for readers who do not see allocations.
 */
import { seesAllocation, type Actor } from '../access/index.ts'
import { ROLE_LABELS, type Role } from '../domain/index.ts'
import type { AuditChangeView, AuditView } from '../audit/index.ts'
import type { FormView } from '../capture/index.ts'
import type { CompiledForm } from '../protocol/index.ts'
import { displayValue } from './form-fields.tsx'
import { hiddenItemsFor } from './form-pages.tsx'
import { Layout } from './layout.tsx'
import { ErrorPage } from './subject-parts.tsx'
import type { Web, WebRouter } from './web-deps.ts'
import { actorOf, formatInstant, page, signedIn, statusOf, studyBlind, takeFlash } from './web-kit.ts'

const PAGE_SIZE = 100

/** A value in an audit change as text: the option label for a known item, JSON otherwise. */
function changeText(form: CompiledForm | undefined, field: string, value: unknown): string {
  if (value === null || value === undefined) return '—'
  const item = form?.items.find((i) => i.id === field)
  if (item) return displayValue(item, value)
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** `form.saved` → `Form saved`, `subject.screen_failed` → `Subject screen failed` (the audit kinds read aloud). */
export function kindText(kind: string): string {
  const t = kind.replace(/[._]/g, ' ')
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}`
}

function fieldLabel(form: CompiledForm | undefined, field: string): string {
  const item = form?.items.find((i) => i.id === field)
  if (item) return `${item.id} · ${item.label}`
  const score = form ? [...form.scores, ...form.derived].find((s) => `derived.${s.id}` === field) : undefined
  return score ? `${score.label} (computed)` : field
}

function Changes(props: {
  changes: readonly AuditChangeView[]
  form?: CompiledForm | undefined
  only?: string | undefined
  hidden: ReadonlySet<string>
}) {
  const visible = props.changes.filter((c) => !props.hidden.has(c.field))
  const changes = props.only
    ? visible.filter((c) => c.field === props.only || c.field === `derived.${props.only}`)
    : visible
  if (changes.length === 0) return <span class="muted">—</span>
  return (
    <ul class="changes">
      {changes.map((c) => (
        <li>
          <strong>{fieldLabel(props.form, c.field)}</strong>: {changeText(props.form, c.field, c.old)} →{' '}
          {changeText(props.form, c.field, c.new)}
        </li>
      ))}
    </ul>
  )
}

/**
 * The items whose changes a reader may not see in an audit record: a form's allocation-revealing items for a
 * blinded reader (the form is named by the record's `form` change, `VISIT/FORM#n vN`).
 */
export function auditMask(web: Web, blinded: boolean): (a: AuditView) => ReadonlySet<string> {
  const none = new Set<string>()
  if (!blinded) return () => none
  const byForm = new Map(
    web.compiled.forms.map((f) => [f.id, new Set(f.items.filter((i) => i.unblindedOnly).map((i) => i.id))]),
  )
  return (a) => {
    if (a.entityType !== 'form') return none
    const named = a.changes.find((ch) => ch.field === 'form')
    const text = typeof named?.new === 'string' ? named.new : typeof named?.old === 'string' ? named.old : ''
    const formId = /^[^/]+\/([^#]+)#/.exec(text)?.[1]
    return (formId && byForm.get(formId)) || none
  }
}

export function AuditTable(props: {
  items: readonly AuditView[]
  form?: CompiledForm | undefined
  only?: string | undefined
  caption: string
  mask: (a: AuditView) => ReadonlySet<string>
}) {
  return (
    <div class="table-wrap">
      <table class="data">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Changes</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((a) => (
            <tr>
              <td>{formatInstant(a.at)}</td>
              <td>
                {a.username}
                <br />
                <span class="muted">
                  {ROLE_LABELS[a.role as Role] ?? a.role}
                  {a.siteId ? ` · ${a.siteId}` : ''}
                </span>
              </td>
              <td>
                <span title={a.kind}>{kindText(a.kind)}</span>
                {a.subjectId ? (
                  <>
                    <br />
                    <a href={`/subjects/${a.subjectId}`}>subject</a>
                  </>
                ) : null}
              </td>
              <td>
                <Changes changes={a.changes} form={props.form} only={props.only} hidden={props.mask(a)} />
              </td>
              <td>{a.reason ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function registerAuditPages(router: WebRouter, web: Web): void {
  const { services } = web.deps

  router.get('/audit', signedIn, async (c) => {
    const actor = actorOf(c)
    const q = (k: string): string => (c.req.query(k) ?? '').trim()
    const before = Number.parseInt(q('before'), 10)
    const filter = {
      ...(q('subjectId') ? { subjectId: q('subjectId') } : {}),
      ...(q('kind') ? { kind: q('kind') } : {}),
      ...(q('userId') ? { userId: q('userId') } : {}),
      ...(Number.isFinite(before) && before > 0 ? { beforeSeq: before } : {}),
      limit: PAGE_SIZE,
    }
    const trail = await services.reads.auditTrail(actor, filter)
    if (!trail.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={trail.problems} />, statusOf(trail.problems))
    const next = new URLSearchParams(
      Object.entries({ subjectId: q('subjectId'), kind: q('kind'), userId: q('userId') }).filter(([, v]) => v !== ''),
    )
    if (trail.value.nextBeforeSeq !== undefined) next.set('before', String(trail.value.nextBeforeSeq))
    const subject = q('subjectId') ? await services.subjects.get(actor, q('subjectId')) : null
    return page(
      c,
      <Layout web={web} actor={actor} title="Audit trail" nav="audit" flash={takeFlash(c)}>
        <h1>Audit trail{subject?.ok ? `: subject ${subject.value.screeningNumber}` : ''}</h1>
        <form method="get" action="/audit" class="filters card">
          {q('subjectId') && <input type="hidden" name="subjectId" value={q('subjectId')} />}
          <div class="field">
            <label for="f-kind">What happened</label>
            <input
              type="text"
              id="f-kind"
              name="kind"
              value={q('kind')}
              class="w-medium"
              aria-describedby="f-kind-hint"
            />
            <span class="hint" id="f-kind-hint">
              e.g. form.saved, subject.randomized, query.raised
            </span>
          </div>
          <button type="submit">Filter</button>
          {(q('subjectId') || q('kind')) && <a href="/audit">Whole study</a>}
        </form>
        <AuditTable
          items={trail.value.items}
          caption="Newest first"
          mask={auditMask(web, !seesAllocation(actor, await studyBlind(web, actor)))}
        />
        {trail.value.nextBeforeSeq !== undefined && (
          <p class="pagination">
            <a href={`/audit?${next.toString()}`}>Older records</a>
          </p>
        )}
      </Layout>,
    )
  })

  /** The form instance and its definition, through the form service (site scope applies). */
  async function formOf(actor: Actor, formInstanceId: string) {
    const form = await services.forms.get(actor, formInstanceId)
    if (!form.ok) return form
    return {
      ok: true as const,
      value: { form: form.value, definition: web.compiled.forms.find((f) => f.id === form.value.formId) },
    }
  }

  const header = (f: FormView, definition: CompiledForm | undefined, subjectNumber: string) => (
    <p>
      <a href={`/subjects/${f.subjectId}/visits/${f.visitId}/forms/${f.formId}`}>
        ← {definition?.label ?? f.formId}, {f.visitId}, subject {subjectNumber}
      </a>
    </p>
  )

  router.get('/forms/:id/history', signedIn, async (c) => {
    const actor = actorOf(c)
    const found = await formOf(actor, c.req.param('id'))
    if (!found.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={found.problems} />, statusOf(found.problems))
    const { form, definition } = found.value
    const [trail, subject] = await Promise.all([
      services.reads.auditTrail(actor, { entityType: 'form', entityId: form.id, limit: 500 }),
      services.subjects.get(actor, form.subjectId),
    ])
    if (!trail.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={trail.problems} />, statusOf(trail.problems))
    const number = subject.ok ? subject.value.screeningNumber : ''
    return page(
      c,
      <Layout web={web} actor={actor} title={`History of ${definition?.label ?? form.formId}`} nav="subjects">
        {header(form, definition, number)}
        <h1>
          History of {definition?.label ?? form.formId}: {number}, {form.visitId}
        </h1>
        <p>Every save is a new version; nothing is overwritten. Newest first.</p>
        <AuditTable
          items={trail.value.items}
          form={definition}
          caption={`${trail.value.items.length} audit record${trail.value.items.length === 1 ? '' : 's'}`}
          mask={auditMask(web, !seesAllocation(actor, await studyBlind(web, actor)))}
        />
      </Layout>,
    )
  })

  router.get('/forms/:id/fields/:item', signedIn, async (c) => {
    const actor = actorOf(c)
    const itemId = c.req.param('item')
    const found = await formOf(actor, c.req.param('id'))
    if (!found.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={found.problems} />, statusOf(found.problems))
    const { form, definition } = found.value
    const item = definition?.items.find((i) => i.id === itemId)
    const blind = await studyBlind(web, actor)
    if (!definition || !item || hiddenItemsFor(definition, actor, blind).has(itemId))
      return page(c, <ErrorPage web={web} actor={actor} status={404} />, 404)
    const [history, trail, subject] = await Promise.all([
      services.forms.fieldHistory(actor, form.id, itemId),
      services.reads.auditTrail(actor, { entityType: 'form', entityId: form.id, limit: 500 }),
      services.subjects.get(actor, form.subjectId),
    ])
    if (!history.ok)
      return page(c, <ErrorPage web={web} actor={actor} problems={history.problems} />, statusOf(history.problems))
    const number = subject.ok ? subject.value.screeningNumber : ''
    const touching = trail.ok ? trail.value.items.filter((a) => a.changes.some((ch) => ch.field === itemId)) : []
    return page(
      c,
      <Layout web={web} actor={actor} title={`History of ${item.label}`} nav="subjects">
        {header(form, definition, number)}
        <h1>History of “{item.label}”</h1>
        <div class="table-wrap">
          <table class="data">
            <caption>Value in each version of the form</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Version
                </th>
                <th scope="col">Value</th>
                <th scope="col">Saved</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {history.value.map((h) => (
                <tr>
                  <td class="num">{h.version}</td>
                  <td>{displayValue(item, h.value)}</td>
                  <td>{formatInstant(h.savedAt)}</td>
                  <td>{h.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {trail.ok && (
          <AuditTable
            items={touching}
            form={definition}
            only={itemId}
            caption="Audit records that changed this field (who, when, why)"
            mask={auditMask(web, !seesAllocation(actor, blind))}
          />
        )}
      </Layout>,
    )
  })
}
