import { z } from 'zod'
import { Action, authorize, type Actor } from '../access/index.ts'
import { AuditKind } from '../audit/index.ts'
import { ok, type Result } from '../domain/index.ts'
import {
  requestEmergencyUnblinding,
  requestEndOfStudyUnblinding,
  type UnblindedSubjectAllocation,
  type UnblindingNotification,
} from '../randomization/index.ts'
import { insertNotification, listSubjectPeriods, updateStudy, updateSubject, type Conn } from '../store/index.ts'
import { allocationRecord } from './allocation.ts'
import { audit, IrreversibleReason, parse, studyState, subjectFor, type Ctx } from './context.ts'
import { reauthenticate } from './user-service.ts'

const Emergency = z.strictObject({ reason: z.string(), password: z.string().min(1) })

export interface UnblindingService {
  /**
   * Emergency unblinding of one patient by the investigator (unblind.emergency): password re-entry, reason
   * required, audited without the arm, the patient flagged, the sponsor and the independent statistician
   * notified. The arm is in this response only.
   */
  emergency(
    actor: Actor,
    subjectId: string,
    input: { reason: string; password: string },
  ): Promise<Result<UnblindedSubjectAllocation>>
  /**
   * End-of-study unblinding by the independent statistician, only after database lock (unblind.study): password
   * re-entry, reason required (kept in the audit record).
   */
  endOfStudy(
    actor: Actor,
    input: { password: string; reason: string },
  ): Promise<Result<{ readonly unblindedAt: string }>>
}

export function unblindingService(ctx: Ctx): UnblindingService {
  async function notify(
    tx: Conn,
    n: UnblindingNotification,
    at: string,
    subject: { id: string; site_id: string } | null,
  ): Promise<void> {
    for (const role of n.recipients) {
      await insertNotification(tx, {
        id: ctx.newId(),
        created_at: at,
        kind: 'unblinding',
        recipient_role: role,
        subject_id: subject?.id ?? null,
        site_id: subject?.site_id ?? null,
        message: `${n.subject}: ${n.body}`,
        read_at: null,
        read_by: null,
      })
    }
  }

  return {
    async emergency(actor, subjectId, input) {
      const parsed = parse(Emergency, input)
      if (!parsed.ok) return parsed
      const allowed = authorize(actor, Action.UnblindEmergency)
      if (!allowed.ok) return allowed
      const auth = await reauthenticate(ctx, actor, parsed.value.password, `emergency unblinding of ${subjectId}`)
      if (!auth.ok) return auth
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'share')
        if (!state.ok) return state
        const subject = await subjectFor(tx, actor, Action.UnblindEmergency, subjectId, true)
        if (!subject.ok) return subject
        const record = allocationRecord(ctx, subject.value, await listSubjectPeriods(tx, subjectId))
        const event = requestEmergencyUnblinding(ctx.protocol, {
          actor,
          record,
          reason: parsed.value.reason,
          at,
          phase: state.value.phase,
        })
        if (!event.ok) return event
        await updateSubject(tx, subjectId, {
          emergency_unblinded_at: at,
          emergency_unblinded_by: actor.userId,
          updated_at: at,
        })
        await notify(tx, event.value.notification, at, subject.value)
        await audit(ctx, tx, actor, at, [
          {
            kind: AuditKind.UnblindEmergency,
            entityType: 'subject',
            entityId: subjectId,
            subjectId,
            siteId: subject.value.site_id,
            changes: [{ field: 'emergencyUnblinded', old: subject.value.emergency_unblinded_at !== null, new: true }],
            reason: event.value.audit.reason,
          },
        ])
        return ok(event.value.disclosure)
      })
    },

    async endOfStudy(actor, input) {
      const parsed = parse(z.strictObject({ password: z.string().min(1), reason: IrreversibleReason }), input)
      if (!parsed.ok) return parsed
      const allowed = authorize(actor, Action.UnblindStudy)
      if (!allowed.ok) return allowed
      const auth = await reauthenticate(ctx, actor, parsed.value.password, 'end-of-study unblinding')
      if (!auth.ok) return auth
      const at = ctx.clock.now()
      return ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'update')
        if (!state.ok) return state
        const event = requestEndOfStudyUnblinding(ctx.protocol, { actor, phase: state.value.phase, at })
        if (!event.ok) return event
        await updateStudy(tx, state.value.row.id, { unblinded_at: at, unblinded_by: actor.userId, updated_at: at })
        await notify(tx, event.value.notification, at, null)
        await audit(ctx, tx, actor, at, [
          {
            kind: AuditKind.UnblindStudy,
            entityType: 'study',
            entityId: state.value.row.id,
            changes: [{ field: 'blinded', old: true, new: false }],
            reason: parsed.value.reason,
          },
        ])
        return ok({ unblindedAt: at })
      })
    },
  }
}
