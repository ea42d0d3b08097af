/** `docs/results-schema.json` is the generated JSON Schema, and real results validate against it (Ajv, draft 2020-12). */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AnalysisResults } from './analysis-results.ts'
import { resultsJsonSchema } from './analysis-results.ts'
import { runAnalysisPlan } from './run-analysis-plan.ts'
import { loadFixture, PLAN_OPTIONS } from './test-fixture.test-support.ts'

const DOC = resolve(import.meta.dirname, '../../docs/results-schema.json')
const results: AnalysisResults[] = []

beforeAll(async () => {
  const { protocol, data } = await loadFixture()
  for (const blinded of [false, true]) {
    const r = runAnalysisPlan(protocol, data, { ...PLAN_OPTIONS, blinded })
    if (!r.ok) throw new Error(r.problems[0]?.message)
    results.push(r.value)
  }
})

describe('results.json schema', () => {
  it('the committed document is the schema generated from the declaration (regenerate with `trialdesk export results-schema --out docs/results-schema.json` and prettier)', () => {
    expect(JSON.parse(readFileSync(DOC, 'utf8'))).toEqual(resultsJsonSchema())
  })

  it('blinded and unblinded results of the fixture validate against the document', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(DOC, 'utf8')))
    for (const r of results) {
      const ok = validate(JSON.parse(JSON.stringify(r)))
      expect(validate.errors ?? []).toEqual([])
      expect(ok).toBe(true)
    }
  })

  it('a NaN written as null, or a missing p-value, fails validation', () => {
    const validate = new Ajv2020({ strict: false }).compile(resultsJsonSchema())
    const broken = JSON.parse(JSON.stringify(results[0])) as {
      efficacy: { analyses: { contrasts: Record<string, unknown>[] }[] }
    }
    broken.efficacy.analyses[0]!.contrasts[0]!['estimate'] = null
    expect(validate(broken)).toBe(false)
    delete broken.efficacy.analyses[0]!.contrasts[0]!['estimate']
    expect(validate(broken)).toBe(false)
  })
})
