/**
 * `npm run bench`: speed and memory figures against the named peers, printed (never pass/fail).
 * Sections run one after another, each in a fresh Node process, so they neither compete for the two cores nor
 * inherit one another's heap (a server measured after the 1M-row survival data pays for that heap in GC time);
 * `npm run bench -- stats store` runs only the named sections.
 */
import { spawnSync } from 'node:child_process'
import { sections } from './sections.ts'

const INNER = '--in-process'
const args = process.argv.slice(2)
const wanted = args.filter((a) => !a.startsWith('-'))
const chosen = sections.filter((s) => wanted.length === 0 || wanted.includes(s.id))
if (chosen.length === 0) {
  console.error(`unknown section(s) ${wanted.join(', ')}; known: ${sections.map((s) => s.id).join(', ')}`)
  process.exit(2)
}

if (args.includes(INNER)) {
  for (const section of chosen) await section.run()
} else {
  console.log(`TrialDesk bench — node ${process.version}, ${new Date().toISOString()}`)
  let failed = 0
  for (const section of chosen) {
    console.log(`\n== ${section.title} ==`)
    const started = performance.now()
    const run = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, section.id, INNER], {
      stdio: 'inherit',
    })
    if (run.status !== 0) failed++
    console.log(`(section took ${((performance.now() - started) / 1000).toFixed(1)} s)`)
  }
  process.exit(failed > 0 ? 1 : 0)
}
