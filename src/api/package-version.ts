import { readFileSync } from 'node:fs'

/** This package's version: the software stamped on exports (ODM SourceSystemVersion) and reports by default. */
export const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version
