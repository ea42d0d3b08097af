export * from './dialects.ts'
