import { randomBytes as cryptoRandomBytes } from 'node:crypto'
import { z } from 'zod'
import { authorize, seesAllocation, type Action, type Actor, type StudyBlindState } from '../access/index.ts'
import { appendAudit, type AuditEntry } from '../audit/index.ts'
import {
  fail,
  ok,
  ProblemCode,
  type Clock,
  type IdFactory,
  type Instant,
  type IsoDate,
  type ProtocolFile,
  type Result,
  type SiteId,
} from '../domain/index.ts'
import { compileProtocol, zodProblems, type CompiledProtocol, type ProtocolVersion } from '../protocol/index.ts'
import type { RandomizationList, StudyPhase } from '../randomization/index.ts'
import {
  createSealer,
  findProtocolVersionByHash,
  findStudy,
  findSubject,
  type Conn,
  type Sealer,
  type Store,
  type StudyTable,
  type SubjectTable,
} from '../store/index.ts'

/** Password hashing as the platform provides it (argon2id); passed in so capture stays free of platform code. */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(encoded: string, password: string): Promise<boolean>
}

/** Everything the services need, built once by the composition root (no globals). */
export interface CaptureDeps {
  readonly store: Store
  readonly clock: Clock
  readonly newId: IdFactory
  /** 32 bytes: seals randomization lists, seeds and allocation detail at rest. */
  readonly sealKey: Uint8Array
  /** Where the key came from (`TRIALDESK_SEAL_KEY`, a key file), named when it is not the study's key. */
  readonly sealKeySource?: string
  /** Cryptographic randomness (seeds, nonces); `crypto.randomBytes` by default, fixed in reproducible tests. */
  readonly randomBytes?: (n: number) => Buffer
  /** The protocol version the services capture data on (loaded and validated; compiled once here). */
  readonly protocol: ProtocolVersion
  readonly passwords: PasswordHasher
}

/** The services' shared, immutable context. */
export interface Ctx {
  readonly store: Store
  readonly clock: Clock
  readonly newId: IdFactory
  readonly randomBytes: (n: number) => Buffer
  readonly sealKey: Uint8Array
  readonly sealKeySource: string
  readonly sealer: Sealer
  readonly version: ProtocolVersion
  readonly protocol: ProtocolFile
  readonly compiled: CompiledProtocol
  readonly passwords: PasswordHasher
  /** The id of `version` in the database once the study is set up (cached: protocol versions are immutable). */
  protocolVersionId: string | undefined
  /** The unsealed randomization lists by period, opened at first use after go-live (lists never change). */
  lists: ReadonlyMap<string, RandomizationList> | undefined
}

export function createContext(deps: CaptureDeps): Ctx {
  if (deps.sealKey.length !== 32) throw new Error('sealKey must be 32 bytes')
  const randomBytes = deps.randomBytes ?? cryptoRandomBytes
  return {
    store: deps.store,
    clock: deps.clock,
    newId: deps.newId,
    randomBytes,
    sealKey: deps.sealKey,
    sealKeySource: deps.sealKeySource ?? 'sealKey',
    sealer: createSealer(deps.sealKey, randomBytes),
    version: deps.protocol,
    protocol: deps.protocol.protocol,
    compiled: compileProtocol(deps.protocol),
    passwords: deps.passwords,
    protocolVersionId: undefined,
    lists: undefined,
  }
}

/** A calendar date in service input (`2026-01-31`). */
export const IsoDateInput = z.iso.date('must be an ISO date such as 2026-01-31').transform((d) => d as IsoDate)

/** The calendar date of an instant (UTC). */
export const dateOf = (at: Instant): IsoDate => at.slice(0, 10) as IsoDate

/** Parses a service input with its zod schema; problems name the field. */
export function parse<T>(schema: z.ZodType<T>, input: unknown): Result<T> {
  const parsed = schema.safeParse(input)
  return parsed.success ? ok(parsed.data) : fail(zodProblems(parsed.error))
}

/** Appends audit records for `actor` at `at` in the open transaction. */
export async function audit(
  ctx: Ctx,
  tx: Conn,
  actor: Actor,
  at: Instant,
  entries: readonly AuditEntry[],
): Promise<void> {
  await appendAudit(tx, { actor, at, sealer: ctx.sealer }, entries)
}

/** The study as every write sees it, read (share-locked on PostgreSQL) at the start of the transaction. */
export interface StudyState {
  readonly row: StudyTable
  /** Id of the services' protocol version. */
  readonly protocolVersionId: string
  readonly phase: StudyPhase
  readonly blind: StudyBlindState
}

export function phaseOf(row: StudyTable): StudyPhase {
  if (row.unblinded_at && row.database_locked_at) {
    return {
      status: 'unblinded',
      lockedAt: row.database_locked_at as Instant,
      unblindedAt: row.unblinded_at as Instant,
    }
  }
  if (row.database_locked_at) return { status: 'locked', lockedAt: row.database_locked_at as Instant }
  return row.randomization_live_at ? { status: 'live' } : { status: 'setup' }
}

export function blindOf(row: StudyTable): StudyBlindState {
  return row.unblinded_at ? { status: 'unblinded', at: row.unblinded_at } : { status: 'blinded' }
}

/**
 * Reads the study for a write (`share`) or for a study-wide state change (`update`). Fails when the study is
 * not set up, or was set up from a different protocol version than the services run on.
 */
export async function studyState(ctx: Ctx, c: Conn, lock?: 'share' | 'update'): Promise<Result<StudyState>> {
  const row = await findStudy(c, lock)
  if (!row) return fail({ code: ProblemCode.StateInvalid, path: '', message: 'the study is not set up yet' })
  if (ctx.protocolVersionId === undefined) {
    const version = await findProtocolVersionByHash(c, ctx.version.hash)
    if (!version) {
      const message = `protocol version ${ctx.protocol.study.version} (${ctx.version.hash.slice(0, 12)}) is not loaded: run study setup`
      return fail({ code: ProblemCode.StateInvalid, path: '', message })
    }
    ctx.protocolVersionId = version.id
  }
  return ok({ row, protocolVersionId: ctx.protocolVersionId, phase: phaseOf(row), blind: blindOf(row) })
}

/** Whether allocation detail may reach `actor` now (reads the study's blind state). */
export async function readerSeesAllocation(ctx: Ctx, actor: Actor): Promise<boolean> {
  const row = await findStudy(ctx.store)
  return seesAllocation(actor, row ? blindOf(row) : { status: 'blinded' })
}

/** Refuses changes to clinical data once the database is locked. */
export function requireOpen(state: StudyState): Result<true> {
  return state.row.database_locked_at
    ? fail({ code: ProblemCode.Locked, path: '', message: 'the database is locked: data can no longer change' })
    : ok(true)
}

/**
 * Loads a subject for `action`: not_found when it does not exist or belongs to a site outside the actor's
 * scope (indistinguishable on purpose), forbidden when the role may not. `lock` takes the subject's row lock
 * on PostgreSQL, which serialises every change to one subject.
 */
export async function subjectFor(
  c: Conn,
  actor: Actor,
  action: Action,
  subjectId: string,
  lock = false,
): Promise<Result<SubjectTable>> {
  const row = await findSubject(c, subjectId, lock)
  const allowed = authorize(actor, action, row ? { siteId: row.site_id as SiteId } : {})
  const notFound = fail<SubjectTable>({ code: ProblemCode.NotFound, path: 'subjectId', message: 'not found' })
  if (!allowed.ok) return allowed.problems[0]?.code === ProblemCode.NotFound ? notFound : allowed
  return row ? ok(row) : notFound
}

/** Refuses changes to a subject whose casebook is locked. */
export function requireSubjectOpen(subject: SubjectTable): Result<true> {
  return subject.locked_at
    ? fail({ code: ProblemCode.Locked, path: 'subjectId', message: 'the subject’s casebook is locked' })
    : ok(true)
}

/**
 * The reason for an irreversible study-wide action (database lock, end-of-study unblinding), kept in its audit
 * record and shown wherever the action is: the trail must say why the data were frozen or the blind was broken.
 */
export const IrreversibleReason = z
  .string()
  .trim()
  .min(1, 'a reason is required for this irreversible action')
  .max(2000, 'at most 2000 characters')

/** A reason is required for any change after first entry (21 CFR 11.10(e), ICH E6 4.9.3). */
export function requireReason(reason: string | undefined, path = 'reason'): Result<string> {
  const r = reason?.trim() ?? ''
  return r.length > 0
    ? ok(r)
    : fail({ code: ProblemCode.ReasonRequired, path, message: 'a reason is required to change data already entered' })
}
