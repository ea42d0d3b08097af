/**
 * Treatment effects to simulate, written the way a design study states them:
 *
 * - `slope=0.25,0.35` — 25 % (then 35 %) slowing of the ALSFRS-R decline in every active arm: two effects;
 * - `slope:D3=0.35,D2=0.2,D1=0.1` — one effect with a slowing per arm (arms not named: none);
 * - `hr=0.8` — a direct hazard ratio on death and ventilation in every active arm (`hr:D3=0.7` per arm);
 * - `+` joins parts into one effect (`slope=0.3+hr=0.8`); lists in several parts give every combination;
 * - `none` (or `slope=0`) is the null effect, which is always simulated anyway (type-I error).
 */
import { fail, ok, problem, ProblemCode, type Problem, type Result } from '../../domain/index.ts'

/** A value for every active arm, or per named arm. */
export type ArmValues = number | Readonly<Record<string, number>>

export interface EffectSpec {
  readonly label: string
  /** Fraction by which the decline slows (0.25 = 25 % slower; the disease clock runs at 1 - k). */
  readonly slope: ArmValues
  /** Direct multiplier of the death and ventilation hazards. */
  readonly hr: ArmValues
}

/** The effect of a scenario resolved against a design: one value per arm of the design. */
export interface ResolvedEffect {
  readonly label: string
  readonly slopeSlowing: Readonly<Record<string, number>>
  readonly hazardRatio: Readonly<Record<string, number>>
  readonly isNull: boolean
}

export const NULL_EFFECT: EffectSpec = { label: 'none', slope: 0, hr: 1 }

type Key = 'slope' | 'hr'
const KEY_RULES: Record<Key, { readonly ok: (v: number) => boolean; readonly rule: string; readonly none: number }> = {
  slope: { ok: (v) => v > -1 && v <= 1, rule: 'a slowing in (-1, 1]', none: 0 },
  hr: { ok: (v) => v > 0 && Number.isFinite(v), rule: 'a positive hazard ratio', none: 1 },
}

const formatValues = (v: ArmValues): string =>
  typeof v === 'number'
    ? String(v)
    : Object.entries(v)
        .map(([arm, x]) => `${arm}=${x}`)
        .join(',')

function labelOf(slope: ArmValues, hr: ArmValues): string {
  const parts: string[] = []
  if (!(slope === 0)) parts.push(typeof slope === 'number' ? `slope=${slope}` : `slope:${formatValues(slope)}`)
  if (!(hr === 1)) parts.push(typeof hr === 'number' ? `hr=${hr}` : `hr:${formatValues(hr)}`)
  return parts.length === 0 ? 'none' : parts.join('+')
}

/** One part `key=v1,v2` or `key:ARM=v,ARM=v` → the alternatives it offers. */
function parsePart(part: string, path: string, problems: Problem[]): { key: Key; values: ArmValues[] } | null {
  const m = /^(slope|hr)(?::([^=]+=.*)|=(.*))$/.exec(part.trim())
  if (!m) {
    problems.push(
      problem(
        ProblemCode.Invalid,
        path,
        `cannot read "${part}": expected slope=0.25,0.35 or slope:ARM=0.3,ARM=0.1 or hr=0.8`,
      ),
    )
    return null
  }
  const key = m[1] as Key
  const rule = KEY_RULES[key]
  const number = (text: string): number | null => {
    const v = text.trim() === '' ? NaN : Number(text)
    if (!rule.ok(v)) {
      problems.push(problem(ProblemCode.OutOfRange, path, `${key} "${text}" must be ${rule.rule}`))
      return null
    }
    return v
  }
  if (m[3] !== undefined) {
    const values = m[3].split(',').map(number)
    return values.every((v): v is number => v !== null) ? { key, values } : null
  }
  const perArm: Record<string, number> = {}
  for (const pair of m[2]!.split(',')) {
    const [arm, value, ...rest] = pair.split('=')
    const v = value === undefined || rest.length > 0 || !arm?.trim() ? null : number(value)
    if (v === null) {
      if (value === undefined || rest.length > 0 || !arm?.trim())
        problems.push(problem(ProblemCode.Invalid, path, `cannot read "${pair}": expected ARM=value`))
      return null
    }
    perArm[arm!.trim()] = v
  }
  return { key, values: [perArm] }
}

/**
 * Parses effect texts (each may give several effects); the null effect is left out (it is always added).
 * Reports every unreadable part at once.
 */
export function parseEffectSpecs(texts: readonly string[]): Result<EffectSpec[]> {
  const problems: Problem[] = []
  const out: EffectSpec[] = []
  texts.forEach((text, i) => {
    const path = `effect[${i}]`
    if (text.trim() === 'none') return
    const parts = text.split('+').map((p) => parsePart(p, path, problems))
    if (parts.some((p) => p === null)) return
    let combos: { slope: ArmValues; hr: ArmValues }[] = [{ slope: 0, hr: 1 }]
    const seen = new Set<Key>()
    for (const part of parts as { key: Key; values: ArmValues[] }[]) {
      if (seen.has(part.key)) {
        problems.push(problem(ProblemCode.Invalid, path, `"${part.key}" is given twice in one effect`))
        return
      }
      seen.add(part.key)
      combos = combos.flatMap((c) => part.values.map((v) => ({ ...c, [part.key]: v })))
    }
    for (const c of combos) {
      const spec = { label: labelOf(c.slope, c.hr), ...c }
      if (spec.label !== 'none' && !out.some((o) => o.label === spec.label)) out.push(spec)
    }
  })
  return problems.length > 0 ? fail(problems) : ok(out)
}

/** One value per arm: active arms take the uniform value or their named value; other arms take "no effect". */
export function resolveEffect(
  spec: EffectSpec,
  arms: readonly string[],
  active: readonly string[],
  control: string,
): Result<ResolvedEffect> {
  const problems: Problem[] = []
  const resolve = (key: Key): Record<string, number> => {
    const v = spec[key]
    const none = KEY_RULES[key].none
    if (typeof v !== 'number') {
      for (const arm of Object.keys(v)) {
        if (!arms.includes(arm))
          problems.push(problem(ProblemCode.NotFound, 'effect', `arm "${arm}" is not in the design`))
        else if (arm === control)
          problems.push(problem(ProblemCode.Invalid, 'effect', `the control arm ${control} cannot carry an effect`))
      }
    }
    return Object.fromEntries(
      arms.map((arm) => [arm, !active.includes(arm) ? none : typeof v === 'number' ? v : (v[arm] ?? none)]),
    )
  }
  const slopeSlowing = resolve('slope')
  const hazardRatio = resolve('hr')
  if (problems.length > 0) return fail(problems)
  const isNull = arms.every((a) => slopeSlowing[a] === 0 && hazardRatio[a] === 1)
  return ok({ label: spec.label, slopeSlowing, hazardRatio, isNull })
}
