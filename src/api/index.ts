/**
 * TrialDesk's HTTP shell: the JSON API under `/api` (Hono + zod-openapi), sessions and API tokens, CSRF and
 * security headers, problem → status mapping, the OpenAPI document. The web pages mount on the same app and
 * share the session middleware through `c.var.actor` / `c.var.auth`.
 */
export { createApp, apiRoutes, type App } from './app.ts'
export type { ApiDeps, AppEnv, AppVariables, AuthVia, SessionSettings } from './app-env.ts'
export {
  createAuthKit,
  clientAddress,
  type AuthKit,
  type AuthKitDeps,
  type IssuedToken,
  type SessionInfo,
} from './auth-kit.ts'
export { LoginThrottle, type LoginThrottleOptions, type ThrottleDecision, type ThrottleRule } from './login-throttle.ts'
export { PROBLEM_STATUS, errorBody, problemResponse, problemStatus, type ErrorBody } from './problem-response.ts'
export type { RouteAccess, RouteInfo } from './route-kit.ts'
