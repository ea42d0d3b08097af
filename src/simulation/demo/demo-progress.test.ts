import { describe, expect, it } from 'vitest'
import { Role } from '../../domain/index.ts'
import { progressLine, progressReporter } from './demo-progress.ts'
import { accountLines } from './demo-summary.ts'
import type { DemoAccount } from './demo-team.ts'
import type { DemoProgress } from './run-trial.ts'

const at = (date: string, fraction: number): DemoProgress => ({
  date,
  fraction,
  screened: 12,
  randomized: 9,
  active: 8,
  dead: 1,
  forms: 1234,
})

function fakeStream(isTTY: boolean): { write(t: string): void; isTTY: boolean; columns: number; text: () => string } {
  let text = ''
  return { isTTY, columns: 120, write: (t: string) => void (text += t), text: () => text }
}

describe('progress', () => {
  it('draws a bar with the simulated date and the counts', () => {
    expect(progressLine(at('2027-03-14', 0.5), 10)).toBe(
      '[#####.....] 2027-03-14  screened 12  randomized 9  active 8  dead 1  forms 1,234',
    )
  })

  it('on a TTY redraws one line in place and ends it before a note', () => {
    const tty = fakeStream(true)
    const p = progressReporter(tty)
    p.update(at('2026-01-02', 0))
    p.update(at('2031-01-01', 1))
    p.note('Analysing…')
    const text = tty.text()
    const ERASE = '\u001b[K'
    expect(
      text.startsWith(`\r${progressLine(at('2026-01-02', 0))}${ERASE}\r${progressLine(at('2031-01-01', 1))}${ERASE}`),
    ).toBe(true)
    expect(text.endsWith('\nAnalysing…\n')).toBe(true)
    expect(tty.text().split('\n')).toHaveLength(3)
  })

  it('elsewhere writes one line per simulated quarter; quiet writes nothing', () => {
    const log = fakeStream(false)
    const p = progressReporter(log)
    for (const date of ['2026-01-05', '2026-02-01', '2026-03-31', '2026-04-01', '2026-06-30', '2026-07-01'])
      p.update(at(date, 0.2))
    p.done()
    expect(
      log
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(27, 37)),
    ).toEqual(['2026-01-05', '2026-04-01', '2026-07-01'])
    const quiet = fakeStream(true)
    const q = progressReporter(quiet, { quiet: true })
    q.update(at('2026-01-05', 0.1))
    q.note('x')
    expect(quiet.text()).toBe('')
  })
})

describe('sign-in accounts', () => {
  it('lists one account per role with its password, and names the others', () => {
    const a = (username: string, role: Role): DemoAccount => ({
      username,
      role,
      displayName: username,
      sites: 'all',
      password: `pw-${username}`,
    })
    const lines = accountLines([
      a('admin', Role.Admin),
      a('coordinator.mal', Role.Coordinator),
      a('coordinator.cor', Role.Coordinator),
      a('manufacturing', Role.UnblindedPharmacist),
      a('pharmacist.mal', Role.UnblindedPharmacist),
    ])
    expect(lines.slice(1)).toEqual([
      '  admin            pw-admin  admin',
      '  coordinator.mal  pw-coordinator.mal  coordinator.mal',
      '  pharmacist.mal   pw-pharmacist.mal  pharmacist.mal',
      '  Also: coordinator.cor, manufacturing (an administrator can set their passwords)',
    ])
  })
})

describe('progress on a narrow terminal', () => {
  it('drops the bar before cutting the counts', () => {
    let text = ''
    progressReporter({ isTTY: true, columns: 80, write: (t: string) => void (text += t) }).update(at('2027-03-14', 0.5))
    expect(text).toBe(`\r2027-03-14  screened 12  randomized 9  active 8  dead 1  forms 1,234\u001b[K`)
  })
})
