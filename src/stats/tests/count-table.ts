import { statsFail, statsOk, type StatsResult } from '../data/index.ts'

/**
 * Checks a contingency table: at least 2 × 2, rectangular, finite non-negative integers (R rounds near-integers;
 * here anything that is not an integer is refused, as a count with a fraction is a data error).
 */
export function checkCountTable(table: readonly (readonly number[])[]): StatsResult<readonly (readonly number[])[]> {
  const cols = table[0]?.length ?? 0
  if (table.length < 2 || cols < 2)
    return statsFail('invalid', 'table', 'the table must have at least 2 rows and 2 columns')
  for (let i = 0; i < table.length; i++) {
    const row = table[i] as readonly number[]
    if (row.length !== cols)
      return statsFail('invalid', `table[${i}]`, `row ${i + 1} has ${row.length} cells, expected ${cols}`)
    for (let j = 0; j < cols; j++) {
      const v = row[j] as number
      if (!Number.isInteger(v) || v < 0) {
        return statsFail(
          'invalid',
          `table[${i}][${j}]`,
          `cell (${i + 1}, ${j + 1}) is ${v}: counts must be non-negative integers`,
        )
      }
    }
  }
  return statsOk(table)
}
