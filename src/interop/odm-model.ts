/**
 * ODM 1.3 content as read from a file, kept close to the XML (OIDs, Yes/No flags as booleans, texts per
 * language), with the line each definition starts on for reports. Vendor attributes stay on the definition
 * they came with (`ext`, keyed `prefix:Name`), so a translator can use those it knows (REDCap branching logic,
 * Viedoc show/hide) and report the others.
 */

/** Texts by `xml:lang` ('' when the file gives none). */
export type Texts = Readonly<Record<string, string>>
export type Ext = Readonly<Record<string, string>>

export interface OdmRef {
  readonly oid: string
  readonly order?: number | undefined
  readonly mandatory: boolean
  readonly collectionExceptionConditionOid?: string | undefined
  readonly ext: Ext
}

export interface OdmItemRef extends OdmRef {
  readonly methodOid?: string | undefined
}

export interface OdmStudyEventDef {
  readonly oid: string
  readonly name: string
  readonly repeating: boolean
  readonly type: string
  readonly description?: Texts | undefined
  readonly formRefs: readonly OdmRef[]
  readonly ext: Ext
  readonly line: number
}

export interface OdmFormDef {
  readonly oid: string
  readonly name: string
  readonly repeating: boolean
  readonly description?: Texts | undefined
  readonly itemGroupRefs: readonly OdmRef[]
  readonly ext: Ext
  readonly line: number
}

export interface OdmItemGroupDef {
  readonly oid: string
  readonly name: string
  readonly repeating: boolean
  readonly description?: Texts | undefined
  readonly itemRefs: readonly OdmItemRef[]
  readonly ext: Ext
  readonly line: number
}

export interface OdmRangeCheck {
  readonly comparator: string
  readonly softHard: string
  readonly values: readonly string[]
  readonly expression?: string | undefined
  readonly line: number
}

export interface OdmAlias {
  readonly context: string
  readonly name: string
}

export interface OdmItemDef {
  readonly oid: string
  readonly name: string
  readonly dataType: string
  readonly length?: number | undefined
  readonly significantDigits?: number | undefined
  readonly question?: Texts | undefined
  readonly description?: Texts | undefined
  readonly unitOids: readonly string[]
  readonly rangeChecks: readonly OdmRangeCheck[]
  readonly codeListOid?: string | undefined
  readonly aliases: readonly OdmAlias[]
  readonly ext: Ext
  readonly line: number
}

export interface OdmCodeListItem {
  readonly code: string
  readonly decode?: Texts | undefined
}

export interface OdmCodeList {
  readonly oid: string
  readonly name: string
  readonly dataType: string
  readonly items: readonly OdmCodeListItem[]
  /** Set for an ExternalCodeList (MedDRA, WHODrug, …), whose codes are not in the file. */
  readonly external?: string | undefined
  readonly ext: Ext
  readonly line: number
}

export interface OdmExpression {
  readonly context: string
  readonly text: string
}

export interface OdmConditionDef {
  readonly oid: string
  readonly name: string
  readonly description?: Texts | undefined
  readonly expressions: readonly OdmExpression[]
  readonly ext: Ext
  readonly line: number
}

export interface OdmMethodDef extends OdmConditionDef {
  readonly type: string
}

export interface OdmMeasurementUnit {
  readonly oid: string
  readonly name: string
  readonly symbol?: Texts | undefined
}

export interface OdmMetaDataVersion {
  readonly oid: string
  readonly name: string
  readonly protocolRefs: readonly OdmRef[]
  readonly studyEvents: readonly OdmStudyEventDef[]
  readonly forms: readonly OdmFormDef[]
  readonly itemGroups: readonly OdmItemGroupDef[]
  readonly items: readonly OdmItemDef[]
  readonly codeLists: readonly OdmCodeList[]
  readonly conditions: readonly OdmConditionDef[]
  readonly methods: readonly OdmMethodDef[]
  readonly ext: Ext
  readonly line: number
}

export interface OdmStudy {
  readonly oid: string
  readonly name: string
  readonly description: string
  readonly protocolName: string
  readonly units: readonly OdmMeasurementUnit[]
  readonly metaDataVersions: readonly OdmMetaDataVersion[]
  readonly line: number
}

export interface OdmUser {
  readonly oid: string
  readonly loginName?: string | undefined
  readonly displayName?: string | undefined
  readonly fullName?: string | undefined
  readonly locationOids: readonly string[]
}

export interface OdmLocation {
  readonly oid: string
  readonly name: string
  readonly type?: string | undefined
}

export interface OdmSignatureDef {
  readonly oid: string
  readonly meaning: string
  readonly legalReason: string
  readonly methodology?: string | undefined
}

export interface OdmAdminData {
  readonly users: readonly OdmUser[]
  readonly locations: readonly OdmLocation[]
  readonly signatureDefs: readonly OdmSignatureDef[]
}

// ---------------------------------------------------------------------------------------------------------
// Clinical data

export interface OdmAuditRecord {
  readonly userOid?: string | undefined
  readonly locationOid?: string | undefined
  readonly dateTimeStamp?: string | undefined
  readonly reasonForChange?: string | undefined
  readonly sourceId?: string | undefined
  readonly editPoint?: string | undefined
}

export interface OdmSignature {
  readonly userOid?: string | undefined
  readonly locationOid?: string | undefined
  readonly signatureOid?: string | undefined
  readonly dateTimeStamp?: string | undefined
}

export interface OdmItemData {
  readonly itemOid: string
  /** The value; null when absent or `IsNull="Yes"`. */
  readonly value: string | null
  readonly isNull: boolean
  readonly transactionType?: string | undefined
  readonly audit?: OdmAuditRecord | undefined
  readonly line: number
}

export interface OdmItemGroupData {
  readonly itemGroupOid: string
  readonly repeatKey?: string | undefined
  readonly transactionType?: string | undefined
  readonly items: readonly OdmItemData[]
  readonly audit?: OdmAuditRecord | undefined
}

export interface OdmFormData {
  readonly formOid: string
  readonly repeatKey?: string | undefined
  readonly transactionType?: string | undefined
  readonly groups: readonly OdmItemGroupData[]
  readonly audit?: OdmAuditRecord | undefined
  readonly signature?: OdmSignature | undefined
}

export interface OdmStudyEventData {
  readonly studyEventOid: string
  readonly repeatKey?: string | undefined
  readonly transactionType?: string | undefined
  readonly forms: readonly OdmFormData[]
  readonly audit?: OdmAuditRecord | undefined
}

/** One `<SubjectData>`; handed to the caller as soon as it closes, then forgotten by the reader. */
export interface OdmSubjectData {
  readonly studyOid: string
  readonly metaDataVersionOid: string
  readonly subjectKey: string
  readonly transactionType?: string | undefined
  readonly siteOid?: string | undefined
  readonly events: readonly OdmStudyEventData[]
  readonly audit?: OdmAuditRecord | undefined
  readonly signature?: OdmSignature | undefined
  readonly line: number
}

export interface OdmFileInfo {
  readonly fileType: string
  readonly fileOid: string
  readonly creationDateTime: string
  readonly odmVersion?: string | undefined
  readonly sourceSystem?: string | undefined
  readonly sourceSystemVersion?: string | undefined
  readonly originator?: string | undefined
  readonly granularity?: string | undefined
}
