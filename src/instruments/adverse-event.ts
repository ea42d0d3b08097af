/**
 * Safety classification of an adverse event (ICH E2A; WHO-UMC causality; shared/domain/README.md):
 * - serious: at least one ICH E2A seriousness criterion ticked (grade is severity, not seriousness);
 * - related: the causality category has `reasonablePossibility` true; undecided categories (null) count as
 *   related when the protocol says so (`safety.undecidedCausalityCountsAsRelated`, conservative default).
 *   The sponsor may upgrade but never downgrade the investigator's assessment, so the event is related when
 *   either assessment says so, and both are kept;
 * - expected: the sponsor's explicit expectedness when given, otherwise whether the coded preferred term
 *   (or the verbatim term when not yet coded) is among the protocol's reference-safety-information terms;
 * - SUSAR: serious, related and unexpected, which triggers expedited reporting.
 */
import { fail, ok, ProblemCode, type Problem, type Result, type Safety } from '../domain/index.ts'
import { codeList, CodeListId } from './instrument-data.ts'

export interface AdverseEventAssessment {
  /** Verbatim term as reported. */
  readonly term: string
  /** MedDRA preferred term once coded. */
  readonly preferredTerm?: string | undefined
  /** ICH E2A seriousness criteria ticked (codes of `ICH_SERIOUSNESS_CRITERIA`); empty = not serious. */
  readonly seriousness: readonly string[]
  /** Investigator's WHO-UMC causality code. */
  readonly causality: string
  /** Sponsor's WHO-UMC causality code, when assessed. */
  readonly sponsorCausality?: string | undefined
  /** Sponsor's expectedness decision, when made; otherwise derived from the expected terms. */
  readonly expectedness?: 'expected' | 'unexpected' | undefined
}

export type AdverseEventSettings = Pick<Safety, 'undecidedCausalityCountsAsRelated' | 'expectedTerms'>

export interface AdverseEventClassification {
  readonly serious: boolean
  /** SDTM flag per criterion (`AESDTH`, `AESHOSP`, ...): `Y` when ticked, `N` otherwise. */
  readonly seriousnessFlags: Readonly<Record<string, 'Y' | 'N'>>
  readonly relatedByInvestigator: boolean
  readonly relatedBySponsor: boolean | null
  readonly related: boolean
  readonly expected: boolean
  /** Suspected unexpected serious adverse reaction. */
  readonly susar: boolean
}

/** Classifies one adverse event; unknown criterion or causality codes are problems naming the field. */
export function classifyAdverseEvent(
  ae: AdverseEventAssessment,
  settings: AdverseEventSettings,
): Result<AdverseEventClassification> {
  const problems: Problem[] = []
  const criteria = codeList(CodeListId.IchSeriousness)?.codes ?? []
  const causality = codeList(CodeListId.WhoUmcCausality)?.codes ?? []
  ae.seriousness.forEach((c, i) => {
    if (!criteria.some((k) => k.code === c))
      problems.push({
        code: ProblemCode.Invalid,
        path: `seriousness[${i}]`,
        message: `unknown seriousness criterion "${c}"`,
      })
  })
  const relatedness = (code: string, path: string): boolean => {
    const entry = causality.find((k) => k.code === code)
    if (!entry) {
      problems.push({ code: ProblemCode.Invalid, path, message: `unknown WHO-UMC causality "${code}"` })
      return false
    }
    return entry.reasonablePossibility ?? settings.undecidedCausalityCountsAsRelated
  }
  const byInvestigator = relatedness(ae.causality, 'causality')
  const bySponsor = ae.sponsorCausality === undefined ? null : relatedness(ae.sponsorCausality, 'sponsorCausality')
  if (problems.length > 0) return fail(problems)

  const serious = ae.seriousness.length > 0
  const related = byInvestigator || bySponsor === true
  const expected = ae.expectedness
    ? ae.expectedness === 'expected'
    : isExpectedTerm(ae.preferredTerm ?? ae.term, settings.expectedTerms)
  return ok({
    serious,
    seriousnessFlags: Object.fromEntries(
      criteria.map((k) => [k.sdtmFlag ?? String(k.code), ae.seriousness.includes(String(k.code)) ? 'Y' : 'N']),
    ),
    relatedByInvestigator: byInvestigator,
    relatedBySponsor: bySponsor,
    related,
    expected,
    susar: serious && related && !expected,
  })
}

/** Whether a term is listed in the reference safety information (case and surrounding space ignored). */
export function isExpectedTerm(term: string, expectedTerms: readonly string[]): boolean {
  const t = term.trim().toLowerCase()
  return expectedTerms.some((e) => e.trim().toLowerCase() === t)
}

/** Reads an assessment from the values of a form built on the `AE` template. */
export function adverseEventFromForm(values: Readonly<Record<string, unknown>>): AdverseEventAssessment {
  const text = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined)
  const seriousness = values['seriousness']
  const expectedness = text('expectedness')
  return {
    term: text('term') ?? '',
    preferredTerm: text('pt'),
    seriousness: Array.isArray(seriousness) ? seriousness.map(String) : [],
    causality: text('causality') ?? '',
    sponsorCausality: text('sponsor_causality'),
    expectedness: expectedness === 'expected' || expectedness === 'unexpected' ? expectedness : undefined,
  }
}
