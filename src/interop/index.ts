/**
 * Interoperability: CDISC ODM 1.3.2 import/export, REDCap data dictionaries and data, SDTM-style and R-ready
 * exports. Readers never throw on bad input (problems carry the line); writers are pure functions of plain data
 * (`StudyExtract`) writing to a sink, so the CLI and API only choose where the bytes go.
 *
 * Wired to the live study through the capture services: `buildExport`/`writeExport` (the services' extraction,
 * blinded unless asked otherwise, written atomically and audited) and `loadOdmFile`/`loadRedcapData`/
 * `loadClinicalData` (clinical data loaded through the services in one transaction, all or nothing).
 */
export * from './study-extract.ts'
export * from './odm-oids.ts'
export type * from './odm-model.ts'
export { writeOdm, odmToString, formatValue, type OdmWriteOptions, type OdmFileType } from './odm-writer.ts'
export {
  readOdm,
  readOdmFile,
  DEFAULT_ODM_LIMITS,
  type OdmCounts,
  type OdmLimits,
  type OdmReadOptions,
  type OdmReadResult,
} from './odm-reader.ts'
export { odmToProtocol, type ItemTarget, type OdmMapping, type OdmProtocolImport } from './odm-to-protocol.ts'
export { importOdmFile, type OdmImportOptions, type OdmImportResult } from './odm-import.ts'
export {
  convertValue,
  mapOdmSubject,
  toSubjectRecords,
  type ImportedAudit,
  type ImportedFormSave,
  type ImportedSubject,
  type OdmIdResolver,
} from './odm-clinical.ts'
export {
  formatImportReport,
  ReportCollector,
  type ImportReport,
  type Placeholder,
  type ReportEntry,
} from './import-report.ts'
export { parseExpression, type Expr } from './expression.ts'
export {
  translateCondition,
  translateFormula,
  conditionToText,
  type ItemResolver,
  type ResolvedItem,
} from './expression-translate.ts'
export { validateXmlFile, findXmllint, ODM_XSD, type XsdOutcome } from './xsd-check.ts'
export { escapeXmlAttr, escapeXmlText } from './xml-writer.ts'
export {
  isFormulaLike,
  neutraliseCell,
  parseCsv,
  toCsv,
  DEFAULT_CSV_LIMITS,
  type CsvCell,
  type CsvLimits,
  type CsvRow,
  type CsvTable,
} from './csv.ts'
export {
  importRedcapDictionary,
  type RedcapFieldTarget,
  type RedcapImport,
  type RedcapImportInput,
  type RedcapMapping,
} from './redcap-dictionary.ts'
export {
  conditionToRedcap,
  formulaToRedcap,
  redcapData,
  redcapDictionary,
  redcapEventName,
  redcapEvents,
  redcapNames,
  RECORD_ID,
  REDCAP_DICTIONARY_HEADER,
  type RedcapNames,
} from './redcap-export.ts'
export { datasetCsv, defineCsv, rScript, type Dataset, type Row, type Variable, type VariableType } from './dataset.ts'
export {
  alsfrsTestCode,
  findingsFromExtract,
  sdtmExport,
  tabularFiles,
  type SdtmAdverseEvent,
  type SdtmArm,
  type SdtmDisposition,
  type SdtmExposure,
  type SdtmFinding,
  type SdtmInput,
  type SdtmSubject,
  type TabularExport,
} from './sdtm.ts'
export { rExport, type RExportOptions } from './r-export.ts'
export {
  blindedCapture,
  joinVisitId,
  splitVisitId,
  toSdtmInput,
  toStudyExtract,
  SIGNATURE_MEANINGS,
} from './capture-extract.ts'
export {
  buildExport,
  writeExport,
  ODM_FILE,
  type BuiltExport,
  type ExportFormat,
  type ExportRequest,
} from './study-export.ts'
export {
  loadClinicalData,
  loadOdmFile,
  type ClinicalLoadOptions,
  type ClinicalLoadSummary,
  type OdmLoadOptions,
  type OdmLoadResult,
} from './clinical-import.ts'
export { loadRedcapData, readRedcapRecords, type RedcapLoadResult, type RedcapRecords } from './redcap-data.ts'
