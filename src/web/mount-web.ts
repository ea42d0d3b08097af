import { Hono } from 'hono'
import type { AppEnv } from '../api/index.ts'
import { compileProtocol } from '../protocol/index.ts'
import { registerAePages } from './ae-pages.tsx'
import { registerAuditPages } from './audit-pages.tsx'
import { registerAuthPages } from './auth-pages.tsx'
import { registerDashboard } from './dashboard-page.tsx'
import { registerDatabaseLockPage } from './database-lock-page.tsx'
import { registerEnrolmentPages } from './enrolment-pages.tsx'
import { registerFormPages } from './form-pages.tsx'
import { registerNotificationPages } from './notification-pages.tsx'
import { registerPharmacyPages } from './pharmacy-pages.tsx'
import { registerProductPages } from './product-pages.tsx'
import { registerQueryPages } from './query-pages.tsx'
import { registerReportPage } from './report-page.tsx'
import { loadStaticAssets, serveStaticAssets } from './static-assets.ts'
import { registerSubjectList, registerVisitWorklist } from './subject-list-page.tsx'
import { registerStudyAdminPage } from './study-admin-page.tsx'
import { registerStudyUnblindingPage } from './study-unblinding-page.tsx'
import { registerSubjectPage } from './subject-page.tsx'
import { registerUnblindPages } from './unblind-pages.tsx'
import { registerUserAdminPages } from './user-admin-pages.tsx'
import { registerVisitPage } from './visit-page.tsx'
import type { Web, WebDeps } from './web-deps.ts'
import { signedIn } from './web-kit.ts'

/**
 * Mounts the web pages on the app `createApp` built: the API's middleware (security headers with the strict
 * CSP, CSRF, the session that sets `c.var.actor`) has already run for every request; pages reuse it.
 * Returns the web context (assets and compiled protocol), e.g. for the bench's JS-weight figure.
 */
export function mountWeb(app: Hono<AppEnv>, deps: WebDeps): Web {
  const web: Web = { deps, compiled: compileProtocol(deps.protocol), assets: loadStaticAssets() }
  const router = new Hono<AppEnv>()
  serveStaticAssets(router, web.assets)
  registerAuthPages(router, web)
  router.get('/', signedIn, (c) => c.redirect('/dashboard', 303))
  registerDashboard(router, web)
  // Fixed paths before `/subjects/:id`.
  registerEnrolmentPages(router, web)
  registerSubjectList(router, web)
  registerVisitWorklist(router, web)
  registerSubjectPage(router, web)
  registerVisitPage(router, web)
  registerFormPages(router, web)
  registerAePages(router, web)
  registerQueryPages(router, web)
  registerAuditPages(router, web)
  registerPharmacyPages(router, web)
  registerProductPages(router, web)
  registerUnblindPages(router, web)
  registerNotificationPages(router, web)
  registerReportPage(router, web)
  registerDatabaseLockPage(router, web)
  registerStudyUnblindingPage(router, web)
  registerUserAdminPages(router, web)
  registerStudyAdminPage(router, web)
  app.route('/', router)
  return web
}
