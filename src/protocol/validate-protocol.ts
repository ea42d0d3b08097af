/**
 * Cross-reference checks the schema cannot express. Returns every problem found, each with the path of the
 * offending value (`periods[0].allocation.blockSizes[1]: must be a multiple of the ratio total 4`), so an author
 * fixes them in one pass. Nothing about a particular trial is assumed: every rule follows from the file.
 */
import { ProblemCode, type Problem, type ProtocolFile } from '../domain/index.ts'
import { compileForm, formValues, type CompiledForm } from './compile-form.ts'
import { nominalAnchorDays, periodOfAnchor, visitPeriod } from './visit-timeline.ts'

/** Every semantic problem of a schema-valid protocol; empty when the protocol is consistent. */
export function validateProtocol(protocol: ProtocolFile): Problem[] {
  const problems: Problem[] = []
  const add = (path: string, message: string, code: Problem['code'] = ProblemCode.Invalid): void => {
    problems.push({ code, path, message })
  }

  uniqueIds(protocol.sites, 'sites', add)
  uniqueIds(protocol.arms, 'arms', add)
  uniqueIds(protocol.periods, 'periods', add)
  uniqueIds(protocol.visits, 'visits', add)
  uniqueIds(protocol.forms, 'forms', add)
  uniqueIds(protocol.stratification.factors, 'stratification.factors', add)
  uniqueIds(protocol.populations, 'populations', add)
  uniqueIds(
    [
      ...protocol.endpoints.scores.map((e, i) => ({ id: e.id, path: `endpoints.scores[${i}]` })),
      ...protocol.endpoints.survival.map((e, i) => ({ id: e.id, path: `endpoints.survival[${i}]` })),
    ],
    '',
    add,
  )
  uniqueIds(
    [
      ...protocol.eligibility.inclusion.map((c, i) => ({ id: c.id, path: `eligibility.inclusion[${i}]` })),
      ...protocol.eligibility.exclusion.map((c, i) => ({ id: c.id, path: `eligibility.exclusion[${i}]` })),
    ],
    '',
    add,
  )

  const forms = new Map<string, CompiledForm>()
  protocol.forms.forEach((def, i) => {
    const compiled = compileForm(def, `forms[${i}]`, protocol.product)
    problems.push(...compiled.problems)
    if (compiled.form && !forms.has(def.id)) forms.set(def.id, compiled.form)
  })
  const formIds = new Set(protocol.forms.map((f) => f.id))

  checkSites(protocol, add)
  checkStratification(protocol, forms, add)
  checkArmsAndAllocation(protocol, add)
  checkVisits(protocol, formIds, add)
  checkDosingAndProduct(protocol, forms, add)
  checkEndpoints(protocol, forms, add)
  checkPopulationsAndLists(protocol, add)
  return problems
}

type Add = (path: string, message: string, code?: Problem['code']) => void

function uniqueIds(list: ReadonlyArray<{ readonly id: string; readonly path?: string }>, base: string, add: Add): void {
  const seen = new Map<string, string>()
  list.forEach((x, i) => {
    const path = x.path ?? `${base}[${i}]`
    const prior = seen.get(x.id)
    if (prior !== undefined) add(`${path}.id`, `duplicate id "${x.id}" (also ${prior})`, ProblemCode.Conflict)
    else seen.set(x.id, path)
  })
}

function checkSites(protocol: ProtocolFile, add: Add): void {
  const targets = protocol.sites.map((s) => s.targetEnrolment)
  if (targets.every((t) => t !== undefined)) {
    const sum = targets.reduce((a: number, b) => a + (b ?? 0), 0)
    if (sum < protocol.study.targetEnrolment) {
      add('sites', `site targets add up to ${sum}, below study.targetEnrolment ${protocol.study.targetEnrolment}`)
    }
  }
}

function checkStratification(protocol: ProtocolFile, forms: ReadonlyMap<string, CompiledForm>, add: Add): void {
  const produced = new Set(
    [...forms.values()].flatMap((f) =>
      formValues(f)
        .filter((v) => v.numeric)
        .map((v) => v.id),
    ),
  )
  protocol.stratification.factors.forEach((factor, i) => {
    const path = `stratification.factors[${i}]`
    const source = factor.source
    if (source === 'site') {
      if (factor.levels) add(`${path}.levels`, 'a site factor takes the site ids as its levels; remove this list')
    } else if (source === 'enrolment') {
      if (!factor.levels) add(`${path}.levels`, 'an enrolment factor must list its levels')
      else duplicates(factor.levels, `${path}.levels`, add)
    } else {
      if (factor.levels) add(`${path}.levels`, 'a cut factor takes its levels from the cuts; remove this list')
      source.cuts.forEach((cut, j) => {
        const prev = source.cuts[j - 1]
        if (prev && cut.below <= prev.below)
          add(`${path}.source.cuts[${j}].below`, `must be above the previous cut (${prev.below})`)
      })
      const levels = [...source.cuts.map((c) => c.level), source.otherwise]
      levels.forEach((level, j) => {
        if (levels.indexOf(level) !== j) {
          const at = j < source.cuts.length ? `source.cuts[${j}].level` : 'source.otherwise'
          add(`${path}.${at}`, `duplicate level "${level}"`, ProblemCode.Conflict)
        }
      })
      if (!produced.has(source.value)) add(`${path}.source.value`, `no form produces a numeric value "${source.value}"`)
    }
  })
}

/** The arms a subject can be on during a period (allocated there, given to the others, or carried over). */
function armsInPeriod(protocol: ProtocolFile, index: number): Set<string> {
  const period = protocol.periods[index]
  if (!period) return new Set()
  if (period.allocation) {
    const arms = new Set(Object.keys(period.allocation.ratio))
    if (period.othersReceive) arms.add(period.othersReceive)
    return arms
  }
  return index === 0 ? new Set(protocol.arms.map((a) => a.id)) : armsInPeriod(protocol, index - 1)
}

function checkArmsAndAllocation(protocol: ProtocolFile, add: Add): void {
  const armIds = new Set(protocol.arms.map((a) => a.id))
  const periodIds = protocol.periods.map((p) => p.id)
  const factorIds = new Set(protocol.stratification.factors.map((f) => f.id))
  const allocated = new Set<string>()

  protocol.periods.forEach((period, i) => {
    const path = `periods[${i}]`
    if (i === 0 && period.entry.who !== 'randomized')
      add(`${path}.entry.who`, 'the first period must be entered by randomization')
    if (i > 0 && period.entry.who === 'randomized')
      add(`${path}.entry.who`, 'only the first period is entered by randomization')
    if (period.entry.who === 'continuing') {
      const from = periodIds.indexOf(period.entry.from)
      if (from < 0) add(`${path}.entry.from`, `unknown period "${period.entry.from}"`)
      else if (from >= i) add(`${path}.entry.from`, `must name an earlier period, not "${period.entry.from}"`)
    }
    if (i === 0 && !period.allocation) add(`${path}.allocation`, 'the randomized period must declare its allocation')
    period.allocateFrom?.forEach((arm, j) => {
      if (!armIds.has(arm)) add(`${path}.allocateFrom[${j}]`, `unknown arm "${arm}"`)
    })
    if (period.allocateFrom && !period.allocation) add(`${path}.allocateFrom`, 'needs an allocation in the same period')
    if (period.othersReceive !== undefined) {
      if (!armIds.has(period.othersReceive)) add(`${path}.othersReceive`, `unknown arm "${period.othersReceive}"`)
      if (!period.allocateFrom)
        add(`${path}.othersReceive`, 'applies only with allocateFrom (the subjects not re-allocated)')
      allocated.add(period.othersReceive)
    }
    const allocation = period.allocation
    if (!allocation) return
    const ratioKeys = Object.keys(allocation.ratio)
    for (const arm of ratioKeys) {
      if (!armIds.has(arm)) add(`${path}.allocation.ratio.${arm}`, `unknown arm "${arm}"`)
      else allocated.add(arm)
    }
    if (ratioKeys.length < 2) add(`${path}.allocation.ratio`, 'must name at least two arms')
    const total = Object.values(allocation.ratio).reduce((a, b) => a + b, 0)
    if (allocation.method === 'permuted-blocks') {
      allocation.blockSizes.forEach((size, j) => {
        if (size % total !== 0)
          add(`${path}.allocation.blockSizes[${j}]`, `must be a multiple of the ratio total ${total}`)
      })
      duplicates(allocation.blockSizes.map(String), `${path}.allocation.blockSizes`, add, 'block size')
    }
    const factorLists: Array<[string, readonly string[]]> = [['stratifyBy', allocation.stratifyBy]]
    if (allocation.method === 'minimisation') factorLists.push(['factors', allocation.factors])
    for (const [key, list] of factorLists) {
      list.forEach((f, j) => {
        if (!factorIds.has(f))
          add(`${path}.allocation.${key}[${j}]`, `unknown factor "${f}" (declare it under stratification.factors)`)
      })
      duplicates(list, `${path}.allocation.${key}`, add, 'factor')
    }
  })

  // Every arm must be reachable, or the first period's ratio does not match the arms.
  const first = protocol.periods.findIndex((p) => p.allocation)
  protocol.arms.forEach((arm) => {
    if (!allocated.has(arm.id) && first >= 0) {
      add(`periods[${first}].allocation.ratio`, `arm "${arm.id}" is missing: no period allocates it`)
    }
  })

  // Within a blinded period every arm a subject can be on looks the same.
  protocol.periods.forEach((period, i) => {
    if (period.blinding === 'open-label') return
    const arms = protocol.arms.filter((a) => armsInPeriod(protocol, i).has(a.id))
    const label = arms[0]?.blindedLabel
    arms.forEach((arm) => {
      if (arm.blindedLabel !== label) {
        add(
          `arms[${protocol.arms.indexOf(arm)}].blindedLabel`,
          `must equal "${label ?? ''}" like the other arms of ${period.blinding} period "${period.id}"`,
        )
      }
    })
  })

  const placebo = protocol.arms.map((a, i) => [a, i] as const).filter(([a]) => a.type === 'placebo')
  placebo.slice(1).forEach(([arm, i]) => {
    add(
      `arms[${i}].type`,
      `a second placebo arm "${arm.id}" (besides "${placebo[0]?.[0].id ?? ''}"): contrasts are taken against one control arm`,
    )
  })
}

function checkVisits(protocol: ProtocolFile, formIds: ReadonlySet<string>, add: Add): void {
  const periodIds = new Set(protocol.periods.map((p) => p.id))
  const anchors = nominalAnchorDays(protocol)
  const withProcedure = (proc: string): number[] =>
    protocol.visits.flatMap((v, i) => (v.procedures.includes(proc as never) ? [i] : []))

  protocol.visits.forEach((visit, i) => {
    const path = `visits[${i}]`
    const anchored = periodOfAnchor(visit.anchor)
    if (anchored !== null && !periodIds.has(anchored)) add(`${path}.anchor`, `unknown period "${anchored}"`)
    if (visit.period !== undefined) {
      if (!periodIds.has(visit.period)) add(`${path}.period`, `unknown period "${visit.period}"`)
      else if (anchored !== null && anchored !== visit.period)
        add(`${path}.period`, `the visit is anchored to period "${anchored}"`)
    }
    visit.forms.forEach((form, j) => {
      if (!formIds.has(form)) add(`${path}.forms[${j}]`, `unknown form "${form}"`)
    })
    duplicates(visit.forms, `${path}.forms`, add, 'form')
    duplicates(visit.procedures, `${path}.procedures`, add, 'procedure')
    if (visit.anchor === 'infusion' && withProcedure('infusion').length === 0) {
      add(`${path}.anchor`, 'no visit has the infusion procedure, so "infusion" never has a date')
    }
    if (visit.anchor === 'infusion' && visit.procedures.includes('infusion') && withProcedure('infusion')[0] === i) {
      add(`${path}.anchor`, 'the first infusion visit cannot be anchored to the infusion itself')
    }
    if (visit.anchor === 'randomization' && visit.procedures.includes('randomization') && visit.day !== 0) {
      add(`${path}.day`, 'the randomization visit anchored to randomization must be on day 0')
    }
  })
  protocol.unscheduledForms.forEach((form, j) => {
    if (!formIds.has(form)) add(`unscheduledForms[${j}]`, `unknown form "${form}"`)
  })
  duplicates(protocol.unscheduledForms, 'unscheduledForms', add, 'form')

  const randomizations = withProcedure('randomization')
  if (randomizations.length === 0) add('visits', 'no visit has the randomization procedure')
  randomizations
    .slice(1)
    .forEach((i) =>
      add(
        `visits[${i}].procedures`,
        `randomization is already done at visit ${protocol.visits[randomizations[0] ?? 0]?.id ?? ''}`,
      ),
    )
  const laterAllocations = protocol.periods.flatMap((p, i) => (i > 0 && p.allocation ? [i] : []))
  const rerandomizations = withProcedure('rerandomization')
  laterAllocations.forEach((i) => {
    if (rerandomizations.length === 0) add(`periods[${i}].allocation`, 'no visit has the rerandomization procedure')
  })
  if (laterAllocations.length === 0) {
    rerandomizations.forEach((i) =>
      add(`visits[${i}].procedures`, 'rerandomization, but no later period has an allocation'),
    )
  }

  // Consecutive visits on the same anchor: in day order, and windows that do not overlap.
  const lastByAnchor = new Map<string, number>()
  protocol.visits.forEach((visit, i) => {
    const prevIndex = lastByAnchor.get(visit.anchor)
    lastByAnchor.set(visit.anchor, i)
    const prev = prevIndex === undefined ? undefined : protocol.visits[prevIndex]
    if (!prev || prevIndex === undefined) return
    if (visit.day <= prev.day) {
      add(
        `visits[${i}].day`,
        `must be after visit ${prev.id} (day ${prev.day}), the previous visit anchored to ${visit.anchor}`,
      )
      return
    }
    const prevEnd = prev.day + prev.window.after
    const start = visit.day - visit.window.before
    if (prevEnd >= start) {
      add(`visits[${prevIndex}].window`, `overlaps visit ${visit.id} (days ${start}–${visit.day + visit.window.after})`)
    }
  })

  // Dosing periods have an infusion visit, and infusions happen only in dosing periods.
  protocol.periods.forEach((period, i) => {
    const infusions = protocol.visits.filter(
      (v) => v.procedures.includes('infusion') && visitPeriod(protocol, v, anchors) === period.id,
    )
    if (period.dosing && infusions.length === 0)
      add(`periods[${i}].dosing`, `no visit of period "${period.id}" has the infusion procedure`)
  })
  protocol.visits.forEach((visit, i) => {
    if (!visit.procedures.includes('infusion')) return
    const periodId = visitPeriod(protocol, visit, anchors)
    const period = protocol.periods.find((p) => p.id === periodId)
    if (!period) add(`visits[${i}].procedures`, 'an infusion must take place within a period, after randomization')
    else if (!period.dosing)
      add(`visits[${i}].procedures`, `infusion in period "${period.id}", which does not declare dosing: true`)
  })
}

function checkDosingAndProduct(protocol: ProtocolFile, forms: ReadonlyMap<string, CompiledForm>, add: Add): void {
  const dosing = protocol.dosing
  protocol.arms.forEach((arm, i) => {
    if (arm.dose && !dosing)
      add(`arms[${i}].dose`, 'a per-kg dose needs the dosing section (weight source, rounding, preparation)')
    if (arm.type === 'placebo' && arm.dose) add(`arms[${i}].dose`, 'a placebo arm has no dose')
  })
  if (dosing) {
    const form = forms.get(dosing.weight.form)
    if (!protocol.forms.some((f) => f.id === dosing.weight.form))
      add('dosing.weight.form', `unknown form "${dosing.weight.form}"`)
    else if (form) {
      const item = form.items.find((it) => it.id === dosing.weight.item)
      if (!item) add('dosing.weight.item', `unknown item "${dosing.weight.item}" of form ${form.id}`)
      else if (item.type !== 'integer' && item.type !== 'decimal')
        add('dosing.weight.item', `item "${item.id}" of form ${form.id} is ${item.type}, not numeric`)
      else if (item.unit !== 'kg')
        add(
          'dosing.weight.item',
          `item "${item.id}" of form ${form.id} must be recorded in kg, not ${item.unit ?? 'without a unit'}`,
        )
    }
    const dosed = protocol.periods.map((p, i) => [p, i] as const).filter(([p]) => p.dosing)
    if (dosed.length === 0) add('dosing', 'no period declares dosing: true')
    const reported = new Set<string>()
    for (const [period, i] of dosed) {
      for (const arm of protocol.arms) {
        if (arm.type === 'active' && !arm.dose && armsInPeriod(protocol, i).has(arm.id) && !reported.has(arm.id)) {
          reported.add(arm.id)
          add(
            `arms[${protocol.arms.indexOf(arm)}].dose`,
            `is required: the arm is active in dosed period "${period.id}"`,
            ProblemCode.Required,
          )
        }
      }
    }
  }
  const product = protocol.product
  if (product) {
    uniqueIds(product.releaseCriteria, 'product.releaseCriteria', add)
    if (product.kind === 'autologous' && !protocol.visits.some((v) => v.procedures.includes('extraction'))) {
      add('product.kind', 'an autologous product needs a visit with the extraction procedure')
    }
  }
}

function checkEndpoints(protocol: ProtocolFile, forms: ReadonlyMap<string, CompiledForm>, add: Add): void {
  const { endpoints } = protocol
  const armIds = new Set(protocol.arms.map((a) => a.id))
  if (!armIds.has(endpoints.controlArm)) add('endpoints.controlArm', `unknown arm "${endpoints.controlArm}"`)
  else {
    const first = protocol.periods.find((p) => p.allocation)
    if (first?.allocation && !(endpoints.controlArm in first.allocation.ratio)) {
      add(
        'endpoints.controlArm',
        `arm "${endpoints.controlArm}" is not allocated at randomization, so it has no concurrent control group`,
      )
    }
  }
  if (!endpoints.scores.some((e) => e.role === 'primary')) add('endpoints.scores', 'no endpoint has role: primary')
  endpoints.scores.forEach((e, i) => {
    const path = `endpoints.scores[${i}]`
    const form = forms.get(e.form)
    if (!protocol.forms.some((f) => f.id === e.form)) {
      add(`${path}.form`, `unknown form "${e.form}"`)
      return
    }
    if (!form) return
    const values = formValues(form)
    const value = values.find((v) => v.id === e.value)
    if (!value) {
      const summary = values.filter((v) => v.kind !== 'item' && v.numeric).map((v) => v.id)
      const hint =
        summary.length > 0 ? `scores and derived values: ${summary.join(', ')}; or a numeric item` : 'a numeric item'
      add(`${path}.value`, `form ${form.id} does not produce "${e.value}" (${hint})`)
    } else if (!value.numeric) {
      add(`${path}.value`, `"${e.value}" of form ${form.id} is not numeric, so it has no slope`)
    }
    const visits = protocol.visits.filter((v) => v.forms.includes(e.form)).length
    if (visits < 2)
      add(
        `${path}.form`,
        `form ${e.form} is scheduled at ${visits} visit${visits === 1 ? '' : 's'}; a slope needs at least two`,
      )
  })
}

function checkPopulationsAndLists(protocol: ProtocolFile, add: Add): void {
  const rules = new Map<string, string>()
  protocol.populations.forEach((p, i) => {
    const prior = rules.get(p.rule)
    if (prior !== undefined) add(`populations[${i}].rule`, `same rule "${p.rule}" as ${prior}`, ProblemCode.Conflict)
    else rules.set(p.rule, `populations[${protocol.populations.indexOf(p)}]`)
  })
  if (!rules.has('randomized')) add('populations', 'must include the intention-to-treat population (rule: randomized)')
  if (!rules.has('treated')) add('populations', 'must include the safety population (rule: treated)')
  const { minAge, maxAge } = protocol.eligibility
  if (minAge !== undefined && maxAge !== undefined && minAge > maxAge)
    add('eligibility.maxAge', `must not be below minAge ${minAge}`)
  duplicates(protocol.disposition.screenFailureReasons, 'disposition.screenFailureReasons', add, 'reason', true)
  duplicates(protocol.disposition.withdrawalReasons, 'disposition.withdrawalReasons', add, 'reason', true)
  duplicates(protocol.safety.expectedTerms, 'safety.expectedTerms', add, 'term', true)
}

function duplicates(list: readonly string[], path: string, add: Add, what = 'entry', ignoreCase = false): void {
  const key = (s: string): string => (ignoreCase ? s.trim().toLowerCase() : s)
  list.forEach((x, i) => {
    if (list.findIndex((y) => key(y) === key(x)) !== i)
      add(`${path}[${i}]`, `duplicate ${what} "${x}"`, ProblemCode.Conflict)
  })
}
