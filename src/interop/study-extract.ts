/**
 * The plain data every exporter reads: the study design (protocol + forms with their concrete items) and the
 * captured data with its history, as the services' study extraction provides it. Writers are pure functions of
 * this shape, so wiring them to the store is a matter of building one `StudyExtract`.
 *
 * Blinding: a `StudyExtract` for a blinded role is built without `allocations` (the store's blinded projection);
 * writers refuse an extract marked `blinded` that still carries one.
 */
import type { ChoiceOption, EditCheck, ItemDef, ProtocolFile } from '../domain/index.ts'
import type { CompiledProtocol } from '../protocol/index.ts'

/** A value computed from the form: a protocol formula, or an instrument score computed by its code. */
export interface DesignDerived {
  readonly id: string
  readonly label: string
  /** Absent for instrument scores (ALSFRS-R total, …), which are computed by the instrument's code. */
  readonly formula?: string | undefined
  readonly computedBy?: string | undefined
  readonly unit?: string | undefined
  readonly decimals?: number | undefined
  readonly type?: 'integer' | 'decimal' | 'text' | 'boolean' | undefined
}

/** A form as it is captured: instrument items already expanded by `src/protocol`, plus protocol-defined items. */
export interface DesignForm {
  readonly id: string
  readonly label: string
  /** The instrument the form is built on (`ALSFRS-R`, `VITALS`, …), which drives SDTM mapping. */
  readonly instrument?: string | undefined
  readonly repeating: boolean
  readonly items: readonly ItemDef[]
  readonly derived: readonly DesignDerived[]
  readonly checks: readonly EditCheck[]
}

export interface StudyDesign {
  readonly protocol: ProtocolFile
  /** Every form of the protocol, compiled. */
  readonly forms: readonly DesignForm[]
  /** Options of the shared code lists items refer to with `codeList` (from instruments.json). */
  readonly codeLists: Readonly<Record<string, readonly ChoiceOption[]>>
  /** Hash of the protocol version, stamped on every export. */
  readonly protocolHash: string
}

/** A captured value: numbers, codes, ISO dates as strings, booleans; multichoice as the list of chosen codes. */
export type CapturedValue = string | number | boolean | readonly (string | number)[] | null

export interface ExportUser {
  readonly id: string
  readonly name: string
  readonly siteId?: string
}

/** One saved version of a form: who saved it, where, when and why (append-only history). */
export interface FormVersionRecord {
  readonly version: number
  /** Entered values by item id; `null` = cleared or not answered. */
  readonly values: Readonly<Record<string, CapturedValue>>
  /** Derived values by derived id, as computed when this version was saved. */
  readonly derived?: Readonly<Record<string, number | null>>
  readonly userId: string
  readonly siteId: string
  /** ISO-8601 instant. */
  readonly at: string
  /** Reason for change; required by the services for every version after the first. */
  readonly reason?: string
}

export interface SignatureRecord {
  readonly userId: string
  readonly siteId: string
  readonly at: string
  /** Signature meaning id, e.g. `investigator`, `sdv`; defined in `StudyExtract.signatureMeanings`. */
  readonly meaning: string
}

export interface FormRecord {
  readonly formId: string
  /** 1, 2, … for repeating forms. */
  readonly repeatKey?: number
  /** In saving order; the last one is the current state. */
  readonly versions: readonly FormVersionRecord[]
  readonly signatures: readonly SignatureRecord[]
}

export interface VisitRecord {
  /** A protocol visit id, or `UNS` for an unscheduled visit. */
  readonly visitId: string
  readonly repeatKey?: number
  /** ISO date the visit took place. */
  readonly date?: string
  readonly forms: readonly FormRecord[]
}

export interface AllocationRecord {
  readonly periodId: string
  readonly armId: string
  readonly at: string
  readonly userId: string
  readonly siteId: string
}

export interface SubjectRecord {
  readonly subjectKey: string
  readonly siteId: string
  /** Present only in unblinded extracts. */
  readonly allocations?: readonly AllocationRecord[]
  readonly visits: readonly VisitRecord[]
}

export interface SignatureMeaning {
  readonly id: string
  readonly meaning: string
  readonly legalReason: string
}

export interface StudyExtract {
  readonly design: StudyDesign
  readonly subjects: readonly SubjectRecord[]
  readonly users: readonly ExportUser[]
  readonly signatureMeanings: readonly SignatureMeaning[]
  /** True for an extract made for a blinded role: no allocation anywhere. */
  readonly blinded: boolean
  /** ISO-8601 instant of the extraction (the explicit clock). */
  readonly extractedAt: string
  /** Hash of the data snapshot the extract was taken from, when taken at a lock. */
  readonly snapshotHash?: string
}

/** The design from a compiled protocol: instrument items expanded, scores and derived values listed. */
export function designFromCompiled(compiled: CompiledProtocol): StudyDesign {
  return {
    protocol: compiled.protocol,
    protocolHash: compiled.hash,
    codeLists: {},
    forms: compiled.forms.map((f) => ({
      id: f.id,
      label: f.label,
      instrument: f.instrument?.id,
      repeating: f.repeating,
      items: f.items.map(({ source: _source, ...item }) => item),
      derived: [
        ...f.scores.map((s) => ({
          id: s.id,
          label: s.label,
          type: s.type,
          unit: s.unit,
          computedBy: f.instrument?.name ?? f.instrument?.id,
        })),
        ...f.derived.map((d) => ({ id: d.id, label: d.label, formula: d.formula, unit: d.unit, decimals: d.decimals })),
      ],
      checks: f.checks,
    })),
  }
}

/**
 * The design as far as the protocol file alone says it: protocol-defined items only. Instrument forms need
 * `src/protocol`'s compiled forms for their items; this is for protocols without instruments and for tests.
 */
export function designFromProtocol(protocol: ProtocolFile, protocolHash: string): StudyDesign {
  return {
    protocol,
    protocolHash,
    codeLists: {},
    forms: protocol.forms.map((f) => ({
      id: f.id,
      label: f.label,
      repeating: f.repeating,
      items: f.items,
      derived: f.derived,
      checks: f.checks,
    })),
  }
}

/** True when any subject of the extract carries an allocation (used to enforce the blinded contract). */
export function carriesAllocation(extract: Pick<StudyExtract, 'subjects'>): boolean {
  return extract.subjects.some((s) => (s.allocations?.length ?? 0) > 0)
}

/**
 * The ids a blinded reader may not see in a form: items that reveal the allocation (`unblindedOnly`, e.g. the
 * total cell dose) and the derived values whose formula reads one of them (e.g. the share of the dose given).
 */
export function hiddenIds(form: DesignForm): ReadonlySet<string> {
  const hidden = new Set(form.items.filter((i) => i.unblindedOnly).map((i) => i.id))
  if (hidden.size === 0) return hidden
  // Derived values may chain, so repeat until nothing new is hidden.
  for (let grew = true; grew;) {
    grew = false
    for (const d of form.derived) {
      if (hidden.has(d.id) || !d.formula) continue
      const words = new Set(d.formula.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])
      if ([...hidden].some((h) => words.has(h))) {
        hidden.add(d.id)
        grew = true
      }
    }
  }
  return hidden
}

/**
 * What a blinded extract may show: the hidden ids of every form (`hiddenIds`) are removed from the design and
 * from every saved version. Unblinded extracts are returned unchanged.
 */
export function visibleExtract(extract: StudyExtract): StudyExtract {
  if (!extract.blinded) return extract
  const hidden = new Map(extract.design.forms.map((f) => [f.id, hiddenIds(f)]))
  if ([...hidden.values()].every((h) => h.size === 0)) return extract
  const keep = (formId: string) => {
    const h = hidden.get(formId)
    return ([k]: [string, unknown]) => !h?.has(k)
  }
  return {
    ...extract,
    design: {
      ...extract.design,
      forms: extract.design.forms.map((f) => {
        const h = hidden.get(f.id)
        if (!h || h.size === 0) return f
        return {
          ...f,
          items: f.items.filter((i) => !h.has(i.id)),
          derived: f.derived.filter((d) => !h.has(d.id)),
          // An edit check that reads a hidden value would reveal it through the query it raises.
          checks: f.checks.filter((c) => ![...h].some((id) => JSON.stringify(c.when).includes(`"${id}"`))),
        }
      }),
    },
    subjects: extract.subjects.map((s) => ({
      ...s,
      visits: s.visits.map((v) => ({
        ...v,
        forms: v.forms.map((f) => {
          const h = hidden.get(f.formId)
          if (!h || h.size === 0) return f
          return {
            ...f,
            versions: f.versions.map((ver) => ({
              ...ver,
              values: Object.fromEntries(Object.entries(ver.values).filter(keep(f.formId))),
              ...(ver.derived
                ? { derived: Object.fromEntries(Object.entries(ver.derived).filter(keep(f.formId))) }
                : {}),
            })),
          }
        }),
      })),
    })),
  }
}
