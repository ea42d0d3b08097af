/** The bench sections, in run order. Each prints its own figures and ratios. */
export interface BenchSection {
  readonly id: string
  readonly title: string
  run(): Promise<void>
}

export const sections: BenchSection[] = []
