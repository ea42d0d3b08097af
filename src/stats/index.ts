export * from './distributions.ts'
