import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { codeList, INSTRUMENTS_FILE, instrumentData, parseInstrumentData } from './instrument-data.ts'

const SHARED = '/work/shared/domain/instruments.json'
const shipped = (): Record<string, unknown> =>
  JSON.parse(readFileSync(INSTRUMENTS_FILE, 'utf8')) as Record<string, unknown>

describe('data/instruments.json', () => {
  it('is byte-identical to the shared domain copy when that copy exists', async ({ annotate }) => {
    if (!existsSync(SHARED)) {
      // Outside the development machine only the repository copy exists; say so instead of passing silently.
      await annotate(`${SHARED} not present: byte comparison not possible here`)
      console.warn(`instruments.json: ${SHARED} not present, byte comparison not possible`)
      expect(existsSync(fileURLToPath(INSTRUMENTS_FILE))).toBe(true)
      return
    }
    expect(readFileSync(INSTRUMENTS_FILE).equals(readFileSync(SHARED))).toBe(true)
  })

  it('validates and exposes the instruments and code lists', () => {
    const data = instrumentData()
    expect(data.instruments.map((i) => i.id)).toEqual(['ALSFRS-R', 'KINGS-FROM-ALSFRS-R', 'MITOS', 'MAS', 'ECAS'])
    expect(codeList('MEDDRA_SOC')?.codes).toHaveLength(27)
    expect(codeList('CTCAE_GRADE')?.codes.map((c) => c.code)).toEqual([1, 2, 3, 4, 5])
    expect(
      codeList('WHO_UMC_CAUSALITY')
        ?.codes.filter((c) => c.reasonablePossibility === null)
        .map((c) => c.code),
    ).toEqual(['CONDITIONAL', 'UNASSESSABLE'])
    expect(Object.isFrozen(data.instruments[0])).toBe(true)
  })

  it('reports every inconsistency of a corrupted copy with its path', () => {
    const raw = shipped() as { instruments: Array<Record<string, unknown>> }
    const alsfrs = raw.instruments[0] as {
      scoring: { subscores: Array<{ max: number }> }
      items: Array<{ slot: string }>
    }
    alsfrs.scoring.subscores[0]!.max = 13
    alsfrs.items[2]!.slot = 'Q99'
    const kings = raw.instruments[1] as { precedence: string[]; regions: Array<{ involvedWhen: unknown }> }
    kings.precedence.push('6')
    kings.regions[0]!.involvedWhen = { item: 'Q77', op: '<', value: 4 }
    const result = parseInstrumentData(raw)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(
      expect.arrayContaining([
        'instruments[0].scoring.subscores[0].max: must be 12 (3 slots)',
        'instruments[0].items[2].slot: unknown slot "Q99"',
        'instruments[1].precedence[6]: unknown stage "6"',
        'instruments[1].regions[0].involvedWhen: unknown item "Q77" of ALSFRS-R',
      ]),
    )
  })

  it('rejects an unknown field rather than ignoring it', () => {
    const raw = shipped() as { codeLists: Array<Record<string, unknown>> }
    raw.codeLists[0]!['colour'] = 'red'
    const result = parseInstrumentData(raw)
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(['codeLists[0]'])
  })
})
