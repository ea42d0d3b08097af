/**
 * The browser's static files: htmx (copied from node_modules at start-up, never bundled) and the one hand-written
 * stylesheet. Each is served under a content-hashed URL with a year-long immutable cache, so a page load after
 * the first fetches nothing but the HTML; gzip is precomputed once and chosen by `Accept-Encoding`.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { gzipSync } from 'node:zlib'
import type { Hono } from 'hono'
import type { AppEnv } from '../api/index.ts'

export interface StaticAsset {
  /** The URL the pages link to, e.g. `/static/htmx.2.0.11.1a2b3c4d.min.js`. */
  readonly url: string
  readonly type: string
  readonly body: Buffer
  readonly gzip: Buffer
}

export interface StaticAssets {
  readonly htmx: StaticAsset
  readonly css: StaticAsset
  /** Every asset, for the routes and for the JS-weight figure. */
  readonly all: readonly StaticAsset[]
}

const require = createRequire(import.meta.url)

function asset(name: string, ext: string, type: string, body: Buffer): StaticAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12)
  return { url: `/static/${name}.${hash}${ext}`, type, body, gzip: gzipSync(body, { level: 9 }) }
}

/** Reads the assets once (at mount time). */
export function loadStaticAssets(): StaticAssets {
  const htmxPath = require.resolve('htmx.org/dist/htmx.min.js')
  const htmxVersion = (require('htmx.org/package.json') as { version: string }).version
  const htmx = asset(`htmx-${htmxVersion}`, '.min.js', 'text/javascript; charset=utf-8', readFileSync(htmxPath))
  const css = asset(
    'app',
    '.css',
    'text/css; charset=utf-8',
    readFileSync(new URL('./static/app.css', import.meta.url)),
  )
  return { htmx, css, all: [htmx, css] }
}

/** Serves the assets on `app` (public: no session needed, nothing study-specific inside). */
export function serveStaticAssets(app: Hono<AppEnv>, assets: StaticAssets): void {
  for (const a of assets.all) {
    app.get(a.url, (c) => {
      const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')
      c.header('Content-Type', a.type)
      c.header('Cache-Control', 'public, max-age=31536000, immutable')
      c.header('Vary', 'Accept-Encoding')
      if (gzip) c.header('Content-Encoding', 'gzip')
      return c.body(new Uint8Array(gzip ? a.gzip : a.body))
    })
  }
}
