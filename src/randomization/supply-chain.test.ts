import { describe, expect, it } from 'vitest'
import type { Instant, Result, SubjectId } from '../domain/index.ts'
import { computeDose } from './dosing.ts'
import { blindedPreparationView, preparationCode, preparationSheet } from './preparation.ts'
import {
  checkLotForUse,
  evaluateRelease,
  newSupplyChain,
  recordExtraction,
  recordInfusion,
  recordManufacture,
  recordPreparation,
  recordRelease,
  type Lot,
  type SupplyChain,
} from './supply-chain.ts'
import { referenceProtocol } from './test-protocols.ts'

const { protocol } = referenceProtocol()
// A fixed shelf life so the expiry dates below do not follow edits of the reference protocol.
const product = { ...protocol.product!, shelfLifeDays: 180 }
const ME = 'MAL-001' as SubjectId
const OTHER = 'MAL-002' as SubjectId
const PASS = { viability: 88, cd_markers: 97, sterility: true, mycoplasma: true, endotoxin: 0.1, karyotype: true }

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.value
}

/** Extraction, manufacture and release of lot `lotId` for `subject`. */
function released(
  subject: SubjectId,
  lotId: string,
  values: Record<string, number | boolean> = PASS,
  releasedOn = '2026-02-10',
): SupplyChain {
  let chain = value(
    recordExtraction(product, newSupplyChain(subject), {
      extractionId: `${lotId}-X`,
      date: '2026-01-26',
      tissueGrams: 62,
    }),
  )
  chain = value(recordManufacture(product, chain, { lotId, extractionId: `${lotId}-X`, date: '2026-02-01' }))
  return value(recordRelease(product, chain, { lotId, date: releasedOn, values }))
}

const lotOf = (chain: SupplyChain, lotId: string): Lot | undefined => chain.lots.find((l) => l.lotId === lotId)

describe('release criteria (from product.releaseCriteria)', () => {
  it('passes a lot within every range and with every pass/fail criterion passed', () => {
    expect(evaluateRelease(product, PASS)).toEqual([])
  })

  it('fails on any criterion out of range, not passed or without result, listing each', () => {
    const failures = evaluateRelease(product, {
      ...PASS,
      viability: 65,
      karyotype: false,
      endotoxin: undefined as unknown as number,
    })
    expect(failures.map((f) => [f.criterionId, f.reason])).toEqual([
      ['viability', '65 is below 70'],
      ['endotoxin', 'no result'],
      ['karyotype', 'not passed'],
    ])
  })
})

describe('supply chain: lipoaspirate → lot → release → preparation → infusion', () => {
  it('walks the whole chain for the patient own released lot; the lot expires after the shelf life', () => {
    let chain = released(ME, 'L1')
    expect(lotOf(chain, 'L1')?.release).toEqual({ status: 'passed', date: '2026-02-10', expiresOn: '2026-08-09' })
    const code = preparationCode(protocol.study.id, ME, 'double-blind')
    chain = value(
      recordPreparation(chain, {
        preparationCode: code,
        periodId: 'double-blind',
        lot: lotOf(chain, 'L1'),
        date: '2026-03-02',
      }),
    )
    chain = value(recordInfusion(chain, { preparationCode: code, lot: lotOf(chain, 'L1'), date: '2026-03-02' }))
    expect(chain.preparations).toEqual([
      {
        preparationCode: code,
        periodId: 'double-blind',
        lotId: 'L1',
        preparedOn: '2026-03-02',
        infusedOn: '2026-03-02',
      },
    ])
    const again = recordInfusion(chain, { preparationCode: code, lot: lotOf(chain, 'L1'), date: '2026-03-03' })
    expect(again.ok || again.problems[0]?.code).toBe('conflict')
  })

  it('blocks manufacture from too little tissue (protocol minimum 50 g)', () => {
    const chain = value(
      recordExtraction(product, newSupplyChain(ME), { extractionId: 'X', date: '2026-01-26', tissueGrams: 41 }),
    )
    expect(chain.extractions[0]?.sufficient).toBe(false)
    const r = recordManufacture(product, chain, { lotId: 'L1', extractionId: 'X', date: '2026-02-01' })
    expect(r.ok || r.problems[0]).toMatchObject({ code: 'blocked', path: 'extractionId' })
  })

  it('blocks preparation and infusion of a lot that failed release', () => {
    const chain = released(ME, 'L1', { ...PASS, karyotype: false })
    const r = recordPreparation(chain, {
      preparationCode: 'PRP',
      periodId: 'double-blind',
      lot: lotOf(chain, 'L1'),
      date: '2026-03-02',
    })
    expect(r.ok || r.problems).toEqual([
      { code: 'blocked', path: 'lotId', message: 'lot L1 failed release: do not prepare or infuse' },
    ])
  })

  it('blocks a lot of another patient, at preparation and at the bedside', () => {
    const mine = released(ME, 'L1')
    const theirs = released(OTHER, 'L9')
    const prep = recordPreparation(mine, {
      preparationCode: 'PRP',
      periodId: 'double-blind',
      lot: lotOf(theirs, 'L9'),
      date: '2026-03-02',
    })
    expect(prep.ok || prep.problems[0]?.message).toBe('lot L9 belongs to another patient: do not prepare or infuse')
    const prepared = value(
      recordPreparation(mine, {
        preparationCode: 'PRP',
        periodId: 'double-blind',
        lot: lotOf(mine, 'L1'),
        date: '2026-03-02',
      }),
    )
    const infusion = recordInfusion(prepared, { preparationCode: 'PRP', lot: lotOf(theirs, 'L9'), date: '2026-03-02' })
    expect(infusion.ok || infusion.problems[0]).toMatchObject({
      code: 'blocked',
      message: 'lot L9 belongs to another patient: do not prepare or infuse',
    })
  })

  it('blocks an expired lot, a lot not yet released, an unknown lot and a lot that is not the preparation own', () => {
    const chain = released(ME, 'L1')
    expect(checkLotForUse(lotOf(chain, 'L1'), ME, '2026-08-09').ok).toBe(true)
    expect(checkLotForUse(lotOf(chain, 'L1'), ME, '2026-08-10')).toMatchObject({
      ok: false,
      problems: [{ code: 'blocked', message: 'lot L1 expired on 2026-08-09: do not prepare or infuse' }],
    })
    const unreleased = value(
      recordManufacture(product, chain, { lotId: 'L2', extractionId: 'L1-X', date: '2026-07-01' }),
    )
    expect(checkLotForUse(lotOf(unreleased, 'L2'), ME, '2026-07-05')).toMatchObject({
      ok: false,
      problems: [{ code: 'blocked' }],
    })
    expect(checkLotForUse(undefined, ME, '2026-07-05')).toMatchObject({ ok: false, problems: [{ code: 'blocked' }] })
    const both = value(recordRelease(product, unreleased, { lotId: 'L2', date: '2026-07-10', values: PASS }))
    const prepared = value(
      recordPreparation(both, {
        preparationCode: 'PRP',
        periodId: 'crossover',
        lot: lotOf(both, 'L2'),
        date: '2026-07-20',
      }),
    )
    const wrong = recordInfusion(prepared, { preparationCode: 'PRP', lot: lotOf(both, 'L1'), date: '2026-07-20' })
    expect(wrong.ok || wrong.problems[0]?.message).toBe('lot L1 is not the lot of PRP: do not infuse')
  })

  it('refuses events out of order: manufacture before extraction, release twice, a second preparation for a period', () => {
    const none = recordManufacture(product, newSupplyChain(ME), { lotId: 'L1', extractionId: 'X', date: '2026-02-01' })
    expect(none.ok || none.problems[0]?.code).toBe('state_invalid')
    const chain = released(ME, 'L1')
    const twice = recordRelease(product, chain, { lotId: 'L1', date: '2026-02-11', values: PASS })
    expect(twice.ok || twice.problems[0]?.code).toBe('conflict')
    const once = value(
      recordPreparation(chain, {
        preparationCode: 'A',
        periodId: 'double-blind',
        lot: lotOf(chain, 'L1'),
        date: '2026-03-02',
      }),
    )
    const second = recordPreparation(once, {
      preparationCode: 'B',
      periodId: 'double-blind',
      lot: lotOf(chain, 'L1'),
      date: '2026-03-02',
    })
    expect(second.ok || second.problems[0]?.code).toBe('conflict')
  })
})

describe('preparation sheet and blinded preparation view', () => {
  const chain = released(ME, 'L1')
  const at = '2026-03-02T08:30:00.000Z' as Instant
  const sheet = (arm: string, lot: Lot | undefined = lotOf(chain, 'L1')) => {
    const dose = value(
      computeDose(protocol, { armId: arm, weightKg: 72.35, weightDate: '2026-03-01', infusionDate: '2026-03-02' }),
    )
    return preparationSheet(protocol, { subjectId: ME, periodId: 'double-blind', dose, lot, preparedAt: at })
  }

  it('shows the pharmacist the real content, dose and lot', () => {
    expect(value(sheet('D1'))).toMatchObject({
      arm: 'D1',
      content:
        "72,400,000 cells (7.24 × 10^7) of Autologous adipose-derived mesenchymal stem cells (AdMSC) in 50 mL Ringer's lactate with 1% human albumin",
      lotId: 'L1',
      lotUse: 'cells',
      volumeMl: 50,
    })
    expect(value(sheet('P'))).toMatchObject({
      content: "Ringer's lactate with 1% human albumin, no cells",
      lotUse: 'none (placebo preparation; the lot stays in storage)',
    })
  })

  it('shows everyone else the same view for every arm, with a code that does not depend on the arm', () => {
    const views = ['D1', 'D2', 'D3', 'P'].map((arm) => blindedPreparationView(value(sheet(arm))))
    for (const view of views) expect(view).toEqual(views[0])
    expect(views[0]).toEqual({
      preparationCode: preparationCode(protocol.study.id, ME, 'double-blind'),
      subjectId: ME,
      periodId: 'double-blind',
      preparedAt: at,
      label: 'AdMSC-ALS investigational product — for intravenous use in clinical trial only',
      productLabel: 'Study product',
      container: '50 mL opaque infusion bag',
      volumeMl: 50,
      vehicle: "Ringer's lactate with 1% human albumin",
      infusionMinutes: 30,
    })
    expect(preparationCode(protocol.study.id, ME, 'double-blind')).toMatch(/^PRP-[0-9A-F]{10}$/)
  })

  it('is blocked for a failed lot with the same message whatever the arm', () => {
    const failed = lotOf(released(ME, 'L1', { ...PASS, viability: 50 }), 'L1')
    const results = ['D1', 'P'].map((arm) => sheet(arm, failed))
    expect(results[0]).toEqual(results[1])
    expect(results[0]).toMatchObject({ ok: false, problems: [{ code: 'blocked' }] })
  })
})
