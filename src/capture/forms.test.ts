import { sql } from 'kysely'
import { expect, it } from 'vitest'
import type { Actor } from '../access/index.ts'
import {
  check,
  conmed,
  createStudyFixture,
  describeEachDialect,
  enrolSubject,
  referenceProtocol,
  TEST_PASSWORD,
  vitals,
  type StudyFixture,
} from '../../test/support/index.ts'

describeEachDialect('forms: versions, reasons, queries, review and locks', ({ dialect, store }) => {
  let fx: StudyFixture
  let subjectId: string
  let coordinator: Actor, monitor: Actor, investigator: Actor, dataManager: Actor
  const TABLES = ['form_state', 'form_version', 'data_query', 'query_message', 'audit_log'] as const
  const counts = async (): Promise<Record<(typeof TABLES)[number], number>> => {
    const out = { form_state: 0, form_version: 0, data_query: 0, query_message: 0, audit_log: 0 }
    for (const t of TABLES) {
      const row = await store()
        .db.selectFrom(t)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
      out[t] = Number(row.n)
    }
    return out
  }

  it('a save that fails midway (the audit insert) leaves nothing written', async () => {
    fx = await createStudyFixture(store())
    ;({ coordinator, monitor, investigator } = fx.actors)
    dataManager = fx.actors['data-manager']
    subjectId = await enrolSubject(fx, coordinator, 'MAL')
    const before = await counts()
    if (dialect === 'sqlite') {
      await sql`create trigger fail_form_audit before insert on audit_log when new.kind = 'form.saved' begin select raise(abort, 'injected failure'); end`.execute(
        store().db,
      )
    } else {
      await sql`create function fail_form_audit() returns trigger as $$ begin if new.kind = 'form.saved' then raise exception 'injected failure'; end if; return new; end $$ language plpgsql`.execute(
        store().db,
      )
      await sql`create trigger fail_form_audit before insert on audit_log for each row execute function fail_form_audit()`.execute(
        store().db,
      )
    }
    // A soft-range hit: the save would also raise an automatic query.
    await expect(
      fx.services.forms.save(coordinator, {
        subjectId,
        visitId: 'SCR',
        formId: 'CONMED',
        values: { ...conmed(), riluzole_dose: 50 },
      }),
    ).rejects.toThrow(/injected failure/)
    expect(await counts()).toEqual(before)
    await sql`drop trigger fail_form_audit${dialect === 'postgres' ? sql` on audit_log` : sql``}`.execute(store().db)
    const saved = check(
      await fx.services.forms.save(coordinator, {
        subjectId,
        visitId: 'SCR',
        formId: 'CONMED',
        values: { ...conmed(), riluzole_dose: 50 },
      }),
    )
    expect(saved.queriesRaised).toEqual([
      {
        itemId: 'riluzole_dose',
        checkId: 'soft-range',
        message: '50 mg/day is not the expected 100 mg/day: please confirm',
      },
    ])
    const after = await counts()
    expect(after).toEqual({
      form_state: before.form_state + 1,
      form_version: before.form_version + 1,
      data_query: before.data_query + 1,
      query_message: before.query_message + 1,
      audit_log: before.audit_log + 2,
    })
  })

  it('validates against the instrument definition and names the item', async () => {
    const bad = await fx.services.forms.save(coordinator, {
      subjectId,
      visitId: 'SCR',
      formId: 'VITALS',
      values: { ...vitals(), weight: 400, hr: undefined },
    })
    expect(bad.ok ? [] : bad.problems.map((p) => `${p.code} ${p.path}`).sort()).toEqual([
      'out_of_range items.weight',
      'required items.hr',
    ])
    const wrongVisit = await fx.services.forms.save(coordinator, {
      subjectId,
      visitId: 'M1',
      formId: 'DEMOG',
      values: {},
    })
    expect(wrongVisit.ok ? null : wrongVisit.problems[0]).toMatchObject({ code: 'invalid', path: 'visitId' })
  })

  it('a blinded coordinator saves the INFUSION form by hand: the unblinded-only doses are not required of them', async () => {
    const byHand = {
      start: '2026-01-15T09:00:00.000Z',
      end: '2026-01-15T09:30:00.000Z',
      volume_given_ml: 50,
      completed: true,
      reaction: false,
    }
    const saved = check(
      await fx.services.forms.save(coordinator, { subjectId, visitId: 'INF1', formId: 'INFUSION', values: byHand }),
    )
    expect(saved.form).toMatchObject({ version: 1, values: byHand, derived: {} })
    expect(saved.queriesRaised).toEqual([])
    // The visible items stay required.
    const partial = await fx.services.forms.save(coordinator, {
      subjectId,
      visitId: 'INF1',
      formId: 'INFUSION',
      values: { ...byHand, reaction: undefined },
      reason: 'reaction field cleared',
    })
    expect(partial.ok ? null : partial.problems.map((p) => `${p.code} ${p.path}`)).toEqual(['required items.reaction'])
  })

  it('requires a reason for every change after first entry and keeps every version', async () => {
    const first = check(
      await fx.services.forms.save(coordinator, { subjectId, visitId: 'SCR', formId: 'VITALS', values: vitals(70) }),
    ).form
    const noReason = await fx.services.forms.save(coordinator, {
      subjectId,
      visitId: 'SCR',
      formId: 'VITALS',
      values: vitals(71),
    })
    expect(noReason.ok ? null : noReason.problems).toEqual([
      { code: 'reason_required', path: 'reason', message: 'a reason is required to change data already entered' },
    ])
    const second = check(
      await fx.services.forms.save(coordinator, {
        subjectId,
        visitId: 'SCR',
        formId: 'VITALS',
        values: vitals(71),
        reason: 'transcription error',
      }),
    ).form
    expect(second).toMatchObject({ id: first.id, version: 2, reason: 'transcription error', values: { weight: 71 } })
    expect(second.derived['pulse_pressure']).toBe(124 - 78)
    const history = check(await fx.services.forms.history(monitor, first.id))
    expect(history.map((v) => [v.version, v.values['weight'], v.reason])).toEqual([
      [1, 70, null],
      [2, 71, 'transcription error'],
    ])
    const field = check(await fx.services.forms.fieldHistory(monitor, first.id, 'weight'))
    expect(field.map((f) => f.value)).toEqual([70, 71])
    const trail = check(await fx.services.reads.auditTrail(monitor, { entityId: first.id }))
    expect(trail.items.map((i) => [i.kind, i.reason, i.changes.find((c) => c.field === 'weight')])).toEqual([
      ['form.saved', 'transcription error', { field: 'weight', old: 70, new: 71 }],
      ['form.saved', null, { field: 'weight', old: null, new: 70 }],
    ])
    const removed = check(
      await fx.services.forms.remove(coordinator, first.id, { reason: 'entered for the wrong subject' }),
    )
    expect(removed).toMatchObject({ status: 'deleted', version: 3, values: {} })
    expect(check(await fx.services.forms.history(monitor, first.id))).toHaveLength(3)
  })

  it('closes an automatic query when corrected data no longer trigger it; manual queries go open → answered → closed → reopened', async () => {
    const form = check(await fx.services.forms.listForSubject(monitor, subjectId)).find((f) => f.formId === 'CONMED')
    if (!form) throw new Error('no CONMED')
    const fixed = check(
      await fx.services.forms.save(coordinator, {
        subjectId,
        visitId: 'SCR',
        formId: 'CONMED',
        values: conmed(),
        reason: 'dose confirmed as 100 mg/day',
      }),
    )
    expect(fixed).toMatchObject({ queriesRaised: [], queriesClosed: 1 })
    const auto = check(await fx.services.queries.list(monitor, { formId: form.id }))
    expect(auto.items.map((q) => [q.origin, q.checkId, q.status, q.messages.map((m) => m.action)])).toEqual([
      ['auto', 'soft-range', 'closed', ['raise', 'close']],
    ])

    const q = check(
      await fx.services.queries.raise(monitor, {
        subjectId,
        formId: form.id,
        itemId: 'riluzole_start',
        text: 'Please check the start date against the prescription.',
      }),
    )
    expect(q).toMatchObject({ status: 'open', origin: 'manual', itemId: 'riluzole_start' })
    const siteCannotClose = await fx.services.queries.close(coordinator, q.id)
    expect(siteCannotClose.ok ? null : siteCannotClose.problems[0]?.code).toBe('forbidden')
    expect(
      check(await fx.services.queries.answer(coordinator, q.id, { text: 'Confirmed from the prescription.' })).status,
    ).toBe('answered')
    expect(check(await fx.services.queries.close(monitor, q.id, { text: 'Thanks.' })).status).toBe('closed')
    const reopened = check(await fx.services.queries.reopen(monitor, q.id, { text: 'Source shows another date.' }))
    expect(reopened.messages.map((m) => `${m.action}:${m.role}`)).toEqual([
      'raise:monitor',
      'answer:coordinator',
      'close:monitor',
      'reopen:monitor',
    ])
    const otherSite = await fx.services.queries.answer(fx.actors.coordinatorCOR, q.id, { text: 'x' })
    expect(otherSite.ok ? null : otherSite.problems[0]?.code).toBe('not_found')
    const open = check(await fx.services.queries.list(coordinator, { status: ['open'] }))
    expect(open.items.map((i) => i.id)).toEqual([q.id])
  })

  it('SDV and the investigator signature mark a version; a later change makes them stale; signing needs the password', async () => {
    const form = check(await fx.services.forms.listForSubject(monitor, subjectId)).find((f) => f.formId === 'CONMED')
    if (!form) throw new Error('no CONMED')
    expect(check(await fx.services.review.verifyForm(monitor, form.id)).verified).toMatchObject({
      version: form.version,
      current: true,
    })
    const coordinatorCannot = await fx.services.review.verifyForm(coordinator, form.id)
    expect(coordinatorCannot.ok ? null : coordinatorCannot.problems[0]?.code).toBe('forbidden')
    const wrong = await fx.services.review.signForm(investigator, form.id, { password: 'not my password' })
    expect(wrong.ok ? null : wrong.problems[0]).toMatchObject({ code: 'unauthenticated', path: 'password' })
    const failed = check(await fx.services.reads.auditTrail(fx.actors.admin, { kind: 'auth.login_failed' }))
    expect(failed.items[0]).toMatchObject({ username: 'investigator', reason: 're-authentication failed' })
    const signed = check(await fx.services.review.signForm(investigator, form.id, { password: TEST_PASSWORD }))
    expect(signed.signed).toMatchObject({ version: form.version, current: true })
    const changed = check(
      await fx.services.forms.save(coordinator, {
        subjectId,
        visitId: 'SCR',
        formId: 'CONMED',
        values: { ...conmed(), niv: true },
        reason: 'NIV started',
      }),
    ).form
    expect(changed.verified?.current).toBe(false)
    expect(changed.signed?.current).toBe(false)
  })

  it('the extraction names who saved each current version, its sign-offs, and (when asked) every version', async () => {
    const plain = check(await fx.services.extractStudy(dataManager))
    const full = check(await fx.services.extractStudy(dataManager, { history: true }))
    expect(full.contentHash).toBe(plain.contentHash)
    expect(plain.forms.every((f) => f.history === undefined)).toBe(true)
    const view = check(await fx.services.forms.listForSubject(monitor, subjectId)).find((f) => f.formId === 'CONMED')
    const form = full.forms.find((f) => f.subjectId === subjectId && f.formId === 'CONMED')
    if (!view || !form) throw new Error('no CONMED')
    expect(form).toMatchObject({
      id: view.id,
      version: view.version,
      savedBy: coordinator.userId,
      savedRole: 'coordinator',
      reason: 'NIV started',
      firstSavedAt: view.firstSavedAt,
      verified: { version: view.verified?.version, at: view.verified?.at, by: monitor.userId },
      signed: { version: view.signed?.version, at: view.signed?.at, by: investigator.userId },
    })
    expect(form.verified?.version).toBeLessThan(form.version)
    expect(form.history).toEqual(check(await fx.services.forms.history(monitor, view.id)))
    expect(form.history?.map((v) => v.reason)).toEqual([null, 'dose confirmed as 100 mg/day', 'NIV started'])
    const trail = check(await fx.services.reads.auditTrail(fx.actors.admin, { kind: 'export.written', limit: 1 }))
    expect(trail.items[0]?.changes).toContainEqual({ field: 'history', old: null, new: true })
  })

  it('a locked form, a locked casebook and a locked database refuse changes with `locked`', async () => {
    const form = check(await fx.services.forms.listForSubject(monitor, subjectId)).find((f) => f.formId === 'CONMED')
    if (!form) throw new Error('no CONMED')
    check(await fx.services.review.lockForm(dataManager, form.id))
    const refused = await fx.services.forms.save(coordinator, {
      subjectId,
      visitId: 'SCR',
      formId: 'CONMED',
      values: conmed(),
      reason: 'x',
    })
    expect(refused.ok ? null : refused.problems[0]).toMatchObject({ code: 'locked', path: 'formId' })
    check(await fx.services.review.unlockForm(dataManager, form.id, { reason: 'query resolution needs a correction' }))
    check(
      await fx.services.forms.save(coordinator, {
        subjectId,
        visitId: 'SCR',
        formId: 'CONMED',
        values: conmed(),
        reason: 'correction after unlock',
      }),
    )

    check(await fx.services.review.signSubject(investigator, subjectId, { password: TEST_PASSWORD }))
    check(await fx.services.review.lockSubject(dataManager, subjectId))
    for (const attempt of [
      fx.services.forms.save(coordinator, {
        subjectId,
        visitId: 'SCR',
        formId: 'SPIRO',
        values: { fvc_pct: 80, fvc_l: 3.2 },
      }),
      fx.services.visits.record(coordinator, subjectId, 'SCR', { date: '2026-01-12', reason: 'x' }),
    ]) {
      const r = await attempt
      expect(r.ok ? null : r.problems[0]?.code).toBe('locked')
    }

    const other = await enrolSubject(fx, coordinator, 'MAL')
    const unexplained = await fx.services.review.lockDatabase(dataManager, { password: TEST_PASSWORD, reason: ' ' })
    expect(unexplained.ok ? null : unexplained.problems).toEqual([
      { code: 'invalid', path: 'reason', message: 'a reason is required for this irreversible action' },
    ])
    const wrong = await fx.services.review.lockDatabase(dataManager, { password: 'nope', reason: 'final analysis' })
    expect(wrong.ok ? null : wrong.problems[0]?.code).toBe('unauthenticated')
    expect(check(await fx.services.study.summary(dataManager)).databaseLockReason).toBeNull()
    const locked = check(
      await fx.services.review.lockDatabase(dataManager, { password: TEST_PASSWORD, reason: 'Last patient out' }),
    )
    expect(locked.snapshotHash).toMatch(/^[0-9a-f]{64}$/)
    expect(check(await fx.services.study.summary(dataManager)).databaseLockReason).toBe('Last patient out')
    const record = check(await fx.services.reads.auditTrail(dataManager, { kind: 'database.locked' }))
    expect(record.items.map((r) => r.reason)).toEqual(['Last patient out'])
    for (const attempt of [
      fx.services.forms.save(coordinator, {
        subjectId: other,
        visitId: 'SCR',
        formId: 'SPIRO',
        values: { fvc_pct: 80, fvc_l: 3.2 },
      }),
      fx.services.subjects.screen(coordinator, { siteId: 'MAL', screeningDate: '2026-02-01' }),
      fx.services.subjects.randomize(investigator, other),
    ]) {
      const r = await attempt
      expect(r.ok ? null : r.problems[0]?.code).toBe('locked')
    }
    // The snapshot hash is what an unblinded extract of the locked database hashes to.
    const extract = check(await fx.services.extractStudy(fx.actors['independent-statistician']))
    expect(extract).toMatchObject({
      blinded: false,
      contentHash: locked.snapshotHash,
      study: { snapshotHash: locked.snapshotHash },
    })
  })

  it('an amendment is a new protocol version; data keep the version they were entered on', async () => {
    const amended = referenceProtocol((raw) => {
      ;(raw['study'] as { version: string }).version = '1.1'
    })
    const v2 = fx.withProtocol(amended)
    const summary = check(await v2.study.setup(fx.actors.admin))
    expect(summary.versions.map((v) => [v.ordinal, v.label])).toEqual([
      [1, '1.0'],
      [2, '1.1'],
    ])
    expect(summary.protocol.label).toBe('1.1')
    const back = await fx.services.study.setup(fx.actors.admin)
    expect(back.ok ? null : back.problems[0]?.code).toBe('conflict')
    const extract = check(await v2.extractStudy(fx.actors.sponsor))
    const ids = new Set(extract.forms.map((f) => f.protocolVersionId))
    expect(ids).toEqual(new Set([extract.study.protocolVersions[0]?.id]))
    expect(extract.study.protocolHash).toBe(amended.hash)
  })
})
