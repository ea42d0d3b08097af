import { z } from 'zod'
import { fail, ok, ProblemCode, type Result } from '../domain/index.ts'
import { listRandomizationLists, updateStudy, type Conn, type StudyTable } from '../store/index.ts'
import type { Ctx } from './context.ts'

/**
 * Checks the services' seal key against the study's stored check value, inside the caller's transaction. A
 * study set up before check values existed gets its value stored here, once the key has opened one of its
 * sealed seeds (proof it is the right key); a study with nothing sealed yet cannot tell, and takes this key.
 * Not audited: the check value is key-management metadata and changes no trial data.
 */
export async function verifySealCheck(ctx: Ctx, tx: Conn, study: StudyTable): Promise<Result<true>> {
  if (study.seal_check !== null) return study.seal_check === ctx.sealer.keyCheck ? ok(true) : mismatch(ctx)
  const [list] = await listRandomizationLists(tx)
  if (list && !opens(ctx, list.seed_sealed, `randomization_seed:${list.period_id}`)) return mismatch(ctx)
  await updateStudy(tx, study.id, { seal_check: ctx.sealer.keyCheck })
  return ok(true)
}

function opens(ctx: Ctx, sealed: string, context: string): boolean {
  try {
    ctx.sealer.open(z.string(), sealed, context)
    return true
  } catch {
    // The sealer throws on a failed authentication (a bug everywhere else); here it is the answer sought.
    return false
  }
}

function mismatch(ctx: Ctx): Result<never> {
  return fail({
    code: ProblemCode.Invalid,
    path: ctx.sealKeySource,
    message: 'does not match the key this database was sealed with (its sealed allocations would not open)',
  })
}
