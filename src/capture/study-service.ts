import { Action, authorize, type Actor } from '../access/index.ts'
import { AuditKind, type AuditEntry } from '../audit/index.ts'
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'
import { canonicalJson } from '../protocol/index.ts'
import { compileScheme, generateList, sealList, type StudyPhase } from '../randomization/index.ts'
import {
  findAuditRows,
  findProtocolVersion,
  findStudy,
  insertProtocolVersion,
  insertRandomizationList,
  insertSite,
  insertStudy,
  listProtocolVersions,
  listRandomizationLists,
  listSites,
  updateSite,
  updateStudy,
  type Conn,
  type SiteTable,
} from '../store/index.ts'
import { audit, phaseOf, studyState, type Ctx } from './context.ts'
import { verifySealCheck } from './seal-check.ts'

export interface ProtocolVersionSummary {
  readonly ordinal: number
  readonly label: string
  readonly hash: string
  readonly loadedAt: string
}

export interface SiteSummary {
  readonly id: string
  readonly name: string
  readonly country: string
  readonly city: string | null
  readonly targetEnrolment: number | null
  readonly active: boolean
}

export interface StudySummary {
  readonly id: string
  readonly title: string
  /** The version new data is captured on. */
  readonly protocol: ProtocolVersionSummary
  readonly versions: readonly ProtocolVersionSummary[]
  readonly sites: readonly SiteSummary[]
  readonly phase: StudyPhase
  /** Published fingerprints (SHA-256 of each period's list): a commitment made at go-live, safe to show anyone. */
  readonly randomizationFingerprints: Readonly<Record<string, string>>
  readonly randomizationLiveAt: string | null
  readonly databaseLockedAt: string | null
  /** SHA-256 of the full-study extract frozen at database lock. */
  readonly databaseLockHash: string | null
  /** Why the database was locked (from the lock's audit record). */
  readonly databaseLockReason: string | null
  readonly unblindedAt: string | null
  /** Why the study was unblinded (from the end-of-study unblinding's audit record). */
  readonly unblindingReason: string | null
}

export interface StudyService {
  /**
   * Creates the study from the services' protocol version, or upgrades it to that version (an amendment: a
   * new immutable protocol version row; data already captured keeps pointing at the version it was entered
   * on). Adds new sites and updates changed ones. Idempotent: loading the same version again changes nothing.
   */
  setup(actor: Actor): Promise<Result<StudySummary>>
  summary(actor: Actor): Promise<Result<StudySummary>>
  /**
   * Randomization go-live: draws a seed per allocating period from the CSPRNG, generates every stratum's list
   * through the randomization module, seals lists and seeds at rest, publishes the fingerprints. Once.
   */
  goLive(actor: Actor): Promise<Result<StudySummary>>
  /**
   * Checks the services' seal key against the one the study was set up with (its stored check value), so that
   * a server or command given another key stops at once instead of failing on the first sealed list. `setup`
   * checks it too. Answers true when there is no study yet (nothing to check). No actor: it reveals nothing.
   */
  verifySealKey(): Promise<Result<true>>
}

export function studyService(ctx: Ctx): StudyService {
  return {
    async setup(actor) {
      const allowed = authorize(actor, Action.StudyManage)
      if (!allowed.ok) return allowed
      const at = ctx.clock.now()
      const { protocol, version } = ctx
      const written = await ctx.store.write(async (tx) => {
        const existing = await findStudy(tx, 'update')
        if (existing && existing.id !== protocol.study.id) {
          const message = `this database holds study ${existing.id}; the protocol is for ${protocol.study.id}`
          return fail({ code: ProblemCode.Conflict, path: 'study.id', message })
        }
        if (existing) {
          const key = await verifySealCheck(ctx, tx, existing)
          if (!key.ok) return key
        }
        const versions = await listProtocolVersions(tx)
        const loaded = versions.find((v) => v.hash === version.hash)
        if (existing && loaded && loaded.id !== existing.protocol_version_id) {
          const message = `protocol version ${loaded.version_label} was superseded by a later amendment; load the current protocol`
          return fail({ code: ProblemCode.Conflict, path: 'study.version', message })
        }
        const entries: AuditEntry[] = []
        let versionId = loaded?.id
        if (!versionId) {
          versionId = ctx.newId()
          await insertProtocolVersion(tx, {
            id: versionId,
            study_id: protocol.study.id,
            ordinal: versions.length + 1,
            version_label: protocol.study.version,
            hash: version.hash,
            content: canonicalJson(protocol),
            source: version.source,
            loaded_at: at,
            loaded_by: actor.userId,
          })
        }
        if (!existing) {
          await insertStudy(tx, {
            id: protocol.study.id,
            title: protocol.study.title,
            protocol_version_id: versionId,
            created_at: at,
            updated_at: at,
            randomization_live_at: null,
            database_locked_at: null,
            database_locked_by: null,
            database_lock_hash: null,
            unblinded_at: null,
            unblinded_by: null,
            seal_check: ctx.sealer.keyCheck,
          })
          entries.push({
            kind: AuditKind.StudyCreated,
            entityType: 'study',
            entityId: protocol.study.id,
            changes: [
              { field: 'protocolVersion', old: null, new: protocol.study.version },
              { field: 'protocolHash', old: null, new: version.hash },
            ],
          })
        } else if (existing.protocol_version_id !== versionId) {
          const previous = await findProtocolVersion(tx, existing.protocol_version_id)
          await updateStudy(tx, existing.id, {
            protocol_version_id: versionId,
            title: protocol.study.title,
            updated_at: at,
          })
          entries.push({
            kind: AuditKind.StudyUpgraded,
            entityType: 'study',
            entityId: existing.id,
            changes: [
              { field: 'protocolVersion', old: previous?.version_label ?? null, new: protocol.study.version },
              { field: 'protocolHash', old: previous?.hash ?? null, new: version.hash },
            ],
          })
        }
        entries.push(...(await syncSites(tx, ctx, at)))
        await audit(ctx, tx, actor, at, entries)
        return ok(versionId)
      })
      if (!written.ok) return written
      ctx.protocolVersionId = written.value
      return summarise(ctx, ctx.store)
    },

    async summary(actor) {
      const allowed = authorize(actor, Action.StudyView)
      if (!allowed.ok) return allowed
      return summarise(ctx, ctx.store)
    },

    async verifySealKey() {
      const study = await findStudy(ctx.store)
      if (!study) return ok(true)
      // Comparing needs no transaction; only a study without its check value yet is written to (once).
      if (study.seal_check !== null) return verifySealCheck(ctx, ctx.store, study)
      return ctx.store.write(async (tx) => verifySealCheck(ctx, tx, (await findStudy(tx, 'update')) ?? study))
    },

    async goLive(actor) {
      const allowed = authorize(actor, Action.StudyManage)
      if (!allowed.ok) return allowed
      const at = ctx.clock.now()
      const written = await ctx.store.write(async (tx) => {
        const state = await studyState(ctx, tx, 'update')
        if (!state.ok) return state
        if (state.value.row.randomization_live_at) {
          return fail({ code: ProblemCode.Conflict, path: '', message: 'randomization is already live' })
        }
        const changes = []
        for (const period of ctx.protocol.periods.filter((p) => p.allocation)) {
          const scheme = compileScheme(ctx.version, period.id)
          if (!scheme.ok) return scheme
          // The seed: 256 bits from the CSPRNG, drawn now and never shown; kept sealed so lists can be extended.
          const seed = ctx.randomBytes(32).toString('hex')
          const listId = ctx.newId()
          let sealed = ''
          let fingerprint = ''
          if (scheme.value.allocation.method !== 'minimisation') {
            const list = generateList(scheme.value, { seed, perStratum: ctx.protocol.study.targetEnrolment })
            if (!list.ok) return list
            const envelope = sealList(list.value, ctx.sealKey, ctx.randomBytes(12))
            sealed = JSON.stringify(envelope)
            fingerprint = envelope.fingerprint
          }
          await insertRandomizationList(
            tx,
            {
              id: listId,
              period_id: period.id,
              sealed_list: sealed,
              fingerprint,
              method: scheme.value.allocation.method,
              seed_sealed: ctx.sealer.seal(seed, `randomization_seed:${period.id}`),
              created_at: at,
              created_by: actor.userId,
            },
            scheme.value.strata,
          )
          changes.push(
            { field: `${period.id}.method`, old: null, new: scheme.value.allocation.method },
            { field: `${period.id}.strata`, old: null, new: scheme.value.strata.length },
            { field: `${period.id}.fingerprint`, old: null, new: fingerprint },
          )
        }
        await updateStudy(tx, state.value.row.id, { randomization_live_at: at, updated_at: at })

        await audit(ctx, tx, actor, at, [
          { kind: AuditKind.RandomizationLive, entityType: 'study', entityId: state.value.row.id, changes },
        ])
        return ok(true)
      })
      if (!written.ok) return written
      return summarise(ctx, ctx.store)
    },
  }
}

/** Adds the protocol's new sites and updates changed ones; returns the audit entries. */
async function syncSites(tx: Conn, ctx: Ctx, at: string): Promise<AuditEntry[]> {
  const current = new Map((await listSites(tx)).map((s) => [s.id, s]))
  const entries: AuditEntry[] = []
  for (const site of ctx.protocol.sites) {
    const row: SiteTable = {
      id: site.id,
      name: site.name,
      country: site.country,
      city: site.city ?? null,
      target_enrolment: site.targetEnrolment ?? null,
      active: 1,
      created_at: at,
    }
    const before = current.get(site.id)
    if (!before) {
      await insertSite(tx, row)
      entries.push({
        kind: AuditKind.SiteCreated,
        entityType: 'site',
        entityId: site.id,
        siteId: site.id,
        changes: [{ field: 'name', old: null, new: site.name }],
      })
      continue
    }
    const fields = ['name', 'country', 'city', 'target_enrolment'] as const
    const changes = fields.filter((f) => before[f] !== row[f]).map((f) => ({ field: f, old: before[f], new: row[f] }))
    if (changes.length > 0) {
      await updateSite(tx, site.id, {
        name: row.name,
        country: row.country,
        city: row.city,
        target_enrolment: row.target_enrolment,
      })
      entries.push({ kind: AuditKind.SiteUpdated, entityType: 'site', entityId: site.id, siteId: site.id, changes })
    }
  }
  return entries
}

async function summarise(ctx: Ctx, c: Conn): Promise<Result<StudySummary>> {
  const row = await findStudy(c)
  if (!row) return fail({ code: ProblemCode.StateInvalid, path: '', message: 'the study is not set up yet' })
  const [versions, sites, lists] = await Promise.all([listProtocolVersions(c), listSites(c), listRandomizationLists(c)])
  const toSummary = (v: (typeof versions)[number]): ProtocolVersionSummary => ({
    ordinal: v.ordinal,
    label: v.version_label,
    hash: v.hash,
    loadedAt: v.loaded_at,
  })
  const current = versions.find((v) => v.id === row.protocol_version_id)
  if (!current) throw new Error(`study points at unknown protocol version ${row.protocol_version_id}`)
  return ok({
    id: row.id,
    title: row.title,
    protocol: toSummary(current),
    versions: versions.map(toSummary),
    sites: sites.map((s) => ({
      id: s.id,
      name: s.name,
      country: s.country,
      city: s.city,
      targetEnrolment: s.target_enrolment,
      active: s.active === 1,
    })),
    phase: phaseOf(row),
    randomizationFingerprints: Object.fromEntries(
      lists.filter((l) => l.fingerprint).map((l) => [l.period_id, l.fingerprint]),
    ),
    randomizationLiveAt: row.randomization_live_at,
    databaseLockedAt: row.database_locked_at,
    databaseLockHash: row.database_lock_hash,
    databaseLockReason: row.database_locked_at ? await reasonOf(c, AuditKind.DatabaseLocked) : null,
    unblindedAt: row.unblinded_at,
    unblindingReason: row.unblinded_at ? await reasonOf(c, AuditKind.UnblindStudy) : null,
  })
}

/** The reason recorded with a once-only study action; the audit record is its one source. */
async function reasonOf(c: Conn, kind: AuditKind): Promise<string | null> {
  const [row] = await findAuditRows(c, { kind, entityType: 'study', siteIds: 'all', limit: 1 })
  return row?.reason ?? null
}
