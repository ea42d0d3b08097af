/**
 * The analysis layer: ADaM-like analysis datasets (typed, documented, written to CSV/JSON with a data dictionary),
 * and the statistical analysis plan that turns them into typed results.
 */
export * from './analysis-datasets.ts'
export * from './data-dictionary.ts'
export * from './dataset-codec.ts'
export * from './dataset-files.ts'
export * from './analysis-results.ts'
export { blindDatasets } from './blind-datasets.ts'
export { applyDataCut } from './data-cut.ts'
export { describeValues } from './describe.ts'
export { MULTIPLICITY_LABEL, runAnalysisPlan, type AnalysisPlanOptions } from './run-analysis-plan.ts'
export { datasetsFromExtract, UNCODED_SOC } from './datasets-from-extract.ts'
