export { Alternative } from './alternative.ts'
export {
  fisherExact,
  type FisherOptions,
  type FisherResult,
  type Fisher2x2Result,
  type FisherRxCResult,
} from './fisher-exact.ts'
export { fisherNetworkPValue, FEXACT_LOG_TOLERANCE } from './fisher-network.ts'
export { chisqTest, type ChisqOptions, type ChisqResult } from './chisq-test.ts'
export { kruskalWallis, type KruskalResult } from './kruskal-wallis.ts'
export { wilcoxonRankSum, type WilcoxonOptions, type WilcoxonResult, type WilcoxonShift } from './wilcoxon-rank-sum.ts'
export { wilcoxonDistribution, wilcoxonCounts, type WilcoxonDistribution } from './wilcoxon-distribution.ts'
export { oneWayAnova, type OneWayAnovaResult, type WelchAnova } from './one-way-anova.ts'
export { tTest, type TTestOptions, type TTestResult } from './t-test.ts'
export {
  binomTest,
  clopperPearson,
  propTest,
  wilsonInterval,
  type BinomTestResult,
  type PropTestOptions,
  type PropTestResult,
  type ProportionOptions,
} from './proportion-tests.ts'
export { pAdjust, PAdjustMethod } from './p-adjust.ts'
export { mean, median, variance } from './descriptive.ts'
export { midRanks, type Ranking } from './ranks.ts'
export { uniroot, type RootOptions } from './brent-root.ts'
export type { Sample } from './sample.ts'
