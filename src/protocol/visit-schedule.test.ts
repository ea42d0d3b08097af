import { describe, expect, it } from 'vitest'
import type { IsoDate } from '../domain/index.ts'
import { compiledExample } from './test-support.ts'
import { visitSchedule, visitStatus, type ScheduledVisit } from './visit-schedule.ts'

const admsc = compiledExample('protocols/admsc-als.yaml')
const d = (s: string): IsoDate => s as IsoDate
const byId = (visits: ScheduledVisit[], id: string): ScheduledVisit => {
  const v = visits.find((x) => x.visitId === id)
  if (!v) throw new Error(`no visit ${id}`)
  return v
}

describe('nominal timeline of the reference trial', () => {
  it('places visits on study days from randomization and in their periods', () => {
    const day = (id: string) => admsc.visits.find((v) => v.id === id)
    expect(admsc.anchorDays).toMatchObject({
      screening: -49,
      randomization: 0,
      infusion: 3,
      'period:crossover': 183,
      'period:extension': 366,
    })
    expect(
      [day('SCR'), day('BL'), day('M1'), day('M6'), day('INF2'), day('M48')].map((v) => [v?.studyDay, v?.periodId]),
    ).toEqual([
      [-49, null],
      [0, 'double-blind'],
      [33, 'double-blind'],
      [186, 'double-blind'],
      [186, 'crossover'],
      [1462, 'extension'],
    ])
  })
})

describe('visitSchedule', () => {
  it('dates visits from the subject’s anchors and leaves the others pending', () => {
    const visits = visitSchedule(admsc, { screening: d('2026-01-12'), randomization: d('2026-03-02') })
    expect(byId(visits, 'EXT')).toMatchObject({
      pending: false,
      target: '2026-01-26',
      earliest: '2026-01-19',
      latest: '2026-02-09',
    })
    expect(byId(visits, 'INF1')).toMatchObject({
      pending: false,
      target: '2026-03-05',
      earliest: '2026-03-02',
      latest: '2026-03-09',
    })
    expect(byId(visits, 'M1')).toMatchObject({ pending: true })
    expect(byId(visits, 'M7')).toMatchObject({ pending: true })
  })

  it('dates infusion-anchored visits from the infusion and period visits from the period start', () => {
    const visits = visitSchedule(admsc, {
      randomization: d('2026-03-02'),
      infusion: d('2026-03-04'),
      periodStarts: { crossover: d('2026-09-07') },
    })
    // 2026-03-04 + 183 days = 2026-09-03
    expect(byId(visits, 'M6')).toMatchObject({ target: '2026-09-03', earliest: '2026-08-27', latest: '2026-09-10' })
    expect(byId(visits, 'M7')).toMatchObject({ target: '2026-10-07' })
    expect(byId(visits, 'M15')).toMatchObject({ pending: true })
  })
})

describe('visitStatus', () => {
  const [m1] = visitSchedule(admsc, { infusion: d('2026-03-04') }).filter((v) => v.visitId === 'M1')
  // M1: target 2026-04-03, window 2026-03-27 … 2026-04-10
  it('tells done from out-of-window by the actual date', () => {
    if (!m1) throw new Error('no M1')
    expect(visitStatus(m1, d('2026-05-01'), d('2026-03-27'))).toBe('done')
    expect(visitStatus(m1, d('2026-05-01'), d('2026-04-10'))).toBe('done')
    expect(visitStatus(m1, d('2026-05-01'), d('2026-04-11'))).toBe('out-of-window')
    expect(visitStatus(m1, d('2026-05-01'), d('2026-03-26'))).toBe('out-of-window')
  })

  it('is upcoming, due, overdue or missed as the days pass', () => {
    if (!m1) throw new Error('no M1')
    expect(visitStatus(m1, d('2026-03-26'))).toBe('upcoming')
    expect(visitStatus(m1, d('2026-03-27'))).toBe('due')
    expect(visitStatus(m1, d('2026-04-03'))).toBe('due')
    expect(visitStatus(m1, d('2026-04-04'))).toBe('overdue')
    expect(visitStatus(m1, d('2026-04-10'))).toBe('overdue')
    expect(visitStatus(m1, d('2026-04-11'))).toBe('missed')
  })

  it('treats a visit whose anchor is not known yet as upcoming', () => {
    const [m7] = visitSchedule(admsc, {}).filter((v) => v.visitId === 'M7')
    if (!m7) throw new Error('no M7')
    expect(visitStatus(m7, d('2030-01-01'))).toBe('upcoming')
    expect(visitStatus(m7, d('2030-01-01'), d('2029-12-01'))).toBe('done')
  })
})
