#!/usr/bin/env node
// Runs every test (unit, store on both dialects, e2e in Chromium) and ends with the one line CI reads:
// "N passed, M failed", taken from vitest's JSON report rather than its human summary.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'

const report = '.vitest.json'
rmSync(report, { force: true })
const args = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile=${report}`,
  ...process.argv.slice(2),
]
const run = spawnSync('npx', args, { stdio: 'inherit' })
if (!existsSync(report)) {
  console.log('0 passed, 1 failed')
  process.exit(run.status || 1)
}
const r = JSON.parse(readFileSync(report, 'utf8'))
// A file that failed outside any test (an import error, a failed beforeAll hook: its tests are then reported as
// skipped, not failed) counts as one failure, so the line never reads "0 failed" on a failed run.
const failedSuites = (r.testResults ?? []).filter(
  (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
)
const failed = r.numFailedTests + failedSuites.length
console.log(`${r.numPassedTests} passed, ${failed} failed`)
process.exit(failed > 0 || run.status ? 1 : 0)
