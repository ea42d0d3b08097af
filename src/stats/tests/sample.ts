/** A named sample (one group of a k-sample test); NaN values are missing and are dropped (R's na.omit). */
export interface Sample {
  readonly name: string
  readonly values: ArrayLike<number>
}

/** The finite values of a sample, in order. */
export function presentValues(values: ArrayLike<number>): Float64Array {
  const out: number[] = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (!Number.isNaN(v)) out.push(v)
  }
  return Float64Array.from(out)
}

/** Drops missing values and empty groups; says which groups were dropped. */
export function usableSamples(samples: readonly Sample[]): {
  readonly kept: { name: string; values: Float64Array }[]
  readonly dropped: string[]
} {
  const kept: { name: string; values: Float64Array }[] = []
  const dropped: string[] = []
  for (const s of samples) {
    const values = presentValues(s.values)
    if (values.length === 0) dropped.push(s.name)
    else kept.push({ name: s.name, values })
  }
  return { kept, dropped }
}
