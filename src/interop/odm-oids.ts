/**
 * TrialDesk's ODM OID convention. OIDs are derived from protocol ids only (never from labels or positions), so
 * they stay stable across protocol versions: a form or item keeps its OID as long as it keeps its id.
 */

export const ODM_NS = 'http://www.cdisc.org/ns/odm/v1.3'

/** Characters kept in an OID part; anything else becomes `_` (units such as `mg/day` or `%`). */
function part(id: string): string {
  const cleaned = id.replace(/%/g, 'PCT').replace(/[^A-Za-z0-9_-]/g, '_')
  return cleaned === '' ? '_' : cleaned
}

export const oid = {
  study: (studyId: string) => `S.${part(studyId)}`,
  metaDataVersion: (version: string) => `MDV.${part(version)}`,
  event: (visitId: string) => `SE.${part(visitId)}`,
  form: (formId: string) => `F.${part(formId)}`,
  itemGroup: (formId: string, group: string) => `IG.${part(formId)}.${part(group)}`,
  item: (formId: string, itemId: string) => `I.${part(formId)}.${part(itemId)}`,
  codeList: (list: string) => `CL.${list.split('.').map(part).join('.')}`,
  unit: (unit: string) => `MU.${part(unit)}`,
  condition: (formId: string, ...rest: string[]) => `C.${[formId, ...rest].map(part).join('.')}`,
  method: (formId: string, derivedId: string) => `M.${part(formId)}.${part(derivedId)}`,
  user: (userId: string) => `USR.${part(userId)}`,
  location: (siteId: string) => `LOC.${part(siteId)}`,
  signatureDef: (meaning: string) => `SD.${part(meaning)}`,
} as const

/** The event holding adverse-event forms (the capture services' AE visit), each AE a repeat of the form. */
export { AE_VISIT as ADVERSE_EVENT_VISIT } from '../capture/index.ts'
/** The event holding each product lot's manufacturing and release form (written with the supply chain's release). */
export { RELEASE_VISIT as PRODUCT_LOT_VISIT } from '../capture/index.ts'
/** The event holding forms filled at unscheduled visits. */
export const UNSCHEDULED_VISIT = 'UNS'
/** Item groups of a TrialDesk form: entered items, then derived values. */
export const GROUP_ITEMS = 'ITEMS'
export const GROUP_DERIVED = 'DERIVED'
/** The allocation pseudo-form written only in unblinded exports. */
export const ALLOCATION_FORM = 'ALLOCATION'
/** `Alias Context` marking TrialDesk-specific meaning that ODM 1.3.2 has no element for. */
export const TRIALDESK_ALIAS = 'TrialDesk'
/** `FormalExpression Context` of conditions and formulas written in TrialDesk's expression syntax. */
export const TRIALDESK_EXPRESSION = 'TrialDesk'
