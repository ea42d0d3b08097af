/** Designs for the power tests, built as plain data (no protocol file needed). */
import { defaultNaturalHistory, DAYS_PER_MONTH } from '../model/index.ts'
import type { GaussianModel, PowerDesign } from './design.ts'

/** A two-arm 1:1 design, A vs P, visits every month to `months`, unadjusted slope model, alpha 0.05. */
export function twoArmDesign(options: { months?: number; model?: 'gaussian' | 'natural-history' } = {}): PowerDesign {
  const months = options.months ?? 6
  const gaussian: GaussianModel = {
    kind: 'gaussian',
    interceptMean: 38,
    interceptSd: 5,
    slopeMean: -0.95,
    slopeSd: 0.6,
    interceptSlopeCorrelation: 0,
    residualSd: 1.5,
  }
  return {
    label: 'two-arm test design',
    studyId: 'TEST',
    protocolHash: '0'.repeat(64),
    arms: ['A', 'P'],
    control: 'P',
    weights: [1, 1],
    active: ['A'],
    visitDays: Array.from({ length: months + 1 }, (_, j) => Math.round(j * DAYS_PER_MONTH)),
    effectFromDay: 0,
    endpoint: { id: 'ALSFRSR', label: 'ALSFRS-R total', adjustForBaseline: false },
    alpha: 0.05,
    multiplicity: 'none',
    dropoutPerYear: null,
    enrichment: null,
    model: options.model === 'natural-history' ? { kind: 'natural-history', params: defaultNaturalHistory } : gaussian,
  }
}
