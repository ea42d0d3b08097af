/**
 * The statistical analysis plan, driven by the protocol: CONSORT flow, Table 1, safety, efficacy slopes and
 * contrasts (with sensitivity and crossover analyses), survival, feasibility and recruitment, stamped with the
 * provenance an auditor needs (protocol hash, data snapshot and datasets hashes, data cut, software version).
 *
 * A blinded run pools every arm before anything is computed (`blindDatasets`), so it cannot contain an arm-level
 * split of efficacy or safety. Pure: the clock and the software version come in as options.
 */
import { createHash } from 'node:crypto'
import type { ProtocolFile, Problem, Result } from '../domain/index.ts'
import { fail, ok, ProblemCode } from '../domain/index.ts'
import { canonicalJson, hashProtocol } from '../protocol/index.ts'
import type { AnalysisDatasets } from './analysis-datasets.ts'
import { BLINDED_ARM } from './analysis-datasets.ts'
import type { AnalysisResults, PopulationInfo } from './analysis-results.ts'
import { baselineTable } from './baseline-table.ts'
import { blindDatasets } from './blind-datasets.ts'
import { consortCounts, recruitmentCounts } from './consort-counts.ts'
import { crossoverAnalyses } from './crossover-analysis.ts'
import { applyDataCut } from './data-cut.ts'
import { efficacyAnalyses, rowsByParam, trajectories } from './efficacy-analysis.ts'
import { feasibilitySummary } from './feasibility-summary.ts'
import type { PlanContext } from './plan-context.ts'
import { planContext } from './plan-context.ts'
import { safetyAnalysis } from './safety-analysis.ts'
import { survivalAnalyses } from './survival-analysis.ts'

/** How each multiplicity method is named in text. */
export const MULTIPLICITY_LABEL: Readonly<Record<ProtocolFile['endpoints']['multiplicity'], string>> = {
  none: 'no adjustment',
  holm: "Holm's adjustment",
  bonferroni: 'Bonferroni adjustment',
  'benjamini-hochberg': 'Benjamini-Hochberg adjustment',
}

export interface AnalysisPlanOptions {
  /** Pool every arm (DSMB open session, blinded roles). Forced when the datasets are themselves blinded. */
  readonly blinded: boolean
  /** Analyse the data as of this ISO date (an interim cut); default: the extraction's data cut. */
  readonly dataCutDate?: string | undefined
  /** ISO instant stamped on the results (explicit clock). */
  readonly generatedAt: string
  readonly software: { readonly name: string; readonly version: string }
  /** Seed of any random step upstream (e.g. the simulation that produced the data); stamped, not used. */
  readonly seed?: number | string | null | undefined
  /** Population ids overriding the protocol's defaults (first population with rule `randomized` / `treated`). */
  readonly populations?: { readonly efficacy?: string | undefined; readonly safety?: string | undefined } | undefined
}

/**
 * Runs the whole plan on the datasets. Problems are returned only when the data and the protocol do not fit
 * together (unknown arms, an invalid cut); an analysis that the data cannot support is reported inside the results
 * as not estimable, with its reason.
 */
export function runAnalysisPlan(
  protocol: ProtocolFile,
  datasets: AnalysisDatasets,
  options: AnalysisPlanOptions,
): Result<AnalysisResults> {
  const problems = checkFit(protocol, datasets, options)
  if (problems.length > 0) return fail(problems)
  const cut = options.dataCutDate === undefined ? ok(datasets) : applyDataCut(datasets, options.dataCutDate)
  if (!cut.ok) return cut
  const data = options.blinded || datasets.meta.blinded ? blindDatasets(cut.value, protocol) : cut.value
  const ctx = planContext(protocol, data, options.populations)
  const byParam = rowsByParam(data.adqs)
  const efficacy = efficacyAnalyses(ctx, byParam)
  const protocolHash = hashProtocol(protocol)
  const notes = planNotes(ctx, protocolHash)
  for (const a of efficacy.analyses) {
    if (a.status === 'not-estimable') notes.push(`${a.label} (${a.set}, ${a.period}): not estimable: ${a.reason}`)
  }
  return ok({
    schema: 'trialdesk-analysis-results',
    schemaVersion: 1,
    provenance: {
      studyId: protocol.study.id,
      studyTitle: protocol.study.title,
      protocolVersion: protocol.study.version,
      protocolHash,
      snapshotHash: data.meta.snapshotHash,
      datasetsHash: createHash('sha256').update(canonicalJson(data)).digest('hex'),
      dataSource: data.meta.source,
      dataCutDate: data.meta.dataCutDate,
      generatedAt: options.generatedAt,
      software: { name: options.software.name, version: options.software.version },
      seed: options.seed ?? null,
      blinded: ctx.blinded,
    },
    groups: [...ctx.groups],
    periods: [...ctx.periods],
    populations: populations(ctx),
    recruitment: recruitmentCounts(ctx),
    consort: consortCounts(ctx, { efficacy: efficacy.primarySubjects }),
    baseline: baselineTable(ctx),
    safety: safetyAnalysis(ctx),
    efficacy: {
      alpha: ctx.alpha,
      multiplicity: protocol.endpoints.multiplicity,
      analyses: efficacy.analyses,
      crossover: crossoverAnalyses(ctx, byParam),
      trajectories: trajectories(ctx, byParam),
    },
    survival: survivalAnalyses(ctx),
    feasibility: feasibilitySummary(ctx),
    notes,
  })
}

/** Arms in the data that the protocol does not know, and population choices that do not exist. */
function checkFit(protocol: ProtocolFile, datasets: AnalysisDatasets, options: AnalysisPlanOptions): Problem[] {
  const problems: Problem[] = []
  const arms = new Set([...protocol.arms.map((a) => a.id), ...(datasets.meta.blinded ? [BLINDED_ARM] : [])])
  const unknown = new Set<string>()
  for (const s of datasets.adsl) {
    for (const a of [s.arm, ...s.later_arms]) if (a !== null && !arms.has(a)) unknown.add(a)
  }
  if (unknown.size > 0) {
    problems.push({
      code: ProblemCode.Invalid,
      path: 'adsl.arm',
      message: `arms ${[...unknown].join(', ')} are not arms of protocol ${protocol.study.id}`,
    })
  }
  if (datasets.meta.studyId !== protocol.study.id) {
    problems.push({
      code: ProblemCode.Invalid,
      path: 'meta.studyId',
      message: `the datasets are of study ${datasets.meta.studyId}, the protocol of ${protocol.study.id}`,
    })
  }
  for (const [role, id] of Object.entries(options.populations ?? {})) {
    if (id !== undefined && !protocol.populations.some((p) => p.id === id)) {
      problems.push({
        code: ProblemCode.NotFound,
        path: `populations.${role}`,
        message: `no population "${id}" in the protocol`,
      })
    }
  }
  return problems
}

function populations(ctx: PlanContext): PopulationInfo[] {
  return ctx.protocol.populations.map((p) => {
    const members = ctx.data.adsl.filter((s) => s.pop[p.id] === true)
    return {
      id: p.id,
      label: p.label,
      rule: p.rule,
      n: members.length,
      byGroup: ctx.groups.map((g) => ({ key: g.key, n: members.filter((s) => s.arm === g.key).length })),
    }
  })
}

/** Statements the report carries about how the plan was applied. */
function planNotes(ctx: PlanContext, protocolHash: string): string[] {
  const notes: string[] = []
  if (ctx.data.meta.protocolHash !== protocolHash) {
    notes.push(
      `The datasets were extracted under protocol hash ${ctx.data.meta.protocolHash.slice(0, 12)}, the analysis used ${protocolHash.slice(0, 12)}.`,
    )
  }
  if (ctx.blinded) {
    notes.push('Blinded report: all arms are pooled; no efficacy or safety result is split by arm.')
  }
  const multiplicity = ctx.protocol.endpoints.multiplicity
  notes.push(
    `Multiplicity: ${MULTIPLICITY_LABEL[multiplicity]} across the contrasts of each active arm against the control, within each endpoint, period and analysis set; two-sided alpha ${ctx.alpha}.`,
  )
  notes.push(
    'Missing data: the slope models use every available assessment and are valid when dropout depends only on observed values (missing at random). Dropout by death or ventilation may be informative: survival is analysed separately, and a joint model of the longitudinal and time-to-event processes (or a combined assessment of function and survival) is the recommended further sensitivity analysis; it is not part of this report.',
  )
  return notes
}
