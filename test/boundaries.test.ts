/**
 * The folder layout is the architecture: this test fails when a module reaches past another's door
 * (`index.ts`) or imports against the dependency direction in ARCHITECTURE.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../src')

/** What every shell (api, web, cli) may import: the services and read models, never the statistics core. */
const SHELL_BASE = [
  'domain',
  'protocol',
  'instruments',
  'access',
  'capture',
  'audit',
  'store',
  'randomization',
  'analysis',
  'report',
  'platform',
  'config',
] as const

/**
 * Which of our modules each module may import. The shells stack: the web pages mount on the API's app (and
 * reuse its middleware), the CLI starts both; the API never imports the web or the CLI.
 */
const ALLOWED: Record<string, readonly string[]> = {
  domain: [],
  instruments: ['domain'],
  protocol: ['domain', 'instruments'],
  randomization: ['domain', 'protocol'],
  access: ['domain'],
  stats: [],
  audit: ['domain', 'store'],
  store: ['domain', 'protocol', 'randomization', 'instruments'],
  capture: ['domain', 'protocol', 'instruments', 'randomization', 'access', 'audit', 'store'],
  analysis: ['domain', 'protocol', 'instruments', 'stats', 'store', 'access', 'capture'],
  report: ['domain', 'analysis', 'stats'],
  simulation: [
    'domain',
    'protocol',
    'instruments',
    'randomization',
    'stats',
    'analysis',
    'capture',
    'store',
    'access',
    'platform',
    'report',
  ],
  interop: ['domain', 'protocol', 'instruments', 'capture', 'store', 'access', 'analysis'],
  platform: ['domain'],
  config: ['domain'],
  api: [...SHELL_BASE, 'interop'],
  web: [...SHELL_BASE, 'api'],
  cli: [...SHELL_BASE, 'stats', 'simulation', 'interop', 'api', 'web'],
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(name) ? [path] : []
  })
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .map((m) => m[1] ?? m[2] ?? '')
    .filter((s) => s.startsWith('.'))
}

describe('module boundaries', () => {
  const files = sourceFiles(SRC).filter((f) => !/\.test\.tsx?$/.test(f))
  it('finds the sources', () => expect(files.length).toBeGreaterThan(3))

  it('every import of another module goes through its index.ts and follows the dependency direction', () => {
    const violations: string[] = []
    for (const file of files) {
      const from = relative(SRC, file).split('/')[0] ?? ''
      if (!from.endsWith('.ts') && !(from in ALLOWED))
        violations.push(`${relative(SRC, file)}: module "${from}" is not in the layout`)
      for (const spec of importsOf(file)) {
        const target = relative(SRC, resolve(dirname(file), spec))
        if (target.startsWith('..')) continue
        const [to, ...rest] = target.split('/')
        if (!to || to === from || to.endsWith('.ts')) continue
        if (rest.join('/') !== 'index.ts' && rest.join('/') !== 'index.tsx') {
          violations.push(`${relative(SRC, file)} reaches into ${target} (use ${to}/index.ts)`)
        }
        if (from in ALLOWED && !(ALLOWED[from] ?? []).includes(to)) {
          violations.push(`${relative(SRC, file)} imports ${to}, which ${from} may not depend on`)
        }
      }
    }
    expect(violations).toEqual([])
  })
})
