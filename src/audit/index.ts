/**
 * The audit trail: append-only records (who, role, site, when in UTC, what entity, field-level old/new, why),
 * written in the same transaction as the change, hash-chained (SHA-256 over the record and the previous hash,
 * `seq` gapless), verified by `verifyAuditChain` (the CLI's `trialdesk audit verify`), and read through a
 * projection that masks sensitive (allocation) values for blinded readers; those values are sealed at rest.
 */
export * from './audit-kinds.ts'
export * from './audit-record.ts'
export { appendAudit, auditSealContext, type AuditContext } from './append-audit.ts'
export { verifyAuditChain, type AuditVerification } from './verify-audit.ts'
export * from './audit-view.ts'
