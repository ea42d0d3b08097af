/**
 * The committed analysis fixture (`test/fixtures/analysis/admsc-40`: 40 randomized subjects, seed 20260112) with
 * the protocol saved beside it, loaded once per test file.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ProtocolFile } from '../domain/index.ts'
import { protocolFromData } from '../protocol/index.ts'
import type { AnalysisDatasets } from './analysis-datasets.ts'
import { readAnalysisDatasets } from './dataset-files.ts'

export const FIXTURE_DIR = resolve(import.meta.dirname, '../../test/fixtures/analysis/admsc-40')

export const PLAN_OPTIONS = {
  generatedAt: '2031-01-15T09:30:00.000Z',
  software: { name: 'TrialDesk', version: '0.0.0-test' },
} as const

export async function loadFixture(): Promise<{ protocol: ProtocolFile; data: AnalysisDatasets }> {
  const loaded = protocolFromData(JSON.parse(readFileSync(resolve(FIXTURE_DIR, 'protocol.json'), 'utf8')))
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('; '))
  const data = await readAnalysisDatasets(FIXTURE_DIR)
  if (!data.ok) throw new Error(data.problems.map((p) => `${p.path}: ${p.message}`).join('; '))
  return { protocol: loaded.value.protocol, data: data.value }
}
