/**
 * What an importer needs from the services, on both databases: several calls in one all-or-nothing
 * transaction (`inTransaction`), the audited import record written inside it (`reads.recordImport`), and the
 * provenance kept on a form's first version (a reason given with a first save, or with an AE report).
 */
import { expect, it } from 'vitest'
import type { Actor } from '../access/index.ts'
import { fail, ok } from '../domain/index.ts'
import {
  adverseEvent,
  check,
  createStudyFixture,
  demographics,
  describeEachDialect,
  enrolSubject,
  vitals,
  type StudyFixture,
} from '../../test/support/index.ts'

const SHA = 'ab'.repeat(32)

describeEachDialect('import support: one transaction, an import record, provenance on first versions', ({ store }) => {
  let fx: StudyFixture
  let coordinator: Actor
  let subjectId: string

  /** Rows an import may add, and the audit sequence. */
  async function footprint(): Promise<{ subjects: number; versions: number; aes: number; audit: number }> {
    const n = async (t: 'subject' | 'form_version' | 'adverse_event' | 'audit_log') =>
      Number(
        (
          await store()
            .db.selectFrom(t)
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    return {
      subjects: await n('subject'),
      versions: await n('form_version'),
      aes: await n('adverse_event'),
      audit: await n('audit_log'),
    }
  }

  it('inTransaction commits every call together; a failed call inside leaves nothing of its own', async () => {
    fx = await createStudyFixture(store())
    coordinator = fx.actors.coordinator
    subjectId = await enrolSubject(fx, coordinator, 'MAL')
    const before = await footprint()
    const done = await fx.services.inTransaction(async (s) => {
      const screened = await s.subjects.screen(coordinator, { siteId: 'MAL', screeningDate: '2026-01-12' })
      if (!screened.ok) return screened
      // Invalid: refused, and its own writes (none should survive) roll back to its savepoint.
      const bad = await s.forms.save(coordinator, {
        subjectId: screened.value.id,
        visitId: 'SCR',
        formId: 'VITALS',
        values: { ...vitals(), weight: 400 },
      })
      expect(bad.ok).toBe(false)
      const good = await s.forms.save(coordinator, {
        subjectId: screened.value.id,
        visitId: 'SCR',
        formId: 'VITALS',
        values: vitals(),
      })
      if (!good.ok) return good
      // Reads inside see the transaction's own writes.
      const seen = await s.forms.listForSubject(coordinator, screened.value.id)
      return seen.ok ? ok(seen.value.map((f) => [f.formId, f.version])) : seen
    })
    expect(done).toEqual({ ok: true, value: [['VITALS', 1]] })
    expect(await footprint()).toEqual({
      ...before,
      subjects: before.subjects + 1,
      versions: before.versions + 1,
      audit: before.audit + 2,
    })

    const again = await footprint()
    const rolledBack = await fx.services.inTransaction(async (s) => {
      const screened = await s.subjects.screen(coordinator, { siteId: 'MAL', screeningDate: '2026-01-12' })
      if (!screened.ok) return screened
      check(await s.forms.save(coordinator, { subjectId, visitId: 'SCR', formId: 'DEMOG', values: demographics() }))
      return fail({ code: 'conflict', path: '', message: 'the file fails further on' })
    })
    expect(rolledBack.ok).toBe(false)
    expect(await footprint()).toEqual(again)
  })

  it('recordImport writes import.loaded with the data, inside the transaction, or not at all', async () => {
    const record = { source: 'site-a.xml', sha256: SHA, format: 'CDISC ODM 1.3.2', counts: { formVersions: 1 } }
    const importKinds = async () =>
      (await store().db.selectFrom('audit_log').select('kind').where('kind', '=', 'import.loaded').execute()).length
    const rolledBack = await fx.services.inTransaction(async (s) => {
      check(
        await s.forms.save(coordinator, {
          subjectId,
          visitId: 'SCR',
          formId: 'SPIRO',
          values: { fvc_pct: 80, fvc_l: 3.2 },
        }),
      )
      check(await s.reads.recordImport(coordinator, record))
      return fail({ code: 'invalid', path: '', message: 'later problem' })
    })
    expect(rolledBack.ok).toBe(false)
    expect(await importKinds()).toBe(0)

    check(
      await fx.services.inTransaction(async (s) => {
        check(
          await s.forms.save(coordinator, {
            subjectId,
            visitId: 'SCR',
            formId: 'SPIRO',
            values: { fvc_pct: 80, fvc_l: 3.2 },
          }),
        )
        return s.reads.recordImport(coordinator, record)
      }),
    )
    const trail = check(await fx.services.reads.auditTrail(fx.actors.admin, { kind: 'import.loaded' }))
    expect(trail.items).toHaveLength(1)
    expect(trail.items[0]).toMatchObject({ username: 'coordinator', entityType: 'study' })
    expect(trail.items[0]?.changes).toEqual([
      { field: 'source', old: null, new: 'site-a.xml' },
      { field: 'format', old: null, new: 'CDISC ODM 1.3.2' },
      { field: 'sha256', old: null, new: SHA },
      { field: 'counts.formVersions', old: null, new: 1 },
    ])
    const sponsor = await fx.services.reads.recordImport(fx.actors.sponsor, record)
    expect(sponsor.ok ? null : sponsor.problems[0]?.code).toBe('forbidden')
    const badHash = await fx.services.reads.recordImport(coordinator, { ...record, sha256: 'xyz' })
    expect(badHash.ok ? null : badHash.problems[0]?.path).toBe('sha256')
  })

  it('a first version keeps the reason given with it (form save and AE report); none given, none kept', async () => {
    const provenance = 'Imported from site-a.xml; originally saved by Dr A at 2025-12-01T10:00:00Z'
    const first = check(
      await fx.services.forms.save(coordinator, {
        subjectId,
        visitId: 'SCR',
        formId: 'CONMED',
        values: { riluzole: false, niv: false, gastrostomy: false },
        reason: provenance,
      }),
    ).form
    expect(first).toMatchObject({ version: 1, reason: provenance })
    const blank = check(
      await fx.services.forms.save(coordinator, {
        subjectId,
        visitId: 'SCR',
        formId: 'ALSFRS',
        values: { Q1: 4, Q2: 4, Q3: 4, Q4: 4, Q5A: 4, Q6: 4, Q7: 4, Q8: 4, Q9: 4, Q10: 4, Q11: 4, Q12: 4 },
        reason: '  ',
      }),
    ).form
    expect(blank.reason).toBeNull()
    const ae = check(
      await fx.services.safety.report(fx.actors.investigator, subjectId, {
        values: adverseEvent(),
        reason: provenance,
      }),
    )
    const full = check(await fx.services.safety.get(fx.actors.investigator, ae.id))
    expect(full.versions.map((v) => [v.version, v.reason])).toEqual([[1, provenance]])
    const trail = check(await fx.services.reads.auditTrail(fx.actors.admin, { entityId: first.id }))
    expect(trail.items.map((i) => [i.kind, i.reason])).toEqual([['form.saved', provenance]])
  })
})
