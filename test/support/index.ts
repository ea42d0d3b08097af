export * from './dialects.ts'
export * from './study-fixture.ts'
