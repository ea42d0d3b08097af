/**
 * `npm run bench`: speed and memory figures against the named peers, printed (never pass/fail).
 * Sections run one after another in this process so they do not compete for the two cores;
 * `npm run bench -- stats store` runs only the named sections.
 */
import { sections } from './sections.ts'

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const chosen = sections.filter((s) => wanted.length === 0 || wanted.includes(s.id))
if (chosen.length === 0) {
  console.error(`unknown section(s) ${wanted.join(', ')}; known: ${sections.map((s) => s.id).join(', ')}`)
  process.exit(2)
}
console.log(`TrialDesk bench — node ${process.version}, ${new Date().toISOString()}`)
for (const section of chosen) {
  console.log(`\n== ${section.title} ==`)
  const started = performance.now()
  await section.run()
  console.log(`(section took ${((performance.now() - started) / 1000).toFixed(1)} s)`)
}
