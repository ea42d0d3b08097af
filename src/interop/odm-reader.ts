/**
 * Streaming CDISC ODM 1.3 reader over saxes. Metadata and AdminData are gathered into plain objects; each
 * `<SubjectData>` is handed to `onSubject` as soon as it closes and then dropped, so memory stays flat however
 * many subjects a file holds. Defences: DTDs (and with them entity expansion and external entities) are refused,
 * no element, attribute or text may exceed `maxTokenChars` between two `<`, nesting and definition counts are
 * capped. Vendor elements and attributes are counted in the report and never stop the import.
 */
import { createReadStream } from 'node:fs'
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes'
import { fail, ok, ProblemCode, type Problem, type Result } from '../domain/index.ts'
import { ReportCollector, type ReportEntry } from './import-report.ts'
import type * as M from './odm-model.ts'
import { ODM_NS } from './odm-oids.ts'

export interface OdmLimits {
  /** Longest run of characters between two `<` (one tag with its attributes, or one text node). */
  readonly maxTokenChars: number
  readonly maxDepth: number
  /** Definitions (ItemDef, CodeListItem, …) kept in memory. */
  readonly maxDefinitions: number
  /** ItemData in one SubjectData (a subject is held in memory until it closes). */
  readonly maxItemsPerSubject: number
}

export const DEFAULT_ODM_LIMITS: OdmLimits = {
  maxTokenChars: 16 * 1024 * 1024,
  maxDepth: 64,
  maxDefinitions: 500_000,
  maxItemsPerSubject: 1_000_000,
}

export interface OdmReadOptions {
  readonly limits?: Partial<OdmLimits>
  /** Called for each SubjectData, in file order; the reader waits for it before reading on. */
  readonly onSubject?: (subject: M.OdmSubjectData) => void | Promise<void>
}

export interface OdmCounts {
  studyEventDefs: number
  formDefs: number
  itemGroupDefs: number
  itemDefs: number
  codeLists: number
  conditionDefs: number
  methodDefs: number
  measurementUnits: number
  subjects: number
  studyEventData: number
  formData: number
  itemGroupData: number
  itemData: number
  auditRecords: number
  signatures: number
}

export interface OdmReadResult {
  readonly file: M.OdmFileInfo
  readonly studies: readonly M.OdmStudy[]
  readonly admin: M.OdmAdminData
  readonly counts: Readonly<OdmCounts>
  readonly skipped: readonly ReportEntry[]
  readonly extensions: readonly ReportEntry[]
}

/** Reads an ODM file from disk (streamed in 64 KiB chunks). */
export function readOdmFile(path: string, options: OdmReadOptions = {}): Promise<Result<OdmReadResult>> {
  return readOdm(createReadStream(path, { highWaterMark: 64 * 1024 }), options)
}

/** Reads ODM from a byte or text stream. Never throws for bad input: problems carry the line. */
export async function readOdm(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: OdmReadOptions = {},
): Promise<Result<OdmReadResult>> {
  const limits = { ...DEFAULT_ODM_LIMITS, ...options.limits }
  const state = new OdmState(limits)
  const parser = new SaxesParser({
    xmlns: true,
    position: true,
    resolvePrefix: (prefix: string) => state.undeclaredPrefix(prefix),
  })
  parser.on('doctype', () =>
    state.stop(
      ProblemCode.Unsupported,
      'DOCTYPE declarations are refused (no DTDs, entity expansion or external entities in ODM files)',
      parser.line,
    ),
  )
  parser.on('opentag', (tag) => state.open(tag, parser.line))
  parser.on('closetag', (tag) => state.close(tag, parser.line))
  parser.on('text', (t) => state.text(t))
  parser.on('cdata', (t) => state.text(t))
  parser.on('error', (e) =>
    state.stop(
      ProblemCode.Invalid,
      `not well-formed XML: ${e.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '')}`,
      parser.line,
    ),
  )

  const decoder = new StreamDecoder()
  const guard = new TokenGuard(limits.maxTokenChars)
  try {
    for await (const chunk of input) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk)
      if (guard.exceeded(text))
        state.stop(
          ProblemCode.TooLarge,
          `an element, attribute or text longer than ${limits.maxTokenChars} characters`,
          parser.line,
        )
      parser.write(text)
      await state.flush(options.onSubject)
    }
    const tail = decoder.end()
    if (tail) parser.write(tail)
    parser.close()
    await state.flush(options.onSubject)
  } catch (e) {
    if (e instanceof StopReading) return fail(e.problem)
    if (e instanceof DecodeError) return fail({ code: ProblemCode.Invalid, path: '', message: e.message })
    throw e
  }
  if (!state.sawRoot) return fail({ code: ProblemCode.Invalid, path: '', message: 'empty document: no ODM element' })
  return ok(state.result())
}

// ---------------------------------------------------------------------------------------------------------

class StopReading extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message)
  }
}

class DecodeError extends Error {}

/** Counts characters between `<` so no single token can grow past the limit inside the parser. */
class TokenGuard {
  private run = 0
  constructor(private readonly max: number) {}
  exceeded(text: string): boolean {
    let from = 0
    for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', from)) {
      if (this.run + (i - from) > this.max) return true
      this.run = 0
      from = i + 1
    }
    this.run += text.length - from
    return this.run > this.max
  }
}

/** Decodes bytes by the BOM or the XML declaration's encoding (UTF-8 by default); invalid bytes are an error. */
class StreamDecoder {
  private decoder: TextDecoder | undefined
  decode(bytes: Uint8Array): string {
    this.decoder ??= new TextDecoder(sniffEncoding(bytes), { fatal: true, ignoreBOM: false })
    try {
      return this.decoder.decode(bytes, { stream: true })
    } catch {
      throw new DecodeError(`bytes that are not valid ${this.decoder.encoding}`)
    }
  }
  end(): string {
    try {
      return this.decoder?.decode() ?? ''
    } catch {
      throw new DecodeError('the file ends inside a multi-byte character')
    }
  }
}

function sniffEncoding(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le'
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be'
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200))
  const declared = /^(?:\uFEFF|ï»¿)?<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]
  if (!declared) return 'utf-8'
  try {
    return new TextDecoder(declared).encoding
  } catch {
    throw new DecodeError(`unsupported encoding "${declared}"`)
  }
}

// ---------------------------------------------------------------------------------------------------------

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] }
type Attrs = Record<string, SaxesAttributeNS>

/** Namespaces whose attributes are part of XML itself, not vendor extensions. */
const INFRA_NS = new Set([
  'http://www.w3.org/XML/1998/namespace',
  'http://www.w3.org/2001/XMLSchema-instance',
  'http://www.w3.org/2000/xmlns/',
])
/** Elements whose text content is kept. */
const TEXT_ELEMENTS = new Set([
  'TranslatedText',
  'CheckValue',
  'FormalExpression',
  'StudyName',
  'StudyDescription',
  'ProtocolName',
  'DateTimeStamp',
  'ReasonForChange',
  'SourceID',
  'LoginName',
  'DisplayName',
  'FullName',
  'Meaning',
  'LegalReason',
])
/** Typed ItemData variants (ODM 1.3.1+): the value is the element text. */
const TYPED_ITEM_DATA =
  /^ItemData(String|Integer|Float|Date|Time|Datetime|Boolean|HexBinary|Base64Binary|HexFloat|Base64Float|PartialDate|PartialTime|PartialDatetime|DurationDatetime|IntervalDatetime|IncompleteDatetime|IncompleteDate|IncompleteTime|URI|Double)$/
/** ODM elements understood (containers and leaves); any other ODM element is reported once per name. */
const HANDLED = new Set([
  'ODM',
  'Study',
  'GlobalVariables',
  'StudyName',
  'StudyDescription',
  'ProtocolName',
  'BasicDefinitions',
  'MeasurementUnit',
  'Symbol',
  'TranslatedText',
  'MetaDataVersion',
  'Protocol',
  'StudyEventRef',
  'StudyEventDef',
  'FormRef',
  'FormDef',
  'ItemGroupRef',
  'ItemGroupDef',
  'ItemRef',
  'ItemDef',
  'Question',
  'Description',
  'MeasurementUnitRef',
  'RangeCheck',
  'CheckValue',
  'ErrorMessage',
  'CodeListRef',
  'Alias',
  'CodeList',
  'CodeListItem',
  'EnumeratedItem',
  'Decode',
  'ExternalCodeList',
  'ConditionDef',
  'MethodDef',
  'FormalExpression',
  'AdminData',
  'User',
  'LoginName',
  'DisplayName',
  'FullName',
  'LocationRef',
  'Location',
  'MetaDataVersionRef',
  'SignatureDef',
  'Meaning',
  'LegalReason',
  'ClinicalData',
  'SubjectData',
  'SiteRef',
  'StudyEventData',
  'FormData',
  'ItemGroupData',
  'ItemData',
  'AuditRecord',
  'UserRef',
  'DateTimeStamp',
  'ReasonForChange',
  'SourceID',
  'Signature',
  'SignatureRef',
  'InvestigatorRef',
  'FirstName',
  'LastName',
  'Organization',
  'Email',
])
/** ODM elements that carry nothing TrialDesk imports; counted in the report as skipped. */
const SKIP_REASONS: Readonly<Record<string, string>> = {
  ReferenceData: 'reference data (lookup tables) are not imported',
  Association: 'associations between data points are not imported',
  Annotation: 'annotations and comments are not imported',
  Annotations: 'annotations and comments are not imported',
  AuditRecords: 'detached audit records are not imported',
  Signatures: 'detached signatures are not imported',
  Presentation: 'presentation layouts are not imported',
  ImputationMethod: 'imputation methods are not imported',
  Include: 'included metadata versions from other files are not resolved',
  ArchiveLayout: 'archive layouts (PDF renditions) are not imported',
  ArchiveLayoutRef: 'archive layouts (PDF renditions) are not imported',
  Role: 'item roles are not imported',
  ExternalQuestion: 'external questions (instrument references) are not imported',
}

class OdmState {
  sawRoot = false
  private file: M.OdmFileInfo = { fileType: '', fileOid: '', creationDateTime: '' }
  private readonly studies: Mutable<M.OdmStudy>[] = []
  private readonly admin = {
    users: [] as Mutable<M.OdmUser>[],
    locations: [] as M.OdmLocation[],
    signatureDefs: [] as Mutable<M.OdmSignatureDef>[],
  }
  private readonly counts: OdmCounts = {
    studyEventDefs: 0,
    formDefs: 0,
    itemGroupDefs: 0,
    itemDefs: 0,
    codeLists: 0,
    conditionDefs: 0,
    methodDefs: 0,
    measurementUnits: 0,
    subjects: 0,
    studyEventData: 0,
    formData: 0,
    itemGroupData: 0,
    itemData: 0,
    auditRecords: 0,
    signatures: 0,
  }
  private readonly skipped = new ReportCollector()
  private readonly extensions = new ReportCollector()
  private readonly undeclared = new Set<string>()
  private readonly ready: M.OdmSubjectData[] = []
  private definitions = 0
  private subjectItems = 0

  /** Names of open elements; `skipDepth` > 0 while inside a subtree that is not read. */
  private readonly stack: string[] = []
  private skipDepth = 0
  private textBuf: string | undefined
  private texts: Record<string, string> | undefined
  private lang = ''

  // Current objects, set while their element is open.
  private study: Mutable<M.OdmStudy> | undefined
  private mdv: Mutable<M.OdmMetaDataVersion> | undefined
  private def: Record<string, unknown> | undefined
  private range: Mutable<M.OdmRangeCheck> | undefined
  private codeList: Mutable<M.OdmCodeList> | undefined
  private codeItem: Mutable<M.OdmCodeListItem> | undefined
  private expression: { context: string } | undefined
  private user: Mutable<M.OdmUser> | undefined
  private signatureDef: Mutable<M.OdmSignatureDef> | undefined
  private clinical: { studyOid: string; mdvOid: string } | undefined
  private subject: Mutable<M.OdmSubjectData> | undefined
  private event: Mutable<M.OdmStudyEventData> | undefined
  private form: Mutable<M.OdmFormData> | undefined
  private group: Mutable<M.OdmItemGroupData> | undefined
  private item: Mutable<M.OdmItemData> | undefined
  private audit: Mutable<M.OdmAuditRecord> | undefined
  private signature: Mutable<M.OdmSignature> | undefined

  constructor(private readonly limits: OdmLimits) {}

  stop(code: Problem['code'], message: string, line?: number): never {
    throw new StopReading({ code, path: line === undefined ? '' : `line ${line}`, message })
  }

  undeclaredPrefix(prefix: string): string {
    this.undeclared.add(prefix)
    return `urn:undeclared-prefix:${prefix}`
  }

  async flush(onSubject: OdmReadOptions['onSubject']): Promise<void> {
    while (this.ready.length > 0) {
      const s = this.ready.shift()
      if (s && onSubject) await onSubject(s)
    }
  }

  result(): OdmReadResult {
    for (const p of this.undeclared)
      this.skipped.add(
        `prefix "${p}:"`,
        'used without a namespace declaration; its elements were treated as vendor extensions',
      )
    return {
      file: this.file,
      studies: this.studies,
      admin: this.admin,
      counts: { ...this.counts },
      skipped: this.skipped.entries(),
      extensions: this.extensions.entries(),
    }
  }

  text(t: string): void {
    if (this.textBuf !== undefined && this.skipDepth === 0) this.textBuf += t
  }

  open(tag: SaxesTagNS, line: number): void {
    const name = tag.local
    if (this.stack.length >= this.limits.maxDepth)
      this.stop(ProblemCode.TooLarge, `elements nested deeper than ${this.limits.maxDepth}`, line)
    this.stack.push(name)
    if (this.skipDepth > 0) {
      this.skipDepth++
      if (tag.uri !== ODM_NS)
        this.extensions.add(
          `${tag.prefix ? `${tag.prefix}:` : ''}${name}`,
          `vendor element in ${tag.uri || 'no namespace'}`,
          line,
        )
      return
    }
    if (this.stack.length === 1) return this.openRoot(tag, line)
    if (tag.uri !== ODM_NS) {
      this.extensions.add(
        `${tag.prefix ? `${tag.prefix}:` : ''}${name}`,
        `vendor element in ${tag.uri || 'no namespace'}; kept out of the protocol`,
        line,
      )
      this.simpleExpression(tag)
      this.skipDepth = 1
      return
    }
    const attrs = tag.attributes
    const typed = TYPED_ITEM_DATA.exec(name)
    if (!HANDLED.has(name) && !typed) {
      this.skipped.add(name, SKIP_REASONS[name] ?? 'ODM element not used by TrialDesk', line)
      this.skipDepth = 1
      return
    }
    const ext = this.vendorAttrs(attrs, name, line)
    const a = (k: string): string | undefined => attrs[k]?.value
    const req = (k: string): string => {
      const v = a(k)
      if (v === undefined || v === '')
        this.stop(ProblemCode.Invalid, `${name} without the required ${k} attribute`, line)
      return v
    }
    const yes = (k: string): boolean => a(k) === 'Yes'
    const num = (k: string): number | undefined => {
      const v = a(k)
      const n = v === undefined ? NaN : Number(v)
      return Number.isFinite(n) ? n : undefined
    }
    const ref = (oidAttr: string): M.OdmRef => ({
      oid: req(oidAttr),
      ...(num('OrderNumber') !== undefined ? { order: num('OrderNumber') } : {}),
      mandatory: yes('Mandatory'),
      ...(a('CollectionExceptionConditionOID')
        ? { collectionExceptionConditionOid: a('CollectionExceptionConditionOID') }
        : {}),
      ext,
    })
    if (TEXT_ELEMENTS.has(name)) {
      this.textBuf = ''
      if (name === 'TranslatedText') this.lang = attrs['xml:lang']?.value ?? ''
    }
    switch (name) {
      case 'Study':
        this.study = {
          oid: req('OID'),
          name: '',
          description: '',
          protocolName: '',
          units: [],
          metaDataVersions: [],
          line,
        }
        this.studies.push(this.study)
        return
      case 'MeasurementUnit':
        this.counts.measurementUnits++
        this.countDefinition(line)
        this.def = { oid: req('OID'), name: a('Name') ?? '' }
        this.study?.units.push(this.def as unknown as M.OdmMeasurementUnit)
        return
      case 'MetaDataVersion':
        this.mdv = {
          oid: req('OID'),
          name: a('Name') ?? '',
          protocolRefs: [],
          studyEvents: [],
          forms: [],
          itemGroups: [],
          items: [],
          codeLists: [],
          conditions: [],
          methods: [],
          ext,
          line,
        }
        if (this.study) this.study.metaDataVersions.push(this.mdv)
        return
      case 'StudyEventRef':
        if (this.parent() === 'Protocol') this.mdv?.protocolRefs.push(ref('StudyEventOID'))
        return
      case 'StudyEventDef':
        this.counts.studyEventDefs++
        this.countDefinition(line)
        this.def = {
          oid: req('OID'),
          name: a('Name') ?? '',
          repeating: yes('Repeating'),
          type: a('Type') ?? 'Scheduled',
          formRefs: [],
          ext,
          line,
        }
        this.mdv?.studyEvents.push(this.def as unknown as M.OdmStudyEventDef)
        return
      case 'FormRef':
        ;(this.def?.['formRefs'] as M.OdmRef[] | undefined)?.push(ref('FormOID'))
        return
      case 'FormDef':
        this.counts.formDefs++
        this.countDefinition(line)
        this.def = { oid: req('OID'), name: a('Name') ?? '', repeating: yes('Repeating'), itemGroupRefs: [], ext, line }
        this.mdv?.forms.push(this.def as unknown as M.OdmFormDef)
        return
      case 'ItemGroupRef':
        ;(this.def?.['itemGroupRefs'] as M.OdmRef[] | undefined)?.push(ref('ItemGroupOID'))
        return
      case 'ItemGroupDef':
        this.counts.itemGroupDefs++
        this.countDefinition(line)
        this.def = { oid: req('OID'), name: a('Name') ?? '', repeating: yes('Repeating'), itemRefs: [], ext, line }
        this.mdv?.itemGroups.push(this.def as unknown as M.OdmItemGroupDef)
        return
      case 'ItemRef':
        this.countDefinition(line)
        ;(this.def?.['itemRefs'] as M.OdmItemRef[] | undefined)?.push({
          ...ref('ItemOID'),
          ...(a('MethodOID') ? { methodOid: a('MethodOID') } : {}),
        })
        return
      case 'ItemDef':
        this.counts.itemDefs++
        this.countDefinition(line)
        this.def = {
          oid: req('OID'),
          name: a('Name') ?? '',
          dataType: a('DataType') ?? 'text',
          unitOids: [],
          rangeChecks: [],
          aliases: [],
          ext,
          line,
          ...(num('Length') !== undefined ? { length: num('Length') } : {}),
          ...(num('SignificantDigits') !== undefined ? { significantDigits: num('SignificantDigits') } : {}),
        }
        this.mdv?.items.push(this.def as unknown as M.OdmItemDef)
        return
      case 'Question':
      case 'Description':
      case 'Decode':
      case 'Symbol':
      case 'ErrorMessage':
        this.texts = {}
        return
      case 'MeasurementUnitRef':
        if (this.parent() === 'ItemDef')
          (this.def?.['unitOids'] as string[] | undefined)?.push(req('MeasurementUnitOID'))
        return
      case 'RangeCheck':
        this.range = { comparator: a('Comparator') ?? '', softHard: a('SoftHard') ?? 'Hard', values: [], line }
        return
      case 'CodeListRef':
        if (this.def) this.def['codeListOid'] = req('CodeListOID')
        return
      case 'Alias':
        ;(this.def?.['aliases'] as M.OdmAlias[] | undefined)?.push({
          context: a('Context') ?? '',
          name: a('Name') ?? '',
        })
        return
      case 'CodeList':
        this.counts.codeLists++
        this.countDefinition(line)
        this.codeList = {
          oid: req('OID'),
          name: a('Name') ?? '',
          dataType: a('DataType') ?? 'text',
          items: [],
          ext,
          line,
        }
        this.mdv?.codeLists.push(this.codeList)
        return
      case 'CodeListItem':
      case 'EnumeratedItem':
        this.countDefinition(line)
        this.codeItem = { code: req('CodedValue') }
        this.codeList?.items.push(this.codeItem)
        return
      case 'ExternalCodeList':
        if (this.codeList)
          this.codeList.external = [a('Dictionary'), a('Version')].filter(Boolean).join(' ') || 'external dictionary'
        return
      case 'ConditionDef':
      case 'MethodDef':
        this.counts[name === 'ConditionDef' ? 'conditionDefs' : 'methodDefs']++
        this.countDefinition(line)
        this.def = {
          oid: req('OID'),
          name: a('Name') ?? '',
          expressions: [],
          ext,
          line,
          ...(name === 'MethodDef' ? { type: a('Type') ?? '' } : {}),
        }
        if (name === 'ConditionDef') this.mdv?.conditions.push(this.def as unknown as M.OdmConditionDef)
        else this.mdv?.methods.push(this.def as unknown as M.OdmMethodDef)
        return
      case 'FormalExpression':
        this.expression = { context: a('Context') ?? '' }
        return
      case 'User':
        this.countDefinition(line)
        this.user = { oid: req('OID'), locationOids: [] }
        this.admin.users.push(this.user)
        return
      case 'LocationRef':
        if (this.user && this.parent() === 'User') this.user.locationOids.push(req('LocationOID'))
        else if (this.audit) this.audit.locationOid = a('LocationOID')
        else if (this.signature) this.signature.locationOid = a('LocationOID')
        return
      case 'Location':
        this.countDefinition(line)
        this.admin.locations.push({
          oid: req('OID'),
          name: a('Name') ?? '',
          ...(a('LocationType') ? { type: a('LocationType') } : {}),
        })
        return
      case 'SignatureDef':
        this.countDefinition(line)
        this.signatureDef = {
          oid: req('OID'),
          meaning: '',
          legalReason: '',
          ...(a('Methodology') ? { methodology: a('Methodology') } : {}),
        }
        this.admin.signatureDefs.push(this.signatureDef)
        return
      case 'ClinicalData':
        this.clinical = { studyOid: a('StudyOID') ?? '', mdvOid: a('MetaDataVersionOID') ?? '' }
        return
      case 'SubjectData':
        this.counts.subjects++
        this.subjectItems = 0
        this.subject = {
          studyOid: this.clinical?.studyOid ?? '',
          metaDataVersionOid: this.clinical?.mdvOid ?? '',
          subjectKey: req('SubjectKey'),
          events: [],
          line,
          ...(a('TransactionType') ? { transactionType: a('TransactionType') } : {}),
        }
        return
      case 'SiteRef':
        if (this.subject) this.subject.siteOid = a('LocationOID')
        return
      case 'StudyEventData':
        this.counts.studyEventData++
        this.event = {
          studyEventOid: req('StudyEventOID'),
          forms: [],
          ...opt('repeatKey', a('StudyEventRepeatKey')),
          ...opt('transactionType', a('TransactionType')),
        }
        this.subject?.events.push(this.event)
        return
      case 'FormData':
        this.counts.formData++
        this.form = {
          formOid: req('FormOID'),
          groups: [],
          ...opt('repeatKey', a('FormRepeatKey')),
          ...opt('transactionType', a('TransactionType')),
        }
        this.event?.forms.push(this.form)
        return
      case 'ItemGroupData':
        this.counts.itemGroupData++
        this.group = {
          itemGroupOid: req('ItemGroupOID'),
          items: [],
          ...opt('repeatKey', a('ItemGroupRepeatKey')),
          ...opt('transactionType', a('TransactionType')),
        }
        this.form?.groups.push(this.group)
        return
      case 'ItemData':
        this.openItemData(req('ItemOID'), a('Value') ?? null, yes('IsNull'), a('TransactionType'), line)
        return
      case 'AuditRecord':
        this.counts.auditRecords++
        this.audit = { ...opt('editPoint', a('EditPoint')) }
        return
      case 'Signature':
        this.counts.signatures++
        this.signature = {}
        return
      case 'UserRef':
        if (this.audit) this.audit.userOid = a('UserOID')
        else if (this.signature) this.signature.userOid = a('UserOID')
        return
      case 'SignatureRef':
        if (this.signature) this.signature.signatureOid = a('SignatureOID')
        return
      default:
        if (typed) {
          const binary = typed[1] === 'Base64Binary' || typed[1] === 'HexBinary'
          this.openItemData(req('ItemOID'), null, yes('IsNull'), a('TransactionType'), line)
          if (binary) this.skipped.add(name, 'binary content (file uploads) is not imported', line)
          else this.textBuf = ''
        }
    }
  }

  close(tag: SaxesTagNS, line: number): void {
    const name = this.stack.pop() ?? tag.local
    if (this.skipDepth > 0) {
      this.skipDepth--
      return
    }
    const text = this.textBuf
    if (TEXT_ELEMENTS.has(name) || TYPED_ITEM_DATA.test(name)) this.textBuf = undefined
    switch (name) {
      case 'TranslatedText':
        if (this.texts && text !== undefined) this.texts[this.lang] = text.trim()
        return
      case 'StudyName':
        if (this.study) this.study.name = (text ?? '').trim()
        return
      case 'StudyDescription':
        if (this.study) this.study.description = (text ?? '').trim()
        return
      case 'ProtocolName':
        if (this.study) this.study.protocolName = (text ?? '').trim()
        return
      case 'Question':
      case 'Description':
        if (this.def && this.texts && !this.range && this.parent() !== 'Protocol')
          this.def[name === 'Question' ? 'question' : 'description'] = this.texts
        this.texts = undefined
        return
      case 'Symbol':
        if (this.def && this.texts) this.def['symbol'] = this.texts
        this.texts = undefined
        return
      case 'Decode':
        if (this.codeItem && this.texts) this.codeItem.decode = this.texts
        this.texts = undefined
        return
      case 'ErrorMessage':
        this.texts = undefined
        return
      case 'CheckValue':
        this.range?.values.push((text ?? '').trim())
        return
      case 'RangeCheck':
        if (this.range) (this.def?.['rangeChecks'] as M.OdmRangeCheck[] | undefined)?.push(this.range)
        this.range = undefined
        return
      case 'FormalExpression':
        if (this.range) this.range.expression = text ?? ''
        else
          (this.def?.['expressions'] as M.OdmExpression[] | undefined)?.push({
            context: this.expression?.context ?? '',
            text: text ?? '',
          })
        this.expression = undefined
        return
      case 'CodeListItem':
      case 'EnumeratedItem':
        this.codeItem = undefined
        return
      case 'CodeList':
        this.codeList = undefined
        return
      case 'MeasurementUnit':
      case 'StudyEventDef':
      case 'FormDef':
      case 'ItemGroupDef':
      case 'ItemDef':
      case 'ConditionDef':
      case 'MethodDef':
        this.def = undefined
        return
      case 'MetaDataVersion':
        this.mdv = undefined
        return
      case 'Study':
        this.study = undefined
        return
      case 'LoginName':
      case 'DisplayName':
      case 'FullName':
        if (this.user)
          this.user[name === 'LoginName' ? 'loginName' : name === 'DisplayName' ? 'displayName' : 'fullName'] = (
            text ?? ''
          ).trim()
        return
      case 'User':
        this.user = undefined
        return
      case 'Meaning':
      case 'LegalReason':
        if (this.signatureDef) this.signatureDef[name === 'Meaning' ? 'meaning' : 'legalReason'] = (text ?? '').trim()
        return
      case 'SignatureDef':
        this.signatureDef = undefined
        return
      case 'DateTimeStamp':
        if (this.audit) this.audit.dateTimeStamp = (text ?? '').trim()
        else if (this.signature) this.signature.dateTimeStamp = (text ?? '').trim()
        return
      case 'ReasonForChange':
        if (this.audit) this.audit.reasonForChange = text ?? ''
        return
      case 'SourceID':
        if (this.audit) this.audit.sourceId = (text ?? '').trim()
        return
      case 'AuditRecord':
        this.attach('audit', this.audit)
        this.audit = undefined
        return
      case 'Signature':
        this.attach('signature', this.signature)
        this.signature = undefined
        return
      case 'ItemData':
        this.item = undefined
        return
      case 'ItemGroupData':
        this.group = undefined
        return
      case 'FormData':
        this.form = undefined
        return
      case 'StudyEventData':
        this.event = undefined
        return
      case 'SubjectData':
        if (this.subject) this.ready.push(this.subject)
        this.subject = undefined
        return
      case 'ClinicalData':
        this.clinical = undefined
        return
      default:
        if (TYPED_ITEM_DATA.test(name) && this.item) {
          if (text !== undefined && !this.item.isNull) this.item.value = text
          this.item = undefined
        }
        void line
    }
  }

  /** Viedoc writes simple conditions as `<v4:FormalExpressionSimple LeftOperand Operator RightOperand>`. */
  private simpleExpression(tag: SaxesTagNS): void {
    const expressions = this.def?.['expressions'] as M.OdmExpression[] | undefined
    const attrs = tag.attributes
    const [l, op, r] = [attrs['LeftOperand']?.value, attrs['Operator']?.value, attrs['RightOperand']?.value]
    if (tag.local !== 'FormalExpressionSimple' || !expressions || !l || !op || r === undefined) return
    const right = r === 'null' || /^-?\d+(\.\d+)?$/.test(r) ? r : JSON.stringify(r)
    expressions.push({ context: tag.name, text: `${l} ${op} ${right}` })
  }

  private openRoot(tag: SaxesTagNS, line: number): void {
    this.sawRoot = true
    if (tag.local !== 'ODM') this.stop(ProblemCode.Unsupported, `the root element is ${tag.name}, not ODM`, line)
    if (tag.uri !== ODM_NS) {
      this.stop(
        ProblemCode.Unsupported,
        `ODM in namespace "${tag.uri || '(none)'}"; only ODM 1.3 (${ODM_NS}) is read`,
        line,
      )
    }
    const attrs = tag.attributes
    const a = (k: string) => attrs[k]?.value
    this.vendorAttrs(attrs, 'ODM', line)
    this.file = {
      fileType: a('FileType') ?? '',
      fileOid: a('FileOID') ?? '',
      creationDateTime: a('CreationDateTime') ?? '',
      ...opt('odmVersion', a('ODMVersion')),
      ...opt('sourceSystem', a('SourceSystem')),
      ...opt('sourceSystemVersion', a('SourceSystemVersion')),
      ...opt('originator', a('Originator')),
      ...opt('granularity', a('Granularity')),
    }
  }

  private openItemData(
    itemOid: string,
    value: string | null,
    isNull: boolean,
    transactionType: string | undefined,
    line: number,
  ): void {
    this.counts.itemData++
    if (++this.subjectItems > this.limits.maxItemsPerSubject)
      this.stop(ProblemCode.TooLarge, `more than ${this.limits.maxItemsPerSubject} items in one SubjectData`, line)
    this.item = { itemOid, value: isNull ? null : value, isNull, line, ...opt('transactionType', transactionType) }
    if (this.group) this.group.items.push(this.item)
    else this.skipped.add('ItemData', 'outside an ItemGroupData (reference data?)', line)
  }

  /** Hands an AuditRecord or Signature to the innermost open clinical element. */
  private attach(key: 'audit' | 'signature', value: object | undefined): void {
    if (!value) return
    const owner = this.item ?? this.group ?? this.form ?? this.event ?? this.subject
    if (!owner) return
    if (key === 'signature' && (owner === this.item || owner === this.group || owner === this.event)) {
      this.skipped.add('Signature', 'signatures below form level are not imported', undefined)
      return
    }
    ;(owner as Record<string, unknown>)[key] = value
  }

  private vendorAttrs(attrs: Attrs, element: string, line: number): M.Ext {
    let ext: Record<string, string> | undefined
    for (const attr of Object.values(attrs)) {
      if (
        attr.uri === '' ||
        attr.uri === ODM_NS ||
        INFRA_NS.has(attr.uri) ||
        attr.prefix === 'xmlns' ||
        attr.name === 'xmlns'
      )
        continue
      ext ??= {}
      ext[attr.name] = attr.value
      this.extensions.add(
        `${attr.name} (attribute of ${element})`,
        `vendor attribute in ${attr.uri}; kept with the definition`,
        line,
      )
    }
    return ext ?? {}
  }

  private countDefinition(line: number): void {
    if (++this.definitions > this.limits.maxDefinitions)
      this.stop(ProblemCode.TooLarge, `more than ${this.limits.maxDefinitions} definitions`, line)
  }

  private parent(): string | undefined {
    return this.stack[this.stack.length - 2]
  }
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string }
}
