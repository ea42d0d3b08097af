/**
 * Test support: the reference protocol through the real loader, and edited copies of it for scheme variants.
 * Edits bypass the loader on purpose, so that this module's own checks are tested even for protocols the
 * protocol validator might also refuse.
 */
import { readFileSync } from 'node:fs'
import type { Allocation, ProtocolFile } from '../domain/index.ts'
import { hashProtocol, parseProtocolText, type ProtocolVersion } from '../protocol/index.ts'

export const REFERENCE_PROTOCOL_PATH = new URL('../../protocols/admsc-als.yaml', import.meta.url).pathname

let reference: ProtocolVersion | undefined

/** The reference trial's protocol (AdMSC in ALS), loaded once. */
export function referenceProtocol(): ProtocolVersion {
  if (!reference) {
    const result = parseProtocolText(readFileSync(REFERENCE_PROTOCOL_PATH, 'utf8'), REFERENCE_PROTOCOL_PATH)
    if (!result.ok) throw new Error(`reference protocol invalid: ${JSON.stringify(result.problems)}`)
    reference = result.value
  }
  return reference
}

/** A deep copy of the reference protocol changed by `edit`. */
export function editedProtocol(edit: (protocol: ProtocolFile) => void): ProtocolVersion {
  const protocol = structuredClone(referenceProtocol().protocol)
  edit(protocol)
  return { protocol, hash: hashProtocol(protocol), source: '<edited reference protocol>' }
}

/** The reference protocol with the first period's allocation replaced. */
export function withFirstAllocation(allocation: Allocation): ProtocolVersion {
  return editedProtocol((p) => {
    const first = p.periods[0]
    if (first) first.allocation = allocation
  })
}
