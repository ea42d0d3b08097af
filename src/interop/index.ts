export * from './study-extract.ts'
export * from './odm-oids.ts'
export { writeOdm, odmToString, type OdmWriteOptions, type OdmFileType } from './odm-writer.ts'
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
