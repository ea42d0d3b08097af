import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')
interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real CLI (tsx registered in the main thread only, as users run it). */
function trialdesk(args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(ROOT, 'bin/trialdesk.js'), ...args],
      { cwd: ROOT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
      },
    )
  })
}

const ORAL = ['power', '--protocol', 'protocols/oral-als-2arm.yaml', '--n', '10', '--effect', 'slope=0.5']
const out = mkdtempSync(join(tmpdir(), 'trialdesk-power-'))
let oneThread: Run, pooled: Run, table: Run, bad: Run, badEffect: Run

beforeAll(async () => {
  ;[oneThread, pooled, table, bad, badEffect] = await Promise.all([
    trialdesk([...ORAL, '--sims', '20', '--seed', '11', '--threads', '1', '--json']),
    trialdesk([...ORAL, '--sims', '20', '--seed', '11', '--threads', '2', '--json', '--out', out]),
    trialdesk([...ORAL, '--sims', '10', '--seed', '2', '--threads', '1', '--enrich', 'none,fast']),
    trialdesk([
      'power',
      '--protocol',
      'protocols/admsc-als.yaml',
      '--n',
      '0,abc',
      '--sims',
      '-1',
      '--enrich',
      'fast:x',
    ]),
    trialdesk(['power', '--protocol', 'protocols/admsc-als.yaml', '--n', '20', '--effect', 'slope:D9=0.3']),
  ])
}, 120_000)

type Row = Record<string, unknown> & { workerMs: unknown }

describe('trialdesk power', () => {
  it('prints one JSON object per scenario with n per arm, effect, sims, power and its Monte-Carlo error', () => {
    expect(oneThread.stderr).toBe('')
    expect(oneThread.code).toBe(0)
    const rows = JSON.parse(oneThread.stdout) as Row[]
    expect(rows).toHaveLength(2)
    expect(rows.map((r) => [r['n'], r['nPerArm'], r['effect'], r['sims'], r['null']])).toEqual([
      [10, { TDX: 20, PBO: 10 }, 'none', 20, true],
      [10, { TDX: 20, PBO: 10 }, 'slope=0.5', 20, false],
    ])
    for (const r of rows) {
      const power = r['power'] as number
      expect(power).toBeGreaterThanOrEqual(0)
      expect(r['mcse']).toBeCloseTo(Math.sqrt((power * (1 - power)) / 20), 12)
      expect(r['seed']).toBe(11)
    }
  })

  it('gives the same answer on worker threads (tsx loaded into each worker) and writes the curve', () => {
    expect(pooled.code).toBe(0)
    const strip = (text: string) => (JSON.parse(text) as Row[]).map(({ workerMs: _, ...r }) => r)
    expect(strip(pooled.stdout)).toEqual(strip(oneThread.stdout))
    expect(JSON.parse(readFileSync(join(out, 'power.json'), 'utf8'))).toEqual(JSON.parse(pooled.stdout))
    expect(readFileSync(join(out, 'power-curve.svg'), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(readFileSync(join(out, 'power-curve.html'), 'utf8')).toContain('ORAL-ALS')
  })

  it('prints an aligned table with the design, the success rule and the timing', () => {
    expect(table.code).toBe(0)
    const lines = table.stdout.split('\n')
    expect(lines[0]).toMatch(/^ORAL-ALS v2\.1 \(sha256 [0-9a-f]{12}\): primary endpoint ALSFRS-R total/)
    expect(lines).toContain(
      'design "ΔFS≥0.8": TDX vs PBO (2:1) · 9 visits over 11 months · effect from day 0 · baseline-adjusted, α 0.05 · ' +
        'model attrition · enrolment ΔFS≥0.8 (33% eligible) · natural-history model',
    )
    const header = lines.find((l) => l.startsWith('#'))!
    expect(header.split(/\s{2,}/)).toEqual([
      '#',
      'design',
      'n/arm',
      'N',
      'visits',
      'effect',
      'sims',
      'power',
      '95% MC CI',
      'MCSE',
      'mean Δslope',
      'closed form',
      'complete',
      'failed',
    ])
    const rows = lines.slice(lines.indexOf(header) + 1, lines.indexOf(header) + 5)
    expect(rows.map((r) => r.split(/\s{2,}/)[5])).toEqual(['none (type I)', 'slope=0.5', 'none (type I)', 'slope=0.5'])
    expect(table.stdout).toContain(
      'power = share of trials in which the slope contrast TDX vs PBO is significant at two-sided α = 0.05',
    )
    expect(table.stdout).toMatch(/40 trials in [0-9.]+ s on 1 thread\(s\); fitting \d+% of worker time/)
  })

  it('reports every bad flag at once and exits 2', () => {
    expect(bad.code).toBe(2)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toContain('--n [0]')
    expect(bad.stderr).toContain('--n [1]: must be a number, not "abc"')
    expect(bad.stderr).toContain('--sims')
    expect(bad.stderr).toContain('--enrich [0]: must be none, fast, slow, fast:<ΔFS> or slow:<ΔFS>')
    expect(badEffect.code).toBe(2)
    expect(badEffect.stderr).toBe('trialdesk: --effect: arm "D9" is not in the design\n')
  })
})
