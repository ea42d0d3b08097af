export * from './stats-result.ts'
export * from './columns.ts'
export * from './csv-reader.ts'
