import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')
interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real CLI with `input` on standard input. */
function trialdesk(args: readonly string[], input = ''): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [resolve(ROOT, 'bin/trialdesk.js'), ...args],
      { cwd: ROOT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
      },
    )
    child.stdin?.end(input)
  })
}

const ALSFRS = { Q1: 4, Q2: 3, Q3: 4, Q4: 3, Q5A: 3, Q6: 3, Q7: 3, Q8: 2, Q9: 2, Q10: 4, Q11: 4, Q12: 4 }
const { Q9: _, ...incomplete } = ALSFRS
let fromFile: Run, partial: Run, invalid: Run, mas: Run, unknown: Run

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'trialdesk-score-')), 'alsfrs.json')
  writeFileSync(file, JSON.stringify({ ...ALSFRS, onsetDate: '2025-01-01', assessmentDate: '2026-01-01', died: false }))
  ;[fromFile, partial, invalid, mas, unknown] = await Promise.all([
    trialdesk(['score', 'ALSFRS-R', file]),
    trialdesk(['score', 'alsfrs-r', '-'], JSON.stringify(incomplete)),
    trialdesk(['score', 'ALSFRS-R', '-'], JSON.stringify({ ...ALSFRS, Q1: 7, Q5B: 2, Q99: 1, died: 'no' })),
    trialdesk(
      ['score', 'MAS', '-', '--muscle-groups', 'kneeExtensors'],
      JSON.stringify({ kneeExtensors_left: '1+', kneeExtensors_right: '4' }),
    ),
    trialdesk(['score', 'FAB', '-'], '{}'),
  ])
}, 120_000)

describe('trialdesk score', () => {
  it('scores an ALSFRS-R file with the contract other tools rely on', () => {
    expect(fromFile.stderr).toBe('')
    expect(fromFile.code).toBe(0)
    const out = JSON.parse(fromFile.stdout) as Record<string, unknown>
    expect(out).toMatchObject({
      total: 39,
      subscores: { bulbar: 11, fineMotor: 9, grossMotor: 7, respiratory: 12 },
      kingsStage: '3',
      mitosStage: 0,
    })
    expect(out['deltaFS']).toBeCloseTo(9 / (365 / 30.4375), 10)
  })

  it('gives null totals for an incomplete form read from standard input', () => {
    expect(partial.code).toBe(0)
    expect(JSON.parse(partial.stdout)).toMatchObject({
      total: null,
      subscores: { grossMotor: null, bulbar: 11 },
      kingsStage: null,
      deltaFS: null,
    })
  })

  it('lists every invalid item and exits 2', () => {
    expect(invalid.code).toBe(2)
    expect(invalid.stdout).toBe('')
    expect(invalid.stderr.split('\n').filter(Boolean)).toEqual([
      'trialdesk: standard input: died: must be true or false',
      'trialdesk: standard input: Q1: must be one of 4, 3, 2, 1, 0',
      'trialdesk: standard input: Q99: unknown item (expected Q1, Q2, Q3, Q4, Q5A, Q5B, Q6, Q7, Q8, Q9, Q10, Q11, Q12)',
      'trialdesk: standard input: Q5: answer exactly one of Q5A (without gastrostomy) or Q5B (with gastrostomy), not both',
    ])
  })

  it('scores MAS for the muscle groups given, and names an unknown instrument', () => {
    expect(JSON.parse(mas.stdout)).toMatchObject({ sumOrdinal: 7, countRated: 2, maxOrdinal: 5 })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^trialdesk: unknown instrument "FAB" \(known: ALSFRS-R, MAS, ECAS/)
  })
})
