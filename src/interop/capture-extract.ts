/**
 * The services' study extraction (`Services.extractStudy`: flat rows, current form versions with who saved them
 * and their sign-offs, every version when asked for `history`, blinded per the reader) turned into the shapes the
 * writers take: the interop `StudyExtract` (design + per-subject visits and form histories) and the SDTM input.
 * Pure.
 *
 * Subjects are keyed by their screening number (what sites and monitors know), never by the internal id.
 * Unscheduled visits `UNS-<n>` become the ODM event `UNS` with repeat key n; adverse-event forms keep the
 * visit `AE` with the AE number as the form's repeat key.
 */
import type {
  ExtractAdverseEvent,
  ExtractForm,
  ExtractSubject,
  StudyExtract as CaptureExtract,
} from '../capture/index.ts'
import type { ProtocolFile } from '../domain/index.ts'
import { PRODUCT_LOT_VISIT, UNSCHEDULED_VISIT } from './odm-oids.ts'
import type { SdtmAdverseEvent, SdtmArm, SdtmDisposition, SdtmExposure, SdtmInput, SdtmSubject } from './sdtm.ts'
import { findingsFromExtract } from './sdtm.ts'
import type {
  AllocationRecord,
  CapturedValue,
  FormRecord,
  FormVersionRecord,
  SignatureMeaning,
  SignatureRecord,
  StudyDesign,
  StudyExtract,
  SubjectRecord,
  VisitRecord,
} from './study-extract.ts'

/** Signature meanings TrialDesk records: the investigator's sign-off and the monitor's source data verification. */
export const SIGNATURE_MEANINGS: readonly SignatureMeaning[] = [
  {
    id: 'investigator',
    meaning: 'Investigator sign-off: the data are complete and accurate',
    legalReason: 'Electronic signature with re-authentication (21 CFR 11.200)',
  },
  {
    id: 'sdv',
    meaning: 'Source data verified by the monitor',
    legalReason: 'Monitoring record (ICH E6 5.18.4)',
  },
]

const UNSCHEDULED = new RegExp(`^${UNSCHEDULED_VISIT}-([1-9][0-9]*)$`)

/** `UNS-3` → the ODM event `UNS`, repeat 3; any other visit id is kept. */
export function splitVisitId(visitId: string): { readonly visitId: string; readonly repeatKey?: number } {
  const m = UNSCHEDULED.exec(visitId)
  return m ? { visitId: UNSCHEDULED_VISIT, repeatKey: Number(m[1]) } : { visitId }
}

/** The inverse of `splitVisitId`: the capture visit id of an ODM event and repeat key. */
export function joinVisitId(visitId: string, repeatKey: number | undefined): string {
  return visitId === UNSCHEDULED_VISIT ? `${UNSCHEDULED_VISIT}-${repeatKey ?? 1}` : visitId
}

/**
 * The blinded projection of a capture extract: the assignments (arm, what was received) are dropped. After
 * end-of-study unblinding every reader's extract carries them; a blinded export still must not.
 */
export function blindedCapture(source: CaptureExtract): CaptureExtract {
  if (source.blinded) return source
  return {
    ...source,
    blinded: true,
    subjects: source.subjects.map((s) => ({
      ...s,
      periods: s.periods.map((p) => ({ periodId: p.periodId, startDate: p.startDate })),
    })),
  }
}

/**
 * The interop extract the ODM, REDCap and R writers take. `blinded` follows the capture extract; each form's
 * versions are its `history` when the extraction carries one, else its current version.
 */
export function toStudyExtract(source: CaptureExtract, design: StudyDesign): StudyExtract {
  const repeating = new Set(design.forms.filter((f) => f.repeating).map((f) => f.id))
  // Forms in the order they were first saved, so that a reader replaying the file computes values that depend
  // on other forms (ALSFRS-R ΔFS reads the onset date on DEMOG) as they were computed.
  const ordered = [...source.forms].sort((a, b) => compareStrings(a.firstSavedAt, b.firstSavedAt))
  const formsBySubject = groupBy(ordered, (f) => f.subjectId)
  const visitDates = new Map(source.visits.map((v) => [`${v.subjectId}/${v.visitId}`, v.actualDate]))
  const subjects = source.subjects.map((s): SubjectRecord => {
    const visits = new Map<string, { visit: VisitRecord; forms: FormRecord[] }>()
    for (const f of formsBySubject.get(s.id) ?? []) {
      const record = formRecord(s, f, repeating.has(f.formId))
      if (!record) continue
      let v = visits.get(f.visitId)
      if (!v) {
        const date = visitDates.get(`${s.id}/${f.visitId}`) ?? f.visitDate
        v = { visit: { ...splitVisitId(f.visitId), ...(date ? { date } : {}), forms: [] }, forms: [] }
        visits.set(f.visitId, v)
      }
      v.forms.push(record)
    }
    const allocations = source.blinded ? [] : allocationsOf(s, design.protocol)
    return {
      subjectKey: s.screeningNumber,
      siteId: s.siteId,
      ...(allocations.length > 0 ? { allocations } : {}),
      visits: [...visits.values()].map((v) => ({ ...v.visit, forms: v.forms })),
    }
  })
  return {
    design,
    subjects,
    users: [],
    signatureMeanings: SIGNATURE_MEANINGS,
    blinded: source.blinded,
    extractedAt: source.extractedAt,
    ...(source.study.snapshotHash ? { snapshotHash: source.study.snapshotHash } : {}),
  }
}

function formRecord(subject: ExtractSubject, f: ExtractForm, repeating: boolean): FormRecord | undefined {
  // A form deleted in its current version has no data to show in a snapshot; its history still tells it.
  if (!f.history && f.status === 'deleted') return undefined
  const versions: FormVersionRecord[] = (f.history ?? [f]).map((h) => ({
    version: h.version,
    values: h.status === 'deleted' ? {} : (h.values as Record<string, CapturedValue>),
    ...(h.status === 'deleted' ? {} : { derived: numbers(h.derived) }),
    userId: h.savedBy,
    siteId: subject.siteId,
    at: h.savedAt,
    ...(h.reason ? { reason: h.reason } : {}),
  }))
  const signatures: SignatureRecord[] = []
  if (f.verified) signatures.push({ userId: f.verified.by, siteId: subject.siteId, at: f.verified.at, meaning: 'sdv' })
  if (f.signed)
    signatures.push({ userId: f.signed.by, siteId: subject.siteId, at: f.signed.at, meaning: 'investigator' })
  signatures.sort((a, b) => compareStrings(a.at, b.at))
  return {
    formId: f.formId,
    // A lot's form is one instance per lot: numbered even when the protocol's form does not repeat.
    ...(repeating || f.instance > 1 || f.visitId === PRODUCT_LOT_VISIT ? { repeatKey: f.instance } : {}),
    versions,
    signatures,
  }
}

/** Derived values as the writers take them: numbers, or null when not computable. */
function numbers(derived: Readonly<Record<string, unknown>>): Record<string, number | null> {
  return Object.fromEntries(
    Object.entries(derived).map(([k, v]) => [k, typeof v === 'number' && Number.isFinite(v) ? v : null]),
  )
}

/** One allocation per randomizing period the subject entered (unblinded extracts only). */
function allocationsOf(s: ExtractSubject, protocol: ProtocolFile): AllocationRecord[] {
  const allocating = new Set(protocol.periods.filter((p) => p.allocation).map((p) => p.id))
  return s.periods.flatMap((p) =>
    p.arm !== undefined && allocating.has(p.periodId)
      ? [{ periodId: p.periodId, armId: p.arm, at: `${p.startDate}T00:00:00.000Z`, userId: 'system', siteId: s.siteId }]
      : [],
  )
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const r of rows) {
    const k = key(r)
    const list = out.get(k)
    if (list) list.push(r)
    else out.set(k, [r])
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------
// SDTM

const END_REASONS: Readonly<Record<string, string>> = {
  completed: 'COMPLETED',
  died: 'DEATH',
  withdrawn: 'WITHDRAWAL BY SUBJECT',
  'screen-failed': 'SCREEN FAILURE',
}

/**
 * The SDTM input from the capture extract and the interop extract made from it (for the findings). Arms, the
 * treatment received and doses are filled only in an unblinded extract.
 */
export function toSdtmInput(source: CaptureExtract, extract: StudyExtract): SdtmInput {
  const protocol = extract.design.protocol
  const arms = new Map(protocol.arms.map((a) => [a.id, a]))
  const periodLabel = new Map(protocol.periods.map((p) => [p.id, p.label]))
  const country = new Map(protocol.sites.map((s) => [s.id, s.country]))
  const key = new Map(source.subjects.map((s) => [s.id, s.screeningNumber]))
  const demog = new Map(
    source.forms.filter((f) => f.formId === 'DEMOG' && f.status === 'entered').map((f) => [f.subjectId, f.values]),
  )
  const infusions = groupBy(
    source.infusions.filter((i) => i.status === 'completed'),
    (i) => i.subjectId,
  )
  const sdtmArm = (id: string): SdtmArm => ({ code: id, label: arms.get(id)?.label ?? id })
  const subjects = source.subjects.map((s): SdtmSubject => {
    const dates = (infusions.get(s.id) ?? []).map((i) => i.date).sort()
    const d = demog.get(s.id) ?? {}
    const sex = d['sex']
    const age = d['age']
    const planned = s.periods[0]?.arm
    const received = s.periods.map((p) => p.receives ?? p.arm).filter((a): a is string => a !== undefined)
    return {
      subjectId: s.screeningNumber,
      siteId: s.siteId,
      country: country.get(s.siteId),
      sex: sex === 'F' || sex === 'M' ? sex : undefined,
      age: typeof age === 'number' ? age : undefined,
      consentDate: s.consentDate ?? undefined,
      firstDose: dates[0],
      lastDose: dates[dates.length - 1],
      endDate: s.endDate ?? undefined,
      deathDate: s.deathDate ?? undefined,
      ...(!source.blinded && planned !== undefined
        ? { arm: { planned: sdtmArm(planned), actual: actualArm(received.map(sdtmArm)) } }
        : {}),
    }
  })
  const dispositions: SdtmDisposition[] = source.subjects.flatMap((s) => {
    const subjectId = s.screeningNumber
    const out: SdtmDisposition[] = []
    if (s.consentDate)
      out.push({
        subjectId,
        category: 'PROTOCOL MILESTONE',
        term: 'INFORMED CONSENT OBTAINED',
        decoded: 'INFORMED CONSENT OBTAINED',
        date: s.consentDate,
      })
    if (s.randomizationDate)
      out.push({
        subjectId,
        category: 'PROTOCOL MILESTONE',
        term: 'RANDOMIZED',
        decoded: 'RANDOMIZED',
        date: s.randomizationDate,
      })
    const decoded = END_REASONS[s.status]
    const end = s.endDate ?? s.deathDate
    if (decoded && end)
      out.push({ subjectId, category: 'DISPOSITION EVENT', term: s.endReason ?? decoded, decoded, date: end })
    return out
  })
  const exposures: SdtmExposure[] = source.infusions
    .filter((i) => i.status === 'completed')
    .map((i) => {
      const subject = source.subjects.find((s) => s.id === i.subjectId)
      const period = subject?.periods.find((p) => p.periodId === i.periodId)
      const armId = source.blinded ? undefined : (period?.receives ?? period?.arm)
      const arm = armId !== undefined ? arms.get(armId) : undefined
      return {
        subjectId: key.get(i.subjectId) ?? i.subjectId,
        start: i.date,
        epoch: periodLabel.get(i.periodId),
        ...(arm
          ? { treatment: arm.label, dose: arm.dose?.perKg ?? 0, doseUnit: `${arm.dose?.unit ?? 'cells'}/kg` }
          : {}),
      }
    })
  const adverseEvents = source.adverseEvents.map((a) => sdtmAe(a, key.get(a.subjectId) ?? a.subjectId))
  return {
    studyId: protocol.study.id,
    blinded: source.blinded,
    subjects,
    dispositions,
    exposures,
    adverseEvents,
    findings: findingsFromExtract(extract),
  }
}

/** The sequence of arms received, e.g. "Placebo then AdMSC 2×10^6 cells/kg" for a re-randomized patient. */
function actualArm(received: readonly SdtmArm[]): SdtmArm {
  const distinct = received.filter((a, i) => i === 0 || a.code !== received[i - 1]?.code)
  if (distinct.length <= 1) return distinct[0] ?? { code: '', label: '' }
  return { code: distinct.map((a) => a.code).join('-'), label: distinct.map((a) => a.label).join(' then ') }
}

function sdtmAe(a: ExtractAdverseEvent, subjectId: string): SdtmAdverseEvent {
  return {
    subjectId,
    term: a.term,
    decoded: a.preferredTerm ?? undefined,
    bodySystem: a.soc ?? undefined,
    grade: a.grade ?? undefined,
    serious: a.serious,
    seriousness: a.seriousness,
    relationship: a.causality,
    outcome: a.outcome ?? undefined,
    start: a.onsetDate,
    end: a.endDate ?? undefined,
  }
}
