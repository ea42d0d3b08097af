/** vitest strips types without checking them, so the type gate runs as a test too. */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { expect, it } from 'vitest'

it('tsc --noEmit reports no type errors', () => {
  const root = resolve(import.meta.dirname, '..')
  const run = spawnSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], {
    encoding: 'utf8',
  })
  expect(run.stdout + run.stderr).toBe('')
  expect(run.status).toBe(0)
}, 240_000)
