/**
 * Randomization lists: generated per stratum from a seed, serialised as one canonical CSV, fingerprinted
 * with SHA-256 of that CSV.
 *
 * - Each stratum has its own generator streams (keyed by seed, scheme hash, stage and stratum), so a
 *   stratum's list does not depend on how many other strata exist or how long their lists are.
 * - Permuted-block lists are made of complete blocks; asking for more slots continues the same stream, so a
 *   longer list starts with the shorter one (extension on demand is reproducible).
 * - Every slot carries a `slot_code` of 64 random bits from a separate stream. It is never shown to blinded
 *   roles and never stored outside the sealed list; it makes the published fingerprint a hiding commitment:
 *   without it, a list of a few dozen slots over three or four arms could be recovered from its SHA-256 by
 *   enumerating candidate lists.
 */
import { createHash } from 'node:crypto'
import {
  fail,
  ok,
  problem,
  ProblemCode,
  type Allocation,
  type ArmId,
  type PeriodId,
  type Problem,
  type Result,
} from '../domain/index.ts'
import { createStream, deriveKey, GENERATOR_ID, shuffleInPlace, weightedIndex, type RandomStream } from './drbg.ts'
import type { AllocationScheme } from './scheme.ts'
import type { StratumKey } from './strata.ts'

export const LIST_FORMAT = 'trialdesk-list/1'
export const LIST_COLUMNS = ['stratum', 'sequence', 'block', 'block_size', 'arm', 'slot_code'] as const
/** Largest list per stratum accepted: far above any trial, low enough to keep a typo from filling memory. */
export const MAX_SLOTS_PER_STRATUM = 100_000
const MAX_SEED_LENGTH = 1024

/** One row of a list. `block`/`blockSize` are null for simple randomization (no blocks). */
export interface ListSlot {
  readonly stratum: StratumKey
  /** 1-based position within the stratum. */
  readonly sequence: number
  /** 1-based block number within the stratum. */
  readonly block: number | null
  readonly blockSize: number | null
  readonly arm: ArmId
  readonly slotCode: string
}

/** A generated list and what identifies the scheme it was generated for (not the seed). */
export interface RandomizationList {
  readonly format: typeof LIST_FORMAT
  readonly generator: string
  readonly studyId: string
  readonly periodId: PeriodId
  readonly protocolHash: string
  readonly schemeHash: string
  readonly method: Allocation['method']
  readonly strata: readonly StratumKey[]
  /** Rows ordered by stratum (in `strata` order), then sequence. */
  readonly slots: readonly ListSlot[]
}

export interface GenerateOptions {
  /** Any non-empty text; a live study uses 32 bytes from `crypto.randomBytes`, hex-encoded, drawn at go-live. */
  readonly seed: string
  /** At least this many slots per stratum; permuted-block lists are completed to the end of the last block. */
  readonly perStratum: number
}

/** Generates the list of every stratum of `scheme`. Minimisation allocates dynamically and has no list. */
export function generateList(scheme: AllocationScheme, options: GenerateOptions): Result<RandomizationList> {
  const problems = optionProblems(scheme, options)
  if (problems.length > 0) return fail(problems)
  const slots = scheme.strata.flatMap((stratum) => generateStratum(scheme, options.seed, stratum, options.perStratum))
  return ok(listOf(scheme, slots))
}

/**
 * Extends one stratum of `list` to at least `minSlots` slots, reproducibly: the stratum is regenerated from
 * the seed and must begin with the rows already in the list (otherwise the list or the seed is not the one
 * the list was generated from, and nothing is extended).
 */
export function extendList(
  scheme: AllocationScheme,
  list: RandomizationList,
  seed: string,
  stratum: StratumKey,
  minSlots: number,
): Result<RandomizationList> {
  const problems = optionProblems(scheme, { seed, perStratum: minSlots })
  if (!scheme.strata.includes(stratum))
    problems.push(problem(ProblemCode.NotFound, 'stratum', `unknown stratum "${stratum}"`))
  if (problems.length > 0) return fail(problems)
  const current = list.slots.filter((s) => s.stratum === stratum)
  const regenerated = generateStratum(scheme, seed, stratum, Math.max(minSlots, current.length))
  if (current.some((slot, i) => !sameSlot(slot, regenerated[i]))) {
    return fail(
      problem(
        ProblemCode.Conflict,
        'seed',
        `stratum ${stratum} does not match the seed; the list was not generated from it`,
      ),
    )
  }
  const slots = scheme.strata.flatMap((s) => (s === stratum ? regenerated : list.slots.filter((x) => x.stratum === s)))
  return ok(listOf(scheme, slots))
}

/** One stratum's slots: at least `minSlots`, in complete blocks for permuted-block schemes. */
export function generateStratum(
  scheme: AllocationScheme,
  seed: string,
  stratum: StratumKey,
  minSlots: number,
): ListSlot[] {
  const arms = createStream(deriveKey([seed, scheme.schemeHash, scheme.periodId, stratum, 'arms']))
  const codes = createStream(deriveKey([seed, scheme.schemeHash, scheme.periodId, stratum, 'slot-codes']))
  const slots: ListSlot[] = []
  const blocked = scheme.allocation.method === 'permuted-blocks'
  let block = 0
  while (slots.length < minSlots) {
    const armIndices = nextBlock(scheme, arms)
    block++
    for (const index of armIndices) {
      slots.push({
        stratum,
        sequence: slots.length + 1,
        block: blocked ? block : null,
        blockSize: blocked ? armIndices.length : null,
        arm: scheme.arms[index] as ArmId,
        slotCode: Buffer.from(codes.bytes(8)).toString('hex'),
      })
    }
  }
  return slots
}

/**
 * The next block of arm indices (into `scheme.arms`): for permuted blocks, a size drawn uniformly among the
 * listed sizes (so a size listed twice is twice as likely), then a uniform shuffle of the block's multiset,
 * which holds each arm exactly `weight × size / total` times; for simple randomization, one arm drawn with
 * probability weight / total.
 */
export function nextBlock(scheme: AllocationScheme, stream: RandomStream): number[] {
  const allocation = scheme.allocation
  if (allocation.method === 'simple') return [weightedIndex(stream, scheme.weights)]
  if (allocation.method === 'minimisation') throw new Error('minimisation has no blocks')
  const sizes = allocation.blockSizes
  const size = sizes[stream.int(sizes.length)] ?? 0
  const perWeight = size / scheme.totalWeight
  const multiset = scheme.weights.flatMap((w, i) => Array<number>(w * perWeight).fill(i))
  return shuffleInPlace(stream, multiset)
}

/** The canonical CSV: fixed columns, `\n` line ends, a final newline, rows in list order. */
export function listToCsv(list: RandomizationList): string {
  const rows = list.slots.map((s) =>
    [s.stratum, s.sequence, s.block ?? '', s.blockSize ?? '', s.arm, s.slotCode].join(','),
  )
  return [LIST_COLUMNS.join(','), ...rows].join('\n') + '\n'
}

/** SHA-256 (hex) of the canonical CSV: `sha256sum list.csv` gives the same value. */
export function fingerprintList(list: RandomizationList): string {
  return fingerprintCsv(listToCsv(list))
}

export function fingerprintCsv(csv: string): string {
  return createHash('sha256').update(csv, 'utf8').digest('hex')
}

/** Checks a list against the fingerprint published at generation; any altered byte fails. */
export function verifyList(list: RandomizationList, fingerprint: string): Result<{ readonly fingerprint: string }> {
  return verifyCsv(listToCsv(list), fingerprint)
}

/** `verifyList` on the CSV text as stored (so that a non-canonical file fails too). */
export function verifyCsv(csv: string, fingerprint: string): Result<{ readonly fingerprint: string }> {
  const expected = fingerprint.trim().toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    return fail(problem(ProblemCode.Invalid, 'fingerprint', 'must be 64 hexadecimal characters (SHA-256)'))
  }
  const actual = fingerprintCsv(csv)
  if (actual !== expected) {
    return fail(
      problem(
        ProblemCode.Invalid,
        'fingerprint',
        `list does not match its fingerprint (list hashes to ${actual}); it was altered after generation`,
      ),
    )
  }
  return ok({ fingerprint: actual })
}

/**
 * Regenerates the list from the seed and compares it row by row: the audit that the list in use is the one
 * the scheme and seed produce. Reports the first differing row.
 */
export function auditList(
  scheme: AllocationScheme,
  seed: string,
  list: RandomizationList,
): Result<{ readonly rows: number }> {
  if (list.schemeHash !== scheme.schemeHash) {
    return fail(problem(ProblemCode.Conflict, 'schemeHash', 'the list was generated for a different scheme'))
  }
  for (const stratum of scheme.strata) {
    const current = list.slots.filter((s) => s.stratum === stratum)
    const regenerated = generateStratum(scheme, seed, stratum, current.length)
    const bad = current.findIndex((slot, i) => !sameSlot(slot, regenerated[i]))
    if (bad >= 0 || regenerated.length !== current.length) {
      const at = bad >= 0 ? bad + 1 : current.length
      return fail(
        problem(
          ProblemCode.Conflict,
          `${stratum}[${at}]`,
          `stratum ${stratum} differs from the seed's list at sequence ${at}`,
        ),
      )
    }
  }
  return ok({ rows: list.slots.length })
}

/** Parses a list CSV back into rows (the inverse of `listToCsv`), reporting every malformed row. */
export function parseListCsv(csv: string, scheme?: Pick<AllocationScheme, 'arms'>): Result<ListSlot[]> {
  const lines = csv.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  if (lines[0] !== LIST_COLUMNS.join(',')) {
    return fail(problem(ProblemCode.Invalid, 'line 1', `header must be ${LIST_COLUMNS.join(',')}`))
  }
  const problems: Problem[] = []
  const slots: ListSlot[] = []
  const int = (s: string | undefined): number | null => (s !== undefined && /^[1-9][0-9]*$/.test(s) ? Number(s) : null)
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(',')
    const [stratum = '', sequence, block, blockSize, arm = '', slotCode = ''] = cells
    const at = `line ${i + 2}`
    const seq = int(sequence)
    const blk = block === '' ? null : int(block)
    const size = blockSize === '' ? null : int(blockSize)
    if (cells.length !== LIST_COLUMNS.length)
      problems.push(problem(ProblemCode.Invalid, at, `expected ${LIST_COLUMNS.length} columns`))
    else if (!/^[A-Za-z0-9_=;-]+$/.test(stratum)) problems.push(problem(ProblemCode.Invalid, at, 'invalid stratum'))
    else if (seq === null) problems.push(problem(ProblemCode.Invalid, at, 'sequence must be a positive integer'))
    else if (
      (block !== '' && blk === null) ||
      (blockSize !== '' && size === null) ||
      (blk === null) !== (size === null)
    ) {
      problems.push(
        problem(ProblemCode.Invalid, at, 'block and block_size must both be positive integers or both empty'),
      )
    } else if (scheme ? !scheme.arms.includes(arm as ArmId) : !/^[A-Za-z][A-Za-z0-9_-]*$/.test(arm)) {
      problems.push(problem(ProblemCode.Invalid, at, `unknown arm "${arm}"`))
    } else if (!/^[0-9a-f]{16}$/.test(slotCode))
      problems.push(problem(ProblemCode.Invalid, at, 'slot_code must be 16 hex digits'))
    else
      slots.push({
        stratum: stratum as StratumKey,
        sequence: seq,
        block: blk,
        blockSize: size,
        arm: arm as ArmId,
        slotCode,
      })
  })
  return problems.length > 0 ? fail(problems) : ok(slots)
}

/** The list of `scheme` holding `slots` (e.g. rows parsed back from a CSV). */
export function listOf(scheme: AllocationScheme, slots: readonly ListSlot[]): RandomizationList {
  return {
    format: LIST_FORMAT,
    generator: GENERATOR_ID,
    studyId: scheme.studyId,
    periodId: scheme.periodId,
    protocolHash: scheme.protocolHash,
    schemeHash: scheme.schemeHash,
    method: scheme.allocation.method,
    strata: scheme.strata,
    slots,
  }
}

function optionProblems(scheme: AllocationScheme, options: GenerateOptions): Problem[] {
  const problems: Problem[] = []
  if (scheme.allocation.method === 'minimisation') {
    const message = `stage "${scheme.periodId}" uses minimisation, which allocates each subject at randomization and has no list to generate`
    problems.push(problem(ProblemCode.Unsupported, 'stage', message))
  }
  if (options.seed.length === 0 || options.seed.length > MAX_SEED_LENGTH) {
    problems.push(problem(ProblemCode.Invalid, 'seed', `must be 1 to ${MAX_SEED_LENGTH} characters`))
  }
  if (!Number.isInteger(options.perStratum) || options.perStratum < 1 || options.perStratum > MAX_SLOTS_PER_STRATUM) {
    problems.push(
      problem(ProblemCode.OutOfRange, 'perStratum', `must be a whole number from 1 to ${MAX_SLOTS_PER_STRATUM}`),
    )
  }
  return problems
}

function sameSlot(a: ListSlot, b: ListSlot | undefined): boolean {
  return (
    b !== undefined &&
    a.stratum === b.stratum &&
    a.sequence === b.sequence &&
    a.block === b.block &&
    a.blockSize === b.blockSize &&
    a.arm === b.arm &&
    a.slotCode === b.slotCode
  )
}
