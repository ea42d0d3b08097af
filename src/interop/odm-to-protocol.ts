/**
 * ODM metadata → TrialDesk protocol. Forms come from FormDef/ItemGroupDef/ItemDef, item types from DataType,
 * options from CodeList, ranges from RangeCheck, units from MeasurementUnit, visits from StudyEventDef in
 * Protocol order, display logic from ConditionDef (OpenEDC, Viedoc, REDCap branching logic, TrialDesk's own),
 * derived values from MethodDef or REDCap calculations. Anything without a faithful equivalent is listed with
 * its reason and line. The result also carries the OID mapping used to load the file's clinical data.
 */
import {
  fail,
  ok,
  ProblemCode,
  type ChoiceOption,
  type Condition,
  type DerivedDef,
  type EditCheck,
  type FormDef,
  type ItemDef,
  type ItemType,
  type Range,
  type Result,
  type Visit,
} from '../domain/index.ts'
import {
  negateCondition,
  translateCondition,
  translateFormula,
  type ItemResolver,
  type ResolvedItem,
} from './expression-translate.ts'
import { ReportCollector, type Placeholder, type ReportEntry } from './import-report.ts'
import type * as M from './odm-model.ts'
import type { OdmReadResult } from './odm-reader.ts'
import { ALLOCATION_FORM, TRIALDESK_ALIAS, UNSCHEDULED_VISIT } from './odm-oids.ts'
import { assembleProtocol, cleanLabel, IdAllocator, parseRedcapChoices, validateImported } from './protocol-builder.ts'
import type { ProtocolFile } from '../domain/index.ts'

/** Where a piece of ODM clinical data goes in TrialDesk. */
export type ItemTarget =
  | { readonly kind: 'value'; readonly itemId: string; readonly type: ItemType; readonly numericCodes: boolean }
  /** One option of a multiple-choice item (REDCap checkbox `field___code`): `1` adds the code. */
  | { readonly kind: 'option'; readonly itemId: string; readonly code: string | number }
  | { readonly kind: 'derived'; readonly derivedId: string }
  | { readonly kind: 'skip'; readonly reason: string }

/** OID → protocol id mapping of one MetaDataVersion, JSON-serialisable. */
export interface OdmMapping {
  readonly studyOid: string
  readonly metaDataVersionOid: string
  /** StudyEventOID → visit id (`UNS` for unscheduled events). */
  readonly events: Readonly<Record<string, string>>
  readonly repeatingEvents: readonly string[]
  /** FormOID → form id. */
  readonly forms: Readonly<Record<string, string>>
  /** FormOID → ItemOID → target. */
  readonly items: Readonly<Record<string, Readonly<Record<string, ItemTarget>>>>
  /** ItemGroupOIDs whose repeats beyond the first cannot be stored (repeating group in a non-repeating form). */
  readonly flattenedGroups: readonly string[]
  /** LocationOID → site id. */
  readonly sites: Readonly<Record<string, string>>
}

export interface OdmProtocolImport {
  readonly protocol: ProtocolFile
  readonly mapping: OdmMapping
  readonly skipped: readonly ReportEntry[]
  readonly placeholders: readonly Placeholder[]
}

const PREFERRED_LANGS = ['en', 'en-US', 'en-GB', '']

function pickText(t: M.Texts | undefined): string | undefined {
  if (!t) return undefined
  for (const l of PREFERRED_LANGS) if (t[l]) return t[l]
  return Object.values(t).find((v) => v !== '')
}

function stripPrefix(oid: string, prefixes: readonly string[]): string {
  const p = prefixes.find((x) => oid.startsWith(x) && oid.length > x.length)
  return p ? oid.slice(p.length) : oid
}

/** Vendor attribute by local name, whatever the prefix (`redcap:FieldType`, `v4:HideShow`). */
function extValue(ext: M.Ext, local: string): string | undefined {
  for (const [k, v] of Object.entries(ext)) if (k === local || k.endsWith(`:${local}`)) return v
  return undefined
}

interface Draft {
  readonly form: {
    id: string
    label: string
    repeating: boolean
    items: ItemDef[]
    derived: DerivedDef[]
    checks: EditCheck[]
  }
  readonly formOid: string
  /** Names a reference may use for an item of this form → the item. */
  readonly names: Map<string, ResolvedItem>
  readonly targets: Record<string, ItemTarget>
  readonly pending: PendingLogic[]
  /** The form's OID without `F.` (TrialDesk files name items `I.<FORM>.<ITEM>`). */
  readonly oidStem: string
  readonly redcapFormName: string | undefined
  readonly flattened: string[]
}

type PendingLogic =
  | {
      kind: 'show'
      itemId: string
      conditions: { def: M.OdmConditionDef | undefined; oid: string; text?: string; line: number }[]
    }
  | {
      kind: 'calc'
      itemId: string
      itemOid: string
      text: string
      context: string
      line: number
      label: string
      unit?: string
    }
  | { kind: 'check'; itemId: string; expression: string; softHard: string; line: number }

/**
 * Translates the metadata of the first Study (its last MetaDataVersion) into a protocol. Fails only when the
 * file has no metadata at all or the result cannot be made valid.
 */
export function odmToProtocol(read: OdmReadResult, source: string): Result<OdmProtocolImport> {
  const study = read.studies[0]
  const mdv = study?.metaDataVersions[study.metaDataVersions.length - 1]
  if (!study || !mdv) {
    return fail({
      code: ProblemCode.NotFound,
      path: source,
      message:
        'the file holds no study metadata (Study/MetaDataVersion); a ClinicalData-only file needs its metadata file',
    })
  }
  const report = new ReportCollector()
  if (read.studies.length > 1)
    report.add('Study', `only the first study (${study.oid}) is imported`, read.studies[1]?.line)
  if (study.metaDataVersions.length > 1)
    report.add(
      'MetaDataVersion',
      `only the last metadata version (${mdv.oid}) is imported`,
      study.metaDataVersions[0]?.line,
    )

  const byOid = {
    forms: new Map(mdv.forms.map((f) => [f.oid, f])),
    groups: new Map(mdv.itemGroups.map((g) => [g.oid, g])),
    items: new Map(mdv.items.map((i) => [i.oid, i])),
    codeLists: new Map(mdv.codeLists.map((c) => [c.oid, c])),
    conditions: new Map(mdv.conditions.map((c) => [c.oid, c])),
    methods: new Map(mdv.methods.map((m) => [m.oid, m])),
    units: new Map(study.units.map((u) => [u.oid, u])),
  }

  // Events in Protocol order, then any not referenced there.
  const refOrder = new Map(mdv.protocolRefs.map((r, i) => [r.oid, r.order ?? i + 1]))
  const events = [...mdv.studyEvents].sort(
    (a, b) => (refOrder.get(a.oid) ?? Infinity) - (refOrder.get(b.oid) ?? Infinity),
  )
  // Forms in the order events first use them.
  const formOrder: string[] = []
  for (const e of events) for (const r of sortRefs(e.formRefs)) if (!formOrder.includes(r.oid)) formOrder.push(r.oid)
  for (const f of mdv.forms) if (!formOrder.includes(f.oid)) formOrder.push(f.oid)

  const formIds = new IdAllocator('F')
  const drafts: Draft[] = []
  for (const formOid of formOrder) {
    const def = byOid.forms.get(formOid)
    if (!def) {
      report.add(`FormRef ${formOid}`, 'refers to a FormDef that is not in the file')
      continue
    }
    const draft = buildForm(def, formIds, byOid, report)
    if (draft.form.items.length === 0 && draft.form.derived.length === 0) {
      report.add(`FormDef ${def.oid}`, 'has no importable items; form left out', def.line)
      continue
    }
    drafts.push(draft)
  }
  for (const d of drafts) resolveLogic(d, byOid, report)

  const formIdByOid = new Map(drafts.map((d) => [d.formOid, d.form.id]))
  const visitIds = new IdAllocator('V')
  const visits: Visit[] = []
  const unscheduled = new Set<string>()
  const eventMap: Record<string, string> = {}
  const repeatingEvents: string[] = []
  const arms = new Map<string, string>()
  let guessedDays = false
  events.forEach((e, index) => {
    const forms = sortRefs(e.formRefs).flatMap((r) => formIdByOid.get(r.oid) ?? [])
    const armNum = extValue(e.ext, 'ArmNum')
    const armName = extValue(e.ext, 'ArmName')
    if (armNum && armName) arms.set(armNum, armName)
    if (e.type === 'Unscheduled') {
      for (const f of forms) unscheduled.add(f)
      eventMap[e.oid] = UNSCHEDULED_VISIT
      return
    }
    if (e.repeating) {
      repeatingEvents.push(e.oid)
      report.add(
        `StudyEventDef ${e.oid}`,
        'repeating event: repeats after the first are loaded as unscheduled visits',
        e.line,
      )
    }
    const id = visitIds.make(extValue(e.ext, 'UniqueEventName') ?? stripPrefix(e.oid, ['SE.', 'Event.']))
    const offset = Number(extValue(e.ext, 'DayOffset'))
    const before = Number(extValue(e.ext, 'OffsetMin'))
    const after = Number(extValue(e.ext, 'OffsetMax'))
    if (!Number.isFinite(offset)) guessedDays = true
    eventMap[e.oid] = id
    visits.push({
      id,
      label: cleanLabel(e.name) || pickText(e.description) || id,
      anchor: 'screening',
      day: Number.isFinite(offset) ? Math.round(offset) : index,
      window: {
        before: Number.isFinite(before) ? Math.max(0, Math.round(before)) : 0,
        after: Number.isFinite(after) ? Math.max(0, Math.round(after)) : 0,
      },
      forms,
      procedures: [],
    })
  })
  if (visits.length === 0) {
    visits.push({
      id: 'VISIT1',
      label: 'PLACEHOLDER visit (the file defines no study events)',
      anchor: 'screening',
      day: 0,
      window: { before: 0, after: 0 },
      forms: drafts.map((d) => d.form.id),
      procedures: [],
    })
  }

  const siteIds = new IdAllocator('SITE')
  const sites = read.admin.locations.map((l) => ({
    oid: l.oid,
    site: { id: siteIds.make(stripPrefix(l.oid, ['LOC.'])), name: cleanLabel(l.name) || l.oid, country: 'XX' },
  }))
  const studyId = new IdAllocator('S').make(stripPrefix(study.oid, ['S.', 'Project.']))
  const { protocol, placeholders } = assembleProtocol({
    studyId,
    title: cleanLabel(study.name) || cleanLabel(study.protocolName) || studyId,
    description: study.description,
    version: cleanLabel(mdv.name) || mdv.oid,
    forms: drafts.map((d) => d.form as FormDef),
    visits,
    unscheduledForms: [...unscheduled],
    sites: sites.map((s) => s.site),
    arms: [...arms].map(([num, name]) => ({ id: new IdAllocator('ARM').make(`ARM${num}`), label: name })),
    sourceName: 'the ODM file',
  })
  const allPlaceholders = [...placeholders]
  if (guessedDays)
    allPlaceholders.push({
      path: 'visits[].day',
      reason: 'ODM has no visit days; days are the Protocol order (0, 1, 2, …), anchored at screening',
    })
  const checked = validateImported(protocol, source, (construct, reason) => report.add(construct, reason))
  if (!checked.ok) return checked
  return ok({
    protocol: checked.value,
    placeholders: allPlaceholders,
    skipped: report.entries(),
    mapping: {
      studyOid: study.oid,
      metaDataVersionOid: mdv.oid,
      events: eventMap,
      repeatingEvents,
      forms: Object.fromEntries(formIdByOid),
      items: Object.fromEntries(drafts.map((d) => [d.formOid, d.targets])),
      flattenedGroups: drafts.flatMap((d) => d.flattened),
      sites: Object.fromEntries(sites.map((s) => [s.oid, s.site.id])),
    },
  })
}

function sortRefs<T extends M.OdmRef>(refs: readonly T[]): T[] {
  return refs.every((r) => r.order !== undefined)
    ? [...refs].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
    : [...refs]
}

interface Indexes {
  readonly forms: ReadonlyMap<string, M.OdmFormDef>
  readonly groups: ReadonlyMap<string, M.OdmItemGroupDef>
  readonly items: ReadonlyMap<string, M.OdmItemDef>
  readonly codeLists: ReadonlyMap<string, M.OdmCodeList>
  readonly conditions: ReadonlyMap<string, M.OdmConditionDef>
  readonly methods: ReadonlyMap<string, M.OdmMethodDef>
  readonly units: ReadonlyMap<string, M.OdmMeasurementUnit>
}

function formIdFor(def: M.OdmFormDef): string {
  return extValue(def.ext, 'FormName') ?? stripPrefix(def.oid, ['F.', 'Form.'])
}

function buildForm(def: M.OdmFormDef, formIds: IdAllocator, idx: Indexes, report: ReportCollector): Draft {
  const groupRefs = sortRefs(def.itemGroupRefs)
  const groups = groupRefs.flatMap((r) => {
    const g = idx.groups.get(r.oid)
    if (!g) report.add(`ItemGroupRef ${r.oid}`, 'refers to an ItemGroupDef that is not in the file', def.line)
    return g ? [{ ref: r, def: g }] : []
  })
  const repeatingGroups = groups.filter((g) => g.def.repeating)
  const repeating = def.repeating || (groups.length === 1 && repeatingGroups.length === 1)
  const draft: Draft = {
    form: {
      id: formIds.make(formIdFor(def)),
      label: cleanLabel(def.name) || pickText(def.description) || def.oid,
      repeating,
      items: [],
      derived: [],
      checks: [],
    },
    formOid: def.oid,
    names: new Map(),
    targets: {},
    pending: [],
    oidStem: stripPrefix(def.oid, ['F.']),
    redcapFormName: extValue(def.ext, 'FormName'),
    flattened: [],
  }
  if (!repeating) {
    for (const g of repeatingGroups) {
      draft.flattened.push(g.def.oid)
      report.add(
        `ItemGroupDef ${g.def.oid}`,
        'repeating item group in a non-repeating form: only its first repeat is imported',
        g.def.line,
      )
    }
  }
  const itemIds = new IdAllocator('I')
  const checkboxes = new Map<string, ItemDef & { options: ChoiceOption[] }>()
  for (const { ref: groupRef, def: group } of groups) {
    for (const ref of sortRefs(group.itemRefs)) {
      const item = idx.items.get(ref.oid)
      if (!item) {
        report.add(`ItemRef ${ref.oid}`, 'refers to an ItemDef that is not in the file', group.line)
        continue
      }
      addItem(draft, item, ref, groupRef, group, itemIds, checkboxes, idx, report)
    }
  }
  for (const g of groups) draft.names.set(g.def.oid, { id: '', type: 'text' })
  return draft
}

const REDCAP_SKIPPED_TYPES: Readonly<Record<string, string>> = {
  file: 'REDCap file upload: files are not imported',
  descriptive: 'REDCap descriptive text, not a data item',
  sql: 'REDCap SQL field: its choices come from a database query',
}

function addItem(
  draft: Draft,
  item: M.OdmItemDef,
  ref: M.OdmItemRef,
  groupRef: M.OdmRef,
  group: M.OdmItemGroupDef,
  itemIds: IdAllocator,
  checkboxes: Map<string, ItemDef & { options: ChoiceOption[] }>,
  idx: Indexes,
  report: ReportCollector,
): void {
  const where = `item ${item.oid} of form ${draft.formOid}`
  const skip = (reason: string) => {
    draft.targets[item.oid] = { kind: 'skip', reason }
    report.add(where, reason, item.line)
  }
  const fieldType = extValue(item.ext, 'FieldType')
  const variable = extValue(item.ext, 'Variable')
  if (fieldType && REDCAP_SKIPPED_TYPES[fieldType]) return skip(REDCAP_SKIPPED_TYPES[fieldType])
  if (draft.redcapFormName && variable === `${draft.redcapFormName}_complete`)
    return skip('REDCap form status (TrialDesk tracks form status itself)')
  if (item.dataType === 'base64Binary' || item.dataType === 'hexBinary')
    return skip(`binary data type ${item.dataType}: files are not imported`)
  // TrialDesk names a multichoice item's list in an Alias (a CodeListRef would say the value is one code).
  const listOid =
    item.codeListOid ??
    /^multichoice (\S+)$/.exec(
      item.aliases.find((a) => a.context === TRIALDESK_ALIAS && a.name.startsWith('multichoice '))?.name ?? '',
    )?.[1]
  const codeList = listOid ? idx.codeLists.get(listOid) : undefined
  if (item.codeListOid && !codeList)
    report.add(where, `refers to a CodeList ${item.codeListOid} that is not in the file`, item.line)

  // REDCap checkboxes arrive as one boolean ItemDef per option (`gym___0`…): merged into one multichoice item.
  if (fieldType === 'checkbox' && variable) {
    const choices = parseRedcapChoices(codeList ? (extValue(codeList.ext, 'CheckboxChoices') ?? '') : '')
    if (typeof choices === 'string') return skip(`checkbox without readable choices (${choices})`)
    let multi = checkboxes.get(variable)
    if (!multi) {
      const id = itemIds.make(variable)
      multi = {
        id,
        label: cleanLabel(pickText(item.question)) || id,
        type: 'multichoice',
        options: choices.options,
        required: false,
        identifier: false,
      }
      checkboxes.set(variable, multi)
      draft.form.items.push(multi)
      draft.names.set(variable, { id, type: 'multichoice', numericCodes: choices.numeric })
    }
    const suffix = item.oid.slice(item.oid.lastIndexOf('___') + 3)
    const option = choices.options.find((o) => redcapCheckboxSuffix(o.code) === suffix.toLowerCase())
    draft.targets[item.oid] = option
      ? { kind: 'option', itemId: multi.id, code: option.code }
      : { kind: 'skip', reason: `checkbox option ${suffix} not among the choices` }
    return
  }

  const id = itemIds.make(
    /^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(item.name) ? item.name : stripPrefix(item.oid, [`I.${draft.oidStem}.`, 'I.']),
  )
  const label =
    cleanLabel(pickText(item.question)) || cleanLabel(pickText(item.description)) || cleanLabel(item.name) || id
  const unitDef = item.unitOids[0] ? idx.units.get(item.unitOids[0]) : undefined
  const unit = unitDef ? cleanLabel(pickText(unitDef.symbol)) || unitDef.name : undefined
  if (item.unitOids.length > 1) report.add(where, 'several measurement units: only the first is kept', item.line)

  // Computed items: REDCap calc fields and ODM MethodDef computations become derived values when translatable.
  const method = ref.methodOid ? idx.methods.get(ref.methodOid) : undefined
  const calcText = fieldType === 'calc' ? extValue(item.ext, 'Calculation') : method?.expressions[0]?.text
  if (method && calcText === undefined) {
    report.add(
      where,
      `method ${method.oid} has no formal expression (${cleanLabel(pickText(method.description)) || 'computed elsewhere'}); imported as an entered item`,
      method.line,
    )
  }
  if (calcText !== undefined && (fieldType === 'calc' || method)) {
    draft.pending.push({
      kind: 'calc',
      itemId: id,
      itemOid: item.oid,
      text: calcText,
      context: method?.expressions[0]?.context ?? 'REDCap',
      line: method?.line ?? item.line,
      label,
      ...(unit ? { unit } : {}),
    })
  }

  const typed = itemType(item, codeList, fieldType)
  if (typeof typed === 'object') return skip(typed.reason)
  const options =
    codeList && (typed === 'choice' || typed === 'multichoice') ? codeListOptions(codeList, report) : undefined
  let type: ItemType = typed
  if ((type === 'choice' || type === 'multichoice') && !options) {
    report.add(where, 'choice item without usable options: imported as free text', item.line)
    type = 'text'
  }
  const numericCodes = codeList ? codeListIsNumeric(codeList) : false
  const def: ItemDef = {
    id,
    label,
    type,
    required: ref.mandatory || extValue(item.ext, 'RequiredField') === 'y',
    identifier:
      extValue(item.ext, 'Identifier') === 'y' ||
      item.aliases.some((a) => a.context === TRIALDESK_ALIAS && a.name === 'identifier'),
    ...(unit ? { unit } : {}),
    ...(options ? { options } : {}),
    ...(type === 'decimal' && item.significantDigits !== undefined && item.significantDigits <= 10
      ? { decimals: item.significantDigits }
      : {}),
    ...(type === 'text' && item.length !== undefined && item.length > 0 && item.length < 100_000
      ? { maxLength: item.length }
      : {}),
    ...ranges(item, type, where, report, draft, id),
  }
  const help =
    cleanLabel(extValue(item.ext, 'FieldNote')) ||
    (pickText(item.question) ? cleanLabel(pickText(item.description)) : '')
  if (help) (def as { help?: string }).help = help
  draft.form.items.push(def)
  draft.targets[item.oid] = { kind: 'value', itemId: id, type, numericCodes }
  const resolved: ResolvedItem = { id, type, numericCodes }
  for (const name of [item.oid, item.name, id, variable, `${group.oid}-${item.oid}`])
    if (name) draft.names.set(name, resolved)

  const shows: PendingLogic & { kind: 'show' } = { kind: 'show', itemId: id, conditions: [] }
  for (const oid of [groupRef.collectionExceptionConditionOid, ref.collectionExceptionConditionOid]) {
    if (oid) shows.conditions.push({ def: idx.conditions.get(oid), oid, line: item.line })
  }
  const branching = extValue(item.ext, 'BranchingLogic')
  if (branching)
    shows.conditions.push({ def: undefined, oid: 'redcap:BranchingLogic', text: branching, line: item.line })
  if (shows.conditions.length > 0) draft.pending.push(shows)
}

/** REDCap writes a checkbox option's column as `field___code`, the code lower-cased with other characters as `_`. */
function redcapCheckboxSuffix(code: string | number): string {
  return String(code)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '_')
}

function codeListIsNumeric(cl: M.OdmCodeList): boolean {
  return (
    (cl.dataType === 'integer' || cl.dataType === 'float' || cl.dataType === 'double') &&
    cl.items.every((i) => Number.isFinite(Number(i.code)) && i.code.trim() !== '')
  )
}

function codeListOptions(cl: M.OdmCodeList, report: ReportCollector): ChoiceOption[] | undefined {
  if (cl.external) {
    report.add(`CodeList ${cl.oid}`, `external dictionary (${cl.external}): kept as free text`, cl.line)
    return undefined
  }
  const numeric = codeListIsNumeric(cl)
  const seen = new Set<string>()
  const options: ChoiceOption[] = []
  for (const i of cl.items) {
    if (i.code === '' || seen.has(i.code)) continue
    seen.add(i.code)
    options.push({ code: numeric ? Number(i.code) : i.code, label: cleanLabel(pickText(i.decode)) || i.code })
  }
  return options.length > 0 ? options : undefined
}

function itemType(
  item: M.OdmItemDef,
  codeList: M.OdmCodeList | undefined,
  fieldType: string | undefined,
): ItemType | { reason: string } {
  if (item.aliases.some((a) => a.context === TRIALDESK_ALIAS && a.name.startsWith('multichoice '))) return 'multichoice'
  if (codeList && !codeList.external && item.dataType !== 'boolean') return 'choice'
  if (fieldType === 'yesno' || fieldType === 'truefalse') return 'boolean'
  switch (item.dataType) {
    case 'integer':
      return 'integer'
    case 'float':
    case 'double':
    case 'hexFloat':
    case 'base64Float':
      return 'decimal'
    case 'date':
    case 'partialDate':
    case 'incompleteDate':
      return 'date'
    case 'datetime':
    case 'partialDatetime':
    case 'incompleteDatetime':
      return 'datetime'
    case 'boolean':
      return 'boolean'
    case 'text':
    case 'string':
    case 'URI':
    case 'time':
    case 'partialTime':
    case 'incompleteTime':
    case 'durationDatetime':
    case 'intervalDatetime':
      return 'text'
    default:
      return { reason: `unknown DataType "${item.dataType}"` }
  }
}

/** RangeChecks with constant values become hard/soft ranges; expression checks become edit checks later. */
function ranges(
  item: M.OdmItemDef,
  type: ItemType,
  where: string,
  report: ReportCollector,
  draft: Draft,
  itemId: string,
): { range?: Range; softRange?: Range } {
  const out: { range?: { min?: number; max?: number }; softRange?: { min?: number; max?: number } } = {}
  for (const rc of item.rangeChecks) {
    if (rc.expression !== undefined) {
      draft.pending.push({ kind: 'check', itemId, expression: rc.expression, softHard: rc.softHard, line: rc.line })
      continue
    }
    const value = Number(rc.values[0])
    const numericType = type === 'integer' || type === 'decimal'
    if (!numericType || rc.values.length !== 1 || !Number.isFinite(value)) {
      report.add(
        where,
        `range check ${rc.comparator} ${rc.values.join(',')} on a ${type} item is not translatable`,
        rc.line,
      )
      continue
    }
    const key = rc.softHard === 'Soft' ? 'softRange' : 'range'
    const r = (out[key] ??= {})
    switch (rc.comparator) {
      case 'GE':
        r.min = value
        break
      case 'LE':
        r.max = value
        break
      case 'GT':
      case 'LT':
        // Whole numbers: a strict bound is the next whole number. Decimals: kept inclusive and reported.
        if (type === 'integer' && Number.isInteger(value)) {
          if (rc.comparator === 'GT') r.min = value + 1
          else r.max = value - 1
        } else {
          if (rc.comparator === 'GT') r.min = value
          else r.max = value
          report.add(where, `strict bound ${rc.comparator} ${value} kept as an inclusive bound`, rc.line)
        }
        break
      default:
        report.add(where, `range check comparator ${rc.comparator} is not translatable`, rc.line)
    }
  }
  for (const key of ['range', 'softRange'] as const) {
    const r = out[key]
    if (r && r.min !== undefined && r.max !== undefined && r.min > r.max) {
      report.add(where, `${key} ${r.min}..${r.max} is empty and was dropped`, item.line)
      delete out[key]
    }
  }
  return out
}

/** Second pass, once every item of the form is known: conditions, calculations and expression checks. */
function resolveLogic(d: Draft, idx: Indexes, report: ReportCollector): void {
  const resolve: ItemResolver = (ref) => {
    if (ref.event) return `refers to event "${ref.event}" (conditions only see the same form)`
    const direct = d.names.get(ref.name)
    if (direct && direct.id !== '') return direct
    // Dotted paths: `$THIS.WE.WEPERF`, `V2.IE.IEYN`, `GROUP-ITEM`; only the last part may name an item here.
    const parts = ref.name.split(/[.-]/)
    const last = parts[parts.length - 1] ?? ''
    const tail = d.names.get(last) ?? d.names.get(ref.name.slice(ref.name.indexOf('-') + 1))
    if (tail && tail.id !== '' && parts.length > 1) {
      const scope = parts.slice(0, -1)
      const local = scope.every((p) => p === '$THIS' || p === d.formOid || d.names.has(p))
      return local ? tail : `refers to "${ref.name}" in another form or visit (conditions only see the same form)`
    }
    return `refers to "${ref.name}", which is not an item of this form`
  }
  const where = (id: string) => `item ${id} of form ${d.form.id}`
  for (const p of d.pending) {
    const item = d.form.items.find((i) => i.id === p.itemId)
    switch (p.kind) {
      case 'show': {
        const shows: Condition[] = []
        let never = false
        for (const c of p.conditions) {
          const expr = c.text !== undefined ? { context: 'REDCap', text: c.text } : c.def?.expressions[0]
          if (!expr) {
            report.add(where(p.itemId), `condition ${c.oid} is missing or has no expression`, c.line)
            continue
          }
          const t = translateCondition(expr.text, resolve)
          if (!t.ok) {
            report.add(
              where(p.itemId),
              `display condition "${oneLine(expr.text)}" not translated: ${t.reason}`,
              c.def?.line ?? c.line,
            )
            continue
          }
          // ODM: CollectionExceptionCondition says when the item is NOT collected; REDCap branching logic and
          // Viedoc conditions marked HideShow="show" say when it is shown.
          const showsWhen = c.text !== undefined || (c.def && extValue(c.def.ext, 'HideShow') === 'show')
          const value = showsWhen ? t.value : typeof t.value === 'boolean' ? !t.value : negateCondition(t.value)
          if (value === false) never = true
          else if (value !== true) shows.push(value)
        }
        if (never)
          report.add(
            where(p.itemId),
            'display condition is always false: the item is never shown',
            p.conditions[0]?.line,
          )
        if (item && shows.length > 0)
          (item as { showWhen?: Condition }).showWhen = shows.length === 1 ? (shows[0] as Condition) : { all: shows }
        break
      }
      case 'calc': {
        const t = translateFormula(p.text, resolve)
        if (!t.ok) {
          report.add(
            where(p.itemId),
            `calculation "${oneLine(p.text)}" not translated (${t.reason}); kept as an entered item`,
            p.line,
          )
          break
        }
        // A translated calculation replaces the entered item by a derived value of the same id.
        d.form.items = d.form.items.filter((i) => i.id !== p.itemId)
        d.form.derived.push({ id: p.itemId, label: p.label, formula: t.value, ...(p.unit ? { unit: p.unit } : {}) })
        d.targets[p.itemOid] = { kind: 'derived', derivedId: p.itemId }
        break
      }
      case 'check': {
        const t = translateCondition(p.expression, resolve)
        if (!t.ok || typeof t.value === 'boolean') {
          report.add(
            where(p.itemId),
            `range check expression "${oneLine(p.expression)}" not translated${t.ok ? '' : `: ${t.reason}`}`,
            p.line,
          )
          break
        }
        // The expression says when the value is acceptable; the edit check raises a query when it is not.
        d.form.checks.push({
          id: new IdAllocator('CHK').make(`${p.itemId}_check_${d.form.checks.length + 1}`),
          when: negateCondition(t.value),
          message: `${p.itemId}: value outside the expected range`,
        })
        if (p.softHard === 'Hard')
          report.add(
            where(p.itemId),
            'hard expression check imported as an edit check (raises a query, does not block entry)',
            p.line,
          )
        break
      }
    }
  }
  // TrialDesk's own files carry requiredWhen and edit checks as ConditionDefs named by convention.
  for (const c of idx.conditions.values()) {
    const m = /^C\.([^.]+)\.(?:CHECK\.([^.]+)|([^.]+)\.REQUIRED)$/.exec(c.oid)
    if (!m || m[1] !== d.form.id) continue
    const expr = c.expressions[0]?.text
    const t = expr ? translateCondition(expr, resolve) : undefined
    if (!t?.ok || typeof t.value === 'boolean') continue
    if (m[2]) d.form.checks.push({ id: m[2], when: t.value, message: cleanLabel(pickText(c.description)) || m[2] })
    else {
      const item = d.form.items.find((i) => i.id === m[3])
      if (item) (item as { requiredWhen?: Condition }).requiredWhen = t.value
    }
  }
  if (d.formOid === `F.${ALLOCATION_FORM}`)
    report.add(
      `form ${d.form.id}`,
      'TrialDesk allocation form: arms belong in the protocol, not in a form; review before use',
    )
}

function oneLine(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim()
  return s.length > 120 ? `${s.slice(0, 117)}…` : s
}
