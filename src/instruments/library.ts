/**
 * The instrument library: every instrument a protocol form can name with `instrument: <ID>`, resolved into
 * concrete items (protocol schema `ItemDef`, code lists expanded into options), formula-derived values, edit
 * checks and the scores computed by code. Instruments of instruments.json (ALSFRS-R, MAS, ECAS) are built from
 * that file; the TrialDesk templates (VITALS, NEUROPHYS, ...) from `templates.ts`.
 */
import {
  fail,
  ItemDef,
  ok,
  ProblemCode,
  type EditCheck,
  type IsoDate,
  type Problem,
  type Range,
  type Result,
} from '../domain/index.ts'
import { alsfrsRSlotProblems, alsfrsRSpec, computeAlsfrsR } from './alsfrs-r.ts'
import { compileDerived, computeDerived, type CompiledDerived } from './derived-values.ts'
import { ecasCutoffProblems, ecasSpec, scoreEcas } from './ecas.ts'
import { codeList, instrumentData, InstrumentId } from './instrument-data.ts'
import { masItemId, masSpec, scoreMas } from './mas.ts'
import { instrumentTemplate, instrumentTemplates } from './templates.ts'

export type InstrumentKind = 'questionnaire' | 'clinicianRating' | 'cognitiveScreen' | 'template'

/** A value computed by an instrument's code (not by a formula), e.g. the ALSFRS-R `total` or `kingsStage`. */
export interface ScoreDef {
  readonly id: string
  readonly label: string
  readonly type: 'integer' | 'decimal' | 'text' | 'boolean'
  readonly unit?: string
}

/** Per-form choices for an instrument, from the protocol's form definition. */
export interface InstrumentOptions {
  /** MAS: muscle groups rated (each per side); default the suggested list. */
  readonly muscleGroups?: readonly string[] | undefined
  /** ECAS: abnormal-at-or-below cut-offs replacing the published ones, by total id. */
  readonly cutoffs?: Readonly<Record<string, number>> | undefined
  /** MANUFACTURING: the product's release criteria; a numeric item of the same id takes the range as soft range. */
  readonly releaseCriteria?: ReadonlyArray<{ readonly id: string; readonly range?: Range | undefined }> | undefined
}

/** What a form gets from an instrument. Plain data (JSON-serialisable). */
export interface ResolvedInstrument {
  readonly id: string
  readonly name: string
  readonly kind: InstrumentKind
  readonly reference?: string | undefined
  readonly items: readonly ItemDef[]
  readonly derived: readonly CompiledDerived[]
  readonly checks: readonly EditCheck[]
  readonly scores: readonly ScoreDef[]
  readonly options: InstrumentOptions
}

/** Context some scores need: ΔFS needs the onset and assessment dates; staging needs to know of death. */
export interface ScoreContext {
  readonly onsetDate?: IsoDate | undefined
  readonly assessmentDate?: IsoDate | undefined
  readonly died?: boolean | undefined
}

/** A score or derived value. */
export type DerivedValue = number | string | boolean | null

export interface InstrumentSummary {
  readonly id: string
  readonly name: string
  readonly kind: InstrumentKind
  readonly reference?: string | undefined
}

/** Every instrument a form can use (staging rules are derived from ALSFRS-R, not forms of their own). */
export function listInstruments(): InstrumentSummary[] {
  const fromData = instrumentData()
    .instruments.filter((i) => i.kind !== 'derivedStaging')
    .map((i) => ({ id: i.id, name: i.name, kind: i.kind, reference: i.reference }))
  const templates = instrumentTemplates().map((t) => ({
    id: t.id,
    name: t.name,
    kind: 'template' as const,
    reference: t.reference,
  }))
  return [...fromData, ...templates]
}

/** An item with its `codeList` expanded into `options` (MedDRA SOCs in their display order). */
export function withCodeListOptions(item: ItemDef): ItemDef {
  if (!item.codeList || item.options) return item
  const list = codeList(item.codeList)
  if (!list) return item
  const codes = [...list.codes].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
  return { ...item, options: codes.map((c) => ({ code: c.code, label: c.label })) }
}

/**
 * Resolves an instrument for a form. Problems: an unknown instrument (path ''), options that do not apply to
 * it or name unknown things (`muscleGroups`, `cutoffs.<id>`).
 */
export function resolveInstrument(id: string, options: InstrumentOptions = {}): Result<ResolvedInstrument> {
  const problems: Problem[] = []
  if (options.muscleGroups && id !== InstrumentId.Mas) problems.push(notFor('muscleGroups', InstrumentId.Mas))
  if (options.cutoffs && id !== InstrumentId.Ecas) problems.push(notFor('cutoffs', InstrumentId.Ecas))
  if (options.muscleGroups) {
    options.muscleGroups.forEach((g, i) => {
      if (options.muscleGroups?.indexOf(g) !== i)
        problems.push({
          code: ProblemCode.Conflict,
          path: `muscleGroups[${i}]`,
          message: `duplicate muscle group "${g}"`,
        })
    })
  }
  if (options.cutoffs && id === InstrumentId.Ecas) problems.push(...ecasCutoffProblems(options.cutoffs, 'cutoffs'))
  const resolved = build(id, options)
  if (!resolved) {
    const staging = instrumentData().instruments.find((i) => i.id === id && i.kind === 'derivedStaging')
    const message = staging
      ? `"${id}" is derived from ${staging.kind === 'derivedStaging' ? staging.source : ''} scores, not a form instrument`
      : `unknown instrument "${id}" (known: ${listInstruments()
          .map((i) => i.id)
          .join(', ')})`
    problems.push({ code: ProblemCode.NotFound, path: '', message })
  }
  return problems.length > 0 || !resolved ? fail(problems) : ok(resolved)
}

function notFor(path: string, instrument: string): Problem {
  return { code: ProblemCode.Invalid, path, message: `applies only to the ${instrument} instrument` }
}

function build(id: string, options: InstrumentOptions): ResolvedInstrument | undefined {
  if (id === InstrumentId.AlsfrsR) {
    const spec = alsfrsRSpec()
    const shared = new Set(spec.slots.filter((s) => spec.items.filter((it) => it.slot === s).length > 1))
    const items = spec.items.map((it, i) =>
      ItemDef.parse({
        id: it.id,
        label: `${it.number}. ${it.name}`,
        type: 'choice',
        options: it.options,
        // Slot items (5a/5b) are governed by the exactly-one rule instead of `required`.
        required: !shared.has(it.slot),
        ...(i === 0 && spec.recallNote ? { help: spec.recallNote } : {}),
      }),
    )
    const points = (sid: string, label: string): ScoreDef => ({ id: sid, label, type: 'integer', unit: 'points' })
    return {
      id,
      name: spec.name,
      kind: 'questionnaire',
      reference: spec.reference,
      items,
      derived: [],
      checks: [],
      scores: [
        points(spec.scoring.total.id, spec.scoring.total.name),
        ...spec.scoring.subscores.map((s) => points(s.id, `${spec.id} ${s.name.toLowerCase()} subscore`)),
        { id: 'kingsStage', label: "King's stage (estimated from ALSFRS-R)", type: 'text' },
        { id: 'mitosStage', label: 'MiToS stage', type: 'integer' },
        { id: 'deltaFS', label: spec.derived.deltaFS.name, type: 'decimal', unit: spec.derived.deltaFS.unit },
      ],
      options: {},
    }
  }
  if (id === InstrumentId.Mas) {
    const spec = masSpec()
    const groups = options.muscleGroups ?? spec.suggestedMuscleGroups
    const gradeOptions = spec.grades.map((g) => ({ code: g.code, label: `${g.code}: ${g.label}` }))
    const items = groups.flatMap((g) =>
      spec.sides.map((side) =>
        ItemDef.parse({
          id: masItemId(g, side),
          label: `${humanise(g)} (${side})`,
          type: 'choice',
          options: gradeOptions,
        }),
      ),
    )
    return {
      id,
      name: spec.name,
      kind: 'clinicianRating',
      reference: spec.reference,
      items,
      derived: [],
      checks: [],
      scores: [
        { id: 'sumOrdinal', label: 'MAS sum of ranks over rated groups', type: 'integer' },
        { id: 'countRated', label: 'MAS muscle groups rated', type: 'integer' },
        { id: 'maxOrdinal', label: 'MAS highest rank', type: 'integer' },
      ],
      options: { muscleGroups: groups },
    }
  }
  if (id === InstrumentId.Ecas) {
    const spec = ecasSpec()
    const items = spec.domains.map((d) =>
      ItemDef.parse({
        id: d.id,
        label: d.name,
        type: 'integer',
        unit: 'points',
        range: { min: d.min, max: d.max },
        required: true,
      }),
    )
    return {
      id,
      name: spec.name,
      kind: 'cognitiveScreen',
      reference: spec.reference,
      items,
      derived: [],
      checks: [],
      scores: [
        ...spec.totals.map((t): ScoreDef => ({ id: t.id, label: `ECAS ${t.name}`, type: 'integer', unit: 'points' })),
        ...spec.totals.map((t): ScoreDef => ({
          id: `${t.id}Abnormal`,
          label: `ECAS ${t.name} at or below cut-off`,
          type: 'boolean',
        })),
      ],
      options: options.cutoffs ? { cutoffs: options.cutoffs } : {},
    }
  }
  const template = instrumentTemplate(id)
  if (!template) return undefined
  const criteria = new Map((options.releaseCriteria ?? []).flatMap((c) => (c.range ? [[c.id, c.range] as const] : [])))
  const items = template.items.map((item) => {
    const acceptance = criteria.get(item.id)
    const numeric = item.type === 'integer' || item.type === 'decimal'
    return withCodeListOptions(numeric && acceptance ? { ...item, softRange: acceptance } : item)
  })
  const derived = template.derived.map((d) => {
    const compiled = compileDerived(d)
    if (!compiled.ok) throw new Error(`template ${id}: derived ${d.id}: ${compiled.problems[0]?.message ?? ''}`)
    return compiled.value
  })
  return {
    id,
    name: template.name,
    kind: 'template',
    reference: template.reference,
    items,
    derived,
    checks: template.checks,
    scores: [],
    options: options.releaseCriteria ? { releaseCriteria: options.releaseCriteria } : {},
  }
}

/** `elbowFlexors` → `Elbow flexors`. */
function humanise(camel: string): string {
  const words = camel.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/**
 * Rules across items of an instrument (ALSFRS-R: exactly one of Q5A/Q5B, path `Q5`). `requireAnswer` false
 * while a form is being typed, so that only contradictions are reported.
 */
export function instrumentCrossCheck(
  instrumentId: string,
  values: Readonly<Record<string, unknown>>,
  requireAnswer: boolean,
): Problem[] {
  return instrumentId === InstrumentId.AlsfrsR ? alsfrsRSlotProblems(values, requireAnswer) : []
}

/** The code-computed scores of an instrument over checked values, keyed by score id (see `ResolvedInstrument.scores`). */
export function computeInstrumentScores(
  instrument: Pick<ResolvedInstrument, 'id' | 'options'>,
  values: Readonly<Record<string, unknown>>,
  context: ScoreContext = {},
): Record<string, DerivedValue> {
  if (instrument.id === InstrumentId.AlsfrsR) {
    const s = computeAlsfrsR(values as Readonly<Record<string, number | null>>, context)
    return { total: s.total, ...s.subscores, kingsStage: s.kingsStage, mitosStage: s.mitosStage, deltaFS: s.deltaFS }
  }
  if (instrument.id === InstrumentId.Mas) {
    const s = scoreMas(values, instrument.options.muscleGroups)
    return { sumOrdinal: s.sumOrdinal, countRated: s.countRated, maxOrdinal: s.maxOrdinal }
  }
  if (instrument.id === InstrumentId.Ecas) {
    const s = scoreEcas(values, instrument.options.cutoffs)
    return {
      ...s.totals,
      ...Object.fromEntries(Object.entries(s.abnormal).map(([k, v]) => [`${k}Abnormal`, v])),
    }
  }
  return {}
}

/** Scores plus formula-derived values of a resolved instrument over checked values. */
export function scoreResolvedInstrument(
  instrument: ResolvedInstrument,
  values: Readonly<Record<string, unknown>>,
  context: ScoreContext = {},
): Record<string, DerivedValue> {
  const scores = computeInstrumentScores(instrument, values, context)
  return { ...scores, ...computeDerived(instrument.derived, { ...values, ...scores }) }
}
