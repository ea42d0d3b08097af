export * from './dialects.ts'
export * from './study-fixture.ts'
export * from './form-values.ts'
