export * from './clock.ts'
export * from './ids.ts'
export * from './passwords.ts'
export * from './logger.ts'
