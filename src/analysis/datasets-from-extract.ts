/**
 * Analysis datasets derived from the study extraction of the data platform (`capture`'s `extractStudy`): one
 * pure mapping from the captured records (subjects, periods, forms with their derived scores, clinical events,
 * adverse events, the supply chain, infusions) to ADSL, ADQS, ADTTE, ADAE, ADEX, ADFEAS, ADDS and ADSCR, driven
 * by the protocol (endpoints, periods, strata, populations, forms).
 *
 * Feasibility (ADFEAS) comes from the supply chain (tissue extraction, the patient's latest lot and its release
 * decision) completed by the protocol's extraction and manufacturing forms (lipoaspirate volume, cell count,
 * viability); without either, an infused patient's product counts as released.
 *
 * What the extraction does not carry is left empty and named in `meta.source` (`gaps`): the MedDRA system organ
 * class of an adverse event whose form has none (coded as `Not coded`), and the dose, completion and reaction of
 * an infusion when no INFUSION form was saved for it.
 */
import type { ExtractExtraction, ExtractLot, StudyExtract } from '../capture/index.ts'
import type { IsoDate, ProtocolFile } from '../domain/index.ts'
import { DAYS_PER_MONTH, daysBetween } from '../instruments/index.ts'
import { nominalAnchorDays, visitPeriod } from '../protocol/index.ts'
import type {
  AdaeRow,
  AddsRow,
  AdexRow,
  AdfeasRow,
  AdqsRow,
  AdscrRow,
  AdslRow,
  AdtteRow,
  AnalysisDatasets,
  CharacteristicDef,
  DispositionStatus,
} from './analysis-datasets.ts'
import { BLINDED_ARM } from './analysis-datasets.ts'

type Subject = StudyExtract['subjects'][number]
type Form = StudyExtract['forms'][number]

/** The SOC written when the extraction carries none. */
export const UNCODED_SOC = 'Not coded'

const DAY = (from: string, to: string): number => daysBetween(from.slice(0, 10) as IsoDate, to.slice(0, 10) as IsoDate)
const minDate = (...ds: (string | null | undefined)[]): string | null =>
  ds.filter((d): d is string => typeof d === 'string').sort()[0] ?? null
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const str = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null
const snake = (id: string): string =>
  id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase()

/** The datasets of an extraction (blinded extractions give blinded datasets). `dataCutDate` defaults to the extraction date. */
export function datasetsFromExtract(
  protocol: ProtocolFile,
  extract: StudyExtract,
  options: { readonly dataCutDate?: string } = {},
): AnalysisDatasets {
  const cut = options.dataCutDate ?? extract.extractedAt.slice(0, 10)
  const anchors = nominalAnchorDays(protocol)
  const visitPeriodOf = new Map(protocol.visits.map((v) => [v.id, visitPeriod(protocol, v, anchors)]))
  const formsBySubject = groupBy(
    extract.forms.filter((f) => f.status === 'entered'),
    (f) => f.subjectId,
  )
  const infusionsBySubject = groupBy(extract.infusions, (i) => i.subjectId)
  const extractionsBySubject = groupBy(extract.extractions, (e) => e.subjectId)
  const lotsBySubject = groupBy(extract.lots, (l) => l.subjectId)
  const aesBySubject = groupBy(
    extract.adverseEvents.filter((a) => a.status !== 'deleted'),
    (a) => a.subjectId,
  )
  const armOf = (id: string | undefined): string => (extract.blinded || id === undefined ? BLINDED_ARM : id)
  const dosePerKg = (arm: string): number | null =>
    extract.blinded ? null : (protocol.arms.find((a) => a.id === arm)?.dose?.perKg ?? 0)
  const doseUnit = protocol.arms.find((a) => a.dose)?.dose?.unit ?? null
  const primary = protocol.endpoints.scores.find((e) => e.role === 'primary') ?? protocol.endpoints.scores[0]
  const characteristics = characteristicDefs(protocol)
  const gaps = new Set<string>()

  const adscr: AdscrRow[] = []
  const adsl: AdslRow[] = []
  const adqs: AdqsRow[] = []
  const adtte: AdtteRow[] = []
  const adae: AdaeRow[] = []
  const adex: AdexRow[] = []
  const adfeas: AdfeasRow[] = []
  const adds: AddsRow[] = []

  for (const s of extract.subjects) {
    const forms = formsBySubject.get(s.id) ?? []
    const feas = feasibility(
      protocol,
      s,
      forms,
      { extractions: extractionsBySubject.get(s.id) ?? [], lots: lotsBySubject.get(s.id) ?? [] },
      infusionsBySubject.get(s.id) ?? [],
    )
    if (feas) adfeas.push(feas)
    const randDate = s.randomizationDate
    adscr.push({
      subject: s.screeningNumber,
      site: s.siteId,
      screen_date: s.screeningDate,
      outcome:
        randDate !== null
          ? 'randomized'
          : s.status === 'screen-failed' || s.eligible === false
            ? 'screen-failed'
            : 'not-randomized',
      reason: randDate !== null ? null : s.endReason,
    })
    if (randDate === null || randDate > cut) continue
    const id = s.screeningNumber
    const dateOf = (f: Form): string => f.visitDate ?? f.savedAt.slice(0, 10)

    // Periods: entry dates from the extraction, arms when unblinded.
    const periods = protocol.periods
      .map((p) => ({ p, row: s.periods.find((x) => x.periodId === p.id) }))
      .filter(
        (x): x is { p: (typeof protocol.periods)[number]; row: Subject['periods'][number] } =>
          x.row !== undefined && x.row.startDate <= cut,
      )
    const infusions = (infusionsBySubject.get(s.id) ?? [])
      .filter((i) => i.date <= cut)
      .sort((a, b) => (a.date < b.date ? -1 : 1))
    const death = s.deathDate !== null && s.deathDate <= cut ? s.deathDate : null
    const ended = s.endDate !== null && s.endDate <= cut ? s.endDate : null
    const finished = death !== null || (ended !== null && ['withdrawn', 'completed', 'died'].includes(s.status))
    // a subject still in the study is in follow-up until the data cut
    const lastDate = finished ? (minDate(death, ended) ?? cut) : cut
    const eos: DispositionStatus =
      death !== null ? 'died' : !finished ? 'ongoing' : s.status === 'completed' ? 'completed' : 'discontinued'
    const periodAt = (date: string): number => periods.reduce((k, x, i) => (x.row.startDate <= date ? i : k), -1)

    periods.forEach(({ p, row }, k) => {
      const next = periods[k + 1]?.row.startDate ?? null
      const endsHere = next === null || lastDate < next
      const status: DispositionStatus = !endsHere ? 'completed' : eos
      adds.push({
        subject: id,
        period: p.id,
        arm: armOf(row.arm),
        allocated: extract.blinded ? p.allocation !== undefined : row.assignment === 'allocated',
        start_date: row.startDate,
        end_date: endsHere ? (eos === 'ongoing' ? null : lastDate) : next,
        status,
        reason: status === 'discontinued' ? s.endReason : null,
      })
    })

    // Scores: one row per endpoint per saved form of the endpoint's form.
    const scores: AdqsRow[] = []
    for (const e of protocol.endpoints.scores) {
      for (const f of forms.filter((x) => x.formId === e.form && dateOf(x) <= cut)) {
        const value = num(f.derived[e.value]) ?? num(f.values[e.value])
        if (value === null) continue
        const date = dateOf(f)
        const day = DAY(randDate, date)
        const k = periodAt(date)
        scores.push({
          subject: id,
          arm: armOf(periods[0]?.row.arm),
          period: day < 0 ? null : (visitPeriodOf.get(f.visitId) ?? periods[k]?.p.id ?? null),
          visit: f.visitId,
          date,
          day,
          month: day / DAYS_PER_MONTH,
          param: e.id,
          value,
          ablfl: false,
        })
      }
    }
    scores.sort((a, b) => (a.param < b.param ? -1 : a.param > b.param ? 1 : a.day - b.day))
    const base: Record<string, number | null> = {}
    for (const e of protocol.endpoints.scores) {
      const last = scores.filter((r) => r.param === e.id && r.day <= 0).at(-1)
      if (last) last.ablfl = true
      base[e.id] = last?.value ?? null
    }
    adqs.push(...scores)

    for (const te of protocol.endpoints.survival) {
      const events = [
        ...(te.events.includes('death') && death !== null ? [{ kind: 'death', date: death }] : []),
        ...s.events.filter((x) => (te.events as readonly string[]).includes(x.kind) && x.date <= cut),
      ].sort((a, b) => (a.date < b.date ? -1 : 1))
      const first = events[0]
      adtte.push({
        subject: id,
        arm: armOf(periods[0]?.row.arm),
        param: te.id,
        start_date: randDate,
        time_months: Math.max(0, DAY(randDate, first?.date ?? lastDate)) / DAYS_PER_MONTH,
        event: first ? 1 : 0,
        evnt_desc: first?.kind ?? (eos === 'ongoing' ? 'censored: data cut' : 'censored: end of follow-up'),
      })
    }

    const received = (periodId: string): string => {
      const row = s.periods.find((x) => x.periodId === periodId)
      return armOf(row?.receives ?? row?.arm)
    }
    const exposure: AdexRow[] = infusions.map((i) => {
      const form = forms.find((f) => f.formId === 'INFUSION' && visitPeriodOf.get(f.visitId) === i.periodId)
      const arm = received(i.periodId)
      if (!form) gaps.add('infusion dose, completion and reaction (no INFUSION form)')
      return {
        subject: id,
        period: i.periodId,
        visit:
          form?.visitId ??
          protocol.visits.find((v) => v.procedures.includes('infusion') && visitPeriodOf.get(v.id) === i.periodId)
            ?.id ??
          'INF',
        start: i.date,
        arm_received: arm,
        dose_per_kg: dosePerKg(arm),
        dose_unit: extract.blinded ? null : doseUnit,
        dose_prescribed: extract.blinded ? null : num(form?.values['dose_prescribed']),
        dose_given: extract.blinded ? null : num(form?.values['dose_given']),
        volume_ml: i.volumeMl,
        completed: form ? form.values['completed'] === true : i.status === 'completed',
        incomplete_reason: str(form?.values['incomplete_reason']),
        reaction: form?.values['reaction'] === true,
      }
    })
    adex.push(...exposure)

    const firstDose = infusions[0]?.date ?? null
    for (const a of aesBySubject.get(s.id) ?? []) {
      if (a.onsetDate > cut) continue
      if (a.soc === null) gaps.add('MedDRA system organ class of some adverse events')
      const k = periodAt(a.onsetDate)
      const last = infusions.filter((i) => i.date <= a.onsetDate).at(-1)
      adae.push({
        subject: id,
        arm: armOf(periods[0]?.row.arm),
        seq: a.aeNumber,
        term: a.term,
        pt: a.preferredTerm ?? a.term,
        soc: a.soc ?? UNCODED_SOC,
        onset_date: a.onsetDate,
        onset_day: DAY(randDate, a.onsetDate),
        end_date: a.endDate !== null && a.endDate <= cut ? a.endDate : null,
        period: k < 0 ? null : (periods[k]?.p.id ?? null),
        arm_at_onset: k < 0 ? null : armOf(periods[k]?.row.arm),
        dose_at_onset: last ? dosePerKg(received(last.periodId)) : null,
        hours_after_infusion: last ? DAY(last.date, a.onsetDate) * 24 : null,
        grade: a.grade,
        serious: a.serious,
        seriousness: a.seriousness.join(';'),
        causality: a.causality,
        related: a.related,
        expected: a.expected,
        outcome: a.outcome,
        teae: firstDose !== null && a.onsetDate >= firstDose,
      })
    }

    const completedFirst =
      periods.length > 1 || (periods.length === 1 && protocol.periods.length === 1 && eos === 'completed')
    const lastPrimaryVisit = protocol.visits
      .filter(
        (v) =>
          primary !== undefined &&
          v.forms.includes(primary.form) &&
          visitPeriodOf.get(v.id) === protocol.periods[0]?.id,
      )
      .at(-1)
    const primaryAtEnd = scores.some((r) => r.param === primary?.id && r.visit === lastPrimaryVisit?.id)
    const treated = infusions.length > 0
    const pop: Record<string, boolean> = {}
    for (const p of protocol.populations) {
      pop[p.id] =
        p.rule === 'enrolled' || p.rule === 'randomized'
          ? true
          : p.rule === 'treated'
            ? treated
            : p.rule === 'completers'
              ? completedFirst && primaryAtEnd
              : treated && exposure.every((x) => x.completed) && completedFirst && primaryAtEnd
    }

    adsl.push({
      subject: id,
      site: s.siteId,
      arm: armOf(periods[0]?.row.arm),
      later_arms: protocol.periods.slice(1).map((p) => {
        const row = periods.find((x) => x.p.id === p.id)?.row
        return row ? armOf(row.arm) : null
      }),
      strata: strataOf(protocol, s),
      age: num(firstValue(forms, 'age')),
      sex: str(firstValue(forms, 'sex')),
      chars: charValues(characteristics, protocol, s, forms, randDate),
      base,
      consent_date: s.consentDate,
      rand_date: randDate,
      first_dose_date: firstDose,
      last_date: lastDate,
      death_date: death,
      eos_status: eos,
      eos_reason: eos === 'discontinued' ? s.endReason : null,
      eos_period: eos === 'ongoing' ? null : (periods[periodAt(lastDate)]?.p.id ?? null),
      pop,
    })
  }

  return {
    meta: {
      format: 'trialdesk-analysis-datasets',
      formatVersion: 1,
      studyId: extract.study.id,
      protocolVersion: protocol.study.version,
      protocolHash: extract.study.protocolHash,
      snapshotHash: extract.study.snapshotHash,
      dataCutDate: cut,
      extractedAt: extract.extractedAt,
      blinded: extract.blinded,
      source: `study extraction ${extract.contentHash.slice(0, 12)} of ${extract.extractedAt}${gaps.size > 0 ? `; not in the extraction: ${[...gaps].join('; ')}` : ''}`,
      characteristics: characteristics.map((c) => c.def),
    },
    adsl,
    adqs,
    adtte,
    adae,
    adex,
    adfeas,
    adds,
    adscr,
  }
}

function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const r of rows) {
    const list = out.get(key(r)) ?? []
    list.push(r)
    out.set(key(r), list)
  }
  return out
}

/** The first value of `item` in the subject's forms, in visit-date order. */
function firstValue(forms: readonly Form[], item: string): unknown {
  const sorted = [...forms].sort((a, b) => ((a.visitDate ?? a.savedAt) < (b.visitDate ?? b.savedAt) ? -1 : 1))
  return sorted.find((f) => f.values[item] !== undefined && f.values[item] !== null)?.values[item]
}

function strataOf(protocol: ProtocolFile, s: Subject): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of protocol.stratification.factors) {
    if (f.source === 'site') out[f.id] = s.siteId
    else if (f.source === 'enrolment') out[f.id] = String(s.factors[f.id] ?? '')
    else {
      const v = Number(s.factors[f.source.value])
      out[f.id] = Number.isFinite(v) ? (f.source.cuts.find((c) => v < c.below)?.level ?? f.source.otherwise) : ''
    }
  }
  return out
}

interface Characteristic {
  readonly def: CharacteristicDef
  /** Where the value comes from: a form item (a date becomes months to randomization) or an enrolment factor value. */
  readonly from: { readonly item: string; readonly date: boolean } | { readonly factor: string }
}

/**
 * Baseline characteristics: the items of the protocol's own (non-instrument) forms scheduled before
 * randomization, except identifiers, free text, age and sex; dates become months to randomization; plus the
 * numeric values recorded for stratification (e.g. ΔFS).
 */
function characteristicDefs(protocol: ProtocolFile): Characteristic[] {
  const anchors = nominalAnchorDays(protocol)
  const early = new Set(
    protocol.visits
      .filter((v) => visitPeriod(protocol, v, anchors) === null || v.procedures.includes('randomization'))
      .flatMap((v) => v.forms),
  )
  const out: Characteristic[] = []
  for (const form of protocol.forms.filter((f) => early.has(f.id) && f.instrument === undefined)) {
    for (const item of form.items) {
      if (
        item.identifier ||
        item.id === 'age' ||
        item.id === 'sex' ||
        item.type === 'text' ||
        item.type === 'multichoice' ||
        item.type === 'datetime'
      )
        continue
      const id = snake(item.id)
      if (item.type === 'date') {
        out.push({
          def: {
            id: `${id}_months`,
            label: `Months from ${item.label.toLowerCase()} to randomization`,
            type: 'number',
            unit: 'months',
          },
          from: { item: item.id, date: true },
        })
      } else if (item.type === 'boolean') {
        out.push({ def: { id, label: item.label, type: 'boolean' }, from: { item: item.id, date: false } })
      } else if (item.type === 'choice') {
        const codes = item.options?.map((o) => String(o.code))
        out.push({
          def: { id, label: item.label, type: 'string', ...(codes ? { codelist: codes } : {}) },
          from: { item: item.id, date: false },
        })
      } else {
        out.push({
          def: { id, label: item.label, type: 'number', ...(item.unit ? { unit: item.unit } : {}) },
          from: { item: item.id, date: false },
        })
      }
    }
  }
  for (const f of protocol.stratification.factors) {
    const source = f.source
    if (typeof source === 'object' && !out.some((c) => c.def.id === snake(source.value))) {
      out.push({ def: { id: snake(source.value), label: f.label, type: 'number' }, from: { factor: source.value } })
    }
  }
  return out
}

function charValues(
  defs: readonly Characteristic[],
  protocol: ProtocolFile,
  s: Subject,
  forms: readonly Form[],
  randDate: string,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {}
  for (const c of defs) {
    if ('factor' in c.from) {
      out[c.def.id] = num(Number(s.factors[c.from.factor]))
      continue
    }
    const v = firstValue(forms, c.from.item)
    if (c.from.date) out[c.def.id] = typeof v === 'string' ? DAY(v, randDate) / DAYS_PER_MONTH : null
    else if (c.def.type === 'boolean') out[c.def.id] = typeof v === 'boolean' ? v : null
    else if (c.def.type === 'number') out[c.def.id] = num(v)
    else out[c.def.id] = str(v)
  }
  return out
}

/**
 * Extraction and release of the patient's product: the supply chain's records (the latest lot, its extraction
 * and release decision) with the extraction and manufacturing forms for what only they hold; null when the
 * patient has neither.
 */
function feasibility(
  protocol: ProtocolFile,
  s: Subject,
  forms: readonly Form[],
  supply: { readonly extractions: readonly ExtractExtraction[]; readonly lots: readonly ExtractLot[] },
  infusions: StudyExtract['infusions'],
): AdfeasRow | null {
  const instrumentOf = new Map(protocol.forms.map((f) => [f.id, f.instrument]))
  const lot = supply.lots.at(-1)
  const extraction = supply.extractions.find((e) => e.id === lot?.extractionId) ?? supply.extractions.at(-1)
  const extractionForm = forms.find((f) => instrumentOf.get(f.formId) === 'EXTRACTION')
  const releaseForm = forms.find(
    (f) => instrumentOf.get(f.formId) === 'MANUFACTURING' && (lot === undefined || f.values['lot_id'] === lot.id),
  )
  if (!extraction && !lot && !extractionForm && !releaseForm) return null
  const grams = num(extractionForm?.values['adipose_g']) ?? extraction?.tissueGrams ?? null
  const minimum = protocol.product?.minimumTissueGrams ?? 0
  const release = lot?.release
  const decision = release?.status ?? str(releaseForm?.values['release'])
  const recorded = lot !== undefined || releaseForm !== undefined
  return {
    subject: s.screeningNumber,
    site: s.siteId,
    extraction_date:
      str(extractionForm?.values['extraction_date']) ?? extraction?.date ?? extractionForm?.visitDate ?? null,
    adipose_g: grams,
    lipoaspirate_ml: num(extractionForm?.values['lipoaspirate_ml']),
    // the supply chain's decision (it gated manufacturing), else the protocol's minimum
    extraction_ok: extraction ? extraction.sufficient : grams !== null && grams >= minimum,
    lot: lot?.id ?? str(releaseForm?.values['lot_id']),
    manufacture_date: lot?.manufacturedOn ?? str(releaseForm?.values['manufacture_date']),
    cell_count: num(releaseForm?.values['cell_count']) ?? num(release?.results['cell_count']),
    viability: num(releaseForm?.values['viability']) ?? num(release?.results['viability']),
    // with no lot or release form at all, a patient who was infused had a released product
    released: decision !== null ? decision === 'passed' : !recorded && infusions.length > 0 ? true : null,
    release_date: release?.status === 'passed' ? release.date : str(releaseForm?.values['release_date']),
    failure_reason:
      str(releaseForm?.values['failure_reason']) ??
      (release?.status === 'failed' ? release.failures.map((f) => `${f.label}: ${f.reason}`).join('; ') : null),
    first_infusion_date: [...infusions].map((i) => i.date).sort()[0] ?? null,
  }
}
