/**
 * `data/instruments.json`: the single machine-readable source for ALSFRS-R, King's and MiToS staging, the
 * Modified Ashworth Scale, ECAS and the safety code lists (see shared/domain/README.md). It is read once,
 * validated here with zod (shape and internal cross-references) and then treated as frozen data; no item
 * text, score range, staging threshold or code-list value is re-typed in code.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { fail, formatPath, ok, ProblemCode, type Result } from '../domain/index.ts'
import { conditionReferences, RuleCondition } from './condition.ts'

const Id = z.string().min(1)
const Label = z.string().min(1)

const ScoreSpec = z.strictObject({
  id: Id,
  name: Label,
  slots: z.array(Id).min(1),
  min: z.number().int(),
  max: z.number().int(),
})
export type ScoreSpec = z.infer<typeof ScoreSpec>

const QuestionnaireItem = z.strictObject({
  id: Id,
  slot: Id,
  number: Id,
  name: Label,
  domain: Id,
  appliesWhen: z.strictObject({ gastrostomy: z.boolean() }).optional(),
  options: z.array(z.strictObject({ code: z.number().int(), label: Label })).min(1),
})
export type QuestionnaireItem = z.infer<typeof QuestionnaireItem>

export const Questionnaire = z.strictObject({
  id: Id,
  name: Label,
  kind: z.literal('questionnaire'),
  reference: Label,
  recallNote: z.string().optional(),
  items: z.array(QuestionnaireItem).min(1),
  slots: z.array(Id).min(1),
  scoring: z.strictObject({
    itemMin: z.number().int(),
    itemMax: z.number().int(),
    higherIsBetter: z.boolean(),
    total: ScoreSpec,
    subscores: z.array(ScoreSpec),
  }),
  derived: z.strictObject({
    deltaFS: z.strictObject({ name: Label, formula: Label, unit: Label, reference: Label }),
  }),
})
export type Questionnaire = z.infer<typeof Questionnaire>

const Stage = z.strictObject({ code: Id, label: Label, rule: z.string().optional(), when: RuleCondition.optional() })
export type Stage = z.infer<typeof Stage>

/**
 * King's counts the CNS `regions` involved, MiToS the functional `domains` lost: exactly one of the two lists.
 */
export const DerivedStaging = z
  .strictObject({
    id: Id,
    name: Label,
    kind: z.literal('derivedStaging'),
    source: Id,
    reference: Label,
    regions: z
      .array(z.strictObject({ id: Id, name: Label, involvedWhen: RuleCondition }))
      .min(1)
      .optional(),
    domains: z
      .array(z.strictObject({ id: Id, name: Label, lostWhen: RuleCondition }))
      .min(1)
      .optional(),
    stages: z.array(Stage).min(1),
    precedence: z.array(Id).min(1),
  })
  .refine((s) => (s.regions === undefined) !== (s.domains === undefined), {
    message: 'must list either regions or domains',
  })
export type DerivedStaging = z.infer<typeof DerivedStaging>

export const ClinicianRating = z.strictObject({
  id: Id,
  name: Label,
  kind: z.literal('clinicianRating'),
  reference: Label,
  recordedPer: z.array(Id),
  suggestedMuscleGroups: z.array(Id).min(1),
  sides: z.array(Id).min(1),
  measurementLevel: z.literal('ordinal'),
  grades: z.array(z.strictObject({ code: Id, ordinal: z.number().int().nonnegative(), label: Label })).min(2),
})
export type ClinicianRating = z.infer<typeof ClinicianRating>

export const CognitiveScreen = z.strictObject({
  id: Id,
  name: Label,
  kind: z.literal('cognitiveScreen'),
  reference: Label,
  itemsIncluded: z.boolean(),
  domains: z
    .array(z.strictObject({ id: Id, name: Label, group: Id, min: z.number().int(), max: z.number().int() }))
    .min(1),
  totals: z
    .array(
      z.strictObject({
        id: Id,
        name: Label,
        domains: z.array(Id).min(1),
        min: z.number().int(),
        max: z.number().int(),
        abnormalAtOrBelow: z.number(),
      }),
    )
    .min(1),
})
export type CognitiveScreen = z.infer<typeof CognitiveScreen>

export const InstrumentSpec = z.discriminatedUnion('kind', [
  Questionnaire,
  DerivedStaging,
  ClinicianRating,
  CognitiveScreen,
])
export type InstrumentSpec = z.infer<typeof InstrumentSpec>

export const CodeListCode = z.strictObject({
  code: z.union([z.string().min(1), z.number().int()]),
  label: Label,
  description: z.string().optional(),
  /** WHO-UMC: true → related, false → not related, null → undecided (protocol setting decides). */
  reasonablePossibility: z.boolean().nullable().optional(),
  /** ICH E2A seriousness criterion → the SDTM AE flag it sets. */
  sdtmFlag: z.string().optional(),
  /** MedDRA SOC display order. */
  order: z.number().int().optional(),
})
export type CodeListCode = z.infer<typeof CodeListCode>

export const CodeList = z.strictObject({
  id: Id,
  name: Label,
  reference: Label,
  hierarchy: z.array(Id).optional(),
  codes: z.array(CodeListCode).min(1),
})
export type CodeList = z.infer<typeof CodeList>

export const InstrumentData = z
  .strictObject({
    formatVersion: z.literal(1),
    instruments: z.array(InstrumentSpec).min(1),
    codeLists: z.array(CodeList),
  })
  .superRefine((data, ctx) => {
    const issue = (path: PropertyKey[], message: string): void => ctx.addIssue({ code: 'custom', path, message })
    const byId = new Map<string, InstrumentSpec>()
    data.instruments.forEach((ins, i) => {
      if (byId.has(ins.id)) issue(['instruments', i, 'id'], `duplicate instrument "${ins.id}"`)
      byId.set(ins.id, ins)
    })
    data.codeLists.forEach((list, i) => {
      if (data.codeLists.findIndex((l) => l.id === list.id) !== i)
        issue(['codeLists', i, 'id'], `duplicate code list "${list.id}"`)
      list.codes.forEach((c, j) => {
        if (list.codes.findIndex((d) => d.code === c.code) !== j)
          issue(['codeLists', i, 'codes', j, 'code'], 'duplicate code')
      })
    })
    data.instruments.forEach((ins, i) => {
      const at = (...rest: PropertyKey[]): PropertyKey[] => ['instruments', i, ...rest]
      if (ins.kind === 'questionnaire') {
        const slots = new Set(ins.slots)
        ins.items.forEach((item, j) => {
          if (!slots.has(item.slot)) issue(at('items', j, 'slot'), `unknown slot "${item.slot}"`)
          for (const o of item.options) {
            if (o.code < ins.scoring.itemMin || o.code > ins.scoring.itemMax)
              issue(at('items', j, 'options'), `code ${o.code} outside item range`)
          }
        })
        for (const slot of ins.slots) {
          if (!ins.items.some((item) => item.slot === slot)) issue(at('slots'), `slot "${slot}" has no item`)
        }
        ;[ins.scoring.total, ...ins.scoring.subscores].forEach((score, j) => {
          const path = j === 0 ? at('scoring', 'total') : at('scoring', 'subscores', j - 1)
          for (const slot of score.slots) if (!slots.has(slot)) issue([...path, 'slots'], `unknown slot "${slot}"`)
          const itemMax = ins.scoring.itemMax * score.slots.length
          if (score.max !== itemMax) issue([...path, 'max'], `must be ${itemMax} (${score.slots.length} slots)`)
        })
      }
      if (ins.kind === 'derivedStaging') {
        const source = byId.get(ins.source)
        if (source?.kind !== 'questionnaire') {
          issue(at('source'), `"${ins.source}" is not a questionnaire in this file`)
          return
        }
        const itemIds = new Set(source.items.map((it) => it.id))
        const conditions: Array<[PropertyKey[], RuleCondition]> = [
          ...(ins.regions ?? []).map((r, j): [PropertyKey[], RuleCondition] => [
            at('regions', j, 'involvedWhen'),
            r.involvedWhen,
          ]),
          ...(ins.domains ?? []).map((d, j): [PropertyKey[], RuleCondition] => [
            at('domains', j, 'lostWhen'),
            d.lostWhen,
          ]),
          ...ins.stages.flatMap((s, j): Array<[PropertyKey[], RuleCondition]> =>
            s.when ? [[at('stages', j, 'when'), s.when]] : [],
          ),
        ]
        for (const [path, cond] of conditions) {
          for (const ref of conditionReferences(cond))
            if (!itemIds.has(ref)) issue(path, `unknown item "${ref}" of ${source.id}`)
        }
        const codes = new Set(ins.stages.map((s) => s.code))
        ins.precedence.forEach((code, j) => {
          if (!codes.has(code)) issue(at('precedence', j), `unknown stage "${code}"`)
        })
        ins.stages.forEach((s, j) => {
          if (!ins.precedence.includes(s.code)) issue(at('stages', j), `stage "${s.code}" is missing from precedence`)
          if (!s.when && countOfRule(s.rule) === null)
            issue(at('stages', j, 'rule'), 'needs `when` or a rule of the form `<count> == <n>`')
        })
      }
      if (ins.kind === 'clinicianRating') {
        const ordinals = ins.grades.map((g) => g.ordinal)
        if (ordinals.some((o, j) => o !== j)) issue(at('grades'), 'ordinals must run 0, 1, 2, … in grade order')
      }
      if (ins.kind === 'cognitiveScreen') {
        const domains = new Set(ins.domains.map((d) => d.id))
        ins.totals.forEach((t, j) => {
          for (const d of t.domains) if (!domains.has(d)) issue(at('totals', j, 'domains'), `unknown domain "${d}"`)
        })
      }
    })
  })
export type InstrumentData = z.infer<typeof InstrumentData>

/** The count a staging rule such as `regionsInvolved == 2` maps to stage, or null for another rule. */
export function countOfRule(rule: string | undefined): number | null {
  const m = rule === undefined ? null : /^\s*[A-Za-z]+\s*==\s*(\d+)\s*$/.exec(rule)
  return m ? Number(m[1]) : null
}

/** Validates parsed instruments.json content; problems carry the path inside the file. */
export function parseInstrumentData(raw: unknown): Result<InstrumentData> {
  const parsed = InstrumentData.safeParse(raw)
  if (parsed.success) return ok(deepFreeze(parsed.data))
  return fail(
    parsed.error.issues.map((i) => ({ code: ProblemCode.Invalid, path: formatPath(i.path), message: i.message })),
  )
}

/** Where the shipped definitions live, relative to this module (the same from `src/` and a `dist/` build). */
export const INSTRUMENTS_FILE = new URL('../../data/instruments.json', import.meta.url)

let cached: InstrumentData | undefined

/**
 * The validated content of `data/instruments.json`, read on first use and then shared (frozen). A broken
 * shipped file is a build defect, so it throws with every problem listed.
 */
export function instrumentData(): InstrumentData {
  if (cached) return cached
  const parsed = parseInstrumentData(JSON.parse(readFileSync(INSTRUMENTS_FILE, 'utf8')))
  if (!parsed.ok) {
    throw new Error(
      `data/instruments.json is invalid:\n${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`,
    )
  }
  cached = parsed.value
  return cached
}

/** The instrument of that id and kind in instruments.json; throws when the shipped file lacks it (a defect). */
export function instrumentSpec<K extends InstrumentSpec['kind']>(
  id: string,
  kind: K,
): Extract<InstrumentSpec, { kind: K }> {
  const spec = instrumentData().instruments.find((i) => i.id === id)
  if (spec?.kind !== kind) throw new Error(`instruments.json has no ${kind} "${id}"`)
  return spec as Extract<InstrumentSpec, { kind: K }>
}

/** A code list from instruments.json (`CTCAE_GRADE`, `WHO_UMC_CAUSALITY`, `ICH_SERIOUSNESS_CRITERIA`, `MEDDRA_SOC`). */
export function codeList(id: string): CodeList | undefined {
  return instrumentData().codeLists.find((l) => l.id === id)
}

/** Ids of the instruments.json instruments and of the code lists. */
export const InstrumentId = {
  AlsfrsR: 'ALSFRS-R',
  Kings: 'KINGS-FROM-ALSFRS-R',
  Mitos: 'MITOS',
  Mas: 'MAS',
  Ecas: 'ECAS',
} as const
export const CodeListId = {
  CtcaeGrade: 'CTCAE_GRADE',
  WhoUmcCausality: 'WHO_UMC_CAUSALITY',
  IchSeriousness: 'ICH_SERIOUSNESS_CRITERIA',
  MeddraSoc: 'MEDDRA_SOC',
} as const

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
