/**
 * Crash safety of the embedded database: a writer killed with SIGKILL in the middle of a stream of audited
 * writes loses nothing it had acknowledged, and the audit chain still verifies.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'
import { verifyAuditChain } from '../audit/index.ts'
import { openStore } from './index.ts'

const WRITER = resolve(import.meta.dirname, '../../test/support/crash-writer.ts')

it('every acknowledged write survives SIGKILL of the writer, and the audit chain verifies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trialdesk-crash-'))
  const file = join(dir, 'crash.sqlite')
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file], { stdio: ['ignore', 'pipe', 'inherit'] })
    const acknowledged: { seq: number; site: string }[] = []
    let buffer = ''
    await new Promise<void>((done, failed) => {
      child.on('error', failed)
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8')
        const lines = buffer.split('\n')
        buffer = lines.pop() ?? ''
        for (const line of lines) {
          const [seq, site] = line.split(' ')
          acknowledged.push({ seq: Number(seq), site: site ?? '' })
        }
        if (acknowledged.length >= 400 && child.exitCode === null) child.kill('SIGKILL')
      })
      child.on('exit', (_code, signal) =>
        signal === 'SIGKILL' ? done() : failed(new Error(`writer exited on its own (${String(signal)})`)),
      )
    })
    expect(acknowledged.length).toBeGreaterThanOrEqual(400)

    const store = await openStore(file)
    try {
      const sites = new Set((await store.db.selectFrom('site').select('id').execute()).map((r) => r.id))
      const missing = acknowledged.filter((a) => !sites.has(a.site))
      expect(missing).toEqual([])
      const verified = await verifyAuditChain(store)
      expect(verified.ok).toBe(true)
      expect(verified.records).toBeGreaterThanOrEqual(acknowledged.at(-1)?.seq ?? 0)
      // Nothing half-written: every site row has its audit record and vice versa.
      expect(verified.records).toBe(sites.size)
    } finally {
      await store.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 60_000)
