import { describe, expect, it } from 'vitest'
import { ProblemCode } from '../domain/index.ts'
import { errorBody, PROBLEM_STATUS, problemStatus } from './problem-response.ts'
import { issuesToProblems } from './validation-hook.ts'
import { z } from '@hono/zod-openapi'

describe('problem → HTTP status', () => {
  it('maps every problem code to a 4xx (only an unavailable database is a 5xx)', () => {
    for (const code of Object.values(ProblemCode)) {
      const status = PROBLEM_STATUS[code]
      expect(status, code).toBeGreaterThanOrEqual(code === ProblemCode.Io ? 500 : 400)
      expect(status, code).toBeLessThan(code === ProblemCode.Io ? 600 : 500)
    }
    expect(problemStatus([{ code: 'locked', path: '', message: 'locked' }])).toBe(423)
    expect(problemStatus([{ code: 'reason_required', path: 'reason', message: 'needed' }])).toBe(422)
  })

  it('leads with the first problem, names its field, and lists every problem when there are several', () => {
    expect(errorBody([{ code: 'not_found', path: '', message: 'not found' }])).toEqual({
      error: { code: 'not_found', message: 'not found' },
    })
    expect(
      errorBody([
        { code: 'required', path: 'date', message: 'is required' },
        { code: 'invalid', path: 'values.age', message: 'must be a whole number' },
      ]),
    ).toEqual({
      error: {
        code: 'required',
        message: 'is required',
        field: 'date',
        details: [
          { code: 'required', message: 'is required', field: 'date' },
          { code: 'invalid', message: 'must be a whole number', field: 'values.age' },
        ],
      },
    })
  })
})

describe('zod issues → problems naming the field', () => {
  const Body = z.strictObject({
    date: z.iso.date(),
    n: z.number().int().max(10),
    nested: z.strictObject({ a: z.string() }),
  })

  it('names unknown keys themselves, sizes as out_of_range, missing values as required', () => {
    const parsed = Body.safeParse({ n: 11, nested: { a: 1, b: 2 }, extra: true })
    if (parsed.success) throw new Error('expected a failure')
    const problems = issuesToProblems(parsed.error.issues)
    expect(problems.map((p) => [p.code, p.path])).toEqual(
      expect.arrayContaining([
        ['unknown_field', 'extra'],
        ['required', 'date'],
        ['out_of_range', 'n'],
        ['invalid', 'nested.a'],
        ['unknown_field', 'nested.b'],
      ]),
    )
  })

  it('prefixes query and path parameters with where they came from', () => {
    const parsed = z.strictObject({ limit: z.coerce.number().max(5) }).safeParse({ limit: '9' })
    if (parsed.success) throw new Error('expected a failure')
    expect(issuesToProblems(parsed.error.issues, 'query')[0]).toMatchObject({
      code: 'out_of_range',
      path: 'query.limit',
    })
  })
})
