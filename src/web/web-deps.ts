import type { Hono } from 'hono'
import type { ApiDeps, AppEnv } from '../api/index.ts'
import type { CompiledProtocol } from '../protocol/index.ts'
import type { StaticAssets } from './static-assets.ts'

/** What the pages need: the same deps object `createApp` takes (the composition root passes it to both). */
export type WebDeps = Pick<ApiDeps, 'services' | 'protocol' | 'clock' | 'log' | 'randomBytes'> & {
  /** Chromium for the report's PDF (default `/usr/bin/chromium`); false: no PDF. */
  readonly chromium?: string | false | undefined
}

/** The web's shared, immutable context: deps plus what is computed once at mount (compiled protocol, assets). */
export interface Web {
  readonly deps: WebDeps
  readonly compiled: CompiledProtocol
  readonly assets: StaticAssets
}

/** The router every page module registers on; the session middleware of the API app has already run. */
export type WebRouter = Hono<AppEnv>
