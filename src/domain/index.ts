export * from './result.ts'
export * from './ids.ts'
export * from './roles.ts'
export * from './protocol.ts'
