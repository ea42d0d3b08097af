/** The alternative hypothesis of a test, named as in R (`alternative = "two.sided"`). */
export const Alternative = { TwoSided: 'two.sided', Less: 'less', Greater: 'greater' } as const
export type Alternative = (typeof Alternative)[keyof typeof Alternative]
