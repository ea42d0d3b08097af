import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')
interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real CLI (`node bin/trialdesk.js ...`); the runs of a suite start together to share the startup cost. */
function trialdesk(...args: string[]): Promise<Run> {
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

const BROKEN: Array<[string, string]> = [
  ['unknown-form.yaml', 'visits[2].forms[1]: unknown form "LABS"'],
  ['ratio-mismatch.yaml', 'periods[0].allocation.ratio.B: unknown arm "B"'],
  ['window-overlap.yaml', 'visits[2].window: overlaps visit M2 (days 54–68)'],
]
const EXAMPLES = ['protocols/admsc-als.yaml', 'protocols/oral-als-2arm.yaml']

const runs = new Map<string, Run>()
beforeAll(async () => {
  const commands = [
    ...EXAMPLES.map((f) => ['protocol', 'check', f]),
    ...BROKEN.map(([name]) => ['protocol', 'check', `test/fixtures/protocols/${name}`]),
    ['protocol', 'show', 'protocols/admsc-als.yaml'],
    ['protocol', 'show', 'protocols/oral-als-2arm.yaml', '--json'],
  ]
  const results = await Promise.all(commands.map((c) => trialdesk(...c)))
  commands.forEach((c, i) => runs.set(c.join(' '), results[i] as Run))
}, 120_000)
const run = (...args: string[]): Run => {
  const r = runs.get(args.join(' '))
  if (!r) throw new Error(`not run: ${args.join(' ')}`)
  return r
}

describe('trialdesk protocol check', () => {
  for (const file of EXAMPLES) {
    it(`passes ${file}`, () => {
      const r = run('protocol', 'check', file)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`^${file}: OK — `))
    })
  }

  for (const [name, message] of BROKEN) {
    it(`fails ${name} with exit 2, naming the path`, () => {
      const file = `test/fixtures/protocols/${name}`
      const r = run('protocol', 'check', file)
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toContain(`trialdesk: ${file}: ${message}\n`)
    })
  }
})

describe('trialdesk protocol show', () => {
  it('prints the design as aligned text', () => {
    const r = run('protocol', 'show', 'protocols/admsc-als.yaml')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toMatch(/^ADMSC-ALS — AdMSC in ALS \(protocol version 1\.0, sha256 [0-9a-f]{12}\)$/)
    expect(r.stdout).toContain('  P   Placebo                placebo                   blinded as "Study product"')
    expect(r.stdout).toContain('  D3  AdMSC 4×10^6 cells/kg  active   4×10^6 cells/kg  blinded as "Study product"')
    expect(r.stdout).toContain('allocation: permuted blocks of 4 or 8, ratio D1:D2:D3:P = 1:1:1:1, stratified by site')
    expect(r.stdout).toContain(
      'subjects on P re-allocated: permuted blocks of 3 or 6, ratio D1:D2:D3 = 1:1:1; the others receive P',
    )
    // Visit rows: target day and window relative to the anchor, then the study day from randomization.
    expect(lines.find((l) => l.startsWith('  M1 '))).toMatch(
      /^ {2}M1 +Month 1 +infusion +30 +23…37 +33 +double-blind +VITALS ALSFRS SPIRO$/,
    )
    expect(lines.find((l) => l.startsWith('  SCR '))).toMatch(
      /screening +0 +on the day +-49 +screening +\[consent\] \[eligibility\] DEMOG/,
    )
    expect(lines.find((l) => l.startsWith('  M7 '))).toMatch(/period:crossover +30 +23…37 +213 +crossover/)
  })

  it('prints the compiled protocol as JSON with --json', () => {
    const r = run('protocol', 'show', 'protocols/oral-als-2arm.yaml', '--json')
    expect(r.code).toBe(0)
    const compiled = JSON.parse(r.stdout) as {
      protocol: { study: { id: string } }
      forms: Array<{ id: string; items: unknown[] }>
      hash: string
    }
    expect(compiled.protocol.study.id).toBe('ORAL-ALS')
    expect(compiled.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(compiled.forms.find((f) => f.id === 'ALSFRS')?.items).toHaveLength(13)
  })
})
