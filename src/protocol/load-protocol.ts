import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import type { z } from 'zod'
import { fail, formatPath, ok, ProblemCode, ProtocolFile, type Problem, type Result } from '../domain/index.ts'
import { validateProtocol } from './validate-protocol.ts'

/** A parsed, validated protocol with the hash of its canonical content (stamped on data, exports and reports). */
export interface ProtocolVersion {
  readonly protocol: ProtocolFile
  /** SHA-256 over the canonical JSON of the parsed protocol: formatting and comments do not change it. */
  readonly hash: string
  readonly source: string
}

/** Largest protocol file accepted; a protocol is a few tens of kB. */
const MAX_PROTOCOL_BYTES = 2_000_000

/** Reads and validates a protocol file (YAML or JSON). Problems carry the path inside the file. */
export async function loadProtocolFile(file: string): Promise<Result<ProtocolVersion>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return fail({
      code: ProblemCode.Io,
      path: '',
      message: code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`,
    })
  }
  return parseProtocolText(text, file)
}

/** Parses protocol text (YAML is a superset of JSON, so both go through the YAML parser). */
export function parseProtocolText(text: string, source = '<input>'): Result<ProtocolVersion> {
  if (text.length > MAX_PROTOCOL_BYTES) {
    return fail({ code: ProblemCode.TooLarge, path: '', message: `must be at most ${MAX_PROTOCOL_BYTES} bytes` })
  }
  let raw: unknown
  try {
    // Aliases are capped so that a "billion laughs" document cannot expand without bound.
    raw = parseYaml(text, { maxAliasCount: 100, prettyErrors: false, uniqueKeys: true })
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? `line ${e.linePos[0].line}` : ''
    const message = e instanceof Error ? (e.message.split('\n')[0] ?? 'invalid YAML') : 'invalid YAML'
    return fail({ code: ProblemCode.Invalid, path: where, message: `not valid YAML: ${message}` })
  }
  return protocolFromData(raw, source)
}

/** Validates already-parsed data (e.g. a protocol built by an importer) into a ProtocolVersion. */
export function protocolFromData(raw: unknown, source = '<input>'): Result<ProtocolVersion> {
  const parsed = ProtocolFile.safeParse(raw)
  if (!parsed.success) return fail(zodProblems(parsed.error))
  const semantic = validateProtocol(parsed.data)
  if (semantic.length > 0) return fail(semantic)
  return ok({ protocol: parsed.data, hash: hashProtocol(parsed.data), source })
}

export function hashProtocol(protocol: ProtocolFile): string {
  return createHash('sha256').update(canonicalJson(protocol)).digest('hex')
}

/** JSON with object keys sorted, so equal content gives equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  )
}

/** Turns zod issues into problems that name the path the way a protocol author reads it. */
export function zodProblems(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path)
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.join(', ')
      return {
        code: ProblemCode.UnknownField,
        path,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`,
      }
    }
    if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
      return { code: ProblemCode.Required, path, message: 'is required' }
    }
    return { code: ProblemCode.Invalid, path, message: issue.message }
  })
}
