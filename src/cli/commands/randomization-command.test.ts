import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { unsealList, type SealedList } from '../../randomization/index.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const BIN = join(ROOT, 'bin/trialdesk.js')
const PROTOCOL = 'protocols/admsc-als.yaml'
const dir = mkdtempSync(join(tmpdir(), 'trialdesk-randomization-'))
const KEY = 'a1'.repeat(32)

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function trialdesk(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, 'randomization', ...args], { cwd: ROOT })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

const out = join(dir, 'list.csv')
const sealed = join(dir, 'list.sealed.json')
const keyFile = join(dir, 'key.hex')
writeFileSync(keyFile, `${KEY}\n`)

// The spawns are independent except verify (which reads the generated list), so they run two waves in parallel.
let generate: Run
let crossover: Run
let report: Run
let textReport: Run
let bad: Record<string, Run>
let verify: Record<string, Run>

beforeAll(async () => {
  const [g, c, r, text, stage, perStratum, missing] = await Promise.all([
    trialdesk(
      'generate',
      '--protocol',
      PROTOCOL,
      '--seed',
      '42',
      '--per-stratum',
      '12',
      '--out',
      out,
      '--seal-key-file',
      keyFile,
      '--sealed-out',
      sealed,
    ),
    trialdesk(
      'generate',
      '--protocol',
      PROTOCOL,
      '--seed',
      'crossover-seed',
      '--stage',
      'crossover',
      '--per-stratum',
      '10',
    ),
    trialdesk('report', '--protocol', PROTOCOL, '--seed', '42', '--per-stratum', '12', '--sims', '40', '--json'),
    trialdesk('report', '--protocol', PROTOCOL, '--stage', 'crossover', '--seed', '7', '--sims', '20'),
    trialdesk('generate', '--protocol', PROTOCOL, '--seed', '42', '--stage', 'nope'),
    trialdesk('generate', '--protocol', PROTOCOL, '--seed', '42', '--per-stratum', '0'),
    trialdesk('generate', '--protocol', 'protocols/missing.yaml', '--seed', '42'),
  ])
  generate = g
  crossover = c
  report = r
  textReport = text
  bad = { stage, perStratum, missing }
  const tampered = join(dir, 'tampered.csv')
  const lines = readFileSync(out, 'utf8').split('\n')
  lines[1] = lines[1]!.replace(/,(D1|D2|D3|P),/, (_, arm: string) => `,${arm === 'P' ? 'D1' : 'P'},`)
  writeFileSync(tampered, lines.join('\n'))
  writeFileSync(`${tampered}.sha256`, readFileSync(`${out}.sha256`))
  const [ok, audited, altered, wrongSeed] = await Promise.all([
    trialdesk('verify', '--list', out),
    trialdesk('verify', '--list', out, '--protocol', PROTOCOL, '--seed', '42'),
    trialdesk('verify', '--list', tampered),
    trialdesk('verify', '--list', out, '--protocol', PROTOCOL, '--seed', '43'),
  ])
  verify = { ok, audited, altered, wrongSeed }
}, 180_000)

describe('trialdesk randomization generate', () => {
  it('writes the CSV with the required columns, and its fingerprint beside it and on stdout', () => {
    expect(generate.code).toBe(0)
    const csv = readFileSync(out, 'utf8')
    const fingerprint = createHash('sha256').update(csv).digest('hex')
    expect(readFileSync(`${out}.sha256`, 'utf8')).toBe(`${fingerprint}  list.csv\n`)
    expect(generate.stdout).toContain(`fingerprint (SHA-256): ${fingerprint}`)
    // Same golden value as the library test: the CLI adds nothing to the list.
    expect(fingerprint).toBe('3cf2ebdcac05d4bd734eb68078fbb9d674d448cbaba2b9ccae9bd3c8862fe078')
    expect(csv.split('\n')[0]).toBe('stratum,sequence,block,block_size,arm,slot_code')
  })

  it('lists at least 12 slots per site in complete blocks of 4 or 8, each 1:1:1:1', () => {
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
    const strata = [...new Set(rows.map((r) => r[0]))]
    expect(strata).toEqual(['site=MAL', 'site=COR', 'site=SVM', 'site=SVR'])
    for (const stratum of strata) {
      const own = rows.filter((r) => r[0] === stratum)
      expect(own.length).toBeGreaterThanOrEqual(12)
      expect(own.map((r) => Number(r[1]))).toEqual(own.map((_, i) => i + 1))
      const blocks = new Map<string, string[][]>()
      for (const r of own) blocks.set(r[2]!, [...(blocks.get(r[2]!) ?? []), r])
      for (const block of blocks.values()) {
        const size = Number(block[0]![3])
        expect([4, 8]).toContain(size)
        expect(block).toHaveLength(size)
        for (const arm of ['D1', 'D2', 'D3', 'P']) expect(block.filter((r) => r[4] === arm)).toHaveLength(size / 4)
      }
    }
  })

  it('seals the same list under the key', () => {
    const envelope = JSON.parse(readFileSync(sealed, 'utf8')) as SealedList
    const opened = unsealList(envelope, Buffer.from(KEY, 'hex'))
    expect(opened.ok).toBe(true)
    expect(envelope.fingerprint).toBe('3cf2ebdcac05d4bd734eb68078fbb9d674d448cbaba2b9ccae9bd3c8862fe078')
    expect(readFileSync(sealed, 'utf8')).not.toContain('site=MAL,1,')
  })

  it('generates the crossover stage 1:1:1 to stdout, the fingerprint on stderr', () => {
    expect(crossover.code).toBe(0)
    const rows = crossover.stdout.trim().split('\n').slice(1)
    expect(rows.every((r) => r.startsWith('all,'))).toBe(true)
    expect(new Set(rows.map((r) => r.split(',')[4]))).toEqual(new Set(['D1', 'D2', 'D3']))
    const fingerprint = createHash('sha256').update(crossover.stdout).digest('hex')
    expect(crossover.stderr).toContain(`fingerprint (SHA-256) ${fingerprint}`)
  })

  it('refuses bad input with exit 2 and one clear line', () => {
    expect(bad['stage']).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'trialdesk: --stage: unknown stage "nope"; stages with an allocation: double-blind, crossover\n',
    })
    expect(bad['perStratum']).toMatchObject({
      code: 2,
      stderr: 'trialdesk: --per-stratum: must be a whole number from 1 to 100000, got "0"\n',
    })
    expect(bad['missing']).toMatchObject({ code: 2, stderr: 'trialdesk: protocols/missing.yaml: file not found\n' })
  })
})

describe('trialdesk randomization verify', () => {
  it('accepts the list against its fingerprint and against the seed', () => {
    expect(verify['ok']).toMatchObject({ code: 0 })
    expect(verify['ok']!.stdout).toContain('OK — matches fingerprint 3cf2ebdc')
    expect(verify['audited']).toMatchObject({ code: 0 })
    expect(verify['audited']!.stdout).toContain('and the list the seed generates')
  })

  it('fails (exit 1) on an altered list or the wrong seed, naming the problem', () => {
    expect(verify['altered']!.code).toBe(1)
    expect(verify['altered']!.stderr).toMatch(/list does not match its fingerprint/)
    expect(verify['wrongSeed']!.code).toBe(1)
    expect(verify['wrongSeed']!.stderr).toMatch(/differs from the seed's list at sequence 1/)
  })
})

describe('trialdesk randomization report', () => {
  it('reports balance per stratum and block, and predictability for the protocol and alternative schemes', () => {
    expect(report.code).toBe(0)
    const json = JSON.parse(report.stdout) as {
      stage: string
      list: { balance: { allBlocksExact: boolean; strata: { stratum: string; blocks: unknown[] }[] } }
      simulations: { label: string; correctGuessRate: number; chanceRate: number; sims: number }[]
    }
    expect(json.stage).toBe('double-blind')
    expect(json.list.balance.allBlocksExact).toBe(true)
    expect(json.list.balance.strata.map((s) => s.stratum)).toEqual(['site=MAL', 'site=COR', 'site=SVM', 'site=SVR'])
    expect(json.simulations[0]?.label).toBe('permuted blocks {4, 8} by site')
    expect(json.simulations.map((s) => s.label)).toContain('minimisation p=0.8 bound 3 (site, onset, progression)')
    for (const s of json.simulations) {
      expect(s.sims).toBe(40)
      expect(s.correctGuessRate).toBeGreaterThan(0.2)
      expect(s.chanceRate).toBe(0.25)
    }
  })
})

describe('trialdesk randomization report (text)', () => {
  it('prints the list balance per stratum and block, then the scheme comparison', () => {
    expect(textReport.code).toBe(0)
    const lines = textReport.stdout.split('\n')
    expect(lines[0]).toBe('ADMSC-ALS v1.0, stage crossover: permuted blocks {3, 6} (ratio D1:D2:D3 = 1:1:1)')
    expect(lines.find((l) => l.startsWith('stratum'))).toMatch(/blocks \(size:D1\/D2\/D3\)$/)
    expect(lines.find((l) => l.startsWith('all '))).toMatch(/ yes .* [36]:[12]\/[12]\/[12]/)
    expect(textReport.stdout).toContain('20 simulated trials of 10 subjects per scheme')
    expect(lines.find((l) => l.startsWith('permuted blocks {3, 6} (protocol)'))).toBeDefined()
  })
})
