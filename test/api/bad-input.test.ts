/**
 * Bad input, endpoint by endpoint, generated from the published OpenAPI document: starting from a valid call
 * (the route's scenario), each body field gets the wrong type and out-of-range values, unknown fields are
 * added, bodies are oversized or malformed JSON, query parameters are mistyped, out of range or unknown (from
 * the same document), and ids and text fields carry SQL/HTML injection strings. Every refusal is a 4xx whose
 * error names the field, never a 500, and writes nothing (row counts of every table and the audit head
 * unchanged).
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { apiRoutes, type RouteInfo } from '../../src/api/index.ts'
import type { Role } from '../../src/domain/index.ts'
import type { Store } from '../../src/store/index.ts'
import { describeEachDialect } from '../support/index.ts'
import { createApiFixture, type ApiClient, type ApiError, type ApiFixture, type ApiResponse } from './api-fixture.ts'
import { roomyProtocol, routeKey, scenarios, World, type Prepare } from './route-scenarios.ts'
import { PERMISSIONS, type Action } from '../../src/access/index.ts'
import { ROLES } from '../../src/domain/index.ts'

/** The JSON Schema subset the generator reads. */
interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  maxLength?: number
  minLength?: number
  maximum?: number
  minimum?: number
  exclusiveMinimum?: number
  enum?: unknown[]
  format?: string
  anyOf?: JsonSchema[]
  $ref?: string
}

/** Every table's row count and the audit head: equal before and after a refused request. */
async function fingerprint(store: Store): Promise<string> {
  const tables =
    store.dialect === 'sqlite'
      ? await sql<{
          name: string
        }>`select name from sqlite_master where type = 'table' and name not like 'kysely_%' and name not like 'sqlite_%'`.execute(
          store.db,
        )
      : await sql<{
          name: string
        }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_name not like 'kysely_%'`.execute(
          store.db,
        )
  const counts: string[] = []
  for (const { name } of tables.rows.sort((a, b) => a.name.localeCompare(b.name))) {
    const row = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(name)}`.execute(store.db)
    counts.push(`${name}=${Number(row.rows[0]?.n)}`)
  }
  const head = await store.db.selectFrom('audit_head').select(['seq', 'hash']).executeTakeFirstOrThrow()
  return `${counts.join(',')};head=${Number(head.seq)}`
}

const INJECTIONS = ["'; DROP TABLE subject; --", '<script>alert(1)</script>', '" OR "1"="1', '../../etc/passwd']

interface Mutation {
  readonly label: string
  /** Fields one of which the error must name (empty: any field, or none, e.g. malformed JSON). */
  readonly fields: readonly string[]
  readonly statuses: readonly number[]
  readonly body?: unknown
  readonly raw?: string
  readonly contentType?: string
  readonly path?: string
}

/** A value of another JSON type than the schema's. */
function wrongType(s: JsonSchema): unknown {
  const type = Array.isArray(s.type) ? s.type[0] : s.type
  if (s.enum) return 12345
  switch (type) {
    case 'string':
      return 12345
    case 'number':
    case 'integer':
      return 'twelve'
    case 'boolean':
      return 'yes'
    case 'array':
      return 'not-a-list'
    case 'object':
      return 'not-an-object'
    default:
      return undefined
  }
}

/** Values just outside the schema's bounds. */
function outOfRange(s: JsonSchema): unknown[] {
  const type = Array.isArray(s.type) ? s.type[0] : s.type
  const out: unknown[] = []
  if (type === 'string' && s.maxLength !== undefined) out.push('x'.repeat(s.maxLength + 1))
  if (type === 'string' && s.minLength !== undefined && s.minLength > 0) out.push('')
  if ((type === 'number' || type === 'integer') && s.maximum !== undefined) out.push(s.maximum + 1)
  if ((type === 'number' || type === 'integer') && s.minimum !== undefined) out.push(s.minimum - 1)
  if ((type === 'number' || type === 'integer') && s.exclusiveMinimum !== undefined) out.push(s.exclusiveMinimum)
  if (type === 'integer') out.push(1.5)
  if (s.format === 'date') out.push('2026-02-30', '31/01/2026')
  if (s.format === 'date-time') out.push('yesterday')
  return out
}

/** Query values the parameter's schema refuses (query strings carry text: a number's bounds are written out). */
function badQueryValues(s: JsonSchema): string[] {
  const choices = s.enum ?? s.anyOf?.find((a) => a.enum)?.enum
  if (choices) return ['not-a-choice']
  const type = Array.isArray(s.type) ? s.type[0] : s.type
  const out: string[] = []
  if (type === 'integer' || type === 'number') {
    out.push('twelve')
    if (s.minimum !== undefined) out.push(String(s.minimum - 1))
    if (s.maximum !== undefined) out.push(String(s.maximum + 1))
    if (type === 'integer') out.push('1.5')
  }
  if (type === 'string' && s.maxLength !== undefined) out.push('x'.repeat(s.maxLength + 1))
  if (type === 'string' && s.minLength !== undefined && s.minLength > 0) out.push('')
  if (s.format === 'date') out.push('yesterday', '2026-02-30')
  return out
}

function mutations(
  body: Record<string, unknown> | undefined,
  schema: JsonSchema | undefined,
  maxBytes: number,
): Mutation[] {
  const out: Mutation[] = [
    { label: 'malformed JSON', fields: [], statuses: [400], raw: '{"date": "2026-01-01",' },
    { label: 'JSON that is not an object', fields: [], statuses: [422], raw: '[1, 2, 3]' },
    {
      label: 'oversized body',
      fields: [],
      statuses: [413],
      raw: JSON.stringify({ ...body, padding: 'x'.repeat(maxBytes) }),
    },
    {
      label: 'wrong content type',
      fields: [],
      statuses: [415],
      raw: JSON.stringify(body ?? {}),
      contentType: 'text/plain',
    },
    { label: 'unknown field', fields: ['unexpectedField'], statuses: [422], body: { ...body, unexpectedField: 1 } },
  ]
  if (!schema?.properties) return out
  for (const [field, fieldSchema] of Object.entries(schema.properties)) {
    const wrong = wrongType(fieldSchema)
    if (wrong !== undefined)
      out.push({ label: `${field}: wrong type`, fields: [field], statuses: [422], body: { ...body, [field]: wrong } })
    for (const value of outOfRange(fieldSchema)) {
      out.push({
        label: `${field}: out of range (${JSON.stringify(value).slice(0, 20)})`,
        fields: [field],
        statuses: [422],
        body: { ...body, [field]: value },
      })
    }
    if (schema.required?.includes(field)) {
      const { [field]: _dropped, ...rest } = body ?? {}
      out.push({ label: `${field}: missing`, fields: [field], statuses: [422], body: rest })
    }
  }
  return out
}

function namesField(
  res: ApiResponse<ApiError & { error: { details?: { field?: string }[] } }>,
  fields: readonly string[],
): boolean {
  if (fields.length === 0) return true
  const named = [res.body.error?.field, ...(res.body.error?.details ?? []).map((d) => d.field)]
  return fields.some((f) => named.some((n) => n === f || n?.startsWith(`${f}.`) || n?.startsWith(`${f}[`)))
}

describeEachDialect('api: bad input on every endpoint', ({ dialect, store }) => {
  let f: ApiFixture
  let w: World
  let table: Record<string, Prepare>
  let doc: {
    paths: Record<
      string,
      Record<
        string,
        {
          requestBody?: { content: Record<string, { schema: JsonSchema }> }
          parameters?: { name: string; in: string; schema: JsonSchema }[]
        }
      >
    >
    components?: { schemas?: Record<string, JsonSchema> }
  }
  const clients = new Map<Role, ApiClient>()

  const resolve = (s: JsonSchema | undefined): JsonSchema | undefined =>
    s?.$ref ? doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')] : s

  /** A role allowed to call the route, so that the request gets past the permission check to the input. */
  const callerOf = (route: RouteInfo): Role => {
    if (route.access === 'public' || route.access === 'signed-in') return 'coordinator'
    const role =
      ROLES.find((r) => PERMISSIONS[r].has(route.access as Action) && r !== 'admin') ??
      ROLES.find((r) => PERMISSIONS[r].has(route.access as Action))
    if (!role) throw new Error(`nobody may call ${routeKey(route)}`)
    return role
  }

  it('sets up the study and reads the published schemas', async () => {
    f = await createApiFixture(store(), {}, { protocol: roomyProtocol() })
    w = new World(f)
    table = scenarios(w)
    for (const role of ROLES) clients.set(role, await f.signIn(role))
    doc = (await f.anonymous().get<typeof doc>('/api/openapi.json')).body
    expect(Object.keys(doc.paths).length).toBeGreaterThan(40)
  })

  it('refuses bad bodies with a 4xx naming the field, writes nothing, never answers 500', async () => {
    const failures: string[] = []
    let checked = 0
    const routes = apiRoutes(f.app).filter((r, i) => r.hasBody && (dialect === 'sqlite' || i % 4 === 0))
    for (const route of routes) {
      const role = callerOf(route)
      const call = await table[routeKey(route)]!(role)
      const client = call.client ?? (route.access === 'public' ? f.anonymous() : clients.get(role)!)
      const schema = resolve(doc.paths[route.path]?.[route.method]?.requestBody?.content['application/json']?.schema)
      for (const m of mutations(call.body, schema, 256 * 1024)) {
        const before = await fingerprint(store())
        const res = await client.request<ApiError>(route.method.toUpperCase(), m.path ?? call.path, m.body, {
          ...(m.raw !== undefined ? { raw: m.raw } : {}),
          ...(m.contentType ? { headers: { 'content-type': m.contentType } } : {}),
        })
        checked++
        const after = await fingerprint(store())
        const where = `${routeKey(route)} [${m.label}]`
        if (!m.statuses.includes(res.status))
          failures.push(`${where}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`)
        else if (!namesField(res, m.fields))
          failures.push(
            `${where}: error does not name ${m.fields.join('/')}: ${JSON.stringify(res.body).slice(0, 160)}`,
          )
        if (before !== after) failures.push(`${where}: something was written`)
      }
    }
    expect(failures).toEqual([])
    expect(checked).toBeGreaterThan(routes.length * 5)
  })

  it('answers injection strings in ids and free text without a 500: refused or stored verbatim', async () => {
    const failures: string[] = []
    const routes = apiRoutes(f.app).filter((r, i) => dialect === 'sqlite' || i % 4 === 0)
    for (const route of routes) {
      const role = callerOf(route)
      const call = await table[routeKey(route)]!(role)
      const client = call.client ?? (route.access === 'public' ? f.anonymous() : clients.get(role)!)
      for (const injection of INJECTIONS) {
        // In a path id (or query value): the route cannot find it, or refuses it; nothing is written.
        if (/\{[a-zA-Z]+\}/.test(route.path)) {
          const segments = route.path.split('/')
          const concrete = call.path.split('?')[0]!.split('/')
          const idIndex = segments.findIndex((s) => s.startsWith('{'))
          concrete[idIndex] = encodeURIComponent(injection)
          const before = await fingerprint(store())
          const res = await client.request(route.method.toUpperCase(), concrete.join('/'), call.body)
          if (![400, 401, 404, 422].includes(res.status))
            failures.push(`${routeKey(route)} path ${injection}: ${res.status}`)
          if ((await fingerprint(store())) !== before)
            failures.push(`${routeKey(route)} path ${injection}: something was written`)
        }
        // In each string field of the body: a 4xx naming the field, or accepted and echoed verbatim (or answered
        // as the valid call is, e.g. end-of-study unblinding refused before the lock).
        for (const [field, value] of Object.entries(call.body ?? {})) {
          if (typeof value !== 'string') continue
          const fresh = await table[routeKey(route)]!(role)
          const res = await (fresh.client ?? client).request(route.method.toUpperCase(), fresh.path, {
            ...fresh.body,
            [field]: injection,
          })
          if (res.status >= 500) failures.push(`${routeKey(route)} ${field}=${injection}: ${res.status}`)
          else if (
            res.status >= 400 &&
            !namesField(res as ApiResponse<ApiError>, [field]) &&
            res.status !== 404 &&
            res.status !== 401 &&
            res.status !== fresh.expect
          ) {
            failures.push(
              `${routeKey(route)} ${field}=${injection}: ${res.status} does not name the field ${JSON.stringify(res.body).slice(0, 160)}`,
            )
          }
        }
      }
    }
    expect(failures).toEqual([])
  })

  it('refuses mistyped, out-of-range and unknown query parameters naming them, writes nothing', async () => {
    const failures: string[] = []
    let checked = 0
    const routes = apiRoutes(f.app).filter((r, i) => r.hasQuery && (dialect === 'sqlite' || i % 4 === 0))
    for (const route of routes) {
      const role = callerOf(route)
      const call = await table[routeKey(route)]!(role)
      const client = call.client ?? clients.get(role)!
      const parameters = (doc.paths[route.path]?.[route.method]?.parameters ?? []).filter((p) => p.in === 'query')
      const [pathname, search] = call.path.split('?') as [string, string | undefined]
      const cases: [string, string][] = [['unexpectedParameter', '1']]
      for (const { name, schema } of parameters) {
        for (const value of badQueryValues(schema)) cases.push([name, value])
      }
      for (const [name, value] of cases) {
        const query = new URLSearchParams(search)
        query.set(name, value)
        const before = await fingerprint(store())
        const res = await client.get<ApiError>(`${pathname}?${query.toString()}`)
        checked++
        const where = `${routeKey(route)} [${name}=${value.slice(0, 20)}]`
        if (res.status !== 422 || res.body.error?.field !== `query.${name}`)
          failures.push(`${where}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`)
        if ((await fingerprint(store())) !== before) failures.push(`${where}: something was written`)
      }
    }
    expect(failures).toEqual([])
    expect(checked).toBeGreaterThan(routes.length * 2)
  })

  it('refuses out-of-range item values inside a form, naming the item', async () => {
    const coordinator = clients.get('coordinator')!
    const subjectId = await w.screened()
    const before = await fingerprint(store())
    const cases: [Record<string, unknown>, string][] = [
      [{ weight: 900, sbp: 120, dbp: 80, hr: 70, temp: 36.6 }, 'values.weight'],
      [{ weight: 'heavy', sbp: 120, dbp: 80, hr: 70, temp: 36.6 }, 'values.weight'],
      [{ weight: 70, sbp: 120.5, dbp: 80, hr: 70, temp: 36.6 }, 'values.sbp'],
      [{ weight: 70, sbp: 120, dbp: 80, hr: 70 }, 'values.temp'],
      [{ weight: 70, sbp: 120, dbp: 80, hr: 70, temp: 36.6, shoeSize: 43 }, 'values.shoeSize'],
    ]
    for (const [values, field] of cases) {
      const res = await coordinator.post<ApiError>('/api/forms', {
        subjectId,
        visitId: 'SCR',
        formId: 'VITALS',
        values,
      })
      expect([res.status, res.body.error.field], JSON.stringify(values)).toEqual([422, field])
    }
    expect(await fingerprint(store())).toBe(before)
  })
})
