/**
 * The demo end to end on the real databases: a reduced trial (12 patients, data cut at 14 months) through the
 * services on SQLite, whose report must tell the same story as the events the demo made happen; the audit chain
 * must verify with one record per form version; the blinded extraction must carry no arm; the same seed must give
 * the same report and audit chain (on SQLite and on PostgreSQL), another seed a different one.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyAuditChain } from '../../audit/index.ts'
import { AnalysisResults, UNCODED_SOC } from '../../analysis/index.ts'
import { fastTestHasher } from '../../platform/index.ts'
import type { Store } from '../../store/index.ts'
import { DIALECTS, referenceProtocol, type TestDatabase } from '../../../test/support/index.ts'
import { runDemo, type DemoResult, type DemoRunOptions } from './index.ts'

const protocol = referenceProtocol()
const ARMS = protocol.protocol.arms.map((a) => a.id)
const sqlite = DIALECTS.find((d) => d.name === 'sqlite')
const postgres = DIALECTS.find((d) => d.name === 'postgres')
if (!sqlite || !postgres) throw new Error('test/support has no sqlite or postgres dialect')

const base = (store: Store, extra: Partial<DemoRunOptions> = {}): DemoRunOptions => ({
  store,
  protocol,
  software: { name: 'TrialDesk', version: 'test' },
  chromium: false,
  passwords: fastTestHasher,
  verifyAudit: verifyAuditChain,
  ...extra,
})

async function demoOn(db: TestDatabase, extra: Partial<DemoRunOptions>): Promise<DemoResult> {
  const result = await runDemo(base(db.store, extra))
  if (!result.ok) throw new Error(JSON.stringify(result.problems))
  return result.value
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0)
const counts = (list: readonly { reason: string | null; n: number }[]): Record<string, number> =>
  Object.fromEntries(list.map((r) => [r.reason ?? '', r.n]))

describe('sqlite: the reduced demo (12 patients, 14 months)', () => {
  let db: TestDatabase
  let demo: DemoResult
  let results: AnalysisResults
  const out = mkdtempSync(join(tmpdir(), 'trialdesk-demo-'))

  beforeAll(async () => {
    db = await sqlite.open()
    demo = await demoOn(db, { seed: 28, patients: 12, months: 14, outDir: out })
    results = AnalysisResults.parse(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')))
  }, 120_000)
  afterAll(async () => {
    await db.dispose()
    rmSync(out, { recursive: true, force: true })
  })

  it('writes a complete report: HTML with its sections, results.json valid against the schema, the datasets', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8')
    expect(html.startsWith('<!doctype html>')).toBe(true)
    for (const section of ['CONSORT', 'Baseline', 'Adverse', 'ALSFRS-R', 'survival']) expect(html).toContain(section)
    expect(existsSync(join(out, 'datasets', 'adsl.csv'))).toBe(true)
    expect(results.provenance.blinded).toBe(false)
    expect(results.provenance.snapshotHash).toBe(demo.run.snapshotHash)
    expect(results.provenance.dataCutDate).toBe(demo.run.dataCut)
    expect(demo.report.pdfMissing).toBe('PDF not requested')
  })

  it('recruits the patients asked for; the seed gives every kind of event the flow diagram counts', () => {
    const d = demo.run.disposition
    expect(d.randomized).toBe(12)
    expect(Object.keys(d.screenFailureReasons).length).toBeGreaterThanOrEqual(3)
    expect(sum(Object.values(d.releaseFailedByArm))).toBeGreaterThan(0)
    expect(d.deaths).toBeGreaterThan(0)
    expect(d.ventilations).toBeGreaterThan(0)
    expect(sum(Object.values(d.withdrawals))).toBeGreaterThan(0)
    expect(demo.run.counts.formsSaved).toBeGreaterThan(400)
    expect(demo.run.counts.adverseEvents).toBeGreaterThan(10)
    expect(demo.run.counts.formsVerified).toBeGreaterThan(100)
  })

  it('the CONSORT numbers of results.json are the events the demo made happen', () => {
    const d = demo.run.disposition
    const c = results.consort
    expect(c.assessed).toBe(d.screened)
    expect(c.excluded).toBe(d.screenFailures + d.inScreening)
    expect(counts(c.excludedReasons)).toEqual(d.screenFailureReasons)
    expect(c.randomized).toBe(d.randomized)
    const group = (arm: string) => {
      const g = c.groups.find((x) => x.key === arm)
      if (!g) throw new Error(`no CONSORT group ${arm}`)
      return g
    }
    // A death by the data cut counts as the end of participation, also after a withdrawal (vital status).
    for (const arm of ARMS) {
      const g = group(arm)
      expect(g.allocated, arm).toBe(d.randomizedByArm[arm])
      expect(g.infused, arm).toBe(d.infusedByArm[arm])
      expect(g.productFailed, arm).toBe(d.releaseFailedByArm[arm])
      expect(sum(g.periods.map((p) => p.died)), arm).toBe(d.deathsByArm[arm])
      expect(sum(g.periods.map((p) => p.discontinued)), arm).toBe(d.withdrawnAliveByArm[arm])
    }
    // Lots failing release come from the extraction's supply chain (no workaround in the demo).
    expect(results.feasibility.manufacturing.failed).toBe(sum(Object.values(d.releaseFailedByArm)))
    expect(results.feasibility.manufacturing.cellCount.n).toBe(results.feasibility.manufacturing.started)
    const crossover = group(protocol.protocol.endpoints.controlArm).periods[1]
    expect(Object.fromEntries((crossover?.reallocated ?? []).map((r) => [r.to, r.n]))).toEqual(d.reRandomized)
    expect(sum(Object.values(d.reRandomized))).toBeGreaterThan(0)
  })

  it('tabulates adverse events by their MedDRA system organ class, as entered on the AE form', () => {
    const overall = results.safety.windows.find((w) => w.id === 'overall')
    expect(overall?.bySoc.length).toBeGreaterThan(1)
    expect(overall?.bySoc.map((s) => s.soc)).not.toContain(UNCODED_SOC)
    expect(demo.report.datasets.meta.source).not.toContain('system organ class')
    expect(demo.report.html).toContain('fig-ae-soc')
  })

  it('keeps a verified audit chain with one record for every form version saved', async () => {
    expect(demo.audit.verified).toBe(true)
    const versions = await db.store.db.selectFrom('form_version').select(['form_state_id']).execute()
    const records = await db.store.db
      .selectFrom('audit_log')
      .select(['entity_id'])
      .where('kind', 'in', ['form.saved', 'form.deleted'])
      .execute()
    const tally = (ids: readonly string[]) => {
      const m = new Map<string, number>()
      for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1)
      return [...m.entries()].sort()
    }
    expect(tally(records.map((r) => r.entity_id))).toEqual(tally(versions.map((v) => v.form_state_id)))
    expect(versions.length).toBeGreaterThanOrEqual(demo.run.counts.formsSaved)
  })

  it('the blinded extraction taken at lock carries no arm and no dose', () => {
    const blinded = demo.run.blindedExtract
    expect(blinded.blinded).toBe(true)
    for (const s of blinded.subjects)
      for (const p of s.periods) expect(Object.keys(p).sort()).toEqual(['periodId', 'startDate'])
    for (const f of blinded.forms) expect(Object.keys(f.values)).not.toContain('dose_prescribed')
    expect(JSON.stringify(blinded)).not.toMatch(/"(arm|receives)"/)
    expect(demo.run.unblindedExtract.subjects.some((s) => s.periods.some((p) => p.arm !== undefined))).toBe(true)
  })
})

describe('determinism', () => {
  const small = { patients: 4, months: 9 }
  let a: DemoResult
  let b: DemoResult
  let other: DemoResult
  let onPostgres: DemoResult | null = null
  const open: TestDatabase[] = []

  beforeAll(async () => {
    const run = async (dialect: typeof sqlite, seed: number): Promise<DemoResult> => {
      const db = await dialect.open()
      open.push(db)
      return demoOn(db, { seed, ...small })
    }
    a = await run(sqlite, 11)
    b = await run(sqlite, 11)
    other = await run(sqlite, 12)
    if (postgres.runs) onPostgres = await run(postgres, 11)
  }, 120_000)
  afterAll(async () => {
    for (const db of open) await db.dispose()
  })

  it('the same seed gives the same results.json and audit chain head; another seed differs', () => {
    expect(b.report.resultsJson).toBe(a.report.resultsJson)
    expect(b.audit.headHash).toBe(a.audit.headHash)
    expect(b.run.snapshotHash).toBe(a.run.snapshotHash)
    expect(other.report.resultsJson).not.toBe(a.report.resultsJson)
    expect(other.audit.headHash).not.toBe(a.audit.headHash)
  })

  it.skipIf(!postgres.runs)(
    'postgres: the same seed gives the same trial, report and verified audit chain as on SQLite',
    () => {
      if (!onPostgres) throw new Error('the postgres run did not happen')
      expect(onPostgres.audit.verified).toBe(true)
      expect(onPostgres.run.disposition).toEqual(a.run.disposition)
      expect(onPostgres.report.resultsJson).toBe(a.report.resultsJson)
      expect(onPostgres.audit.headHash).toBe(a.audit.headHash)
    },
  )
})
