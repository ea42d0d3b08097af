export type { Formula, FormulaNode } from './formula-ast.ts'
export { parseFormula } from './formula-parser.ts'
export {
  modelSpec,
  parseModel,
  type ModelSpec,
  type RandomTerm,
  type Response,
  type Term,
  type VariableRef,
} from './model-terms.ts'
export {
  buildDesignMatrix,
  type DesignColumn,
  type DesignMatrix,
  type DesignOptions,
  type DesignPart,
} from './design-matrix.ts'
