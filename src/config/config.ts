import { resolve } from 'node:path'
import { z } from 'zod'
import { formatPath, type Problem, type Result, fail, ok, ProblemCode } from '../domain/index.ts'

/**
 * Runtime configuration: one zod schema, read once from the environment (TRIALDESK_ prefix, plus the
 * conventional DATABASE_URL and PORT), validated into *all* problems at once, frozen, then passed down in deps.
 */
export const Config = z.object({
  /** `postgres://...` for multi-site deployments; otherwise a SQLite file path (the embedded default). */
  databaseUrl: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65_535).default(8080),
  host: z.string().default('127.0.0.1'),
  /** 32-byte key (hex) that seals randomization lists and seeds; generated and stored beside the database when absent. */
  sealKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 hex characters (32 bytes)')
    .optional(),
  protocolFile: z.string().default('protocols/admsc-als.yaml'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Secure cookies (HTTPS deployments); off on plain-HTTP localhost. */
  secureCookies: z.stringbool().default(false),
  sessionIdleMinutes: z.coerce.number().int().positive().default(30),
  sessionAbsoluteHours: z.coerce.number().int().positive().default(12),
})
export type Config = Readonly<z.infer<typeof Config>>

export const DEFAULT_SQLITE_FILE = 'trialdesk-data/trialdesk.sqlite'

/** Reads config from an environment object; explicit overrides (CLI flags) win. */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Result<Config> {
  const raw = {
    databaseUrl: env['DATABASE_URL'] ?? env['TRIALDESK_DB'] ?? resolve(DEFAULT_SQLITE_FILE),
    port: env['PORT'] ?? env['TRIALDESK_PORT'],
    host: env['TRIALDESK_HOST'],
    sealKey: env['TRIALDESK_SEAL_KEY'],
    protocolFile: env['TRIALDESK_PROTOCOL'],
    logLevel: env['TRIALDESK_LOG_LEVEL'],
    secureCookies: env['TRIALDESK_SECURE_COOKIES'],
    sessionIdleMinutes: env['TRIALDESK_SESSION_IDLE_MINUTES'],
    sessionAbsoluteHours: env['TRIALDESK_SESSION_ABSOLUTE_HOURS'],
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  }
  const parsed = Config.safeParse(raw)
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.map((i) => ({
      code: ProblemCode.Invalid,
      path: configName(formatPath(i.path)),
      message: i.message,
    }))
    return fail(problems)
  }
  return ok(Object.freeze(parsed.data))
}

const ENV_NAMES: Record<string, string> = {
  databaseUrl: 'DATABASE_URL',
  port: 'PORT',
  sealKey: 'TRIALDESK_SEAL_KEY',
  logLevel: 'TRIALDESK_LOG_LEVEL',
  secureCookies: 'TRIALDESK_SECURE_COOKIES',
}
function configName(key: string): string {
  return ENV_NAMES[key] ?? key
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url)
}
