export * from './distributions.ts'
export * from './survival/index.ts'
export * from './lmm/index.ts'
