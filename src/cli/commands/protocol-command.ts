import type { Command } from 'commander'
import type { Allocation, Period } from '../../domain/index.ts'
import { compileProtocol, formValues, loadProtocolFile, type CompiledProtocol } from '../../protocol/index.ts'
import { exitWithProblems } from '../exit.ts'

export function registerProtocolCommands(program: Command): void {
  const protocol = program.command('protocol').description('check and show study protocol files')
  protocol
    .command('check')
    .description('validate a protocol file; prints every problem with its path')
    .argument('<file>', 'protocol file (YAML or JSON)')
    .action(async (file: string) => {
      const loaded = await loadProtocolFile(file)
      if (!loaded.ok) exitWithProblems(loaded.problems, file)
      const p = loaded.value.protocol
      const counts = [
        count(p.arms.length, 'arm'),
        count(p.periods.length, 'period'),
        count(p.visits.length, 'visit'),
        count(p.forms.length, 'form'),
      ]
      process.stdout.write(
        `${file}: OK — ${p.study.id} v${p.study.version}: ${counts.join(', ')} (sha256 ${loaded.value.hash.slice(0, 12)})\n`,
      )
    })
  protocol
    .command('show')
    .description('print the study design: identity, sites, strata, arms, periods, visit calendar and forms')
    .argument('<file>', 'protocol file (YAML or JSON)')
    .option('--json', 'print the compiled protocol (forms resolved into items) as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const loaded = await loadProtocolFile(file)
      if (!loaded.ok) exitWithProblems(loaded.problems, file)
      const compiled = compileProtocol(loaded.value)
      process.stdout.write(options.json ? `${JSON.stringify(compiled, null, 2)}\n` : describeProtocol(compiled))
    })
}

/** The design as readable, aligned text. */
export function describeProtocol(compiled: CompiledProtocol): string {
  const p = compiled.protocol
  const s = p.study
  const out: string[] = []
  out.push(
    `${s.id}${s.shortTitle ? ` — ${s.shortTitle}` : ''} (protocol version ${s.version}, sha256 ${compiled.hash.slice(0, 12)})`,
  )
  out.push(s.title)
  out.push(
    [
      `Phase ${s.phase}`,
      `sponsor ${s.sponsor}`,
      `target enrolment ${s.targetEnrolment}`,
      s.startDate ? `recruiting from ${s.startDate}` : '',
    ]
      .filter(Boolean)
      .join(' · '),
  )
  const registry = Object.entries(s.registry).map(([k, v]) => `${k} ${v}`)
  if (registry.length > 0) out.push(`Registry: ${registry.join('; ')}`)

  section(out, `Sites (${p.sites.length})`)
  table(
    out,
    p.sites.map((x) => [
      x.id,
      x.name,
      [x.city, x.country].filter(Boolean).join(', '),
      x.targetEnrolment === undefined ? '' : `target ${x.targetEnrolment}`,
    ]),
  )

  section(out, 'Stratification factors')
  if (p.stratification.factors.length === 0) out.push('  none')
  table(
    out,
    p.stratification.factors.map((f) => {
      const src = f.source
      const how =
        src === 'site'
          ? 'the site'
          : src === 'enrolment'
            ? `recorded at enrolment: ${(f.levels ?? []).join(', ')}`
            : `${src.value}: ${src.cuts.map((c) => `< ${c.below} ${c.level}`).join(', ')}, otherwise ${src.otherwise}`
      return [f.id, f.label, how]
    }),
  )

  section(out, `Arms (${p.arms.length})`)
  table(
    out,
    p.arms.map((a) => [
      a.id,
      a.label,
      a.type,
      a.dose ? `${formatNumber(a.dose.perKg)} ${a.dose.unit}/kg` : '',
      `blinded as "${a.blindedLabel}"`,
    ]),
  )
  if (p.dosing) {
    const d = p.dosing
    const doseUnit = p.arms.find((a) => a.dose)?.dose?.unit
    const unit = doseUnit ? ` ${doseUnit}` : ''
    out.push(
      `  Dosing: weight from ${d.weight.form}.${d.weight.item} (at most ${d.weightMaxAgeDays} days old` +
        `${d.maxWeightKg ? `, capped at ${d.maxWeightKg} kg` : ''}); total rounded (${d.rounding.mode}) to a multiple of ` +
        `${formatNumber(d.rounding.step)}${unit}${d.maxTotal ? `, at most ${formatNumber(d.maxTotal)}${unit}` : ''}; ` +
        `${d.preparation.volumeMl} mL ${d.preparation.vehicle} over ${d.preparation.infusionMinutes} min`,
    )
  }
  if (p.product) {
    const pr = p.product
    const criteria = pr.releaseCriteria.map((c) =>
      c.range ? `${c.id} ${c.range.min ?? ''}–${c.range.max ?? ''}` : c.id,
    )
    out.push(
      `  Product: ${pr.name} (${pr.kind})${pr.minimumTissueGrams ? `; at least ${pr.minimumTissueGrams} g tissue` : ''}` +
        `${criteria.length > 0 ? `; release: ${criteria.join(', ')}` : ''}${pr.shelfLifeDays ? `; shelf life ${pr.shelfLifeDays} days` : ''}`,
    )
  }

  section(out, `Periods (${p.periods.length})`)
  p.periods.forEach((period, i) => {
    out.push(`  ${i + 1}. ${period.id}: ${period.label}`)
    out.push(`     ${period.durationDays} days, ${period.blinding}${period.dosing ? ', dose given at the start' : ''}`)
    out.push(
      `     entry: ${period.entry.who === 'randomized' ? 'every randomized subject' : `subjects continuing from ${period.entry.from}`}`,
    )
    out.push(`     ${describeAllocation(period)}`)
  })

  section(out, `Visit calendar (${p.visits.length} visits; study day 0 = randomization)`)
  table(
    out,
    [
      ['Visit', 'Label', 'Anchor', 'Day', 'Window', 'Study day', 'Period', 'Forms'],
      ...compiled.visits.map((v) => [
        v.id,
        v.label,
        v.anchor,
        String(v.day),
        v.window.before === 0 && v.window.after === 0
          ? 'on the day'
          : `${v.day - v.window.before}…${v.day + v.window.after}`,
        v.studyDay === null ? '' : String(v.studyDay),
        v.periodId ?? 'screening',
        [...v.procedures.map((x) => `[${x}]`), ...v.forms].join(' '),
      ]),
    ],
    { right: [3, 5] },
  )
  if (p.unscheduledForms.length > 0) out.push(`  Unscheduled visits: ${p.unscheduledForms.join(' ')}`)

  section(out, `Forms (${compiled.forms.length})`)
  table(
    out,
    compiled.forms.map((f) => {
      const values = formValues(f).filter((v) => v.kind !== 'item')
      return [
        f.id,
        f.label,
        f.instrument ? `instrument ${f.instrument.id}` : 'protocol-defined',
        `${f.items.length} items`,
        values.length > 0 ? `→ ${values.map((v) => v.id).join(', ')}` : '',
      ]
    }),
  )

  section(out, 'Endpoints')
  table(out, [
    ...p.endpoints.scores.map((e) => [e.role, e.id, e.label, `${e.form}.${e.value}`, e.direction, e.analysis]),
    ...p.endpoints.survival.map((e) => ['survival', e.id, e.label, e.events.join(' or '), '', 'time to event']),
  ])
  out.push(
    `  Contrasts against ${p.endpoints.controlArm}, two-sided alpha ${p.endpoints.alpha}, multiplicity ${p.endpoints.multiplicity}`,
  )

  section(out, 'Populations')
  table(
    out,
    p.populations.map((x) => [x.id, x.label, x.rule]),
  )
  out.push('')
  return `${out.join('\n')}\n`
}

function describeAllocation(period: Period): string {
  const a = period.allocation
  if (!a) return 'allocation: none (subjects stay on their arm)'
  const who = period.allocateFrom ? `subjects on ${period.allocateFrom.join(', ')} re-allocated` : 'allocation'
  const others = period.othersReceive ? `; the others receive ${period.othersReceive} (blind kept)` : ''
  return `${who}: ${describeScheme(a)}, ratio ${Object.keys(a.ratio).join(':')} = ${Object.values(a.ratio).join(':')}${
    a.stratifyBy.length > 0 ? `, stratified by ${a.stratifyBy.join(', ')}` : ''
  }${others}`
}

function describeScheme(a: Allocation): string {
  if (a.method === 'simple') return 'simple randomization'
  if (a.method === 'permuted-blocks') return `permuted blocks of ${a.blockSizes.join(' or ')}`
  return `minimisation (Pocock-Simon) on ${a.factors.join(', ')}, p = ${a.probability}, burn-in ${a.burnIn}, max imbalance ${a.maxImbalance}`
}

/** 1000000 → 1e6-style text only for large round numbers, so doses read as in the protocol. */
function formatNumber(n: number): string {
  if (Math.abs(n) >= 1e5) {
    const [mantissa, exponent] = n.toExponential().split('e')
    return `${mantissa}×10^${Number(exponent)}`
  }
  return String(n)
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

function section(out: string[], title: string): void {
  out.push('', title)
}

/** Appends rows as columns padded to the widest cell; `right` lists columns aligned right. */
function table(out: string[], rows: readonly (readonly string[])[], options: { right?: readonly number[] } = {}): void {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)))
  for (const row of rows) {
    const cells = row.map((cell, i) => {
      const pad = ' '.repeat((widths[i] ?? 0) - [...cell].length)
      return options.right?.includes(i) ? pad + cell : cell + pad
    })
    out.push(`  ${cells.join('  ')}`.trimEnd())
  }
}
