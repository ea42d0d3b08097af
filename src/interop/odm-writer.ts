/**
 * CDISC ODM 1.3.2 writer: study metadata from the design, AdminData (users, sites, signature meanings) and
 * ClinicalData from a `StudyExtract`, as a Snapshot (current values, last audit record and signature) or a
 * Transactional file (every saved form version in order, each with its audit record). Output validates against
 * `data/schemas/odm-1.3.2/cdisc-odm-1.3.2/ODM1-3-2.xsd`. Pure: the clock and file OID come in the options.
 */
import { fail, ok, ProblemCode, type ChoiceOption, type ItemDef, type Range, type Result } from '../domain/index.ts'
import { conditionToText, negateCondition } from './expression-translate.ts'
import {
  ADVERSE_EVENT_VISIT,
  PRODUCT_LOT_VISIT,
  ALLOCATION_FORM,
  GROUP_DERIVED,
  GROUP_ITEMS,
  ODM_NS,
  oid,
  TRIALDESK_ALIAS,
  TRIALDESK_EXPRESSION,
  UNSCHEDULED_VISIT,
} from './odm-oids.ts'
import {
  carriesAllocation,
  visibleExtract,
  type CapturedValue,
  type DesignForm,
  type ExportUser,
  type FormRecord,
  type FormVersionRecord,
  type StudyDesign,
  type StudyExtract,
  type SubjectRecord,
} from './study-extract.ts'
import { XmlWriter, type XmlAttrs } from './xml-writer.ts'

export type OdmFileType = 'Snapshot' | 'Transactional'

export interface OdmWriteOptions {
  readonly fileType: OdmFileType
  /** Include AuditRecord and Signature elements (always on for Transactional). */
  readonly withAudit: boolean
  /** Include the Study metadata (default true). */
  readonly metadata?: boolean
  /** Include AdminData and ClinicalData (default true when an extract is given). */
  readonly clinical?: boolean
  readonly fileOid: string
  /** ISO-8601 instant written as CreationDateTime. */
  readonly createdAt: string
  readonly sourceSystemVersion: string
}

/** Writes a whole ODM document to `sink`. Refuses a blinded extract that carries allocations. */
export function writeOdm(input: StudyExtract, options: OdmWriteOptions, sink: (chunk: string) => void): Result<void> {
  if (input.blinded && carriesAllocation(input)) {
    return fail({
      code: ProblemCode.Forbidden,
      path: 'subjects',
      message: 'a blinded export must not carry allocations',
    })
  }
  const extract = visibleExtract(input)
  const w = new XmlWriter(sink)
  const design = extract.design
  const withMetadata = options.metadata ?? true
  const withClinical = options.clinical ?? true
  w.declaration()
  w.open('ODM', {
    xmlns: ODM_NS,
    'xmlns:ds': 'http://www.w3.org/2000/09/xmldsig#',
    FileType: options.fileType,
    FileOID: options.fileOid,
    CreationDateTime: options.createdAt,
    ODMVersion: '1.3.2',
    Granularity: withMetadata && withClinical ? 'All' : withMetadata ? 'Metadata' : 'AllClinicalData',
    Description: describeFile(extract),
    Originator: 'TrialDesk',
    SourceSystem: 'TrialDesk',
    SourceSystemVersion: options.sourceSystemVersion,
  })
  if (withMetadata) writeStudy(w, design, { blinded: extract.blinded })
  if (withClinical) {
    writeAdminData(w, extract, options.withAudit || options.fileType === 'Transactional')
    writeClinicalData(w, extract, options)
  }
  w.close()
  return ok(undefined)
}

/** The document as one string (tests, small studies). */
export function odmToString(extract: StudyExtract, options: OdmWriteOptions): Result<string> {
  let out = ''
  const r = writeOdm(extract, options, (c) => (out += c))
  return r.ok ? ok(out) : r
}

function describeFile(extract: StudyExtract): string {
  const p = extract.design.protocol.study
  const parts = [`${p.id} protocol ${p.version} (sha256 ${extract.design.protocolHash})`]
  if (extract.snapshotHash) parts.push(`snapshot ${extract.snapshotHash}`)
  parts.push(extract.blinded ? 'blinded export' : 'unblinded export')
  return parts.join('; ')
}

// ---------------------------------------------------------------------------------------------------------
// Metadata

interface StudyOptions {
  readonly blinded: boolean
}

function mdvOid(design: StudyDesign): string {
  return oid.metaDataVersion(design.protocol.study.version)
}

/** Writes the `<Study>` element: global variables, units and one MetaDataVersion. */
export function writeStudy(w: XmlWriter, design: StudyDesign, opts: StudyOptions): void {
  const { protocol } = design
  const study = protocol.study
  w.open('Study', { OID: oid.study(study.id) })
  w.open('GlobalVariables')
  w.leaf('StudyName', {}, study.shortTitle ?? study.id)
  w.leaf('StudyDescription', {}, [study.title, study.description].filter(Boolean).join('\n\n'))
  w.leaf('ProtocolName', {}, `${study.id} ${study.version}`)
  w.close()

  const units = collectUnits(design)
  if (units.size > 0) {
    w.open('BasicDefinitions')
    for (const [unit, unitOid] of units) {
      w.open('MeasurementUnit', { OID: unitOid, Name: unit })
      w.translated('Symbol', unit)
      w.close()
    }
    w.close()
  }

  w.open('MetaDataVersion', {
    OID: mdvOid(design),
    Name: `${study.id} protocol ${study.version}`,
    Description: `sha256 ${design.protocolHash}`,
  })
  const events = studyEvents(design, opts)
  w.open('Protocol')
  events.forEach((e, i) =>
    w.leaf('StudyEventRef', {
      StudyEventOID: oid.event(e.id),
      OrderNumber: i + 1,
      Mandatory: e.type === 'Scheduled' ? 'Yes' : 'No',
    }),
  )
  w.close()
  for (const e of events) {
    w.open('StudyEventDef', {
      OID: oid.event(e.id),
      Name: e.label,
      Repeating: e.type === 'Scheduled' ? 'No' : 'Yes',
      Type: e.type,
    })
    e.forms.forEach((f, i) => w.leaf('FormRef', { FormOID: oid.form(f), OrderNumber: i + 1, Mandatory: 'No' }))
    w.close()
  }
  const forms = [...design.forms, ...(opts.blinded ? [] : [allocationForm(design)])]
  for (const f of forms) {
    w.open('FormDef', { OID: oid.form(f.id), Name: f.label, Repeating: f.repeating ? 'Yes' : 'No' })
    w.leaf('ItemGroupRef', { ItemGroupOID: oid.itemGroup(f.id, GROUP_ITEMS), OrderNumber: 1, Mandatory: 'Yes' })
    if (f.derived.length > 0)
      w.leaf('ItemGroupRef', { ItemGroupOID: oid.itemGroup(f.id, GROUP_DERIVED), OrderNumber: 2, Mandatory: 'No' })
    w.close()
  }
  for (const f of forms) {
    w.open('ItemGroupDef', { OID: oid.itemGroup(f.id, GROUP_ITEMS), Name: `${f.label}: items`, Repeating: 'No' })
    f.items.forEach((item, i) => {
      w.leaf('ItemRef', {
        ItemOID: oid.item(f.id, item.id),
        OrderNumber: i + 1,
        Mandatory: item.required ? 'Yes' : 'No',
        CollectionExceptionConditionOID: item.showWhen ? oid.condition(f.id, item.id) : undefined,
      })
    })
    w.close()
    if (f.derived.length > 0) {
      w.open('ItemGroupDef', {
        OID: oid.itemGroup(f.id, GROUP_DERIVED),
        Name: `${f.label}: derived values`,
        Repeating: 'No',
      })
      f.derived.forEach((d, i) =>
        w.leaf('ItemRef', {
          ItemOID: oid.item(f.id, d.id),
          OrderNumber: i + 1,
          Mandatory: 'No',
          MethodOID: oid.method(f.id, d.id),
        }),
      )
      w.close()
    }
  }
  const codeLists = new Map<string, readonly ChoiceOption[]>()
  for (const f of forms) {
    for (const item of f.items) writeItemDef(w, f, item, units, codeLists, design)
    for (const d of f.derived) {
      const dataType =
        d.type === 'integer' ? 'integer' : d.type === 'text' ? 'text' : d.type === 'boolean' ? 'boolean' : 'float'
      w.open('ItemDef', {
        OID: oid.item(f.id, d.id),
        Name: d.id,
        DataType: dataType,
        SignificantDigits: dataType === 'float' ? d.decimals : undefined,
      })
      w.translated('Question', d.label)
      const unit = d.unit ? units.get(d.unit) : undefined
      if (unit) w.leaf('MeasurementUnitRef', { MeasurementUnitOID: unit })
      w.close()
    }
  }
  for (const [listOid, options] of codeLists) {
    const numeric = options.every((o) => typeof o.code === 'number' && Number.isInteger(o.code))
    w.open('CodeList', { OID: listOid, Name: listOid.slice(3), DataType: numeric ? 'integer' : 'text' })
    for (const o of options) {
      w.open('CodeListItem', { CodedValue: String(o.code) })
      w.translated('Decode', o.label)
      w.close()
    }
    w.close()
  }
  for (const f of forms) writeConditionDefs(w, f)
  for (const f of forms) {
    for (const d of f.derived) {
      w.open('MethodDef', { OID: oid.method(f.id, d.id), Name: `${f.id}.${d.id}`, Type: 'Computation' })
      w.translated(
        'Description',
        d.formula ? d.label : `${d.label}: computed by the ${d.computedBy ?? 'instrument'} scoring rules`,
      )
      if (d.formula) w.leaf('FormalExpression', { Context: TRIALDESK_EXPRESSION }, d.formula)
      w.close()
    }
  }
  w.close()
  w.close()
}

interface EventSpec {
  readonly id: string
  readonly label: string
  readonly type: 'Scheduled' | 'Unscheduled' | 'Common'
  readonly forms: readonly string[]
}

function studyEvents(design: StudyDesign, opts: StudyOptions): EventSpec[] {
  const p = design.protocol
  const events: EventSpec[] = p.visits.map((v) => ({ id: v.id, label: v.label, type: 'Scheduled', forms: v.forms }))
  if (p.unscheduledForms.length > 0)
    events.push({ id: UNSCHEDULED_VISIT, label: 'Unscheduled visit', type: 'Unscheduled', forms: p.unscheduledForms })
  // Adverse events are reported whenever they occur, one repeat of the AE form per event.
  const aeForms = design.forms.filter((f) => f.instrument === 'AE').map((f) => f.id)
  if (aeForms.length > 0)
    events.push({ id: ADVERSE_EVENT_VISIT, label: 'Adverse events', type: 'Common', forms: aeForms })
  // Each product lot's manufacturing and release, one repeat of the form per lot (written at release).
  const lotForms = design.forms.filter((f) => f.instrument === 'MANUFACTURING').map((f) => f.id)
  if (lotForms.length > 0)
    events.push({ id: PRODUCT_LOT_VISIT, label: 'Product lots', type: 'Common', forms: lotForms })
  if (!opts.blinded)
    events.push({
      id: ALLOCATION_FORM,
      label: 'Treatment allocation (unblinded)',
      type: 'Common',
      forms: [ALLOCATION_FORM],
    })
  return events
}

/** Unblinded exports only: one item per allocating period, coded with the arms. */
function allocationForm(design: StudyDesign): DesignForm {
  const arms = design.protocol.arms.map((a) => ({ code: a.id, label: a.label }))
  const items: ItemDef[] = design.protocol.periods
    .filter((p) => p.allocation)
    .map((p) => ({
      id: p.id,
      label: `Arm allocated for ${p.label}`,
      type: 'choice',
      options: arms,
      required: false,
      identifier: false,
    }))
  return { id: ALLOCATION_FORM, label: 'Treatment allocation', repeating: false, items, derived: [], checks: [] }
}

function collectUnits(design: StudyDesign): Map<string, string> {
  const units = new Map<string, string>()
  const used = new Set<string>()
  for (const f of design.forms) {
    for (const u of [...f.items.map((i) => i.unit), ...f.derived.map((d) => d.unit)]) {
      if (!u || units.has(u)) continue
      let o = oid.unit(u)
      for (let n = 2; used.has(o); n++) o = `${oid.unit(u)}_${n}`
      used.add(o)
      units.set(u, o)
    }
  }
  return units
}

const DATA_TYPES: Readonly<Record<ItemDef['type'], string>> = {
  integer: 'integer',
  decimal: 'float',
  text: 'text',
  date: 'date',
  datetime: 'datetime',
  boolean: 'boolean',
  choice: 'text',
  multichoice: 'text',
}

function itemOptions(item: ItemDef, design: StudyDesign): readonly ChoiceOption[] | undefined {
  return item.options ?? (item.codeList ? design.codeLists[item.codeList] : undefined)
}

function writeItemDef(
  w: XmlWriter,
  form: DesignForm,
  item: ItemDef,
  units: ReadonlyMap<string, string>,
  codeLists: Map<string, readonly ChoiceOption[]>,
  design: StudyDesign,
): void {
  const options = itemOptions(item, design)
  const numericCodes = options?.every((o) => typeof o.code === 'number' && Number.isInteger(o.code)) ?? false
  const dataType = item.type === 'choice' && numericCodes ? 'integer' : DATA_TYPES[item.type]
  w.open('ItemDef', {
    OID: oid.item(form.id, item.id),
    Name: item.id,
    DataType: dataType,
    Length: item.maxLength,
    SignificantDigits: item.type === 'decimal' ? item.decimals : undefined,
  })
  if (item.help) w.translated('Description', item.help)
  w.translated('Question', item.label)
  const unit = item.unit ? units.get(item.unit) : undefined
  if (unit) w.leaf('MeasurementUnitRef', { MeasurementUnitOID: unit })
  writeRange(w, item.range, 'Hard')
  writeRange(w, item.softRange, 'Soft')
  if (options && options.length > 0) {
    const listOid = item.codeList && !item.options ? oid.codeList(item.codeList) : oid.codeList(`${form.id}.${item.id}`)
    codeLists.set(listOid, options)
    // A multichoice value is a list of codes, which a CodeListRef cannot describe: the list is named by an Alias.
    if (item.type === 'multichoice') w.leaf('Alias', { Context: TRIALDESK_ALIAS, Name: `multichoice ${listOid}` })
    else w.leaf('CodeListRef', { CodeListOID: listOid })
  }
  if (item.identifier) w.leaf('Alias', { Context: TRIALDESK_ALIAS, Name: 'identifier' })
  w.close()
}

function writeRange(w: XmlWriter, range: Range | undefined, softHard: 'Hard' | 'Soft'): void {
  if (!range) return
  const bounds: [string, number | undefined][] = [
    ['GE', range.min],
    ['LE', range.max],
  ]
  for (const [comparator, value] of bounds) {
    if (value === undefined) continue
    w.open('RangeCheck', { Comparator: comparator, SoftHard: softHard })
    w.leaf('CheckValue', {}, formatNumber(value))
    w.translated(
      'ErrorMessage',
      `${softHard === 'Hard' ? 'Must be' : 'Expected to be'} ${comparator === 'GE' ? 'at least' : 'at most'} ${formatNumber(value)}`,
    )
    w.close()
  }
}

function writeConditionDefs(w: XmlWriter, f: DesignForm): void {
  for (const item of f.items) {
    if (item.showWhen) {
      // ODM states when an item is NOT collected; TrialDesk states when it is shown.
      w.open('ConditionDef', { OID: oid.condition(f.id, item.id), Name: `${f.id}.${item.id} not collected` })
      w.translated('Description', `${item.id} is not collected when this holds`)
      w.leaf('FormalExpression', { Context: TRIALDESK_EXPRESSION }, conditionToText(negateCondition(item.showWhen)))
      w.close()
    }
    if (item.requiredWhen) {
      w.open('ConditionDef', { OID: oid.condition(f.id, item.id, 'REQUIRED'), Name: `${f.id}.${item.id} required` })
      w.translated('Description', `${item.id} is required when this holds`)
      w.leaf('FormalExpression', { Context: TRIALDESK_EXPRESSION }, conditionToText(item.requiredWhen))
      w.close()
    }
  }
  for (const check of f.checks) {
    w.open('ConditionDef', { OID: oid.condition(f.id, 'CHECK', check.id), Name: `${f.id} edit check ${check.id}` })
    w.translated('Description', check.message)
    w.leaf('FormalExpression', { Context: TRIALDESK_EXPRESSION }, conditionToText(check.when))
    w.close()
  }
}

// ---------------------------------------------------------------------------------------------------------
// AdminData and ClinicalData

function writeAdminData(w: XmlWriter, extract: StudyExtract, withAudit: boolean): void {
  const design = extract.design
  const study = design.protocol.study
  w.open('AdminData', { StudyOID: oid.study(study.id) })
  // Every user an audit record or signature names must be defined here, even one missing from `users`.
  const known = new Set(extract.users.map((u) => u.id))
  const extra: ExportUser[] = (withAudit ? referencedUsers(extract) : [])
    .filter((id) => !known.has(id))
    .map((id) => ({ id, name: id }))
  for (const u of [...extract.users, ...extra]) {
    w.open('User', { OID: oid.user(u.id) })
    w.leaf('LoginName', {}, u.id)
    w.leaf('DisplayName', {}, u.name)
    w.leaf('FullName', {}, u.name)
    if (u.siteId) w.leaf('LocationRef', { LocationOID: oid.location(u.siteId) })
    w.close()
  }
  const effective = (study.startDate ?? extract.extractedAt).slice(0, 10)
  for (const s of design.protocol.sites) {
    w.open('Location', { OID: oid.location(s.id), Name: s.name, LocationType: 'Site' })
    w.leaf('MetaDataVersionRef', {
      StudyOID: oid.study(study.id),
      MetaDataVersionOID: mdvOid(design),
      EffectiveDate: effective,
    })
    w.close()
  }
  for (const m of extract.signatureMeanings) {
    w.open('SignatureDef', { OID: oid.signatureDef(m.id), Methodology: 'Electronic' })
    w.leaf('Meaning', {}, m.meaning)
    w.leaf('LegalReason', {}, m.legalReason)
    w.close()
  }
  w.close()
}

function referencedUsers(extract: StudyExtract): string[] {
  const ids = new Set<string>()
  for (const s of extract.subjects) {
    for (const a of s.allocations ?? []) ids.add(a.userId)
    for (const v of s.visits) {
      for (const f of v.forms) {
        for (const ver of f.versions) ids.add(ver.userId)
        for (const sig of f.signatures) ids.add(sig.userId)
      }
    }
  }
  ids.delete('')
  return [...ids].sort()
}

function writeClinicalData(w: XmlWriter, extract: StudyExtract, options: OdmWriteOptions): void {
  const design = extract.design
  w.open('ClinicalData', { StudyOID: oid.study(design.protocol.study.id), MetaDataVersionOID: mdvOid(design) })
  const formsById = new Map(design.forms.map((f) => [f.id, f]))
  for (const subject of extract.subjects) {
    if (options.fileType === 'Snapshot') writeSnapshotSubject(w, subject, formsById, options.withAudit)
    else writeTransactionalSubject(w, subject, formsById)
  }
  w.close()
}

function writeSnapshotSubject(
  w: XmlWriter,
  subject: SubjectRecord,
  forms: ReadonlyMap<string, DesignForm>,
  withAudit: boolean,
): void {
  w.open('SubjectData', { SubjectKey: subject.subjectKey })
  w.leaf('SiteRef', { LocationOID: oid.location(subject.siteId) })
  for (const visit of subject.visits) {
    w.open('StudyEventData', { StudyEventOID: oid.event(visit.visitId), StudyEventRepeatKey: visit.repeatKey })
    for (const form of visit.forms) {
      const current = form.versions[form.versions.length - 1]
      if (!current) continue
      w.open('FormData', { FormOID: oid.form(form.formId), FormRepeatKey: form.repeatKey })
      if (withAudit) {
        writeAuditRecord(w, current)
        const signature = form.signatures[form.signatures.length - 1]
        if (signature) writeSignature(w, signature)
      }
      writeItemGroups(w, form.formId, current, undefined, forms.get(form.formId), false)
      w.close()
    }
    w.close()
  }
  writeAllocations(w, subject, withAudit, 'Snapshot')
  w.close()
}

/**
 * One SubjectData per saved form version, in saving order, so a reader replaying the file rebuilds the history;
 * items cleared by a version are written as `Remove`.
 */
function writeTransactionalSubject(w: XmlWriter, subject: SubjectRecord, forms: ReadonlyMap<string, DesignForm>): void {
  const steps: { visit: SubjectRecord['visits'][number]; form: FormRecord; index: number }[] = []
  for (const visit of subject.visits)
    for (const form of visit.forms) form.versions.forEach((_, index) => steps.push({ visit, form, index }))
  steps.sort((a, b) => compareInstants(a.form.versions[a.index]?.at ?? '', b.form.versions[b.index]?.at ?? ''))
  for (const { visit, form, index } of steps) {
    const version = form.versions[index]
    if (!version) continue
    w.open('SubjectData', { SubjectKey: subject.subjectKey, TransactionType: 'Upsert' })
    w.leaf('SiteRef', { LocationOID: oid.location(subject.siteId) })
    w.open('StudyEventData', {
      StudyEventOID: oid.event(visit.visitId),
      StudyEventRepeatKey: visit.repeatKey,
      TransactionType: 'Upsert',
    })
    w.open('FormData', {
      FormOID: oid.form(form.formId),
      FormRepeatKey: form.repeatKey,
      TransactionType: index === 0 ? 'Insert' : 'Update',
    })
    writeAuditRecord(w, version)
    // Signatures apply to the version current when they were given.
    const next = form.versions[index + 1]
    const signature = [...form.signatures].reverse().find((s) => s.at >= version.at && (!next || s.at < next.at))
    if (signature) writeSignature(w, signature)
    writeItemGroups(
      w,
      form.formId,
      version,
      index > 0 ? form.versions[index - 1] : undefined,
      forms.get(form.formId),
      true,
    )
    w.close()
    w.close()
    w.close()
  }
  if ((subject.allocations?.length ?? 0) > 0) {
    w.open('SubjectData', { SubjectKey: subject.subjectKey, TransactionType: 'Upsert' })
    w.leaf('SiteRef', { LocationOID: oid.location(subject.siteId) })
    writeAllocations(w, subject, true, 'Transactional')
    w.close()
  }
}

function compareInstants(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function writeAllocations(w: XmlWriter, subject: SubjectRecord, withAudit: boolean, fileType: OdmFileType): void {
  const allocations = subject.allocations ?? []
  if (allocations.length === 0) return
  const tx = (t: string): string | undefined => (fileType === 'Transactional' ? t : undefined)
  w.open('StudyEventData', {
    StudyEventOID: oid.event(ALLOCATION_FORM),
    StudyEventRepeatKey: 1,
    TransactionType: tx('Upsert'),
  })
  w.open('FormData', { FormOID: oid.form(ALLOCATION_FORM), FormRepeatKey: 1, TransactionType: tx('Upsert') })
  const last = allocations[allocations.length - 1]
  if (withAudit && last) writeAuditRecord(w, { userId: last.userId, siteId: last.siteId, at: last.at })
  w.open('ItemGroupData', {
    ItemGroupOID: oid.itemGroup(ALLOCATION_FORM, GROUP_ITEMS),
    ItemGroupRepeatKey: 1,
    TransactionType: tx('Upsert'),
  })
  for (const a of allocations)
    w.leaf('ItemData', {
      ItemOID: oid.item(ALLOCATION_FORM, a.periodId),
      Value: a.armId,
      TransactionType: tx('Upsert'),
    })
  w.close()
  w.close()
  w.close()
}

function writeAuditRecord(
  w: XmlWriter,
  v: Pick<FormVersionRecord, 'userId' | 'siteId' | 'at' | 'reason'> & { version?: number },
): void {
  w.open('AuditRecord', { EditPoint: 'DBAudit', UsedImputationMethod: 'No' })
  w.leaf('UserRef', { UserOID: oid.user(v.userId) })
  w.leaf('LocationRef', { LocationOID: oid.location(v.siteId) })
  w.leaf('DateTimeStamp', {}, v.at)
  if (v.reason) w.leaf('ReasonForChange', {}, v.reason)
  if (v.version !== undefined) w.leaf('SourceID', {}, `version ${v.version}`)
  w.close()
}

function writeSignature(w: XmlWriter, s: { userId: string; siteId: string; at: string; meaning: string }): void {
  w.open('Signature')
  w.leaf('UserRef', { UserOID: oid.user(s.userId) })
  w.leaf('LocationRef', { LocationOID: oid.location(s.siteId) })
  w.leaf('SignatureRef', { SignatureOID: oid.signatureDef(s.meaning) })
  w.leaf('DateTimeStamp', {}, s.at)
  w.close()
}

function writeItemGroups(
  w: XmlWriter,
  formId: string,
  version: FormVersionRecord,
  previous: FormVersionRecord | undefined,
  form: DesignForm | undefined,
  transactional: boolean,
): void {
  const tx: XmlAttrs = transactional ? { TransactionType: 'Upsert' } : {}
  const entered = orderedKeys(
    version.values,
    previous?.values,
    form?.items.map((i) => i.id),
  )
  w.open('ItemGroupData', { ItemGroupOID: oid.itemGroup(formId, GROUP_ITEMS), ItemGroupRepeatKey: 1, ...tx })
  for (const id of entered)
    writeItemData(w, formId, id, version.values[id] ?? null, previous?.values[id] ?? null, transactional)
  w.close()
  const derived = version.derived ?? {}
  const derivedIds = orderedKeys(
    derived,
    previous?.derived,
    form?.derived.map((d) => d.id),
  )
  if (derivedIds.length > 0) {
    w.open('ItemGroupData', { ItemGroupOID: oid.itemGroup(formId, GROUP_DERIVED), ItemGroupRepeatKey: 1, ...tx })
    for (const id of derivedIds)
      writeItemData(w, formId, id, derived[id] ?? null, previous?.derived?.[id] ?? null, transactional)
    w.close()
  }
}

/** Item ids in form order (unknown ids last, sorted), including ids present only in the previous version. */
function orderedKeys(
  values: Readonly<Record<string, unknown>>,
  previous: Readonly<Record<string, unknown>> | undefined,
  order: readonly string[] | undefined,
): string[] {
  const keys = new Set([...Object.keys(values), ...Object.keys(previous ?? {})])
  const ordered = (order ?? []).filter((k) => keys.has(k))
  const rest = [...keys].filter((k) => !ordered.includes(k)).sort()
  return [...ordered, ...rest]
}

function writeItemData(
  w: XmlWriter,
  formId: string,
  itemId: string,
  value: CapturedValue,
  previous: CapturedValue,
  transactional: boolean,
): void {
  const itemOid = oid.item(formId, itemId)
  if (value === null || (Array.isArray(value) && value.length === 0)) {
    // Snapshot: an empty item is simply absent. Transactional: only a value that existed is removed.
    if (transactional && previous !== null)
      w.leaf('ItemData', { ItemOID: itemOid, TransactionType: 'Remove', IsNull: 'Yes' })
    return
  }
  w.leaf('ItemData', {
    ItemOID: itemOid,
    Value: formatValue(value),
    ...(transactional ? { TransactionType: 'Upsert' } : {}),
  })
}

/** ODM lexical forms: booleans as 1/0, numbers without exponents, multichoice codes comma-separated. */
export function formatValue(value: Exclude<CapturedValue, null>): string {
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value === 'number') return formatNumber(value)
  if (Array.isArray(value)) return value.map((v) => String(v)).join(',')
  return value as string
}

function formatNumber(n: number): string {
  const s = String(n)
  if (!/e/i.test(s)) return s
  // xs:decimal has no exponent: expand, trimming the trailing zeros toFixed adds.
  return n
    .toFixed(20)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '')
}
