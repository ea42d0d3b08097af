import { describe, expect, it } from 'vitest'
import { numericValues, type Column, type DataFrame } from './columns.ts'
import { parseCsv } from './csv-reader.ts'

function read(text: string, opts = {}): DataFrame {
  const r = parseCsv(Buffer.from(text), { source: 'visits.csv', ...opts })
  if (!r.ok) throw new Error(r.problems[0]?.message)
  return r.value
}
function failure(text: string, opts = {}): string {
  const r = parseCsv(Buffer.from(text), { source: 'visits.csv', ...opts })
  if (r.ok) throw new Error('parsed')
  return `${r.problems[0]?.path}: ${r.problems[0]?.message}`
}
const col = (f: DataFrame, name: string): Column => f.columns.get(name) as Column

describe('parseCsv', () => {
  it('reads numbers into Float64Array and text into codes, with missing values', () => {
    const f = read('id,score,arm\n1,12.5,P\n2,,D1\n3,NA,P\n4,1e-3,\n')
    expect(f.nRows).toBe(4)
    expect(f.names).toEqual(['id', 'score', 'arm'])
    const score = col(f, 'score')
    expect(score.kind).toBe('numeric')
    if (score.kind === 'numeric') expect(Array.from(score.values)).toEqual([12.5, NaN, NaN, 0.001])
    const arm = col(f, 'arm')
    expect(arm).toMatchObject({ kind: 'text', labels: ['P', 'D1'] })
    if (arm.kind === 'text') expect(Array.from(arm.codes)).toEqual([0, 1, 0, -1])
  })

  it('parses numbers exactly (correctly rounded), including long mantissas and exponents', () => {
    const values = ['0.1', '-3.14159265358979', '+7', '.5', '5.', '1.7976931348623157e+308', '123456789012345678901', '2.2250738585072014e-308', '0.30000000000000004']
    const f = read(`x\n${values.join('\n')}\n`)
    const x = col(f, 'x')
    if (x.kind !== 'numeric') throw new Error('not numeric')
    expect(Array.from(x.values)).toEqual(values.map(Number))
  })

  it('handles quotes, CRLF, a BOM, blank lines and a missing final newline', () => {
    const f = read('\ufeff"name","note",v\r\n"Smith, J","said ""hi""",1\r\n\r\n"Doe",plain,"2"')
    expect(f.names).toEqual(['name', 'note', 'v'])
    const note = col(f, 'note')
    if (note.kind === 'text') expect(note.labels).toEqual(['said "hi"', 'plain'])
    const v = col(f, 'v')
    if (v.kind === 'numeric') expect(Array.from(v.values)).toEqual([1, 2])
    expect(v.kind).toBe('numeric')
  })

  it('turns a column into text when a non-number appears late, keeping every earlier value', () => {
    const f = read('g,y\n1,5\n2,6\n10,7\nx,8\n1,9\n')
    const g = col(f, 'g')
    expect(g.kind).toBe('text')
    if (g.kind !== 'text') return
    expect(g.labels).toEqual(['1', '2', '10', 'x'])
    expect(Array.from(g.codes)).toEqual([0, 1, 2, 3, 0])
    const asNumber = numericValues(f, g)
    expect(asNumber.ok).toBe(false)
    if (!asNumber.ok) expect(asNumber.problems[0]?.message).toBe('column "g", line 5: "x" is not a number (the column is used as numeric)')
  })

  it('reads only the requested columns', () => {
    const f = read('a,b,c\n1,x,3\n4,y,6\n', { columns: ['c', 'a'] })
    expect([...f.columns.keys()].sort()).toEqual(['a', 'c'])
  })

  it('reports malformed files with the line and the rule', () => {
    expect(failure('a,b\n1,2\n3\n')).toBe('visits.csv: line 3 has 1 field, the header has 2')
    expect(failure('a,b\n1,"2\n')).toBe('visits.csv: line 2: a quoted field is not closed')
    expect(failure('a,a\n1,2\n')).toBe('visits.csv: line 1: duplicate column name "a"')
    expect(failure('')).toBe('visits.csv: the file is empty (no header line)')
    expect(failure('a,b\n1,2\n', { columns: ['c'] })).toBe('visits.csv: no column "c" (columns: a, b)')
  })

  it('reads a 200,000-row file with numeric and text columns correctly', () => {
    const arms = ['P', 'D1', 'D2', 'D4']
    const lines = ['time,status,arm']
    for (let i = 0; i < 200_000; i++) lines.push(`${(i * 7.25) % 1000},${i % 3 === 0 ? 0 : 1},${arms[i % 4]}`)
    const f = read(lines.join('\n') + '\n')
    expect(f.nRows).toBe(200_000)
    const time = col(f, 'time')
    if (time.kind !== 'numeric') throw new Error('time not numeric')
    expect(time.values[199_999]).toBe((199_999 * 7.25) % 1000)
    const arm = col(f, 'arm')
    if (arm.kind !== 'text') throw new Error('arm not text')
    expect(arm.labels).toEqual(arms)
    expect(arm.codes[199_998]).toBe(2)
  })
})
