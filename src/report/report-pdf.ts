/**
 * The I/O shell of the report: Chromium (driven by playwright-core, never downloaded) prints the HTML report to an
 * A4 PDF with the page headers and footers of its print stylesheet, and takes screenshots; the report files are
 * written to a folder. Nothing here decides what the report says.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { chromium } from 'playwright-core'
import type { Result } from '../domain/index.ts'
import { fail, ok, ProblemCode } from '../domain/index.ts'

/** Where Debian and the CI image put Chromium. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium'

/** Flags for a headless, offline, sandbox-less (container) Chromium. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/** Whether a Chromium executable exists at `executablePath`. */
export function chromiumAvailable(executablePath: string = DEFAULT_CHROMIUM): boolean {
  return existsSync(executablePath)
}

async function withBrowser<T>(executablePath: string, work: (browser: Browser) => Promise<T>): Promise<Result<T>> {
  if (!chromiumAvailable(executablePath)) {
    return fail({
      code: ProblemCode.NotFound,
      path: executablePath,
      message: 'Chromium not found: cannot print the PDF',
    })
  }
  let browser: Browser | null = null
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS })
    return ok(await work(browser))
  } catch (e) {
    return fail({
      code: ProblemCode.Io,
      path: executablePath,
      message: `Chromium failed: ${(e as Error).message.split('\n')[0]}`,
    })
  } finally {
    await browser?.close()
  }
}

/** Prints self-contained HTML to an A4 PDF (page size and margins from the document's `@page` rules). */
export function printPdf(html: string, executablePath: string = DEFAULT_CHROMIUM): Promise<Result<Uint8Array>> {
  return withBrowser(executablePath, async (browser) => {
    const page = await browser.newPage()
    // The report has no external resource; refuse any request so printing never touches the network.
    await page.route('**/*', (route) => route.abort())
    await page.setContent(html, { waitUntil: 'load' })
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true })
    return new Uint8Array(pdf)
  })
}

/** A PNG of the first screen of the HTML (as a reader opening the report sees it). */
export function screenshotHtml(
  html: string,
  options: { readonly width?: number; readonly height?: number; readonly executablePath?: string } = {},
): Promise<Result<Uint8Array>> {
  return withBrowser(options.executablePath ?? DEFAULT_CHROMIUM, async (browser) => {
    const page = await browser.newPage({ viewport: { width: options.width ?? 1100, height: options.height ?? 1400 } })
    await page.route('**/*', (route) => route.abort())
    await page.setContent(html, { waitUntil: 'load' })
    return new Uint8Array(await page.screenshot({ fullPage: false }))
  })
}

/** The files of a report folder. */
export interface ReportFiles {
  readonly html: string
  readonly resultsJson: string
  readonly pdf?: Uint8Array | undefined
}

/** Writes `report.html`, `results.json` and, when given, `report.pdf` into `dir`; returns the paths written. */
export async function writeReportFiles(dir: string, files: ReportFiles): Promise<Result<readonly string[]>> {
  try {
    await mkdir(dir, { recursive: true })
    const written = [join(dir, 'report.html'), join(dir, 'results.json')]
    await writeFile(written[0] as string, files.html, 'utf8')
    await writeFile(written[1] as string, files.resultsJson, 'utf8')
    if (files.pdf) {
      written.push(join(dir, 'report.pdf'))
      await writeFile(join(dir, 'report.pdf'), files.pdf)
    }
    return ok(written)
  } catch (e) {
    return fail({ code: ProblemCode.Io, path: dir, message: `cannot write the report: ${(e as Error).message}` })
  }
}
