import { z } from 'zod'
import { Action, authorize, seesAllocation, type Actor } from '../access/index.ts'
import { AuditKind, type AuditEntry } from '../audit/index.ts'
import { fail, ok, ProblemCode, type Instant, type Result } from '../domain/index.ts'
import {
  findFormStateById,
  findFormVersion,
  updateFormState,
  updateStudy,
  updateSubject,
  type Conn,
  type FormStateTable,
  type SubjectTable,
} from '../store/index.ts'
import { audit, IrreversibleReason, parse, requireOpen, studyState, subjectFor, type Ctx } from './context.ts'
import { formView, hiddenFor, type FormCatalogue, type FormView } from './form-service.ts'
import { reauthenticate } from './user-service.ts'

/** The meaning of an investigator's signature (21 CFR 11.50(a)(3)), unless another is given. */
export const DEFAULT_SIGNATURE_MEANING = 'I have reviewed these data and confirm they are complete and accurate.'

const Sign = z.strictObject({ password: z.string().min(1), meaning: z.string().trim().min(1).max(500).optional() })
const Reason = z.strictObject({ reason: z.string().trim().min(1, 'a reason is required') })

export interface SubjectReviewState {
  readonly subjectId: string
  readonly signed: { readonly at: string; readonly by: string } | null
  readonly locked: { readonly at: string; readonly by: string } | null
}

export interface ReviewService {
  /** Source data verification of the form's current version by a monitor (form.verify). */
  verifyForm(actor: Actor, formId: string): Promise<Result<FormView>>
  /** The investigator signs the form's current version, re-entering the password (form.sign). */
  signForm(actor: Actor, formId: string, input: { password: string; meaning?: string }): Promise<Result<FormView>>
  /** The investigator signs the subject's casebook (form.sign), re-entering the password. */
  signSubject(
    actor: Actor,
    subjectId: string,
    input: { password: string; meaning?: string },
  ): Promise<Result<SubjectReviewState>>
  /** Locks a form (form.lock): later changes are refused with `locked`. */
  lockForm(actor: Actor, formId: string): Promise<Result<FormView>>
  /** Unlocks a form for a correction, with the reason (form.lock). */
  unlockForm(actor: Actor, formId: string, input: { reason: string }): Promise<Result<FormView>>
  /** Locks a subject's casebook (form.lock). */
  lockSubject(actor: Actor, subjectId: string): Promise<Result<SubjectReviewState>>
  /**
   * Database lock (database.lock): takes the full-study extract, stores its SHA-256 as the snapshot hash, and
   * refuses every later change. Re-authentication and a reason (kept in the audit record) required. End-of-study
   * unblinding becomes possible.
   */
  lockDatabase(
    actor: Actor,
    input: { password: string; reason: string },
  ): Promise<Result<{ readonly lockedAt: string; readonly snapshotHash: string }>>
}

/** Computes the snapshot hash of the whole study inside the locking transaction (see `extractStudy`). */
export type SnapshotHasher = (c: Conn) => Promise<string>

export function reviewService(ctx: Ctx, catalogue: FormCatalogue, snapshotHash: SnapshotHasher): ReviewService {
  /** Loads a form instance for `action` under its subject's lock and applies `work`. */
  async function onForm(
    actor: Actor,
    action: Action,
    formId: string,
    work: (head: FormStateTable, at: Instant) => Result<{ patch: Partial<FormStateTable>; entry: AuditEntry }>,
  ): Promise<Result<FormView>> {
    const at = ctx.clock.now()
    return ctx.store.write(async (tx) => {
      const state = await studyState(ctx, tx, 'share')
      if (!state.ok) return state
      const head = await findFormStateById(tx, formId)
      const notFound = fail<FormView>({ code: ProblemCode.NotFound, path: 'formId', message: 'not found' })
      if (!head) {
        const allowed = authorize(actor, action)
        return allowed.ok ? notFound : fail(allowed.problems)
      }
      const subject = await subjectFor(tx, actor, action, head.subject_id, true)
      if (!subject.ok) return subject.problems[0]?.code === ProblemCode.NotFound ? notFound : subject
      const open = requireOpen(state.value)
      if (!open.ok) return open
      const done = work(head, at)
      if (!done.ok) return done
      await updateFormState(tx, head.id, done.value.patch)
      await audit(ctx, tx, actor, at, [done.value.entry])
      const version = await findFormVersion(tx, head.id, head.current_version)
      if (!version) throw new Error(`form ${head.id} has no current version`)
      const hidden = hiddenFor(catalogue, head.form_id, seesAllocation(actor, state.value.blind))
      return ok(formView({ ...head, ...done.value.patch }, version, hidden))
    })
  }

  const formEntry = (
    head: FormStateTable,
    kind: AuditEntry['kind'],
    changes: AuditEntry['changes'],
    reason: string | null = null,
  ): AuditEntry => ({
    kind,
    entityType: 'form',
    entityId: head.id,
    subjectId: head.subject_id,
    siteId: head.site_id,
    changes: changes ?? [],
    reason,
  })

  async function onSubject(
    actor: Actor,
    action: Action,
    subjectId: string,
    work: (s: SubjectTable, at: Instant) => Result<{ patch: Partial<SubjectTable>; entry: AuditEntry }>,
  ): Promise<Result<SubjectReviewState>> {
    const at = ctx.clock.now()
    return ctx.store.write(async (tx) => {
      const state = await studyState(ctx, tx, 'share')
      if (!state.ok) return state
      const subject = await subjectFor(tx, actor, action, subjectId, true)
      if (!subject.ok) return subject
      const open = requireOpen(state.value)
      if (!open.ok) return open
      const done = work(subject.value, at)
      if (!done.ok) return done
      await updateSubject(tx, subjectId, { ...done.value.patch, updated_at: at })
      await audit(ctx, tx, actor, at, [done.value.entry])
      const s = { ...subject.value, ...done.value.patch }
      return ok({
        subjectId,
        signed: s.signed_at && s.signed_by ? { at: s.signed_at, by: s.signed_by } : null,
        locked: s.locked_at && s.locked_by ? { at: s.locked_at, by: s.locked_by } : null,
      })
    })
  }

  return {
    async verifyForm(actor, formId) {
      return onForm(actor, Action.FormVerify, formId, (head) => {
        if (head.status !== 'entered')
          return fail({ code: ProblemCode.StateInvalid, path: 'formId', message: 'a deleted form cannot be verified' })
        if (head.verified_version === head.current_version)
          return fail({ code: ProblemCode.Conflict, path: 'formId', message: 'this version is already verified' })
        return ok({
          patch: { verified_version: head.current_version, verified_at: ctx.clock.now(), verified_by: actor.userId },
          entry: formEntry(head, AuditKind.FormVerified, [
            { field: 'verifiedVersion', old: head.verified_version, new: head.current_version },
          ]),
        })
      })
    },

    async signForm(actor, formId, input) {
      const parsed = parse(Sign, input)
      if (!parsed.ok) return parsed
      const allowed = authorize(actor, Action.FormSign)
      if (!allowed.ok) return allowed
      const auth = await reauthenticate(ctx, actor, parsed.value.password, `sign form ${formId}`)
      if (!auth.ok) return auth
      const meaning = parsed.value.meaning ?? DEFAULT_SIGNATURE_MEANING
      return onForm(actor, Action.FormSign, formId, (head, at) => {
        if (head.status !== 'entered')
          return fail({ code: ProblemCode.StateInvalid, path: 'formId', message: 'a deleted form cannot be signed' })
        return ok({
          patch: { signed_version: head.current_version, signed_at: at, signed_by: actor.userId },
          entry: formEntry(head, AuditKind.FormSigned, [
            { field: 'signedVersion', old: head.signed_version, new: head.current_version },
            { field: 'meaning', old: null, new: meaning },
          ]),
        })
      })
    },

    async signSubject(actor, subjectId, input) {
      const parsed = parse(Sign, input)
      if (!parsed.ok) return parsed
      const allowed = authorize(actor, Action.FormSign)
      if (!allowed.ok) return allowed
      const auth = await reauthenticate(ctx, actor, parsed.value.password, `sign casebook ${subjectId}`)
      if (!auth.ok) return auth
      const meaning = parsed.value.meaning ?? DEFAULT_SIGNATURE_MEANING
      return onSubject(actor, Action.FormSign, subjectId, (s, at) =>
        ok({
          patch: { signed_at: at, signed_by: actor.userId },
          entry: {
            kind: AuditKind.SubjectSigned,
            entityType: 'subject',
            entityId: s.id,
            subjectId: s.id,
            siteId: s.site_id,
            changes: [
              { field: 'signedAt', old: s.signed_at, new: at },
              { field: 'meaning', old: null, new: meaning },
            ],
          },
        }),
      )
    },

    async lockForm(actor, formId) {
      return onForm(actor, Action.FormLock, formId, (head, at) => {
        if (head.locked_at)
          return fail({ code: ProblemCode.Conflict, path: 'formId', message: 'the form is already locked' })
        return ok({
          patch: { locked_at: at, locked_by: actor.userId },
          entry: formEntry(head, AuditKind.FormLocked, [{ field: 'locked', old: false, new: true }]),
        })
      })
    },

    async unlockForm(actor, formId, input) {
      const parsed = parse(Reason, input)
      if (!parsed.ok) return parsed
      return onForm(actor, Action.FormLock, formId, (head) => {
        if (!head.locked_at)
          return fail({ code: ProblemCode.Conflict, path: 'formId', message: 'the form is not locked' })
        return ok({
          patch: { locked_at: null, locked_by: null },
          entry: formEntry(
            head,
            AuditKind.FormUnlocked,
            [{ field: 'locked', old: true, new: false }],
            parsed.value.reason,
          ),
        })
      })
    },

    async lockSubject(actor, subjectId) {
      return onSubject(actor, Action.FormLock, subjectId, (s, at) => {
        if (s.locked_at)
          return fail({ code: ProblemCode.Conflict, path: 'subjectId', message: 'the casebook is already locked' })
        return ok({
          patch: { locked_at: at, locked_by: actor.userId },
          entry: {
            kind: AuditKind.SubjectLocked,
            entityType: 'subject',
            entityId: s.id,
            subjectId: s.id,
            siteId: s.site_id,
            changes: [{ field: 'locked', old: false, new: true }],
          },
        })
      })
    },

    async lockDatabase(actor, input) {
      const parsed = parse(z.strictObject({ password: z.string().min(1), reason: IrreversibleReason }), input)
      if (!parsed.ok) return parsed
      const allowed = authorize(actor, Action.DatabaseLock)
      if (!allowed.ok) return allowed
      const auth = await reauthenticate(ctx, actor, parsed.value.password, 'lock the database')
      if (!auth.ok) return auth
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        // The exclusive study lock waits for every writer in flight (they hold it shared) and holds off new ones.
        const state = await studyState(ctx, tx, 'update')
        if (!state.ok) return state
        if (state.value.row.database_locked_at)
          return fail({ code: ProblemCode.Conflict, path: '', message: 'the database is already locked' })
        const hash = await snapshotHash(tx)
        await updateStudy(tx, state.value.row.id, {
          database_locked_at: at,
          database_locked_by: actor.userId,
          database_lock_hash: hash,
          updated_at: at,
        })
        await audit(ctx, tx, actor, at, [
          {
            kind: AuditKind.DatabaseLocked,
            entityType: 'study',
            entityId: state.value.row.id,
            changes: [
              { field: 'locked', old: false, new: true },
              { field: 'snapshotHash', old: null, new: hash },
            ],
            reason: parsed.value.reason,
          },
        ])
        return ok({ lockedAt: at, snapshotHash: hash })
      })
    },
  }
}
