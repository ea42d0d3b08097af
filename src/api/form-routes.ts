import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { ok } from '../domain/index.ts'
import {
  FieldHistorySchema,
  FormVersionSchema,
  FormViewSchema,
  SaveResultSchema,
  SubjectReviewSchema,
} from './capture-schemas.ts'
import { compact, renamePaths, type RouteRegistrar } from './route-kit.ts'
import { Empty, Reason, SubjectParams } from './schemas.ts'

const Code = z.string().trim().min(1).max(40)
const FormParams = z.strictObject({ formId: z.string().min(1).max(64) })
const ItemParams = FormParams.extend({ itemId: Code })

const SaveForm = z.strictObject({
  subjectId: z.string().min(1).max(64),
  visitId: Code.openapi({ description: 'a visit of the protocol, or `UNS-<n>` for an unscheduled visit' }),
  formId: Code,
  instance: z
    .number()
    .int()
    .min(1)
    .max(999)
    .optional()
    .openapi({ description: 'repeat number of a repeating form (default 1)' }),
  values: z
    .record(Code, z.unknown())
    .openapi({ description: 'item id → value, validated against the protocol’s form' }),
  reason: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ description: 'required for every save after the first' }),
})

/** Password re-entry for an electronic signature (21 CFR 11.200), with its meaning (11.50). */
const Signature = z.strictObject({
  password: z.string().min(1).max(256),
  meaning: z.string().trim().min(1).max(500).optional(),
})

/** eCRF entry (append-only versions with reasons), history, SDV, signatures and locks. */
export function registerFormRoutes(r: RouteRegistrar): void {
  const { forms, review } = r.deps.services
  const tag = 'forms'

  r.add(
    {
      method: 'post',
      path: '/api/forms',
      access: Action.FormEnter,
      tag,
      summary: 'Save a form: a new immutable version (reason required after the first), automatic queries raised',
      body: SaveForm,
      response: SaveResultSchema,
    },
    async ({ actor, body }) => renamePaths(await forms.save(actor, compact(body)), 'items', 'values'),
  )
  r.add(
    {
      method: 'get',
      path: '/api/forms/{formId}',
      access: Action.FormView,
      tag,
      summary: 'A form instance, current version',
      params: FormParams,
      response: FormViewSchema,
    },
    ({ actor, params }) => forms.get(actor, params.formId),
  )
  r.add(
    {
      method: 'get',
      path: '/api/forms/{formId}/history',
      access: Action.FormView,
      tag,
      summary: 'Every version of a form, oldest first (who, when, why)',
      params: FormParams,
      response: z.object({ items: z.array(FormVersionSchema) }),
    },
    async ({ actor, params }) => {
      const history = await forms.history(actor, params.formId)
      return history.ok ? ok({ items: history.value }) : history
    },
  )
  r.add(
    {
      method: 'get',
      path: '/api/forms/{formId}/items/{itemId}/history',
      access: Action.FormView,
      tag,
      summary: 'The value of one item (or score) in each version',
      params: ItemParams,
      response: z.object({ items: z.array(FieldHistorySchema) }),
    },
    async ({ actor, params }) => {
      const history = await forms.fieldHistory(actor, params.formId, params.itemId)
      return history.ok ? ok({ items: history.value }) : history
    },
  )
  r.add(
    {
      method: 'post',
      path: '/api/forms/{formId}/delete',
      access: Action.FormEnter,
      tag,
      summary: 'Mark a form deleted (a new version; nothing is removed)',
      params: FormParams,
      body: z.strictObject({ reason: Reason }),
      response: FormViewSchema,
    },
    ({ actor, params, body }) => forms.remove(actor, params.formId, body),
  )
  r.add(
    {
      method: 'get',
      path: '/api/subjects/{subjectId}/forms',
      access: Action.FormView,
      tag,
      summary: 'Every form instance of a subject (current versions)',
      params: SubjectParams,
      response: z.object({ items: z.array(FormViewSchema) }),
    },
    async ({ actor, params }) => {
      const list = await forms.listForSubject(actor, params.subjectId)
      return list.ok ? ok({ items: list.value }) : list
    },
  )

  const review_ = 'review'
  r.add(
    {
      method: 'post',
      path: '/api/forms/{formId}/verify',
      access: Action.FormVerify,
      tag: review_,
      summary: 'Source data verification of the current version',
      params: FormParams,
      body: Empty,
      response: FormViewSchema,
    },
    ({ actor, params }) => review.verifyForm(actor, params.formId),
  )
  r.add(
    {
      method: 'post',
      path: '/api/forms/{formId}/sign',
      access: Action.FormSign,
      tag: review_,
      summary: 'Sign the current version (password re-entered)',
      params: FormParams,
      body: Signature,
      response: FormViewSchema,
    },
    ({ c, actor, params, body }) =>
      c.var.auth.withReauthentication(c, () => review.signForm(actor, params.formId, compact(body))),
  )
  r.add(
    {
      method: 'post',
      path: '/api/forms/{formId}/lock',
      access: Action.FormLock,
      tag: review_,
      summary: 'Lock a form',
      params: FormParams,
      body: Empty,
      response: FormViewSchema,
    },
    ({ actor, params }) => review.lockForm(actor, params.formId),
  )
  r.add(
    {
      method: 'post',
      path: '/api/forms/{formId}/unlock',
      access: Action.FormLock,
      tag: review_,
      summary: 'Unlock a form for a correction (reason required)',
      params: FormParams,
      body: z.strictObject({ reason: Reason }),
      response: FormViewSchema,
    },
    ({ actor, params, body }) => review.unlockForm(actor, params.formId, body),
  )
  r.add(
    {
      method: 'post',
      path: '/api/subjects/{subjectId}/sign',
      access: Action.FormSign,
      tag: review_,
      summary: 'Sign a subject’s casebook (password re-entered)',
      params: SubjectParams,
      body: Signature,
      response: SubjectReviewSchema,
    },
    ({ c, actor, params, body }) =>
      c.var.auth.withReauthentication(c, () => review.signSubject(actor, params.subjectId, compact(body))),
  )
  r.add(
    {
      method: 'post',
      path: '/api/subjects/{subjectId}/lock',
      access: Action.FormLock,
      tag: review_,
      summary: 'Lock a subject’s casebook',
      params: SubjectParams,
      body: Empty,
      response: SubjectReviewSchema,
    },
    ({ actor, params }) => review.lockSubject(actor, params.subjectId),
  )
  r.add(
    {
      method: 'post',
      path: '/api/study/lock',
      access: Action.DatabaseLock,
      tag: review_,
      summary: 'Database lock: freeze the data and record the snapshot hash (reason and password required)',
      body: z.strictObject({ reason: Reason, password: z.string().min(1).max(256) }),
      response: z.object({ lockedAt: z.string(), snapshotHash: z.string() }),
    },
    ({ c, actor, body }) => c.var.auth.withReauthentication(c, () => review.lockDatabase(actor, body)),
  )
}
