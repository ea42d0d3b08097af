/**
 * Data exports and the live analysis report over HTTP: each export is recorded in the audit trail with the hash
 * of what was sent before it is sent, an unblinded one is refused to a reader without `export.unblinded` before
 * anything is extracted, the ODM file reads back; the report is computed from the reader's extraction, kept
 * while the audit trail does not move, recomputed when the data change, and unblinded for every reader once the
 * study is unblinded at its end.
 */
import { createHash } from 'node:crypto'
import { expect, it } from 'vitest'
import { readOdm } from '../../src/interop/index.ts'
import { readAuditHead } from '../../src/store/index.ts'
import { Role } from '../../src/domain/index.ts'
import { check, describeEachDialect, TEST_PASSWORD } from '../support/index.ts'
import { createApiFixture, type ApiClient, type ApiError, type ApiFixture } from './api-fixture.ts'
import { roomyProtocol, World } from './route-scenarios.ts'

interface Bundle {
  readonly format: string
  readonly blinded: boolean
  readonly subjects: number
  readonly contentHash: string
  readonly files: Record<string, string>
}

interface AuditRecord {
  readonly seq: number
  readonly kind: string
  readonly changes: readonly { readonly field: string; readonly new: unknown }[]
}

/** The export's hash as documented: name, NUL, content, NUL for each file in name order. */
function filesHash(files: Record<string, string>): string {
  const h = createHash('sha256')
  for (const name of Object.keys(files).sort()) h.update(`${name}\u0000${files[name] ?? ''}\u0000`)
  return h.digest('hex')
}

describeEachDialect('api: exports and the live report', ({ store }) => {
  let f: ApiFixture
  let w: World
  let dataManager: ApiClient
  let statistician: ApiClient

  /** The export records (`export.written`) after `seq`, oldest first, as `field → new value`. */
  async function exportRecordsAfter(seq: number): Promise<Record<string, unknown>[]> {
    const page = await dataManager.get<{ items: AuditRecord[] }>('/api/audit?kind=export.written&limit=50')
    return page.body.items
      .filter((r) => r.seq > seq)
      .reverse()
      .map((r) => Object.fromEntries(r.changes.map((c) => [c.field, c.new])))
  }
  const head = async () => (await readAuditHead(store())).seq

  it('sets up a study with randomized patients', async () => {
    f = await createApiFixture(store(), {}, { protocol: roomyProtocol() })
    w = new World(f)
    for (let i = 0; i < 4; i++) await w.randomized()
    dataManager = await f.signIn(Role.DataManager)
    statistician = await f.signIn(Role.Statistician)
  })

  it('records every export with the hash of the files sent, after the extraction it was built from', async () => {
    for (const name of ['sdtm', 'r', 'redcap-data']) {
      const before = await head()
      const res = await dataManager.get<Bundle>(`/api/exports/${name}`)
      expect(res.status, name).toBe(200)
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="ADMSC-ALS-${name}-blinded.json"`)
      expect(res.body.blinded).toBe(true)
      expect(res.body.subjects).toBe(4)
      expect(res.body.contentHash).toBe(filesHash(res.body.files))
      const [extraction, written] = await exportRecordsAfter(before)
      expect(extraction).toMatchObject({ export: 'study-extract', blinded: true })
      expect(written).toMatchObject({
        export: res.body.format,
        blinded: true,
        contentHash: res.body.contentHash,
        records: 4,
        destination: 'HTTP download (API)',
      })
    }
    const before = await head()
    const odm = await statistician.get<string>('/api/exports/odm?blinded=false&fileType=transactional')
    expect(odm.status).toBe(200)
    expect(odm.headers.get('content-type')).toBe('application/xml; charset=utf-8')
    expect(odm.headers.get('content-disposition')).toContain('ADMSC-ALS-odm-transactional-unblinded.xml')
    expect(odm.body).toContain('FileType="Transactional"')
    expect(odm.body).toContain('<AuditRecord')
    const [, written] = await exportRecordsAfter(before)
    expect(written).toMatchObject({
      export: 'odm',
      format: 'CDISC ODM 1.3.2 Transactional',
      blinded: false,
      contentHash: filesHash({ 'study.xml': odm.body }),
    })
    const read = check(await readOdm([odm.body]))
    expect(read.counts.subjects).toBe(4)
  })

  it('refuses an unblinded export to a reader without export.unblinded before extracting anything', async () => {
    const before = await head()
    for (const path of ['/api/exports/odm?blinded=false', '/api/exports/sdtm?blinded=false']) {
      const res = await dataManager.get<ApiError>(path)
      expect([res.status, res.body.error.code, res.body.error.field], path).toEqual([403, 'forbidden', 'query.blinded'])
    }
    expect(await head()).toBe(before)
  })

  it('keeps the report while the audit trail does not move, and recomputes it when the data change', async () => {
    const first = await dataManager.get<string>('/api/report/results.json')
    expect(first.status).toBe(200)
    expect(first.headers.get('content-disposition')).toMatch(/ADMSC-ALS-report-blinded-\d{4}-\d{2}-\d{2}\.json/)
    const seq = await head()
    const again = await (await f.signIn(Role.Sponsor)).get<string>('/api/report/results.json')
    // The sign-in moved the head: computed again (one more extraction), with the same data.
    expect(await head()).toBe(seq + 2)
    expect(again.body).toEqual(first.body)
    const kept = await head()
    const third = await dataManager.get<string>('/api/report/results.json')
    const html = await dataManager.get<string>('/api/report/html')
    expect(await head()).toBe(kept)
    expect(third.body).toEqual(first.body)
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(html.body).toMatch(/^<!doctype html>/)

    await w.randomized()
    const changed = await dataManager.get('/api/report/results.json')
    expect(await head()).toBeGreaterThan(kept)
    expect(changed.body).not.toEqual(first.body)
    const count = (r: unknown) => (r as { provenance: { datasetsHash: string } }).provenance.datasetsHash
    expect(count(changed.body)).not.toBe(count(first.body))
  })

  it('refuses the report to the investigator (no extraction permission), writing nothing', async () => {
    const investigator = await f.signIn(Role.Investigator)
    const before = await head()
    const res = await investigator.get<ApiError>('/api/report/results.json')
    expect([res.status, res.body.error.code]).toEqual([403, 'forbidden'])
    expect(await head()).toBe(before)
  })

  it('gives every reader the report by arm once the study is unblinded at its end', async () => {
    const sponsor = await f.signIn(Role.Sponsor)
    const blind = await sponsor.get<{ provenance: { blinded: boolean } }>('/api/report/results.json')
    expect(blind.body.provenance.blinded).toBe(true)
    check(
      await f.fx.services.review.lockDatabase(f.fx.actors['data-manager'], {
        password: TEST_PASSWORD,
        reason: 'final analysis',
      }),
    )
    check(
      await f.fx.services.unblinding.endOfStudy(f.fx.actors[Role.Statistician], {
        password: TEST_PASSWORD,
        reason: 'SAP final',
      }),
    )
    const open = await sponsor.get<{ provenance: { blinded: boolean; snapshotHash: string | null } }>(
      '/api/report/results.json',
    )
    expect(open.status).toBe(200)
    expect(open.body.provenance.blinded).toBe(false)
    expect(open.body.provenance.snapshotHash).toMatch(/^[0-9a-f]{64}$/)
    // Exports stay blinded unless asked, and only export.unblinded may ask.
    const exported = await sponsor.get<Bundle>('/api/exports/r')
    expect(exported.body.blinded).toBe(true)
    expect((await sponsor.get('/api/exports/r?blinded=false')).status).toBe(403)
  })
})
