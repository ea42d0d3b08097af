/**
 * The blind through the crossover: one patient (same id, site, dates, weights) is walked through
 * randomization, the first infusion, the month-6 re-randomization step with its infusion, and entry into the
 * extension, once for every path through the two stages (D1, D2 and D3 continuing on a matched placebo
 * infusion; placebo re-randomized to D1, D2 or D3). Everything each blinded role is shown along the way
 * (allocation views, step messages, preparation views, the supply chain, refusals) must be identical
 * across the six paths, while the unblinded pharmacist's must differ.
 */
import { describe, expect, it } from 'vitest'
import {
  isUnblindedRole,
  ROLES,
  type Instant,
  type Result,
  type Role,
  type SiteId,
  type SubjectId,
} from '../domain/index.ts'
import { subjectAllocationView, type SubjectAllocation } from './blinded-view.ts'
import { computeDose } from './dosing.ts'
import { assignPeriod, blindPeriodAssignment, takesSlot, type PeriodAssignment } from './period-assignment.ts'
import { preparationSheet, preparationViewFor } from './preparation.ts'
import { generateList, type RandomizationList } from './randomization-list.ts'
import { compileScheme } from './scheme.ts'
import type { AllocatedSlot } from './slot-contract.ts'
import type { StudyPhase } from './study-phase.ts'
import {
  newSupplyChain,
  recordExtraction,
  recordInfusion,
  recordManufacture,
  recordPreparation,
  recordRelease,
  type SupplyChain,
} from './supply-chain.ts'
import { referenceProtocol } from './test-protocols.ts'

const version = referenceProtocol()
const { protocol } = version
const product = protocol.product!
const SUBJECT = 'MAL-007' as SubjectId
const SITE = 'MAL' as SiteId
const LIVE: StudyPhase = { status: 'live' }
const T1 = '2026-03-02T09:00:00.000Z' as Instant
const T2 = '2026-09-01T09:00:00.000Z' as Instant
const T3 = '2027-03-03T09:00:00.000Z' as Instant
const PASS = { viability: 88, cd_markers: 97, sterility: true, mycoplasma: true, endotoxin: 0.1, karyotype: true }
const BLINDED_ROLES = ROLES.filter((r) => !isUnblindedRole(r))

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

function listFor(stage: string): RandomizationList {
  return value(generateList(value(compileScheme(version, stage)), { seed: 'walk', perStratum: 40 }))
}
const stageOne = listFor('double-blind')
const crossover = listFor('crossover')

/** The subject's slot: the first row of the list with `arm`, so sequence numbers differ between paths. */
function slotWith(list: RandomizationList, stratum: string, arm: string, at: Instant): AllocatedSlot {
  const row = list.slots.find((s) => s.stratum === stratum && s.arm === arm)
  if (!row) throw new Error(`no ${arm} in ${stratum}`)
  return {
    periodId: list.periodId,
    stratum: row.stratum,
    subjectId: SUBJECT,
    sequence: row.sequence,
    arm: row.arm,
    block: row.block,
    blockSize: row.blockSize,
    allocatedAt: at,
  }
}

/** Everything shown along the way, per role, in order. */
type Transcript = Map<Role, unknown[]>

function walk(firstArm: string, crossoverArm: string | null): Transcript {
  const transcript: Transcript = new Map(ROLES.map((r) => [r, []]))
  const show = (f: (role: Role) => unknown) => ROLES.forEach((role) => transcript.get(role)!.push(f(role)))
  const periods: { at: Instant; assignment: PeriodAssignment }[] = []
  const record = (): SubjectAllocation => ({
    subjectId: SUBJECT,
    siteId: SITE,
    periods: [...periods],
    emergencyUnblinding: null,
  })

  // Supply before randomization, for every arm: extraction, lot L1 made and released.
  let chain: SupplyChain = value(
    recordExtraction(product, newSupplyChain(SUBJECT), { extractionId: 'EXT-1', date: '2026-01-26', tissueGrams: 64 }),
  )
  chain = value(recordManufacture(product, chain, { lotId: 'L1', extractionId: 'EXT-1', date: '2026-02-02' }))
  chain = value(recordRelease(product, chain, { lotId: 'L1', date: '2026-02-16', values: PASS }))

  // Month 0: randomization and infusion.
  const first = value(assignPeriod(protocol, 'double-blind', null, slotWith(stageOne, 'site=MAL', firstArm, T1)))
  periods.push({ at: T1, assignment: first })
  show((role) => subjectAllocationView(protocol, record(), role, LIVE))
  show(() => blindPeriodAssignment(protocol, first))
  chain = infuse(chain, first, 'L1', '2026-03-02', 68.2, '2026-03-01', show)

  // Month 6: every subject goes through the re-randomization step; only placebo patients take a slot.
  chain = value(recordManufacture(product, chain, { lotId: 'L2', extractionId: 'EXT-1', date: '2026-07-20' }))
  chain = value(recordRelease(product, chain, { lotId: 'L2', date: '2026-08-10', values: PASS }))
  const period = protocol.periods.find((p) => p.id === 'crossover')!
  expect(takesSlot(period, first.arm)).toBe(crossoverArm !== null)
  const second = value(
    assignPeriod(
      protocol,
      'crossover',
      first.arm,
      crossoverArm === null ? undefined : slotWith(crossover, 'all', crossoverArm, T2),
    ),
  )
  expect(second.receives).toBe(crossoverArm ?? 'P')
  periods.push({ at: T2, assignment: second })
  show((role) => subjectAllocationView(protocol, record(), role, LIVE))
  show(() => blindPeriodAssignment(protocol, second))
  // A stale weight is refused identically for whatever the subject would receive.
  show(() =>
    computeDose(protocol, {
      armId: second.receives!,
      weightKg: 66.9,
      weightDate: '2026-08-01',
      infusionDate: '2026-09-03',
    }),
  )
  // A failed lot blocks the preparation identically.
  const failed = value(recordManufacture(product, chain, { lotId: 'L3', extractionId: 'EXT-1', date: '2026-07-21' }))
  const failedChain = value(
    recordRelease(product, failed, { lotId: 'L3', date: '2026-08-10', values: { ...PASS, sterility: false } }),
  )
  show(() =>
    recordPreparation(failedChain, {
      preparationCode: 'X',
      periodId: 'crossover',
      lot: failedChain.lots.find((l) => l.lotId === 'L3'),
      date: '2026-09-03',
    }),
  )
  chain = infuse(chain, second, 'L2', '2026-09-03', 66.9, '2026-09-01', show)

  // Month 12: the open-label extension, still under the blind until end-of-study unblinding.
  const third = value(assignPeriod(protocol, 'extension', second.arm))
  periods.push({ at: T3, assignment: third })
  show((role) => subjectAllocationView(protocol, record(), role, LIVE))
  show(() => chain)
  return transcript
}

/** Computes the dose for what the subject receives, prepares it from `lotId`, and infuses it. */
function infuse(
  chain: SupplyChain,
  assignment: PeriodAssignment,
  lotId: string,
  date: string,
  weightKg: number,
  weightDate: string,
  show: (f: (role: Role) => unknown) => void,
): SupplyChain {
  const dose = value(computeDose(protocol, { armId: assignment.receives!, weightKg, weightDate, infusionDate: date }))
  const lot = chain.lots.find((l) => l.lotId === lotId)
  const sheet = value(
    preparationSheet(protocol, {
      subjectId: SUBJECT,
      periodId: assignment.periodId,
      dose,
      lot,
      preparedAt: `${date}T07:45:00.000Z` as Instant,
    }),
  )
  show((role) => preparationViewFor(sheet, role, LIVE))
  const prepared = value(
    recordPreparation(chain, {
      preparationCode: sheet.preparationCode,
      periodId: assignment.periodId,
      lot,
      date,
    }),
  )
  show(() => prepared)
  const infused = value(recordInfusion(prepared, { preparationCode: sheet.preparationCode, lot, date }))
  show(() => infused)
  return infused
}

const PATHS: readonly [string, string | null][] = [
  ['D1', null],
  ['D2', null],
  ['D3', null],
  ['P', 'D1'],
  ['P', 'D2'],
  ['P', 'D3'],
]

describe('the blind through the crossover', () => {
  const transcripts = PATHS.map(([a, b]) => ({
    path: `${a}→${b ?? `${a} + placebo infusion`}`,
    transcript: walk(a, b),
  }))

  it.each(BLINDED_ROLES)('%s sees exactly the same thing on every path through the two stages', (role) => {
    const reference = JSON.stringify(transcripts[0]!.transcript.get(role))
    for (const { path, transcript } of transcripts) expect(JSON.stringify(transcript.get(role)), path).toBe(reference)
  })

  it('what blinded roles see names no arm, dose, content, slot or sequence', () => {
    const seen = JSON.stringify(transcripts[0]!.transcript.get('blinded-assessor'))
    for (const arm of protocol.arms) expect(seen).not.toContain(`"${arm.label}"`)
    expect(seen).not.toContain(protocol.dosing!.placeboContent)
    for (const key of ['"arm"', '"receives"', '"sequence"', '"slot"', '"stratum"', '"total"', '"content"', '"lotUse"'])
      expect(seen).not.toContain(key)
    expect(seen).toContain('Study product')
  })

  it('the unblinded pharmacist does see the difference (the walk would notice a leak)', () => {
    const views = transcripts.map(({ transcript }) => JSON.stringify(transcript.get('unblinded-pharmacist')))
    expect(new Set(views).size).toBe(PATHS.length)
  })
})
