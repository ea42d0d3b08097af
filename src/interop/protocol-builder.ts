/**
 * Shared pieces for turning another system's study definition (ODM metadata, a REDCap data dictionary) into a
 * TrialDesk protocol: id cleaning, label cleaning, REDCap choice lists, and the clearly labelled placeholders for
 * what those formats cannot say (arms, periods, endpoints, eligibility, disposition), each listed in the import
 * report so the data manager knows what to fill in before the protocol is used.
 */
import {
  fail,
  ok,
  ProblemCode,
  type ChoiceOption,
  type FormDef,
  type ProtocolFile,
  type Result,
  type Site,
  type Visit,
} from '../domain/index.ts'
import { protocolFromData } from '../protocol/index.ts'
import type { Placeholder } from './import-report.ts'

export const PLACEHOLDER = 'PLACEHOLDER'
const MAX_ID = 40

/** Makes protocol ids (`Code`: a letter, then letters, digits, `-`, `_`; at most 40) unique within a scope. */
export class IdAllocator {
  private readonly used = new Set<string>()

  constructor(private readonly fallback: string) {}

  make(raw: string): string {
    let base = raw.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '')
    if (!/^[A-Za-z]/.test(base)) base = `${this.fallback}${base === '' ? '' : '_'}${base}`
    base = base.slice(0, MAX_ID)
    let id = base
    for (let n = 2; this.used.has(id.toLowerCase()); n++) {
      const suffix = `_${n}`
      id = `${base.slice(0, MAX_ID - suffix.length)}${suffix}`
    }
    this.used.add(id.toLowerCase())
    return id
  }
}

/** Plain, single-line label text: HTML tags and entities removed, whitespace collapsed. */
export function cleanLabel(raw: string | undefined): string {
  if (!raw) return ''
  return raw
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
}

/**
 * Parses REDCap choices: `1, Yes | 2, No` (the label may itself contain commas). Codes that are whole numbers
 * become numbers when every code is one, as REDCap stores and compares them.
 */
export function parseRedcapChoices(text: string): { options: ChoiceOption[]; numeric: boolean } | string {
  const parts = text
    .split('|')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  if (parts.length === 0) return 'no choices'
  const raw: { code: string; label: string }[] = []
  for (const p of parts) {
    const comma = p.indexOf(',')
    if (comma <= 0) return `choice "${p}" has no "code, label" form`
    const code = p.slice(0, comma).trim()
    raw.push({ code, label: cleanLabel(p.slice(comma + 1)) || code })
  }
  const codes = new Set(raw.map((r) => r.code))
  if (codes.size !== raw.length) return 'duplicate choice codes'
  const numeric = raw.every((r) => /^-?\d+$/.test(r.code))
  return { options: raw.map((r) => ({ code: numeric ? Number(r.code) : r.code, label: r.label })), numeric }
}

export interface ProtocolSkeletonInput {
  readonly studyId: string
  readonly title: string
  readonly description?: string
  readonly version: string
  readonly forms: readonly FormDef[]
  readonly visits: readonly Visit[]
  readonly unscheduledForms: readonly string[]
  readonly sites: readonly Site[]
  /** Arms the source names (REDCap arms); fewer than two gives placeholder arms. */
  readonly arms: readonly { readonly id: string; readonly label: string }[]
  readonly sourceName: string
}

/**
 * Assembles a protocol that passes the schema, with placeholders (labelled `PLACEHOLDER`) where the source says
 * nothing, and the list of those placeholders.
 */
export function assembleProtocol(input: ProtocolSkeletonInput): {
  protocol: ProtocolFile
  placeholders: Placeholder[]
} {
  const src = input.sourceName
  const placeholders: Placeholder[] = [
    { path: 'study.phase', reason: `${src} has no trial phase; set to II` },
    { path: 'study.sponsor', reason: `${src} has no sponsor` },
    { path: 'study.targetEnrolment', reason: `${src} has no target enrolment; set to 1` },
  ]
  let sites = [...input.sites]
  if (sites.length === 0) {
    sites = [{ id: 'SITE1', name: `${PLACEHOLDER} site (${src} lists no sites)`, country: 'XX' }]
    placeholders.push({ path: 'sites', reason: `${src} lists no sites; one placeholder site with country XX` })
  } else {
    placeholders.push({ path: 'sites[].country', reason: `${src} gives no site countries; set to XX` })
  }
  let arms = input.arms.map((a) => ({
    id: a.id,
    label: a.label,
    blindedLabel: 'Study treatment',
    type: 'active' as const,
  }))
  if (arms.length >= 2) {
    placeholders.push({
      path: 'arms',
      reason: `arms taken from ${src} arms; type (active/placebo), blinded labels and doses are not in the source`,
    })
  } else {
    arms = [
      {
        id: 'ARM_A',
        label: `${PLACEHOLDER} arm A (${src} has no arms)`,
        blindedLabel: 'Study treatment',
        type: 'active',
      },
      {
        id: 'ARM_B',
        label: `${PLACEHOLDER} arm B (${src} has no arms)`,
        blindedLabel: 'Study treatment',
        type: 'active',
      },
    ]
    placeholders.push({ path: 'arms', reason: `${src} has no arms; two placeholder arms` })
  }
  const ratio = Object.fromEntries(arms.map((a) => [a.id, 1]))
  placeholders.push(
    {
      path: 'periods',
      reason: `${src} has no periods or allocation; one open-label period with simple 1:1 allocation`,
    },
    { path: 'eligibility', reason: `${src} has no eligibility criteria; one placeholder inclusion criterion` },
    { path: 'populations', reason: `${src} has no analysis populations; intention-to-treat and safety only` },
    { path: 'disposition', reason: `${src} has no disposition reasons; generic lists` },
  )
  const visits = scheduleVisits(input.visits, src, placeholders)
  const forms = [...input.forms]
  const endpoint = chooseEndpoint(forms, visits, src, placeholders)
  const lastDay = Math.max(0, ...visits.map((v) => v.day + v.window.after))
  const protocol = {
    formatVersion: 1,
    study: {
      id: input.studyId,
      title: input.title,
      ...(input.description ? { description: input.description } : {}),
      phase: 'II',
      sponsor: `${PLACEHOLDER} sponsor (not in ${src})`,
      registry: {},
      version: input.version,
      targetEnrolment: 1,
    },
    sites,
    stratification: { factors: [] },
    arms,
    periods: [
      {
        id: 'main',
        label: `${PLACEHOLDER} single period (not in ${src})`,
        entry: { who: 'randomized' },
        durationDays: lastDay + 1,
        blinding: 'open-label',
        allocation: { method: 'simple', ratio, stratifyBy: [] },
        dosing: false,
      },
    ],
    visits,
    unscheduledForms: input.unscheduledForms,
    forms,
    eligibility: {
      inclusion: [{ id: 'IC1', text: `${PLACEHOLDER} inclusion criterion (not in ${src})` }],
      exclusion: [],
    },
    endpoints: {
      controlArm: arms[arms.length - 1]?.id ?? 'ARM_B',
      alpha: 0.05,
      multiplicity: 'holm',
      scores: [
        {
          id: 'PRIMARY',
          label: `${PLACEHOLDER} primary endpoint (not in ${src})`,
          form: endpoint.form,
          value: endpoint.value,
          direction: 'higher-better',
          role: 'primary',
          analysis: 'slope',
          adjustForBaseline: false,
        },
      ],
      survival: [],
    },
    populations: [
      { id: 'ITT', label: 'Intention to treat (all randomized)', rule: 'randomized' },
      { id: 'SAF', label: 'Safety (all treated)', rule: 'treated' },
    ],
    disposition: {
      screenFailureReasons: ['Inclusion criteria not met', 'Other'],
      withdrawalReasons: ['Adverse event', 'Withdrawal by subject', 'Lost to follow-up', 'Death', 'Other'],
    },
  }
  return { protocol: protocol as unknown as ProtocolFile, placeholders }
}

/**
 * Visits as the protocol needs them: days strictly increasing with windows that do not overlap (else the
 * source's days are replaced by the visit order, as several REDCap arms restart their days), and randomization
 * at the first visit.
 */
function scheduleVisits(source: readonly Visit[], src: string, placeholders: Placeholder[]): Visit[] {
  const ordered = source.every((v, i) => {
    const prev = source[i - 1]
    return !prev || (v.day > prev.day && prev.day + prev.window.after < v.day - v.window.before)
  })
  let visits = source.map((v) => ({ ...v, procedures: [...v.procedures] }))
  if (!ordered) {
    visits = visits.map((v, i) => ({ ...v, day: i, window: { before: 0, after: 0 } }))
    placeholders.push({
      path: 'visits[].day',
      reason: `visit days in ${src} are not increasing in visit order (several arms?); replaced by the order 0, 1, 2, … with no windows`,
    })
  }
  const first = visits[0]
  if (first && !first.procedures.includes('randomization')) {
    first.procedures.push('randomization')
    placeholders.push({
      path: `visits[0].procedures`,
      reason: `${src} does not say when subjects are randomized; set at the first visit (${first.id})`,
    })
  }
  return visits
}

/**
 * The placeholder primary endpoint must name a numeric value of a form scheduled at two visits or more; when the
 * source has none, a placeholder form (and follow-up visit) is added so the protocol validates.
 */
function chooseEndpoint(
  forms: FormDef[],
  visits: Visit[],
  src: string,
  placeholders: Placeholder[],
): { form: string; value: string } {
  const scheduled = (id: string) => visits.filter((v) => v.forms.includes(id)).length
  for (const f of forms) {
    if (scheduled(f.id) < 2) continue
    const value = f.items.find((i) => i.type === 'integer' || i.type === 'decimal')?.id ?? f.derived[0]?.id
    if (value) {
      placeholders.push({
        path: 'endpoints',
        reason: `${src} has no endpoints; placeholder primary endpoint on ${f.id}.${value}`,
      })
      return { form: f.id, value }
    }
  }
  const id = 'ENDPOINT_PLACEHOLDER'
  forms.push({
    id,
    label: `${PLACEHOLDER} endpoint form (not in ${src})`,
    items: [
      { id: 'value', label: `${PLACEHOLDER} endpoint value`, type: 'decimal', required: false, identifier: false },
    ],
    derived: [],
    checks: [],
    repeating: false,
  })
  const first = visits[0]
  if (first) first.forms.push(id)
  if (visits.length < 2) {
    const day = (first?.day ?? 0) + (first?.window.after ?? 0) + 30
    visits.push({
      id: 'FOLLOWUP_PLACEHOLDER',
      label: `${PLACEHOLDER} follow-up visit (not in ${src})`,
      anchor: 'screening',
      day,
      window: { before: 0, after: 0 },
      forms: [],
      procedures: [],
    })
  }
  visits[visits.length - 1]?.forms.push(id)
  placeholders.push({
    path: 'endpoints',
    reason: `${src} has no endpoints and no numeric value measured at two visits; placeholder form ${id} added to the first and last visits`,
  })
  return { form: id, value: 'value' }
}

/** Paths of item-level constructs that can be dropped (and reported) when the protocol validator refuses them. */
const DROPPABLE =
  /^forms\[(\d+)\]\.(?:items\[(\d+)\]\.(showWhen|requiredWhen|range|softRange|decimals|maxLength)|(derived|checks)\[(\d+)\])/

/**
 * Validates an imported protocol with the protocol module's own rules. Item-level constructs it refuses
 * (a condition on an unknown item, a formula over a text item, …) are dropped and reported, then it validates
 * again; any other problem is a failure of the import.
 */
export function validateImported(
  draft: ProtocolFile,
  source: string,
  report: (construct: string, reason: string) => void,
): Result<ProtocolFile> {
  let protocol = structuredClone(draft) as Mutable
  for (let attempt = 0; attempt < 10; attempt++) {
    const checked = protocolFromData(protocol, source)
    if (checked.ok) return ok(checked.value.protocol)
    const fatal = checked.problems.filter((p) => !DROPPABLE.test(p.path))
    if (fatal.length > 0)
      return fail(fatal.map((p) => ({ ...p, message: `imported protocol is not valid: ${p.message}` })))
    // Remove from the end so earlier indexes stay valid.
    const drops = checked.problems
      .map((p) => ({ p, m: DROPPABLE.exec(p.path) }))
      .sort((a, b) => b.p.path.localeCompare(a.p.path, 'en', { numeric: true }))
    const done = new Set<string>()
    for (const { p, m } of drops) {
      if (!m || done.has(m[0])) continue
      done.add(m[0])
      const form = protocol.forms[Number(m[1])]
      if (!form) continue
      if (m[2] !== undefined && m[3] !== undefined) {
        const item = form.items[Number(m[2])]
        if (!item) continue
        delete (item as Record<string, unknown>)[m[3]]
        report(`item ${item.id} of form ${form.id}`, `${m[3]} dropped: ${p.message}`)
      } else if (m[4] === 'derived' || m[4] === 'checks') {
        const list = form[m[4]] as { id: string }[]
        const [removed] = list.splice(Number(m[5]), 1)
        report(
          `${m[4] === 'derived' ? 'derived value' : 'edit check'} ${removed?.id ?? ''} of form ${form.id}`,
          `dropped: ${p.message}`,
        )
      }
    }
    protocol = { ...protocol }
  }
  return fail({ code: ProblemCode.Invalid, path: source, message: 'imported protocol could not be made valid' })
}

type Mutable = ProtocolFile & { forms: (FormDef & { items: Record<string, unknown>[] })[] }
