import { auditRowsAfter, GENESIS_HASH, readAuditHead, type Conn } from '../store/index.ts'
import { hashAuditRow } from './audit-record.ts'

export interface AuditVerification {
  readonly ok: boolean
  /** Records checked. */
  readonly records: number
  /** Hash of the last record (or the genesis hash): publish it to anchor the chain outside the database. */
  readonly headHash: string
  readonly firstBroken?: { readonly seq: number; readonly reason: string }
}

const PAGE = 2000

/**
 * Recomputes the whole chain: seqs must run 1, 2, 3, ... without gaps, each record's `prev_hash` must be
 * the previous record's hash and its `hash` must match its content; the head row must point at the last
 * record. Reports the first record where any of this fails.
 *
 * Limits (inherent to a chain kept in the same database): whoever rewrites every record after an edit and
 * the head row too goes undetected unless the head hash was anchored elsewhere, which is why it is printed.
 */
export async function verifyAuditChain(c: Conn): Promise<AuditVerification> {
  let records = 0
  let prevHash = GENESIS_HASH
  const broken = (seq: number, reason: string): AuditVerification => ({
    ok: false,
    records,
    headHash: prevHash,
    firstBroken: { seq, reason },
  })
  for (;;) {
    const rows = await auditRowsAfter(c, records, PAGE)
    for (const row of rows) {
      const seq = Number(row.seq)
      if (seq !== records + 1) return broken(records + 1, `record missing (the next record is seq ${seq})`)
      if (row.prev_hash !== prevHash) return broken(seq, `prev_hash does not match the hash of seq ${seq - 1}`)
      if (hashAuditRow(row) !== row.hash) return broken(seq, 'content does not match its hash (record edited)')
      prevHash = row.hash
      records = seq
    }
    if (rows.length < PAGE) break
  }
  const head = await readAuditHead(c)
  if (head.seq !== records || head.hash !== prevHash) {
    return broken(
      head.seq > records ? records + 1 : head.seq,
      `the chain head says seq ${head.seq}, the log ends at seq ${records}`,
    )
  }
  return { ok: true, records, headHash: prevHash }
}
