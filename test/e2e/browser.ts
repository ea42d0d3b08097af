/**
 * Debian's Chromium driven by playwright-core (no browser download). Without `/usr/bin/chromium` the suites are
 * skipped with a loud warning, except in CI (`TRIALDESK_CI=1`), where a missing browser must fail the run.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'
const IN_CI = process.env['TRIALDESK_CI'] === '1'

/** Whether the e2e suites run: Chromium is installed, or we are in CI (where its absence fails). */
export const browserAvailable = existsSync(CHROMIUM_PATH) || IN_CI
if (!existsSync(CHROMIUM_PATH) && !IN_CI) {
  console.warn(
    `\n*** ${CHROMIUM_PATH} not found: the end-to-end browser tests are SKIPPED (apt-get install chromium) ***\n`,
  )
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

/** Where screenshots go (gitignored). */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-output/screenshots')

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true })
  return resolve(SCREENSHOTS, `${name}.png`)
}
