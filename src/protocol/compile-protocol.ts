/**
 * A validated protocol compiled for use: forms resolved into concrete items (see `compile-form.ts`) and
 * visits placed on the nominal timeline with their period. The result is plain data: the API serves it, the
 * web renders forms from it, and `protocol show --json` prints it.
 */
import type { ProtocolFile, Visit } from '../domain/index.ts'
import { compileForm, type CompiledForm } from './compile-form.ts'
import type { ProtocolVersion } from './load-protocol.ts'
import { nominalAnchorDays, nominalStudyDay, visitPeriod, type AnchorDays } from './visit-timeline.ts'

export interface CompiledVisit extends Visit {
  /** Position in the protocol's visit list. */
  readonly index: number
  /** The period the visit belongs to; null for screening visits before randomization. */
  readonly periodId: string | null
  /** Planned study day (randomization = day 0), when the anchor's nominal day is derivable. */
  readonly studyDay: number | null
}

export interface CompiledProtocol {
  readonly protocol: ProtocolFile
  /** SHA-256 of the protocol's canonical content. */
  readonly hash: string
  readonly forms: readonly CompiledForm[]
  readonly visits: readonly CompiledVisit[]
  /** Nominal study day of each anchor (`screening`, `randomization`, `infusion`, `period:<id>`). */
  readonly anchorDays: AnchorDays
}

/**
 * Compiles a validated protocol version. Versions come from `loadProtocolFile`/`protocolFromData`, which have
 * already reported every problem, so a failure here is a defect and throws.
 */
export function compileProtocol(version: ProtocolVersion): CompiledProtocol {
  const { protocol } = version
  const forms = protocol.forms.map((def, i) => {
    const { form, problems } = compileForm(def, `forms[${i}]`, protocol.product)
    if (!form || problems.length > 0)
      throw new Error(`compileProtocol: form ${def.id} is invalid; validate the protocol first`)
    return form
  })
  const anchorDays = nominalAnchorDays(protocol)
  const visits = protocol.visits.map((v, index): CompiledVisit => ({
    ...v,
    index,
    periodId: visitPeriod(protocol, v, anchorDays),
    studyDay: nominalStudyDay(v, anchorDays),
  }))
  return { protocol, hash: version.hash, forms, visits, anchorDays }
}

/** The compiled form with that id, if the protocol has one. */
export function findForm(compiled: CompiledProtocol, formId: string): CompiledForm | undefined {
  return compiled.forms.find((f) => f.id === formId)
}

/** The forms due at a visit, in the visit's order. */
export function visitForms(compiled: CompiledProtocol, visitId: string): CompiledForm[] {
  const visit = compiled.visits.find((v) => v.id === visitId)
  return (visit?.forms ?? []).flatMap((id) => compiled.forms.filter((f) => f.id === id))
}
