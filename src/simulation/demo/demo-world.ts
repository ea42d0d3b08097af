/**
 * What every part of the demo shares: the services, the manual clock on simulated time, the protocol, the team,
 * the diary and the tally, plus the few helpers every actor uses (moving the clock, saving a form with its
 * bookkeeping for monitoring). A service refusing something the demo asks is a bug in the demo or in the
 * services, so it stops the run with the problem.
 */
import type { Actor } from '../../access/index.ts'
import type { SaveResult, Services } from '../../capture/index.ts'
import { describeProblems, type IsoDate, type ProtocolFile, type Result } from '../../domain/index.ts'
import { addDays } from '../../instruments/index.ts'
import type { ManualClock } from '../../platform/index.ts'
import type { CompiledForm, CompiledProtocol } from '../../protocol/index.ts'
import type { Rng } from '../model/index.ts'
import type { Agenda } from './demo-agenda.ts'
import type { DemoSettings } from './demo-settings.ts'
import type { DemoTally } from './demo-tally.ts'
import type { DemoTeam } from './demo-team.ts'

/** A form instance waiting for the monitor, with the correction the source document calls for, if any. */
export interface FormToVerify {
  readonly formInstanceId: string
  readonly subjectId: string
  readonly visitId: string
  readonly form: CompiledForm
  /** The values in the source document when the eCRF entry has a transcription error. */
  error: { readonly itemId: string; readonly correct: Readonly<Record<string, unknown>>; queryRaised: boolean } | null
}

/** The monitoring state of one site. */
export interface SiteDesk {
  readonly siteId: string
  readonly toVerify: FormToVerify[]
  /** Verified primary-endpoint forms the investigator has not signed yet. */
  readonly toSign: string[]
}

export interface DemoWorld {
  readonly services: Services
  readonly clock: ManualClock
  readonly compiled: CompiledProtocol
  readonly protocol: ProtocolFile
  readonly settings: DemoSettings
  readonly team: DemoTeam
  readonly tally: DemoTally
  readonly agenda: Agenda
  readonly startDate: IsoDate
  /** Study day of the data cut: nothing is planned after it. */
  readonly cutDay: number
  readonly desks: ReadonlyMap<string, SiteDesk>
  /** The natural-history model's streams: patient i is simulated from `patients.fork(i)`. */
  readonly patients: Rng
  /** Decisions of the oversight roles (delays, samples), forked by the id of the record concerned. */
  readonly oversight: Rng
}

const MS_PER_MINUTE = 60_000

/** The calendar date of a study day. */
export function dateOf(world: Pick<DemoWorld, 'startDate'>, day: number): IsoDate {
  return addDays(world.startDate, day)
}

/** An instant on a study day (UTC, as the services store them). */
export function instantOf(world: Pick<DemoWorld, 'startDate'>, day: number, minute: number): string {
  return new Date(Date.parse(`${dateOf(world, day)}T00:00:00.000Z`) + minute * MS_PER_MINUTE).toISOString()
}

/** Moves the clock to a moment of the study, never backwards (work in progress may have run past it). */
export function moveTo(world: DemoWorld, day: number, minute: number): void {
  const target = Date.parse(instantOf(world, day, minute))
  if (target > Date.parse(world.clock.now())) world.clock.set(new Date(target))
}

/** Time spent on one step of work (a form typed, a record signed). */
export function pass(world: DemoWorld, minutes: number): void {
  world.clock.advance(minutes * MS_PER_MINUTE)
}

/** The value of an ok result; a refusal stops the demo with the service's problems. */
export function must<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`demo: ${what} was refused: ${describeProblems(result.problems)}`)
  return result.value
}

/** Saves a form (first entry or correction), counts it and puts it on the monitor's list. */
export async function saveForm(
  world: DemoWorld,
  actor: Actor,
  input: {
    readonly subjectId: string
    readonly siteId: string
    readonly visitId: string
    readonly form: CompiledForm
    readonly values: Readonly<Record<string, unknown>>
    readonly reason?: string
  },
): Promise<SaveResult> {
  pass(world, 3)
  const saved = must(
    await world.services.forms.save(actor, {
      subjectId: input.subjectId,
      visitId: input.visitId,
      formId: input.form.id,
      values: input.values,
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
    }),
    `saving ${input.visitId}/${input.form.id}`,
  )
  world.tally.counts.formsSaved++
  if (input.reason !== undefined) world.tally.counts.formCorrections++
  world.tally.counts.autoQueries += saved.queriesRaised.length
  return saved
}

/** The desk of a site (created with the world). */
export function deskOf(world: DemoWorld, siteId: string): SiteDesk {
  const desk = world.desks.get(siteId)
  if (!desk) throw new Error(`demo: unknown site ${siteId}`)
  return desk
}
