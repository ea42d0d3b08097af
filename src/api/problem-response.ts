import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from '@hono/zod-openapi'
import { ProblemCode, type Problem } from '../domain/index.ts'

/**
 * The one table from problem codes to HTTP status. Input problems are 422 (the request was well-formed JSON
 * but its content is wrong), malformed JSON is 400 (set by the caller), state problems are 409.
 */
export const PROBLEM_STATUS: Readonly<Record<ProblemCode, ContentfulStatusCode>> = {
  [ProblemCode.Invalid]: 422,
  [ProblemCode.Required]: 422,
  [ProblemCode.OutOfRange]: 422,
  [ProblemCode.UnknownField]: 422,
  [ProblemCode.ReasonRequired]: 422,
  [ProblemCode.NotFound]: 404,
  [ProblemCode.Forbidden]: 403,
  [ProblemCode.Unauthenticated]: 401,
  [ProblemCode.Conflict]: 409,
  [ProblemCode.StateInvalid]: 409,
  [ProblemCode.Blocked]: 409,
  [ProblemCode.Locked]: 423,
  [ProblemCode.TooLarge]: 413,
  [ProblemCode.RateLimited]: 429,
  [ProblemCode.Unsupported]: 415,
  [ProblemCode.Io]: 503,
}

/** The error body of every failed API call. `field` names the input at fault when there is one. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'out_of_range' }),
      message: z.string().openapi({ example: 'must be at most 100' }),
      field: z.string().optional().openapi({ example: 'values.age' }),
      /** Every problem when there was more than one. */
      details: z.array(z.object({ code: z.string(), message: z.string(), field: z.string().optional() })).optional(),
    }),
  })
  .openapi('Error')
export type ErrorBody = z.infer<typeof ErrorBody>

/** The body for a list of problems: the first one leads, all of them are listed when there are several. */
export function errorBody(problems: readonly Problem[]): ErrorBody {
  const first = problems[0] ?? { code: ProblemCode.Invalid, path: '', message: 'invalid request' }
  const item = (p: Problem) => ({ code: p.code, message: p.message, ...(p.path ? { field: p.path } : {}) })
  return { error: { ...item(first), ...(problems.length > 1 ? { details: problems.map(item) } : {}) } }
}

/** The status of a list of problems: that of the first. */
export function problemStatus(problems: readonly Problem[]): ContentfulStatusCode {
  return PROBLEM_STATUS[problems[0]?.code ?? ProblemCode.Invalid]
}

/** Answers a failed Result: status from the table, body in the one error shape. */
export function problemResponse(c: Context, problems: readonly Problem[], status = problemStatus(problems)): Response {
  return c.json(errorBody(problems), status)
}

/** An error answer that is not a domain Problem (e.g. malformed JSON, an unknown endpoint, an internal error). */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  field?: string,
): Response {
  return c.json({ error: { code, message, ...(field ? { field } : {}) } }, status)
}
