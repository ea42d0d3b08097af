/**
 * A real TrialDesk server for end-to-end tests: a fresh SQLite database, the reference study set up and live
 * with one account per role (test/support's study fixture), the API app with the web pages mounted, listening
 * on a random localhost port. The services are returned too, so tests seed data the way the app would.
 */
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { DIALECTS, type TestDatabase } from '../support/index.ts'
import { createWebFixture, type WebFixture } from './web-fixture.ts'

export interface RunningWeb extends WebFixture {
  readonly url: string
  close(): Promise<void>
}

export async function startWebServer(options: { start?: string } = {}): Promise<RunningWeb> {
  const sqlite = DIALECTS.find((d) => d.name === 'sqlite')
  if (!sqlite) throw new Error('no SQLite dialect')
  const db: TestDatabase = await sqlite.open()
  const fixture = await createWebFixture(db.store, options)
  const { port, close } = await new Promise<{ port: number; close: () => Promise<void> }>((resolve, reject) => {
    const server = serve({ fetch: fixture.app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            if ('closeAllConnections' in server) server.closeAllConnections()
          }),
      }),
    )
    server.once('error', reject)
  })
  return {
    ...fixture,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await close()
      await db.dispose()
    },
  }
}
