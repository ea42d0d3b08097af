export * from './model/index.ts'
export * from './power/index.ts'
export * from './demo/index.ts'
