import type { Context } from 'hono'
import type { z } from '@hono/zod-openapi'
import { formatPath, ProblemCode, type Problem } from '../domain/index.ts'
import { problemResponse } from './problem-response.ts'

/** Where a request value came from; named in the field so that `query.limit` and `limit` cannot be confused. */
type Target = 'json' | 'query' | 'param' | 'header' | 'cookie' | 'form'

/**
 * Turns zod issues into problems that name the field: unknown keys name the key itself (not the object that
 * holds it), sizes and bounds are `out_of_range`, a missing value is `required`.
 */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], target: Target = 'json'): Problem[] {
  const prefix = target === 'json' || target === 'form' ? [] : [target]
  return issues.flatMap((issue): Problem[] => {
    const path = [...prefix, ...issue.path]
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        code: ProblemCode.UnknownField,
        path: formatPath([...path, key]),
        message: `unknown field "${key}"`,
      }))
    }
    const field = formatPath(path)
    // zod leaves the input out of issues; its message says when the value was missing.
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      return [{ code: ProblemCode.Required, path: field, message: 'is required' }]
    }
    if (issue.code === 'too_big' || issue.code === 'too_small') {
      return [{ code: ProblemCode.OutOfRange, path: field, message: issue.message }]
    }
    return [{ code: ProblemCode.Invalid, path: field, message: issue.message }]
  })
}

/**
 * The zod-openapi `defaultHook`: a request that fails its route's schema is answered 422 with the field named.
 * (Malformed JSON never reaches here: the validator throws a 400 HTTPException, handled in `onError`.)
 */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError; target: Target },
  c: Context,
): Response | undefined {
  if (result.success) return undefined
  return problemResponse(c, issuesToProblems(result.error.issues, result.target))
}
