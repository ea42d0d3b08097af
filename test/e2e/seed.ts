/** Study data for the browser journeys, made through the services as the app would (no SQL). */
import type { Actor } from '../../src/access/index.ts'
import { check, enrolSubject, type StudyFixture } from '../support/index.ts'

/** An enrolled, randomized subject at `siteId` (screened, consented and randomized today). */
export async function randomizedSubject(fx: StudyFixture, actor: Actor, siteId = 'MAL'): Promise<string> {
  const id = await enrolSubject(fx, actor, siteId)
  check(await fx.services.subjects.randomize(actor, id, {}))
  return id
}

/**
 * Everything the pharmacist needs to prepare a randomized subject's first dose: the baseline visit done today
 * with a weight on the vital signs form, 62 g of adipose tissue, a lot manufactured and released.
 */
export async function readyForPreparation(
  fx: StudyFixture,
  actor: Actor,
  subjectId: string,
  weightKg = 72.4,
): Promise<string> {
  const { services } = fx
  const today = fx.clock.now().slice(0, 10)
  check(await services.visits.record(actor, subjectId, 'BL', { date: today }))
  check(
    await services.forms.save(actor, {
      subjectId,
      visitId: 'BL',
      formId: 'VITALS',
      values: { weight: weightKg, sbp: 120, dbp: 75, hr: 70, temp: 36.6 },
    }),
  )
  const supply = check(await services.supply.recordExtraction(actor, subjectId, { date: today, tissueGrams: 62 }))
  const extraction = supply.extractions[0]
  if (!extraction) throw new Error('no extraction recorded')
  const lotId = `LOT-${subjectId.slice(-6).toUpperCase()}`
  check(await services.supply.recordManufacture(actor, subjectId, { lotId, extractionId: extraction.id, date: today }))
  check(
    await services.supply.recordRelease(actor, lotId, {
      date: today,
      values: { viability: 92, cd_markers: 97, sterility: true, mycoplasma: true, endotoxin: 0.1, karyotype: true },
    }),
  )
  return lotId
}
