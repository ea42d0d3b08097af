import { z } from '@hono/zod-openapi'
import { Action, type Actor } from '../access/index.ts'
import type { SubjectView } from '../capture/index.ts'
import type { Result } from '../domain/index.ts'
import { compact, type Compact, type RouteRegistrar } from './route-kit.ts'
import { IsoDate, SubjectParams, SubjectViewSchema } from './schemas.ts'

const Text = (max: number) => z.string().trim().min(1).max(max)

const Screen = z.strictObject({
  siteId: Text(40),
  screeningDate: IsoDate,
  screeningNumber: Text(40)
    .optional()
    .openapi({ description: 'The site’s screening-log number; `<site>-<nnn>` when omitted' }),
})
const Consent = z.strictObject({ date: IsoDate, version: Text(40), reason: Text(1000).optional() })
const Eligibility = z.strictObject({
  answers: z
    .record(z.string().max(40), z.boolean())
    .openapi({ description: 'criterion id → met (inclusion) / present (exclusion)' }),
  reason: Text(1000).optional(),
})
const Enrol = z.strictObject({
  date: IsoDate,
  factors: z.record(z.string().max(40), z.union([z.string().max(100), z.number()])).optional(),
})
const OnDate = z.strictObject({ date: IsoDate.optional() })
const Dated = z.strictObject({ date: IsoDate })
const Disposition = z.strictObject({ date: IsoDate, reason: Text(200), details: Text(2000).optional() })
const Death = z.strictObject({ date: IsoDate, cause: Text(500).optional() })
const Event = z.strictObject({ kind: z.enum(['tracheostomy', 'permanent-ventilation']), date: IsoDate })

/** The subject's path through the trial: screening to the end of follow-up. Each step answers the new view. */
export function registerSubjectRoutes(r: RouteRegistrar): void {
  const { subjects } = r.deps.services
  const base = { tag: 'subjects', response: SubjectViewSchema } as const

  r.add(
    {
      ...base,
      method: 'post',
      path: '/api/subjects',
      access: Action.SubjectScreen,
      summary: 'Screen a new subject at a site',
      body: Screen,
      status: 201,
    },
    ({ actor, body }) => subjects.screen(actor, body),
  )
  r.add(
    {
      ...base,
      method: 'get',
      path: '/api/subjects/{subjectId}',
      access: Action.SubjectView,
      summary: 'A subject (allocation blinded unless the reader sees allocations)',
      params: SubjectParams,
    },
    ({ actor, params }) => subjects.get(actor, params.subjectId),
  )
  const step = <B extends z.ZodType>(
    path: string,
    access: Action,
    summary: string,
    body: B,
    run: (actor: Actor, subjectId: string, input: Compact<z.output<B>>) => Promise<Result<SubjectView>>,
  ): void =>
    r.add(
      {
        ...base,
        method: 'post',
        path: `/api/subjects/{subjectId}/${path}`,
        access,
        summary,
        params: SubjectParams,
        body,
      },
      ({ actor, params, body: input }) =>
        run(actor, params.subjectId, compact(input as object) as Compact<z.output<B>>),
    )
  step('consent', Action.SubjectScreen, 'Record informed consent (a correction needs a reason)', Consent, (a, id, b) =>
    subjects.recordConsent(a, id, b),
  )
  step('eligibility', Action.SubjectScreen, 'Record the eligibility checklist', Eligibility, (a, id, b) =>
    subjects.recordEligibility(a, id, b),
  )
  step('screen-failure', Action.SubjectDisposition, 'End screening without enrolment', Disposition, (a, id, b) =>
    subjects.screenFail(a, id, b),
  )
  step('enrol', Action.SubjectEnrol, 'Enrol a consented, eligible subject (stratification inputs)', Enrol, (a, id, b) =>
    subjects.enrol(a, id, b),
  )
  step('randomize', Action.SubjectRandomize, 'Randomize into the first period', OnDate, (a, id, b) =>
    subjects.randomize(a, id, b),
  )
  step(
    'next-period',
    Action.SubjectRandomize,
    'Enter the next period (the month-6 blinded re-randomization, then the extension)',
    Dated,
    (a, id, b) => subjects.enterNextPeriod(a, id, b),
  )
  step('withdraw', Action.SubjectDisposition, 'Withdraw (reason from the protocol’s list)', Disposition, (a, id, b) =>
    subjects.withdraw(a, id, b),
  )
  step('complete', Action.SubjectDisposition, 'Complete the study (last period reached)', Dated, (a, id, b) =>
    subjects.complete(a, id, b),
  )
  step('death', Action.SubjectDisposition, 'Record a death', Death, (a, id, b) => subjects.recordDeath(a, id, b))
  step('events', Action.SubjectDisposition, 'Record tracheostomy or permanent ventilation', Event, (a, id, b) =>
    subjects.recordEvent(a, id, b),
  )
}
