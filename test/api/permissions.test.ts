/**
 * The permission matrix, exhaustively through HTTP: every route × every role gets the status the access
 * module's matrix says (the route's success status when the role holds the route's action, 403 when it does
 * not, 401 without a session), on the real app. Full on SQLite; every third route on PostgreSQL.
 */
import { expect, it } from 'vitest'
import { PERMISSIONS, type Action } from '../../src/access/index.ts'
import { apiRoutes, type RouteInfo } from '../../src/api/index.ts'
import { ROLES, type Role } from '../../src/domain/index.ts'
import { describeEachDialect } from '../support/index.ts'
import { roomyProtocol } from './route-scenarios.ts'
import { createApiFixture, type ApiClient, type ApiFixture } from './api-fixture.ts'
import { routeKey, scenarios, World, type Prepare, type PreparedCall } from './route-scenarios.ts'

function expected(route: RouteInfo, role: Role, success: number): number {
  if (route.access === 'public' || route.access === 'signed-in') return success
  return PERMISSIONS[role].has(route.access) ? success : 403
}

function successOf(route: RouteInfo): number {
  return route.status
}

describeEachDialect('api: permission matrix, every route × every role', ({ dialect, store }) => {
  let f: ApiFixture
  let w: World
  let table: Record<string, Prepare>
  const clients = new Map<Role, ApiClient>()

  it('has a scenario for every route and a route for every scenario', async () => {
    f = await createApiFixture(store(), {}, { protocol: roomyProtocol() })
    w = new World(f)
    table = scenarios(w)
    const keys = apiRoutes(f.app).map(routeKey)
    expect(keys.filter((k) => !(k in table))).toEqual([])
    expect(Object.keys(table).filter((k) => !keys.includes(k))).toEqual([])
    for (const role of ROLES) clients.set(role, await f.signIn(role))
  })

  it('answers each role what the matrix says', async () => {
    const routes = apiRoutes(f.app).filter((_, i) => dialect === 'sqlite' || i % 3 === 0)
    const mismatches: string[] = []
    let calls = 0
    for (const route of routes) {
      const prepare = table[routeKey(route)]
      if (!prepare) throw new Error(`no scenario for ${routeKey(route)}`)
      // Refused roles never reach the state, so one prepared call serves them all.
      let refusedCall: PreparedCall | undefined
      for (const role of ROLES) {
        const allowed = expected(route, role, 200) !== 403
        const call = allowed ? await prepare(role) : (refusedCall ??= await prepare(role))
        const client = route.access === 'public' ? f.anonymous() : (call.client ?? clients.get(role))
        if (!client) throw new Error(`no client for ${role}`)
        const res = await client.request(route.method.toUpperCase(), call.path, call.body)
        calls++
        const want = expected(route, role, call.expect ?? successOf(route))
        if (res.status !== want)
          mismatches.push(
            `${routeKey(route)} as ${role}: ${res.status} (expected ${want}) ${JSON.stringify(res.body).slice(0, 200)}`,
          )
      }
    }
    expect(mismatches).toEqual([])
    expect(calls).toBe(routes.length * ROLES.length)
  })

  it('answers 401 to every route but sign-in without a session', async () => {
    const anonymous = f.anonymous()
    for (const route of apiRoutes(f.app).filter((r) => r.access !== 'public')) {
      const res = await anonymous.request(
        route.method.toUpperCase(),
        route.path.replace(/\{[^}]+\}/g, 'x'),
        route.hasBody ? {} : undefined,
      )
      expect(res.status, routeKey(route)).toBe(401)
    }
  })

  it('hides another site’s subjects: 404, the same answer as for a subject that does not exist', async () => {
    const mal = await w.randomized('MAL')
    const investigatorCOR = await f.signIn('investigatorcor')
    for (const route of apiRoutes(f.app).filter((r) => r.path.includes('{subjectId}'))) {
      if (!PERMISSIONS.investigator.has(route.access as Action)) continue
      const call = await table[routeKey(route)]!('investigator')
      const elsewhere = await investigatorCOR.request(
        route.method.toUpperCase(),
        call.path.replace(/subjects\/[^/]+/, `subjects/${mal}`),
        call.body,
      )
      const missing = await investigatorCOR.request(
        route.method.toUpperCase(),
        call.path.replace(/subjects\/[^/]+/, 'subjects/no-such-subject'),
        call.body,
      )
      expect([elsewhere.status, elsewhere.body], routeKey(route)).toEqual([404, missing.body])
    }
    const screen = await investigatorCOR.post('/api/subjects', { siteId: 'MAL', screeningDate: w.today })
    expect(screen.status).toBe(404)
  })
})
