/**
 * Table 1 (CONSORT item 15): baseline characteristics of the efficacy population by randomized arm and in total:
 * age and sex, the characteristics the datasets declare (onset region, disease duration, ΔFS, riluzole, …), the
 * stratification factors, and the baseline value of every score endpoint. Continuous variables get n, mean (SD),
 * median [IQR] and range; categorical ones n (%) per level with the number missing.
 */
import type { AdslRow } from './analysis-datasets.ts'
import type { BaselineRow, BaselineTable } from './analysis-results.ts'
import { describeValues } from './describe.ts'
import type { PlanContext } from './plan-context.ts'
import { percent } from './plan-context.ts'

const TOTAL = 'total'

type Value = string | number | boolean | null

export function baselineTable(ctx: PlanContext): BaselineTable {
  const population = ctx.efficacyPopulation?.id ?? ''
  const subjects = ctx.data.adsl.filter((s) => ctx.inPopulation(population, s.subject))
  const columns = [
    ...(ctx.blinded
      ? []
      : ctx.groups.map((g) => ({ key: g.key, label: g.label, n: subjects.filter((s) => s.arm === g.key).length }))),
    { key: TOTAL, label: ctx.blinded ? 'All subjects' : 'Total', n: subjects.length },
  ]
  const inColumn = (key: string): readonly AdslRow[] =>
    key === TOTAL ? subjects : subjects.filter((s) => s.arm === key)
  const continuous = (id: string, label: string, unit: string | null, get: (s: AdslRow) => Value): BaselineRow => ({
    kind: 'continuous',
    id,
    label,
    unit,
    cells: columns.map((c) => ({
      key: c.key,
      summary: describeValues(
        inColumn(c.key).map((s) => {
          const v = get(s)
          return typeof v === 'number' ? v : null
        }),
      ),
    })),
  })
  const categorical = (
    id: string,
    label: string,
    get: (s: AdslRow) => Value,
    order?: readonly string[],
  ): BaselineRow => {
    const text = (v: Value): string | null =>
      v === null ? null : typeof v === 'boolean' ? (v ? 'Yes' : 'No') : String(v)
    const seen = [...new Set(subjects.map((s) => text(get(s))).filter((v): v is string => v !== null))]
    const levels = [
      ...(order ?? []).filter((l) => seen.includes(l)),
      ...seen.filter((l) => !(order ?? []).includes(l)).sort(),
    ]
    return {
      kind: 'categorical',
      id,
      label,
      unit: null,
      levels: levels.map((level) => ({
        level,
        cells: columns.map((c) => {
          const rows = inColumn(c.key)
          const known = rows.filter((s) => get(s) !== null).length
          const n = rows.filter((s) => text(get(s)) === level).length
          return { key: c.key, n, pct: percent(n, known) }
        }),
      })),
      missing: columns.map((c) => ({ key: c.key, n: inColumn(c.key).filter((s) => get(s) === null).length })),
    }
  }
  const rows: BaselineRow[] = [
    continuous('age', 'Age', 'years', (s) => s.age),
    categorical('sex', 'Sex', (s) => s.sex, ['F', 'M']),
  ]
  for (const c of ctx.data.meta.characteristics) {
    rows.push(
      c.type === 'number'
        ? continuous(c.id, c.label, c.unit ?? null, (s) => s.chars[c.id] ?? null)
        : categorical(c.id, c.label, (s) => s.chars[c.id] ?? null, c.type === 'boolean' ? ['Yes', 'No'] : c.codelist),
    )
  }
  for (const f of ctx.protocol.stratification.factors) {
    const levels =
      f.source === 'site'
        ? ctx.protocol.sites.map((s) => s.id)
        : typeof f.source === 'object'
          ? [...f.source.cuts.map((c) => c.level), f.source.otherwise]
          : f.levels
    rows.push(categorical(`strat_${f.id}`, `Stratum: ${f.label}`, (s) => s.strata[f.id] ?? null, levels))
  }
  for (const e of ctx.protocol.endpoints.scores) {
    rows.push(continuous(`base_${e.id}`, `${e.label} at baseline`, e.unit ?? null, (s) => s.base[e.id] ?? null))
  }
  return { population, columns, rows }
}
