/**
 * TrialDesk's web front end: server-rendered pages (Hono JSX) enhanced by htmx, mounted on the API's app so
 * they share its session, CSRF protection and strict CSP. Pages are built only from the services' read models,
 * which project allocation detail away for blinded readers: nothing about an arm reaches their browser.
 *
 * - `mountWeb(app, deps)`: adds the pages and static assets to the app `createApp(deps)` returned.
 */
export { mountWeb } from './mount-web.ts'
export type { Web, WebDeps } from './web-deps.ts'
export type { StaticAsset, StaticAssets } from './static-assets.ts'
