import { pino, type Logger } from 'pino'

export type { Logger }

/**
 * Operational log (JSON lines). It is not the audit trail: clinical changes are audited in the database
 * in the same transaction. Secrets and session ids are redacted.
 */
export function createLogger(level: string = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: {
      paths: [
        'password',
        '*.password',
        'newPassword',
        '*.newPassword',
        'token',
        '*.token',
        'sessionId',
        'cookie',
        'req.headers.cookie',
      ],
      censor: '[Redacted]',
    },
  }
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options)
}

export const silentLogger: Logger = pino({ level: 'silent' })
