export * from './model/index.ts'
export * from './power/index.ts'
