import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isFormulaLike, neutraliseCell, parseCsv, toCsv } from './index.ts'

describe('CSV writing neutralises formula injection', () => {
  it('prefixes cells a spreadsheet would run, keeps plain numbers', () => {
    expect(neutraliseCell('=cmd|"/c calc"!A1')).toBe(`'=cmd|"/c calc"!A1`)
    for (const s of ['+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx', '-', '+']) expect(neutraliseCell(s)).toBe(`'${s}`)
    for (const s of ['-3.5', '+4', '12', '-0.001e3', 'abc', '', 'a=b']) expect(neutraliseCell(s)).toBe(s)
  })

  it('quotes separators and quotes (RFC 4180) and reads back to the neutralised text', () => {
    const csv = toCsv(
      ['a', 'b', 'c'],
      [
        ['x,y', 'he said "hi"', '=HYPERLINK("http://x")'],
        [-3.5, true, null],
      ],
    )
    expect(csv).toBe(`a,b,c\r\n"x,y","he said ""hi""","'=HYPERLINK(""http://x"")"\r\n-3.5,1,\r\n`)
    const back = parseCsv(csv)
    if (!back.ok) throw new Error('parse failed')
    expect(back.value.rows[0]?.cells).toEqual({ a: 'x,y', b: 'he said "hi"', c: `'=HYPERLINK("http://x")` })
    expect(back.value.formulaCells).toEqual([])
  })

  it('property: no written cell ever starts a formula, and every cell reads back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ maxLength: 12 }), { minLength: 2, maxLength: 2 }), { maxLength: 8 }),
        (rows) => {
          const parsed = parseCsv(toCsv(['p', 'q'], rows))
          if (!parsed.ok) return false
          return parsed.value.rows.every((r, i) =>
            [r.cells['p'], r.cells['q']].every(
              (cell, j) => !isFormulaLike(cell ?? '') && (cell === rows[i]?.[j] || cell === `'${rows[i]?.[j] ?? ''}`),
            ),
          )
        },
      ),
    )
  })
})

describe('CSV reading', () => {
  it('flags formula-like cells with their line and keeps them as text', () => {
    const r = parseCsv('name,note\r\nx,"=cmd|\' /C calc\'!A0"\r\ny,-4\r\n')
    if (!r.ok) throw new Error('parse failed')
    expect(r.value.formulaCells).toEqual([{ line: 2, column: 'note', value: "=cmd|' /C calc'!A0" }])
    expect(r.value.rows[0]?.cells['note']).toBe("=cmd|' /C calc'!A0")
  })
  it('refuses malformed or oversized CSV with the line', () => {
    expect(parseCsv('a,b\n1,"unterminated\n')).toMatchObject({ ok: false })
    const ragged = parseCsv('a,b\n1,2\n3\n')
    expect(ragged.ok ? null : ragged.problems[0]).toMatchObject({ code: 'invalid', path: 'line 3' })
    expect(parseCsv('a\n' + 'x\n'.repeat(20), { maxRows: 10 })).toMatchObject({
      ok: false,
      problems: [{ code: 'too_large' }],
    })
    expect(parseCsv(`a\n${'y'.repeat(5000)}\n`, { maxRecordChars: 1000 })).toMatchObject({ ok: false })
    expect(parseCsv('')).toMatchObject({ ok: false, problems: [{ message: 'empty CSV: no header row' }] })
  })
})
