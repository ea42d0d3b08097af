import { describe, expect, it } from 'vitest'
import type { ArmId, Instant, PeriodId, SubjectId } from '../domain/index.ts'
import { assignPeriod, blindedPeriodStep, takesSlot } from './period-assignment.ts'
import type { AllocatedSlot } from './slot-contract.ts'
import type { StratumKey } from './strata.ts'
import { referenceProtocol } from './test-protocols.ts'

const { protocol } = referenceProtocol()
const period = (id: string) => protocol.periods.find((p) => p.id === id)!
const slot = (periodId: string, arm: string): AllocatedSlot => ({
  periodId: periodId as PeriodId,
  stratum: 'all' as StratumKey,
  subjectId: 'SVR-004' as SubjectId,
  sequence: 1,
  arm: arm as ArmId,
  block: 1,
  blockSize: 3,
  allocatedAt: '2026-09-01T09:00:00.000Z' as Instant,
})

describe('stages of the reference trial', () => {
  it('allocates every subject at the first randomization and only placebo patients at the crossover', () => {
    expect(takesSlot(period('double-blind'), null)).toBe(true)
    expect(['D1', 'D2', 'D3', 'P'].map((arm) => takesSlot(period('crossover'), arm as ArmId))).toEqual([
      false,
      false,
      false,
      true,
    ])
    expect(takesSlot(period('extension'), 'P' as ArmId)).toBe(false)
  })

  it('re-allocates a placebo patient to the slot arm, who then receives that dose', () => {
    expect(assignPeriod(protocol, 'crossover', 'P' as ArmId, slot('crossover', 'D2'))).toEqual({
      ok: true,
      value: {
        kind: 'allocated',
        periodId: 'crossover',
        previousArm: 'P',
        arm: 'D2',
        receives: 'D2',
        slot: slot('crossover', 'D2'),
      },
    })
  })

  it('keeps an active patient on the arm, receiving the matched placebo preparation', () => {
    expect(assignPeriod(protocol, 'crossover', 'D3' as ArmId)).toEqual({
      ok: true,
      value: { kind: 'continues', periodId: 'crossover', arm: 'D3', receives: 'P' },
    })
    expect(assignPeriod(protocol, 'extension', 'D3' as ArmId)).toEqual({
      ok: true,
      value: { kind: 'continues', periodId: 'extension', arm: 'D3', receives: null },
    })
  })

  it('refuses a missing slot, a slot for a subject who takes none, a slot of another period, an unknown period', () => {
    const codes = [
      assignPeriod(protocol, 'crossover', 'P' as ArmId),
      assignPeriod(protocol, 'crossover', 'D1' as ArmId, slot('crossover', 'D2')),
      assignPeriod(protocol, 'crossover', 'P' as ArmId, slot('double-blind', 'D2')),
      assignPeriod(protocol, 'extension', null),
      assignPeriod(protocol, 'nope', null),
    ].map((r) => (r.ok ? 'ok' : r.problems[0]?.code))
    expect(codes).toEqual(['state_invalid', 'state_invalid', 'invalid', 'state_invalid', 'not_found'])
  })

  it('describes the crossover step to blinded roles the same way for everyone', () => {
    expect(blindedPeriodStep(protocol, 'crossover' as PeriodId)).toEqual({
      periodId: 'crossover',
      label: 'Blinded re-randomization of placebo patients (months 6–12)',
      step: 'allocation',
      dosing: true,
      treatmentLabel: 'Study product',
      message:
        "Blinded re-randomization of placebo patients (months 6–12): allocation step completed. Prepare the study infusion under the subject's preparation code.",
    })
  })
})
