export * from './distributions.ts'
export * from './survival/index.ts'
