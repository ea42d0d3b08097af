import type { Problem, ProtocolFile } from '../domain/index.ts'

/**
 * Cross-reference checks the schema cannot express. Returns every problem found, each with the path of
 * the offending value, so an author fixes them in one pass.
 */
export function validateProtocol(protocol: ProtocolFile): Problem[] {
  const problems: Problem[] = []
  const armIds = new Set(protocol.arms.map((a) => a.id))
  const formIds = new Set(protocol.forms.map((f) => f.id))
  protocol.periods.forEach((period, i) => {
    const ratio = period.allocation?.ratio
    if (!ratio) return
    for (const arm of Object.keys(ratio)) {
      if (!armIds.has(arm)) {
        problems.push({ code: 'invalid', path: `periods[${i}].allocation.ratio.${arm}`, message: `unknown arm "${arm}"` })
      }
    }
  })
  protocol.visits.forEach((visit, i) => {
    visit.forms.forEach((form, j) => {
      if (!formIds.has(form)) {
        problems.push({ code: 'invalid', path: `visits[${i}].forms[${j}]`, message: `unknown form "${form}"` })
      }
    })
  })
  return problems
}
