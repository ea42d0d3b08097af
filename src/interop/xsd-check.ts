/**
 * Validates an XML file against the CDISC ODM 1.3.2 schemas with libxml2's `xmllint` (Debian libxml2-utils),
 * the reference validator the tests and `trialdesk export odm --validate` use. No network: `--nonet`.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const ODM_XSD = fileURLToPath(
  new URL('../../data/schemas/odm-1.3.2/cdisc-odm-1.3.2/ODM1-3-2.xsd', import.meta.url),
)

const XMLLINT_CANDIDATES = ['/usr/bin/xmllint', '/usr/local/bin/xmllint']

/** Path of xmllint, or undefined when it is not installed. */
export function findXmllint(): string | undefined {
  return XMLLINT_CANDIDATES.find((p) => existsSync(p))
}

export interface XsdOutcome {
  readonly valid: boolean
  /** xmllint's messages (one per line), empty when valid. */
  readonly errors: readonly string[]
}

/** Validates `file` against `xsd` (default: ODM 1.3.2). Throws only when xmllint is missing. */
export function validateXmlFile(file: string, xsd: string = ODM_XSD): XsdOutcome {
  const xmllint = findXmllint()
  if (!xmllint) throw new Error('xmllint is not installed (apt-get install libxml2-utils)')
  const run = spawnSync(xmllint, ['--noout', '--nonet', '--schema', xsd, file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  const errors = (run.stderr ?? '').split('\n').filter((l) => l.trim() !== '' && !/ validates$/.test(l))
  return { valid: run.status === 0, errors }
}
