import { z } from '@hono/zod-openapi'
import { Action } from '../access/index.ts'
import { ok } from '../domain/index.ts'
import type { RouteRegistrar } from './route-kit.ts'
import { Empty, StudySummarySchema } from './schemas.ts'

const ProtocolDocument = z
  .object({ hash: z.string(), protocol: z.record(z.string(), z.unknown()) })
  .openapi('Protocol', { description: 'The protocol version data is captured on (arms, periods, visits, forms).' })

/** The study: summary (sites, protocol versions, phase, published list fingerprints), protocol, go-live. */
export function registerStudyRoutes(r: RouteRegistrar): void {
  const { study } = r.deps.services
  r.add(
    {
      method: 'get',
      path: '/api/study',
      access: Action.StudyView,
      tag: 'study',
      summary: 'Study summary',
      response: StudySummarySchema,
    },
    ({ actor }) => study.summary(actor),
  )
  r.add(
    {
      method: 'get',
      path: '/api/study/protocol',
      access: Action.StudyView,
      tag: 'study',
      summary: 'The protocol in force',
      response: ProtocolDocument,
    },
    () => Promise.resolve(ok({ hash: r.deps.protocol.hash, protocol: r.deps.protocol.protocol })),
  )
  r.add(
    {
      method: 'post',
      path: '/api/study/go-live',
      access: Action.StudyManage,
      tag: 'study',
      summary: 'Randomization go-live: seal the lists and publish their fingerprints (once)',
      body: Empty,
      response: StudySummarySchema,
    },
    ({ actor }) => study.goLive(actor),
  )
}
