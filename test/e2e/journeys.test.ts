/**
 * End-to-end journeys in real headless Chromium against a real server (random port, fresh SQLite database):
 * a coordinator enrols and randomizes a patient, fills an ALSFRS-R form and sees the total, edits it with a
 * reason and finds the audit entry, and answers the monitor's query; a blinded assessor finds no arm anywhere;
 * the unblinded pharmacist sees the dose; the administrator creates an account, the data manager locks the
 * database, the independent statistician unblinds the study and the sponsor then reads the report by arm. No page
 * may log a console error (a CSP violation would). Screenshots of each main screen go to test-output/screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { Role } from '../../src/domain/index.ts'
import { TEST_PASSWORD } from '../support/index.ts'
import { browserAvailable, launchBrowser, screenshotPath } from './browser.ts'
import { randomizedSubject, readyForPreparation } from './seed.ts'
import { startWebServer, type RunningWeb } from './web-server.ts'

let server: RunningWeb
let browser: Browser
const consoleErrors: string[] = []

/** A fresh browser context (own cookies) signed in through the sign-in page; the tablet width unless given. */
async function signIn(
  username: string,
  viewport = { width: 1024, height: 900 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, baseURL: server.url })
  const page = await context.newPage()
  page.on('console', (m) => {
    // A page answered 4xx on purpose (a refused save, the pharmacy for a blinded role) is not a fault, nor is a
    // live-validation request that htmx reports aborted because the form was submitted and the page left
    // (`htmx:afterRequest` and `htmx:sendAbort`; a failed request would log `htmx:sendError` or `htmx:responseError`).
    if (
      m.type() === 'error' &&
      !/the server responded with a status of 4\d\d/.test(m.text()) &&
      !/^htmx:(afterRequest|sendAbort),/.test(m.text())
    ) {
      consoleErrors.push(`${username} ${page.url()}: ${m.text()}`)
    }
  })
  page.on('pageerror', (e) => consoleErrors.push(`${username} ${page.url()}: ${e.message}`))
  await page.goto('/login')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(TEST_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL('**/dashboard')
  return { context, page }
}

/** Waits (up to 10 s, the machine may be busy) until the element's text contains (or equals) `expected`; fails with the last text seen. */
async function see(locator: Locator, expected: string, exact = false): Promise<void> {
  const deadline = Date.now() + 10_000
  let last = ''
  while (Date.now() < deadline) {
    last = ((await locator.count()) > 0 ? await locator.first().innerText() : '').trim()
    if (exact ? last === expected : last.includes(expected)) return
    await new Promise((r) => setTimeout(r, 50))
  }
  expect(last, `text of ${String(locator)}`).toBe(expected)
}

/** The page's text and markup, for "nothing about the arm anywhere" checks. */
async function everything(page: Page): Promise<string> {
  return `${await page.content()}\n${await page.innerText('body')}`
}

describe.skipIf(!browserAvailable)('browser journeys', () => {
  let subjectUrl = ''

  beforeAll(async () => {
    server = await startWebServer()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('a coordinator signs in, enrols and randomizes a patient, and sees only the blinded label', async () => {
    const { context, page } = await signIn('coordinator', { width: 1280, height: 900 })
    await see(page.locator('header .user'), 'Study coordinator')
    await see(page.locator('header .user'), 'MAL · Hospital Regional Universitario de Málaga')
    await page.screenshot({ path: screenshotPath('dashboard'), fullPage: true })

    await page.getByRole('link', { name: 'Subjects', exact: true }).click()
    await page.getByRole('link', { name: 'Screen a new subject' }).click()
    await page.getByRole('button', { name: 'Register subject' }).click()
    await see(page.locator('.flash'), 'registered at screening')
    subjectUrl = new URL(page.url()).pathname

    await page.getByRole('link', { name: 'Record consent' }).click()
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('link', { name: 'Eligibility checklist' }).click()
    for (const c of server.fx.protocol.protocol.eligibility.inclusion) await page.locator(`#f-answers-${c.id}`).check()
    for (const c of server.fx.protocol.protocol.eligibility.exclusion)
      await page.locator(`#f-answers-${c.id}-no`).check()
    await page.getByRole('button', { name: 'Save' }).click()
    await see(page.locator('.flash'), 'the subject is eligible')

    await page.getByRole('link', { name: 'Enrol' }).click()
    await page.getByLabel('Onset region').selectOption('spinal')
    await page.getByLabel(/Pre-baseline progression/).fill('0.7')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('link', { name: 'Randomize…' }).click()
    await see(page.locator('main'), 'Randomization cannot be undone')
    await page.screenshot({ path: screenshotPath('randomize-confirm') })
    await page.getByRole('button', { name: 'Confirm: randomize' }).click()
    await see(page.locator('.flash'), 'treatment label “Study product”')
    const text = await everything(page)
    for (const arm of server.fx.protocol.protocol.arms) expect(text).not.toContain(arm.label)
    await page.screenshot({ path: screenshotPath('subject'), fullPage: true })
    await page.goto(`${subjectUrl}/visits/INF1/forms/INFUSION`)
    await see(page.locator('#filled-elsewhere'), 'This form is filled when the infusion is recorded')
    await page.screenshot({ path: screenshotPath('form-infusion-guidance') })
    await page.getByRole('link', { name: 'Record the infusion on the product page' }).click()
    await see(page.locator('h1'), 'Investigational product')
    await page.goto('/subjects')
    await see(page.locator('table.data'), '(window 2026-01-12 to 2026-01-12)')
    await page.screenshot({ path: screenshotPath('subjects-next-visit') })
    await context.close()
  })

  it('fills ALSFRS-R with the keyboard and mouse, sees the live total, saves, edits with a reason and finds the audit entry', async () => {
    const { context, page } = await signIn('coordinator')
    await page.goto(`${subjectUrl}/visits/BL/forms/ALSFRS`)
    // Keyboard: Space selects the focused radio (4), the arrow key moves within the group (to 3).
    await page.locator('#f-items-Q1').focus()
    await page.keyboard.press('Space')
    await page.keyboard.press('ArrowDown')
    expect(await page.locator('#f-items-Q1-3').isChecked()).toBe(true)
    for (const q of ['Q2', 'Q3', 'Q4', 'Q5A', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12'])
      await page.locator(`#f-items-${q}`).check()
    // The total appears while typing, before anything is saved.
    await see(page.locator('#score-total'), '47 points', true)
    await see(page.locator('#score-bulbar'), '11 points', true)
    await see(page.locator('#scores'), '12 of 12 items answered')
    await page.screenshot({ path: screenshotPath('form-entry-alsfrs'), fullPage: false })
    await page.getByRole('button', { name: 'Save form' }).click()
    await see(page.locator('.flash'), 'ALSFRS-R saved (version 1). ALSFRS-R total: 47.')

    // An edit after the first save: the change is listed live, and saving without a reason is refused.
    await page.locator('#f-items-Q2-3').check()
    await see(page.locator('#change-summary'), '2. Salivation: 4 · Normal → 3 · Slight but definite excess saliva')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await see(page.locator('#f-reason-msg'), 'a reason is required to change data already entered', true)
    await page.getByLabel('Reason for change').fill('Transcribed from the wrong source line')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await see(page.locator('.flash'), 'ALSFRS-R saved (version 2). ALSFRS-R total: 46.')

    await page.getByRole('link', { name: 'Audit history of this form' }).click()
    await see(page.locator('table'), 'Transcribed from the wrong source line')
    await see(page.locator('table'), 'Q2 · 2. Salivation: 4 · Normal → 3 · Slight but definite excess saliva')
    await page.screenshot({ path: screenshotPath('audit-history'), fullPage: true })
    await context.close()
  })

  it('the monitor raises a query on a field and the coordinator answers it there', async () => {
    const monitor = await signIn('monitor')
    await monitor.page.goto(`${subjectUrl}/visits/BL/forms/ALSFRS`)
    const q1 = monitor.page.locator('#w-Q1')
    await q1.getByText('Raise a query on this field').click()
    await q1.getByLabel('Query text').fill('Source notes say speech 4: please check')
    await q1.getByRole('button', { name: 'Raise query' }).click()
    await see(monitor.page.locator('.flash'), 'Query raised.', true)
    await see(monitor.page.locator('#w-Q1 .thread'), 'Source notes say speech 4')

    const coordinator = await signIn('coordinator')
    await coordinator.page.goto(`${subjectUrl}/visits/BL/forms/ALSFRS`)
    const thread = coordinator.page.locator('#w-Q1 .thread')
    await thread.getByLabel('Your answer').fill('Rechecked with the patient: 3 is right')
    await thread.getByRole('button', { name: 'Answer query' }).click()
    await see(coordinator.page.locator('.flash'), 'Query answered.', true)
    await see(coordinator.page.locator('#w-Q1 .thread'), 'answer by coordinator (coordinator)')
    await coordinator.page.screenshot({ path: screenshotPath('form-query-thread') })

    await monitor.page.goto('/queries?status=answered')
    await see(monitor.page.locator('table'), 'Rechecked with the patient')
    await monitor.page.screenshot({ path: screenshotPath('queries'), fullPage: true })
    await monitor.context.close()
    await coordinator.context.close()
  })

  it('a blinded assessor finds no arm anywhere, and no pharmacy', async () => {
    const { context, page } = await signIn(Role.BlindedAssessor)
    const arms = server.fx.protocol.protocol.arms.map((a) => a.label)
    for (const path of [
      '/dashboard',
      '/subjects',
      subjectUrl,
      `${subjectUrl}/visits/BL`,
      `${subjectUrl}/visits/BL/forms/ALSFRS`,
      `${subjectUrl}/visits/INF1/forms/INFUSION`,
    ]) {
      await page.goto(path)
      const text = await everything(page)
      for (const arm of arms) expect(text, `${path} shows ${arm}`).not.toContain(arm)
      expect(text).not.toMatch(/cells\/kg|no cells/)
    }
    await page.goto(subjectUrl)
    await see(page.locator('main'), 'Study product')
    await page.screenshot({ path: screenshotPath('subject-blinded-assessor'), fullPage: true })
    const pharmacy = await page.goto('/pharmacy')
    expect(pharmacy?.status()).toBe(404)
    await context.close()
  })

  it('the unblinded pharmacist prepares the dose and sees it computed', async () => {
    const { coordinator } = server.fx.actors
    const id = await randomizedSubject(server.fx, coordinator)
    const lotId = await readyForPreparation(server.fx, coordinator, id, 72.4)
    const { context, page } = await signIn(Role.UnblindedPharmacist, { width: 1280, height: 900 })
    await page.getByRole('link', { name: 'Pharmacy' }).click()
    await page.screenshot({ path: screenshotPath('pharmacy-worklist'), fullPage: true })
    await page.goto(`/pharmacy/${id}`)
    await page.getByLabel('Released lot').selectOption(lotId)
    await page.getByRole('button', { name: 'Compute dose and prepare' }).click()
    await see(page.locator('.flash'), 'recorded')
    const sheet = page.locator('.dose')
    const statistician = server.fx.actors[Role.Statistician]
    const view = await server.fx.services.subjects.get(statistician, id)
    const period =
      view.ok && view.value.allocation && !view.value.allocation.blinded ? view.value.allocation.periods[0] : undefined
    const arm = server.fx.protocol.protocol.arms.find((a) => a.id === period?.assignment.arm)
    await see(
      sheet,
      arm?.dose
        ? `Dose: ${(Math.round((arm.dose.perKg * 72.4) / 1e5) * 1e5).toLocaleString('en-US')} cells`
        : 'Placebo preparation',
      true,
    )
    await see(page.locator('main'), arm?.label ?? '—')
    await page.screenshot({ path: screenshotPath('pharmacy-preparation'), fullPage: true })
    await context.close()
  })

  // Locks the database: every test that writes data comes before it.
  it('the administrator creates an account; the data manager locks; the statistician unblinds; the sponsor reads the report by arm', async () => {
    const arms = server.fx.protocol.protocol.arms.map((a) => a.label)
    const sponsor = await signIn('sponsor', { width: 1280, height: 900 })
    await sponsor.page.getByRole('link', { name: 'Report', exact: true }).click()
    await see(sponsor.page.locator('main'), 'Blinded: arms pooled')
    await see(sponsor.page.locator('#data-cut'), 'live data: the database is open')
    const blinded = await everything(sponsor.page)
    for (const arm of arms) expect(blinded).not.toContain(arm)
    await sponsor.page.screenshot({ path: screenshotPath('report-blinded') })

    const admin = await signIn(Role.Admin, { width: 1280, height: 900 })
    await admin.page.getByRole('link', { name: 'Users' }).click()
    await admin.page.getByLabel('Username').fill('m.garcia')
    await admin.page.getByLabel('Full name').fill('María García')
    await admin.page.getByLabel('Role').selectOption('monitor')
    await admin.page.getByLabel('MAL · Hospital Regional Universitario de Málaga').check()
    await admin.page.getByRole('button', { name: 'Create account' }).click()
    await see(admin.page.locator('#issued-password'), 'Account m.garcia created')
    expect(await admin.page.locator('#onetime-password').innerText()).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
    await see(admin.page.locator('#user-m\\.garcia'), 'MAL')
    await admin.page.screenshot({ path: screenshotPath('admin-user-created'), fullPage: true })
    await admin.page.getByRole('link', { name: 'Study set-up' }).click()
    await see(admin.page.locator('#randomization-status'), 'Live since')
    await admin.page.screenshot({ path: screenshotPath('admin-study'), fullPage: true })
    await admin.context.close()

    const dm = await signIn(Role.DataManager, { width: 1280, height: 900 })
    await dm.page.getByRole('link', { name: 'Database lock' }).click()
    await see(dm.page.locator('#checklist-title'), 'Readiness checklist')
    await dm.page.screenshot({ path: screenshotPath('database-lock-checklist'), fullPage: true })
    await dm.page.getByLabel('Reason for the lock').fill('Last patient out; data review complete')
    await dm.page.getByLabel('Your password (electronic signature)').fill(TEST_PASSWORD)
    await dm.page.getByLabel(/I confirm that data entry/).check()
    await dm.page.getByRole('button', { name: 'Lock the database' }).click()
    await see(dm.page.locator('.flash'), 'Database locked. Snapshot hash')
    await dm.context.close()

    const statistician = await signIn(Role.Statistician, { width: 1280, height: 900 })
    await statistician.page.getByRole('link', { name: 'Study unblinding' }).click()
    await see(statistician.page.locator('#unblinding-status'), 'The database was locked on')
    await see(statistician.page.locator('#lock-reason'), 'Last patient out; data review complete')
    await statistician.page.screenshot({ path: screenshotPath('study-unblinding-confirm'), fullPage: true })
    await statistician.page.getByLabel('Reason for the unblinding').fill('Database locked; analysis plan final')
    await statistician.page.getByLabel('Your password (electronic signature)').fill(TEST_PASSWORD)
    await statistician.page.getByLabel(/I confirm that the analysis plan is final/).check()
    await statistician.page.getByRole('button', { name: 'Unblind the study' }).click()
    await see(statistician.page.locator('.flash'), 'The study is unblinded')
    await statistician.context.close()

    await sponsor.page.reload()
    await see(sponsor.page.locator('main'), 'Unblinded: results by arm')
    await see(sponsor.page.locator('#data-cut'), 'database locked')
    const unblinded = await everything(sponsor.page)
    for (const arm of arms) expect(unblinded).toContain(arm)
    await see(sponsor.page.locator('header .notifications-link'), 'Notifications')
    expect(await sponsor.page.locator('header .notifications-link').getAttribute('aria-label')).toMatch(/\d+ unread/)
    await sponsor.page.screenshot({ path: screenshotPath('report-unblinded') })
    await sponsor.page.locator('#fig-consort').scrollIntoViewIfNeeded()
    await sponsor.page.screenshot({ path: screenshotPath('report-unblinded-consort') })
    await sponsor.page.getByRole('link', { name: /^Notifications/ }).click()
    await see(sponsor.page.locator('main'), 'unblinded')
    await sponsor.page.screenshot({ path: screenshotPath('notifications') })
    await sponsor.context.close()
  })

  it('the dashboard loads in under a second, pages log no console error (CSP holds), and the layout fits a tablet', async () => {
    const { context, page } = await signIn('sponsor', { width: 768, height: 1024 })
    await page.goto('/dashboard')
    const ms = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
      return nav ? nav.loadEventEnd - nav.startTime : Number.NaN
    })
    expect(ms).toBeLessThan(1000)
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    )
    expect(overflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: screenshotPath('dashboard-sponsor-tablet'), fullPage: true })
    await context.close()
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([])
  })
})
