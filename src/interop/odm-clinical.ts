/**
 * ODM clinical data → TrialDesk values, through the OID mapping made from the file's metadata. Each FormData
 * becomes one form save (values typed as the protocol item stores them, with who/when/why from its audit
 * record), ready for the capture services to load as an audited import. Values that cannot be stored are
 * reported, never guessed.
 */
import type { ItemType } from '../domain/index.ts'
import type { ReportCollector } from './import-report.ts'
import type { OdmAuditRecord, OdmSignature, OdmSubjectData } from './odm-model.ts'
import type { ItemTarget, OdmMapping } from './odm-to-protocol.ts'
import { ALLOCATION_FORM, UNSCHEDULED_VISIT } from './odm-oids.ts'
import type {
  AllocationRecord,
  CapturedValue,
  FormRecord,
  FormVersionRecord,
  SignatureRecord,
  SubjectRecord,
  VisitRecord,
} from './study-extract.ts'

export interface ImportedAudit {
  readonly userOid?: string | undefined
  readonly locationOid?: string | undefined
  readonly at?: string | undefined
  readonly reason?: string | undefined
  readonly sourceId?: string | undefined
}

/** One FormData of the file: a form save for the services. */
export interface ImportedFormSave {
  readonly visitId: string
  readonly visitRepeatKey?: number | undefined
  readonly formId: string
  readonly formRepeatKey?: number | undefined
  readonly transactionType?: string | undefined
  readonly values: Readonly<Record<string, CapturedValue>>
  readonly derived: Readonly<Record<string, number | null>>
  /** Items removed by this transaction (Transactional files). */
  readonly removed: readonly string[]
  readonly audit?: ImportedAudit | undefined
  readonly signature?: (ImportedAudit & { readonly meaningOid?: string | undefined }) | undefined
}

export interface ImportedSubject {
  readonly subjectKey: string
  readonly siteId?: string | undefined
  readonly saves: readonly ImportedFormSave[]
}

const YES = new Set(['1', 'true', 'yes', 'y'])
const NO = new Set(['0', 'false', 'no', 'n'])

/** Converts a raw ODM value to the stored type, or says why it cannot be. */
export function convertValue(raw: string, type: ItemType, numericCodes: boolean): CapturedValue | { reason: string } {
  const v = raw.trim()
  switch (type) {
    case 'integer':
      return /^[+-]?\d+$/.test(v) && Number.isSafeInteger(Number(v))
        ? Number(v)
        : { reason: `"${raw}" is not a whole number` }
    case 'decimal': {
      const n = Number(v)
      return v !== '' && Number.isFinite(n) ? n : { reason: `"${raw}" is not a number` }
    }
    case 'boolean':
      if (YES.has(v.toLowerCase())) return true
      if (NO.has(v.toLowerCase())) return false
      return { reason: `"${raw}" is not a yes/no value` }
    case 'choice': {
      if (!numericCodes) return raw
      const n = Number(v)
      return v !== '' && Number.isFinite(n) ? n : { reason: `"${raw}" is not one of the numeric codes` }
    }
    case 'multichoice': {
      const codes = v
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '')
      return numericCodes ? codes.map(Number) : codes
    }
    default:
      return raw
  }
}

function audit(a: OdmAuditRecord | undefined): ImportedAudit | undefined {
  return (
    a && {
      userOid: a.userOid,
      locationOid: a.locationOid,
      at: a.dateTimeStamp,
      reason: a.reasonForChange,
      sourceId: a.sourceId,
    }
  )
}

function signature(s: OdmSignature | undefined): ImportedFormSave['signature'] {
  return s && { userOid: s.userOid, locationOid: s.locationOid, at: s.dateTimeStamp, meaningOid: s.signatureOid }
}

function repeatNumber(key: string | undefined): number | undefined {
  if (key === undefined) return undefined
  const n = Number(key)
  return Number.isInteger(n) && n > 0 ? n : undefined
}

/** Maps one SubjectData; anything unmapped goes to `report` with its line. */
export function mapOdmSubject(subject: OdmSubjectData, mapping: OdmMapping, report: ReportCollector): ImportedSubject {
  const saves: ImportedFormSave[] = []
  const flattened = new Set(mapping.flattenedGroups)
  for (const event of subject.events) {
    const mapped = mapping.events[event.studyEventOid]
    const eventRepeat = repeatNumber(event.repeatKey)
    let visitId = mapped
    let visitRepeatKey = mapped === UNSCHEDULED_VISIT ? eventRepeat : undefined
    if (mapped && mapping.repeatingEvents.includes(event.studyEventOid) && (eventRepeat ?? 1) > 1) {
      visitId = UNSCHEDULED_VISIT
      visitRepeatKey = eventRepeat
    }
    if (!visitId) {
      report.add(
        `StudyEventData ${event.studyEventOid}`,
        'event not in the metadata; its forms were not loaded',
        subject.line,
      )
      continue
    }
    for (const form of event.forms) {
      const formId = mapping.forms[form.formOid]
      const targets = mapping.items[form.formOid]
      if (!formId || !targets) {
        report.add(
          `FormData ${form.formOid}`,
          'form not in the metadata (or left out of the protocol); not loaded',
          subject.line,
        )
        continue
      }
      const values: Record<string, CapturedValue> = {}
      const derived: Record<string, number | null> = {}
      const removed: string[] = []
      for (const group of form.groups) {
        if (flattened.has(group.itemGroupOid) && (repeatNumber(group.repeatKey) ?? 1) > 1) {
          report.add(
            `ItemGroupData ${group.itemGroupOid}`,
            'repeat beyond the first of a repeating group in a non-repeating form; not loaded',
            group.items[0]?.line,
          )
          continue
        }
        for (const item of group.items) {
          const target: ItemTarget | undefined = targets[item.itemOid]
          if (!target) {
            report.add(`ItemData ${item.itemOid}`, `item not in form ${formId}; not loaded`, item.line)
            continue
          }
          if (target.kind === 'skip') {
            if (item.value !== null) report.add(`ItemData ${item.itemOid}`, target.reason, item.line)
            continue
          }
          const id = target.kind === 'derived' ? target.derivedId : target.itemId
          if (item.transactionType === 'Remove' || item.value === null) {
            if (item.transactionType === 'Remove') removed.push(id)
            continue
          }
          if (target.kind === 'derived') {
            const n = Number(item.value)
            derived[id] = item.value.trim() !== '' && Number.isFinite(n) ? n : null
          } else if (target.kind === 'option') {
            const list = (values[id] as (string | number)[] | undefined) ?? []
            if (YES.has(item.value.trim().toLowerCase())) list.push(target.code)
            values[id] = list
          } else {
            const v = convertValue(item.value, target.type, target.numericCodes)
            if (v !== null && typeof v === 'object' && !Array.isArray(v))
              report.add(`ItemData ${item.itemOid}`, `${(v as { reason: string }).reason}; not loaded`, item.line)
            else values[id] = v as CapturedValue
          }
        }
      }
      saves.push({
        visitId,
        visitRepeatKey,
        formId,
        formRepeatKey: repeatNumber(form.repeatKey),
        transactionType: form.transactionType,
        values,
        derived,
        removed,
        audit: audit(form.audit ?? event.audit ?? subject.audit),
        signature: signature(form.signature),
      })
    }
  }
  return { subjectKey: subject.subjectKey, siteId: subject.siteOid ? mapping.sites[subject.siteOid] : undefined, saves }
}

/** How the file's user, location and signature OIDs map to TrialDesk ids. */
export interface OdmIdResolver {
  readonly user: (oid: string | undefined) => string
  readonly site: (oid: string | undefined) => string
  readonly meaning: (oid: string | undefined) => string
}

/**
 * Rebuilds subjects with their form history from mapped saves (one version per FormData, in file order), and
 * allocations from TrialDesk's own allocation form. Used to compare an import with the extract it came from.
 */
export function toSubjectRecords(imported: readonly ImportedSubject[], ids: OdmIdResolver): SubjectRecord[] {
  const bySubject = new Map<
    string,
    {
      siteId: string
      visits: Map<string, { visit: VisitRecord; forms: Map<string, FormRecord> }>
      allocations: AllocationRecord[]
    }
  >()
  for (const s of imported) {
    let subject = bySubject.get(s.subjectKey)
    if (!subject) {
      subject = { siteId: s.siteId ?? '', visits: new Map(), allocations: [] }
      bySubject.set(s.subjectKey, subject)
    }
    for (const save of s.saves) {
      const who = {
        userId: ids.user(save.audit?.userOid),
        siteId: ids.site(save.audit?.locationOid),
        at: save.audit?.at ?? '',
      }
      if (save.formId === ALLOCATION_FORM) {
        for (const [periodId, armId] of Object.entries(save.values))
          subject.allocations.push({ periodId, armId: String(armId), ...who })
        continue
      }
      const vKey = `${save.visitId}#${save.visitRepeatKey ?? ''}`
      let visit = subject.visits.get(vKey)
      if (!visit) {
        visit = {
          visit: {
            visitId: save.visitId,
            ...(save.visitRepeatKey ? { repeatKey: save.visitRepeatKey } : {}),
            forms: [],
          },
          forms: new Map(),
        }
        subject.visits.set(vKey, visit)
      }
      const fKey = `${save.formId}#${save.formRepeatKey ?? ''}`
      let form = visit.forms.get(fKey)
      if (!form) {
        form = {
          formId: save.formId,
          ...(save.formRepeatKey ? { repeatKey: save.formRepeatKey } : {}),
          versions: [],
          signatures: [],
        }
        visit.forms.set(fKey, form)
        ;(visit.visit.forms as FormRecord[]).push(form)
      }
      const number = Number(/version (\d+)/.exec(save.audit?.sourceId ?? '')?.[1] ?? form.versions.length + 1)
      const version: FormVersionRecord = {
        version: number,
        values: save.values,
        ...(Object.keys(save.derived).length > 0 ? { derived: save.derived } : {}),
        ...who,
        ...(save.audit?.reason ? { reason: save.audit.reason } : {}),
      }
      ;(form.versions as FormVersionRecord[]).push(version)
      if (save.signature) {
        const sig: SignatureRecord = {
          userId: ids.user(save.signature.userOid),
          siteId: ids.site(save.signature.locationOid),
          at: save.signature.at ?? '',
          meaning: ids.meaning(save.signature.meaningOid),
        }
        if (!form.signatures.some((x) => x.at === sig.at && x.meaning === sig.meaning))
          (form.signatures as SignatureRecord[]).push(sig)
      }
    }
  }
  return [...bySubject].map(([subjectKey, s]) => ({
    subjectKey,
    siteId: s.siteId,
    ...(s.allocations.length > 0 ? { allocations: s.allocations } : {}),
    visits: [...s.visits.values()].map((v) => v.visit),
  }))
}
